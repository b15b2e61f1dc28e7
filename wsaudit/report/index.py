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
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wsaudit.analysis.simulate import automation_sentence
from wsaudit.iorw import write_text
from wsaudit.report import summary, views
from wsaudit.report.page import nav
from wsaudit.report.templating import fragment, render as render_template

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation
    from wsaudit.api import Audit

def _html(view):
    """A view (a table, a paragraph, or a sentence) as HTML the page template prints as is."""
    if isinstance(view, str):
        return fragment(render_template("paragraph.html.j2", text=view, strong=False))
    return fragment(view._repr_html_())


def render(audit: Audit, simulation: Simulation, pages: Sequence[tuple[str, str]], *, date: _dt.date,
           commit: str = "", top: int = 10, changes: dict | None = None, model_note: str = "") -> str:
    """The overview page as HTML text (``templates/overview.html.j2``).

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
    changes : dict, optional
        With ``--archive``: the "what changed" section's facts (:func:`changes_context`), shown
        first after the headline figures.
    model_note : str
        Where the model's numbers come from (the calibration's sentence).
    """
    h = summary.headline(audit, simulation)
    where = f"{audit.root.resolve().name}, {date.isoformat()}"
    if commit:
        where += f", commit {commit[:12]}"
    done = summary.working_day(date, h["days_to_done_p50"]).isoformat()
    clear = summary.working_day(date, h["days_to_zero_p0_p50"]).isoformat()
    figures = [
        {"value": f"{h['violations']:,}", "label": f"violations in {h['files_with_violations']:,} files", "css": ""},
        *({"value": f"{h[t]:,}", "label": f"{t} violations", "css": t} for t in ("P0", "P1", "P2")),
        {"value": clear, "label": "no P0 left outside the shim (median run)", "css": ""},
        {"value": done, "label": "plan done (median run)", "css": ""},
    ]
    suppressed = [{"where": f"{v.path}:{v.line}", "rule_id": v.rule_id, "name": v.name, "reason": reason}
                  for v, reason in audit.suppressed_records]
    return render_template(
        "overview.html.j2", title=views.title(audit), nav=fragment(nav(pages, "index.html")),
        where=where, files_scanned=h["files_scanned"], config_name=Path(audit.config.source).name,
        figures=figures, changes=changes, notices=[n.message for n in audit.notices],
        tiers=_html(views.tiers(audit)), suppressed=suppressed, strategy=h["recommended_strategy"],
        date=date.isoformat(), plan_dates=_html(views.plan_dates(simulation, date)),
        p0_note=summary.p0_note(simulation), automation=automation_sentence(simulation.document()),
        model_note=model_note, shim_files=_html(views.shim_files(audit)), golden_path=views.golden_path_sentence(audit),
        chains=_html(views.chains(audit, "P0", top=top)), baseline=_html(views.baseline(audit, simulation)),
        pages=list(pages))


def write_index(output_dir: Path, audit: Audit, simulation: Simulation, pages: Sequence[tuple[str, str]], *,
                date: _dt.date, commit: str = "", changes: dict | None = None, model_note: str = "") -> Path:
    """Write ``output_dir/index.html``; its path. ``model_note``: where the model's numbers come
    from (the calibration's sentence)."""
    target = output_dir / "index.html"
    write_text(target, render(audit, simulation, pages, date=date, commit=commit, changes=changes,
                              model_note=model_note))
    return target


_KIND_TITLES = (("new_p0", "New P0"), ("reintroduced", "Re-introduced definition"), ("new", "New"),
                ("moved", "Moved"), ("fixed", "Fixed"))
_COUNT_WORDS = (("new", "new"), ("fixed", "fixed"), ("moved", "moved between files"), ("new_p0", "new P0"),
                ("reintroduced", "re-introduced definitions"))
RUN_COLUMNS = ("run", "violations", "P0", "P1", "P2", "new", "fixed")


def changes_context(doc: dict, runs: Sequence[dict], trend_png: bytes = b"", trend_alt: str = "",
                    limit: int = 50) -> dict:
    """The facts of an archived run's "what changed since the previous run" section
    (``templates/changes.html.j2``): the counts, the changed violations (new P0s and
    re-introduced definitions first, with the commit and author that last touched the line when
    git knows them), the trend over the kept runs (the PNG inline, so the page needs nothing
    else) and the runs.

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

    Examples
    --------
    >>> ctx = changes_context({"run": "2026-01-05-nogit", "since": None}, [])
    >>> ctx["since"] is None, ctx["rows"]
    (True, [])
    """
    import base64

    rows = []
    for kind, label in _KIND_TITLES:
        for r in (doc.get(kind) or [])[:limit]:
            where = f"{r['path']}:{r['line']}"
            if r.get("from_path"):
                where = f"{r['from_path']}:{r['from_line']} \u2192 {where}"
            who = f"{r['commit'][:10]} {r.get('author', '')}" if r.get("commit") else ""
            rows.append((label, r.get("tier") or "", where, r["rule_id"], r["category"], r["name"], who,
                         r.get("summary", "")))
    counts = doc.get("counts") or {}
    return {
        "run": doc["run"], "since": doc.get("since"), "rows": rows, "plan": doc.get("plan"),
        "counts": [(counts.get(k, 0), words) for k, words in _COUNT_WORDS],
        "trend_uri": f"data:image/png;base64,{base64.b64encode(trend_png).decode('ascii')}" if trend_png else "",
        "trend_alt": trend_alt, "run_columns": RUN_COLUMNS,
        "runs": [["" if r.get(k) is None else str(r.get(k)) for k in RUN_COLUMNS] for r in runs],
    }
