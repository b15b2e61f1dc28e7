"""What the notebooks and the overview page show: the tables of :mod:`wsaudit.report.summary`
as :class:`~wsaudit.report.tables.Table` (labels in words, one number format per kind), and
the report's words, which come from the configuration (``[report]``, the rules' messages)."""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wsaudit.model import CATEGORIES, TIERS
from wsaudit.report import summary
from wsaudit.report.tables import Table, cell

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation
    from wsaudit.api import Audit

CATEGORY_LABELS = {c: c.removeprefix("deprecated-") + "s" for c in CATEGORIES}  # "imports", "calls", ...


def title(audit: Audit) -> str:
    """The report's title: ``[report] title``, else one naming the audited folder."""
    return audit.config.report.title or f"Deprecated API audit of {audit.root.resolve().name}"


def golden_path_sentence(audit: Audit) -> str:
    """What the Golden Path is: ``[report] golden_path``, else what the configuration makes it."""
    if audit.config.report.golden_path:
        return audit.config.report.golden_path
    n, tests = len(audit.golden_path), len(audit.config.golden_path.tests)
    if not n:
        return "No Golden Path is configured ([golden_path] modules), so every module ranks by tests and code alone."
    made = "the configured Golden Path modules" + (" and the modules its configured tests import" if tests else "")
    return f"The Golden Path is {made}: {n} module{'s' if n > 1 else ''} of this tree."



def rule_table(audit: Audit) -> Table:
    """The configured rules in their own words."""
    rows = [{"rule": r.id, "deprecated": r.target, "use instead": r.replacement,
             "message": r.message} for r in audit.config.rules]
    return Table(pd.DataFrame(rows, columns=["rule", "deprecated", "use instead", "message"]))


def size(audit: Audit) -> Table:
    return Table(summary.graph_summary(audit), labels={"measure": "", "value": ""}, kinds={"value": "count"})


def packages(audit: Audit) -> Table:
    frame = summary.packages(audit)
    tests = sum(1 for n in audit.graph if audit.graph.nodes[n]["is_test"])
    return Table(frame, caption=f"Test modules ({tests}) are not listed.")


def cycles(audit: Audit) -> Table:
    return Table(summary.cycles(audit), labels={"cycle": "modules in the cycle"}, empty="No import cycle.")


def by_category(audit: Audit) -> Table:
    frame = summary.by_category(audit).rename_axis("rule").reset_index()
    return Table(frame, labels=CATEGORY_LABELS)


def naive_totals(audit: Audit) -> Table:
    return Table(summary.naive_totals(audit), labels={"count": "", "value": "violations"}, kinds={"value": "count"})


def naive_comparison(audit: Audit) -> Table:
    return Table(summary.naive_comparison(audit), labels={"path": "file", "naive": "line-regex count",
                                                          "regex only": "counted by the regex only",
                                                          "wsaudit only": "found by wsaudit only"},
                 caption="difference = found by wsaudit only - counted by the regex only; why says where each comes from.",
                 empty="The line-regex count agrees with wsaudit on every file.")


def by_folder(audit: Audit) -> Table:
    return Table(summary.by_folder(audit).reset_index(), labels=CATEGORY_LABELS)


def by_file(audit: Audit, top: int = 15) -> Table:
    return Table(summary.by_file(audit, top=top).reset_index(), labels={"path": "file", **CATEGORY_LABELS})


def files_to_fix(audit: Audit, source_url: str | None = None, commit: str | None = None,
                 prefix: str | None = None) -> Table:
    """Every file with violations, P0 first, then the most violations: its tier, its uses by
    category and the first line to fix, the file linked to that line when ``[report]
    source_url`` is set and the tree is a git checkout (``commit``, ``prefix``: as the explorer
    reads them, with git, when not given)."""
    from urllib.parse import quote

    source_url = source_url if source_url is not None else audit.config.report.source_url
    if source_url and commit is None:
        from wsaudit.history.git import head_commit

        commit, prefix = head_commit(audit.root) or ("", "")
    first: dict[str, int] = {}
    for v in audit.violation_records:
        first[v.path] = min(first.get(v.path, v.line), v.line)
    order = {t: i for i, t in enumerate(TIERS)}
    files = sorted(audit.rank_rows("file"), key=lambda f: (order.get(f["tier"], len(order)), -f["violations"], f["path"]))
    rows = []
    for f in files:
        line = first.get(f["path"])
        path = f"{prefix.strip('/')}/{f['path']}" if prefix else f["path"]
        url = (source_url.format(commit=commit, path=quote(path, safe="/"), line=line or 1)
               if source_url and commit else "")
        rows.append({"file": f["path"], "tier": f["tier"], **{c: f[c] for c in CATEGORIES},
                     "violations": f["violations"], "first line": line, "url": url})
    frame = pd.DataFrame(rows, columns=["file", "tier", *CATEGORIES, "violations", "first line", "url"])
    return Table(frame.astype({"first line": "Int64"}), labels=CATEGORY_LABELS, kinds={"first line": "count"},
                 links={"file": "url"}, empty="No violation: nothing to fix.")


def diagnostics(audit: Audit) -> Table:
    return Table(audit.diagnostics, labels={"path": "file", "kind": "problem"}, kinds={"line": "count"},
                 empty="Every file was audited.")


def tiers(audit: Audit) -> Table:
    return Table(summary.tier_by_category(audit), labels=CATEGORY_LABELS)


def chains(audit: Audit, tier: str = "P0", top: int | None = None) -> Table:
    """The files of ``tier``, the most central first, each with its chain from the Golden Path
    once: the reason, which names the files and import lines (the module chain beside it said
    the same thing a second time)."""
    frame = summary.top_files(audit, tier, top=top or 10**9).drop(columns=["chain from the Golden Path"])
    return Table(frame, kinds={"module score": "share"}, labels={"why": "why (the chain from the Golden Path)"},
                 empty=f"No {tier} file.")


def shim_files(audit: Audit) -> Table:
    """The deprecated modules and definitions, apart from the files to start with: last."""
    return Table(summary.shim_files(audit), empty="No deprecated module or definition in the tree.")


def central_files(audit: Audit, top: int = 10) -> Table:
    return Table(summary.central_files(audit, top), kinds={"module score": "share",
                                                           "exposure removed (score x violations)": "share"},
                 caption="Module score: the share of the Golden Path's dependence that falls on the file's module "
                         "(personalized PageRank from the Golden Path); every violation of a file has its module's score.")


def central_modules(audit: Audit, top: int = 10) -> Table:
    frame = summary.central_modules(audit, top)
    return Table(frame, labels={"score": "module score", "golden_distance": "import hops",
                                "reach_share": "Golden Path modules reaching it", "betweenness": "betweenness from the Golden Path"},
                 kinds={"score": "share", "reach_share": "share", "betweenness": "number", "golden_distance": "count"})


def strategies(simulation: Simulation) -> Table:
    frame = summary.strategies(simulation)
    kinds = {c: "count" for c in ("waves (p50)", "broken imports (p50)")}
    return Table(frame, kinds=kinds)


def plan(simulation: Simulation) -> Table:
    frame = summary.plan(simulation)
    frame = frame.rename(columns={"path": "file", "hours": "hours (expected)", "shim": "removes the shim"})
    return Table(frame, labels=CATEGORY_LABELS, kinds={"hours (expected)": "number"})


def plan_dates(simulation: Simulation, start: str | _dt.date | None = None) -> Table:
    if isinstance(start, str):
        start = _dt.date.fromisoformat(start)
    return Table(summary.plan_dates(simulation, start))


def headline(audit: Audit, simulation: Simulation) -> str:
    """The report in two sentences."""
    h = summary.headline(audit, simulation)
    tiers = ", ".join(f"{h[t]:,} {t}" for t in TIERS)
    return (f"{h['violations']:,} violations in {h['files_with_violations']:,} files ({tiers}) among "
            f"{h['files_scanned']:,} Python files. The recommended plan ({h['recommended_strategy']} order) leaves no "
            f"P0 violation after {h['days_to_zero_p0_p50']:.1f} working days and ends after "
            f"{h['days_to_done_p50']:.1f} (median runs; {h['days_to_done_p90']:.1f} in a pessimistic one).")


@contextlib.contextmanager
def parameter(name: str, value: object) -> Iterator[None]:
    """Name the notebook parameter behind a failure: a notebook run alone (papermill, JupyterLab)
    with no tree given, or a tree without a configuration, says which parameter to pass.

    Raises
    ------
    InputError
        ``value`` is not a folder (or another input cannot be read).
    ConfigError
        ``value`` has no configuration, or the configuration is invalid.
    """
    from wsaudit.errors import ConfigError, InputError

    hint = f"give it with the notebook parameter {name} (papermill: -p {name} VALUE)"
    try:
        yield
    except InputError as e:
        raise InputError(f"{name} {value}: {e}; {hint}") from e
    except ConfigError as e:
        raise ConfigError([(f"{name} {value}", "", f"{line}; {hint}") for line in e.lines()]) from e


def source_line(audit: Audit, repo_path: str) -> str:
    """The line every notebook prints first: the tree, its size and the configuration used."""
    return f"{Path(repo_path).resolve().name}: {audit.files_scanned} Python files; configuration: {Path(audit.config.source).name}"


def baseline(audit: Audit, simulation: Simulation) -> Table | Paragraph:
    """The plan against the baseline that the configuration names, or a sentence why not (a
    paragraph: a bare string would be shown as its Python repr, quotes and all)."""
    from wsaudit.report import reference_figures

    if audit.config.report.baseline is None:
        return paragraph("No baseline is configured ([report] baseline): nothing to compare with.")
    found = reference_figures.figures(audit.config.report.baseline, audit.root)
    if isinstance(found, str):
        return paragraph(found)
    label, values = found
    frame = reference_figures.comparison(summary.headline(audit, simulation), label, values)
    # counts and working days in one table: each row in its own format
    for column in frame.columns[1:]:
        frame[column] = [cell(v, "number" if "days" in figure else "count")
                         for figure, v in zip(frame["figure"], frame[column])]
    return Table(frame, kinds={c: "count" for c in frame.columns[1:]} | {"figure": "text"})


def selected(explorer) -> Table:
    """What a click in the explorer chose (``explorer.selected``), or a sentence before any click."""
    return Table(explorer.selected, empty="Nothing selected yet: click a module in the explorer above, "
                                          "then run this cell again.")


# ------------------------------------------------------------------ history (06_burndown)


def history_commits(doc: dict) -> Table:
    return Table(summary.history_commits(doc), empty="No commit in the range.")


def flagged_steps(doc: dict) -> Table:
    return Table(summary.flagged_steps(doc), empty="No flagged step: every step from one commit to the next "
                                                    "is mostly a migration, and every commit was audited.")


def reintroduced(doc: dict) -> Table:
    return Table(summary.reintroduced(doc), empty="No commit added a definition of a deprecated symbol.")


def burndown_series(actual: pd.DataFrame) -> Table:
    """The actual series as the report saves it (``history_actual.csv``), for people."""
    shown = actual.assign(commit=actual["commit"].str[:10])
    columns = ["commit", "day", "total", *TIERS, "production", "tests", "suspects", "flag"]
    return Table(shown[[c for c in columns if c in shown]], labels={"suspects": "hidden"},
                 empty="No commit in the range.")


class Paragraph:
    """A sentence shown as a paragraph: escaped, never read as Markdown (a path such as
    ``pkg/__init__.py`` or a configured sentence stays as written)."""

    def __init__(self, text: str, strong: bool = False):
        self.text = text
        self.strong = strong

    def _repr_html_(self) -> str:
        from wsaudit.report.templating import render

        return render("paragraph.html.j2", text=self.text, strong=self.strong)

    def __repr__(self) -> str:
        return self.text


def paragraph(text: str, strong: bool = False) -> Paragraph:
    """``text`` as a notebook paragraph (see :class:`Paragraph`)."""
    return Paragraph(text, strong)


def plan_inputs(path: str | None) -> dict:
    """The keyword arguments of ``audit.simulate`` that ``wsaudit report`` computed (the codemod's
    records, the calibration on history), read from ``plan_inputs_path``; None: none (the
    configured model, every violation a person's work)."""
    if not path:
        return {}
    import json
    from pathlib import Path

    from wsaudit.analysis.work import plan_inputs as inputs

    return inputs(json.loads(Path(path).read_text(encoding="utf-8")))


def plan_sentences(simulation, path: str | None) -> str:
    """What the codemod does of the plan, and where the model's numbers come from."""
    import json
    from pathlib import Path

    from wsaudit.analysis.simulate import automation_sentence

    text = automation_sentence(simulation.document())
    calibration = json.loads(Path(path).read_text(encoding="utf-8")).get("calibration") if path else None
    return text + (" " + calibration["sentence"] if calibration and calibration.get("sentence") else "")
