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
           commit: str = "", top: int = 10) -> str:
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
        *_warnings(audit),
        "<h2>What is left</h2>",
        _table(views.tiers(audit)),
        *_suppressed(audit),
        "<h2>The recommended plan</h2>",
        f"<p>Order: <b>{html.escape(h['recommended_strategy'])}</b>, counted in working days from "
        f"{date.isoformat()}.</p>",
        _table(views.plan_dates(simulation, date)),
        f"<p>{html.escape(summary.p0_note(simulation))}</p>",
        "<h2>The P0 files to start with</h2>",
        f"<p>{html.escape(views.golden_path_sentence(audit))}</p>",
        _table(views.chains(audit, "P0", top=top)),
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
                date: _dt.date, commit: str = "") -> Path:
    """Write ``output_dir/index.html``; its path."""
    target = output_dir / "index.html"
    write_text(target, render(audit, simulation, pages, date=date, commit=commit))
    return target
