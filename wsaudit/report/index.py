"""``index.html``: the page a report folder opens with.

What a reader needs first: how much is left (violations by tier and category, files), when the
recommended plan clears P0 and ends (dates counted in working days from the report's date),
the P0 files to start with and why they are P0, the plan against the baseline the team works
from, and a link to every page the report produced (whatever notebooks there were). Its words
come from the configuration (``[report]``, the rules) and from the measurements, never from
anything else.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wsaudit.analysis.simulate import automation_sentence
from wsaudit.iorw import write_text
from wsaudit.report import summary, views
from wsaudit.report.page import CSS, nav

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation
    from wsaudit.api import Audit

PAGE_CSS = CSS + """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1100px;
  margin: 1.5em auto; padding: 0 1.5em; }
h1 { font-size: 1.8em; margin: .2em 0; }
h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #eee; }
.lead { color: #555; margin-top: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; padding: 0; list-style: none; }
.figures li { border: 1px solid #ddd; border-radius: 6px; padding: .6em 1em; min-width: 8em; }
.figures b { display: block; font-size: 1.6em; }
.P0 b { color: #b11f1f; }
.pages li { margin: .3em 0; }
"""


def _figure(value: str, label: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<li{cls}><b>{html.escape(value)}</b>{html.escape(label)}</li>"


def _table(view) -> str:
    return view if isinstance(view, str) and view.startswith("<") else (
        f"<p>{html.escape(view)}</p>" if isinstance(view, str) else view._repr_html_())


def render(audit: Audit, simulation: Simulation, pages: Sequence[tuple[str, str]], *, date: _dt.date,
           commit: str = "", top: int = 10, changes: str = "", model_note: str = "") -> str:
    """The overview page as HTML text.

    Parameters
    ----------
    audit, simulation
        The report's audit and simulation.
    pages : sequence of (file name, heading)
        The report's other pages, in order.
    date : datetime.date
        The report's date: the plan's dates count working days from it.
    commit : str
        The audited commit, when the tree is a git checkout.
    top : int
        How many P0 files to list.
    changes : str
        With ``--archive``: the "what changed" section (:func:`changes_section`), first after
        the headline figures.
    """
    h = summary.headline(audit, simulation)
    title = views.title(audit)
    where = f"{html.escape(audit.root.resolve().name)}, {date.isoformat()}"
    if commit:
        where += f", commit {html.escape(commit[:12])}"
    done = summary.working_day(date, h["days_to_done_p50"]).isoformat()
    clear = summary.working_day(date, h["days_to_zero_p0_p50"]).isoformat()
    figures = "".join([
        _figure(f"{h['violations']:,}", f"violations in {h['files_with_violations']:,} files"),
        *(_figure(f"{h[t]:,}", f"{t} violations", t) for t in ("P0", "P1", "P2")),
        _figure(clear, "no P0 left outside the shim (median run)"),
        _figure(done, "plan done (median run)"),
    ])
    links = "".join(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' for href, text in pages)
    body = [
        nav(pages, "index.html"),
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="lead">{where}: {h["files_scanned"]:,} Python files audited; configuration '
        f"{html.escape(Path(audit.config.source).name)}.</p>",
        f'<ul class="figures" aria-label="Headline figures">{figures}</ul>',
        *([changes] if changes else []),
        *_warnings(audit),
        "<h2>What is left</h2>",
        _table(views.tiers(audit)),
        *_suppressed(audit),
        "<h2>The recommended plan</h2>",
        f"<p>Order: <b>{html.escape(h['recommended_strategy'])}</b>, counted in working days from "
        f"{date.isoformat()}.</p>",
        _table(views.plan_dates(simulation, date)),
        f"<p>{html.escape(summary.p0_note(simulation))}</p>",
        f"<p>{html.escape(automation_sentence(simulation.document()))}</p>",
        *([f"<p>{html.escape(model_note)}</p>"] if model_note else []),
        "<h2>The P0 files to start with</h2>",
        f"<p>{html.escape(views.golden_path_sentence(audit))}</p>",
        _table(views.chains(audit, "P0", top=top)),
        "<h3>The deprecated modules themselves</h3>",
        "<p>Not files to start with: the plan deletes them in its last wave, once nothing uses them.</p>",
        _table(views.shim_files(audit)),
        "<h2>Against the baseline</h2>",
        _table(views.baseline(audit, simulation)),
        "<h2>Every page of this report</h2>",
        f'<ul class="pages">{links}</ul>',
        '<p class="lead">Tables: violations, files and diagnostics (CSV, JSON), simulation.json, plan.csv and '
        'plan.md, graph.json, summary.json and history.csv, in this folder.</p>',
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f"<title>Overview - {html.escape(title)}</title>\n<style>{PAGE_CSS}</style>\n</head>\n<body>\n<main>\n"
            + "\n".join(body) + "\n</main>\n</body>\n</html>\n")


def _warnings(audit: Audit) -> list[str]:
    """The audit's warnings (a rule that matches nothing gates nothing), first thing after the
    headline: none, nothing."""
    if not audit.notices:
        return []
    items = "".join(f"<li>{html.escape(n.message)}</li>" for n in audit.notices)
    return ["<h2>Warnings</h2>", "<p>What makes this audit check less than its configuration means:</p>",
            f'<ul class="warnings">{items}</ul>']


def _suppressed(audit: Audit) -> list[str]:
    """The uses a comment accepts, each with its reason (not counted above): none, nothing."""
    if not audit.suppressed_records:
        return []
    items = "".join(f"<li><code>{html.escape(f'{v.path}:{v.line}')}</code> {html.escape(v.rule_id)} "
                    f"{html.escape(v.name)}: {html.escape(reason)}</li>" for v, reason in audit.suppressed_records)
    return [f"<p>{len(audit.suppressed_records):,} uses are accepted by a <code># wsaudit: ignore</code> comment "
            "(not counted above), each for its reason:</p>", f'<ul class="suppressed">{items}</ul>']


def write_index(output_dir: Path, audit: Audit, simulation: Simulation, pages: Sequence[tuple[str, str]], *,
                date: _dt.date, commit: str = "", changes: str = "", model_note: str = "") -> Path:
    """Write ``output_dir/index.html``; its path. ``model_note``: where the model's numbers come
    from (the calibration's sentence)."""
    target = output_dir / "index.html"
    write_text(target, render(audit, simulation, pages, date=date, commit=commit, changes=changes,
                              model_note=model_note))
    return target


_KIND_TITLES = (("new_p0", "New P0"), ("reintroduced", "Re-introduced definition"), ("new", "New"),
                ("moved", "Moved"), ("fixed", "Fixed"))


def changes_section(doc: dict, runs: Sequence[dict], trend_png: bytes = b"", trend_alt: str = "",
                    limit: int = 50) -> str:
    """The "what changed since the previous run" section of an archived run's landing page:
    the counts, a table of the changed violations (new P0s and re-introduced definitions
    first, with the commit and author that last touched the line when git knows them), the
    trend over the kept runs (the PNG inline, so the page needs nothing else) and the runs.

    Parameters
    ----------
    doc : dict
        ``changes.json`` (:func:`wsaudit.report.changes.document`).
    runs : sequence of dict
        The kept runs' rows, oldest first (:mod:`wsaudit.report.runs`).
    trend_png, trend_alt : bytes, str
        The trend figure and its alt text.
    limit : int
        At most this many rows of each kind in the table (``changes.json`` has them all).
    """
    import base64

    out = ['<section class="changes" aria-labelledby="changes-heading">',
           '<h2 id="changes-heading">What changed since the previous run</h2>']
    if doc.get("since") is None:
        out.append(f"<p>{html.escape(doc['run'])} is the first kept run: nothing to compare with yet.</p>")
    else:
        c = doc["counts"]
        out.append(f"<p>Since <b>{html.escape(doc['since'])}</b>: <b>{c['new']:,}</b> new, "
                   f"<b>{c['fixed']:,}</b> fixed, <b>{c['moved']:,}</b> moved between files, "
                   f"<b>{c['new_p0']:,}</b> new P0, <b>{c['reintroduced']:,}</b> re-introduced definitions "
                   "(changes.md, changes.json).</p>")
        rows = []
        for kind, label in _KIND_TITLES:
            for r in (doc.get(kind) or [])[:limit]:
                where = f"{r['path']}:{r['line']}"
                if r.get("from_path"):
                    where = f"{r['from_path']}:{r['from_line']} \u2192 {where}"
                who = f"{r['commit'][:10]} {r.get('author', '')}" if r.get("commit") else ""
                cells = (label, r.get("tier") or "", where, r["rule_id"], r["category"], r["name"], who,
                         r.get("summary", ""))
                rows.append("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in cells) + "</tr>")
        if rows:
            head = "".join(f"<th>{h}</th>" for h in ("change", "tier", "where", "rule", "category", "name",
                                                      "last touched by", "commit message"))
            out.append(f'<table class="change-table"><thead><tr>{head}</tr></thead><tbody>'
                       + "".join(rows) + "</tbody></table>")
        else:
            out.append("<p>No violation appeared, left or moved.</p>")
    if doc.get("plan"):
        p = doc["plan"]
        out.append(f"<p>Against the plan made at the first kept run ({html.escape(p['run'])}): "
                   f"<b>{p['planned_left']:g}</b> violations left by now in its median run; "
                   f"<b>{p['actual_left']:,}</b> are left.</p>")
    if trend_png:
        data = base64.b64encode(trend_png).decode("ascii")
        out.append(f'<p><img class="trend" src="data:image/png;base64,{data}" alt="{html.escape(trend_alt)}" '
                   'style="max-width:100%"></p>')
    head = "".join(f"<th>{h}</th>" for h in ("run", "violations", "P0", "P1", "P2", "new", "fixed"))
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if r.get(k) is None else str(r.get(k)))}</td>"
                                    for k in ("run", "violations", "P0", "P1", "P2", "new", "fixed")) + "</tr>"
                   for r in runs)
    out.append(f'<table class="runs-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    out.append("<p class=\"lead\">The kept runs: runs.csv and runs.json in the report's top folder.</p>")
    out.append("</section>")
    return "\n".join(out)
