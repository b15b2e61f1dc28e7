"""The tables the notebooks show, as plain functions of an :class:`~wsaudit.api.Audit`.

Notebooks hold no logic of their own: every number they print comes from here (or from the
API), so that it is tested and identical in the notebooks, the report and the command line.
Rows are sorted and never carry absolute paths, so that notebook outputs are reproducible.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from wsaudit.model import CATEGORIES, OUTSIDE_GRAPH, SUPPRESSION_PROBLEMS, TIERS
# the line-regex comparison has its own module; its tables stay summary's too, as notebooks and tests call them
from wsaudit.report.line_regex import naive_comparison, naive_patterns, naive_totals  # noqa: F401

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation
    from wsaudit.api import Audit


def graph_summary(audit: Audit) -> pd.DataFrame:
    """Size of the import graph: modules, packages, tests, edges, unresolved imports, cycles."""
    G = audit.graph
    cycles = [c for c in nx.strongly_connected_components(G) if len(c) > 1]
    unresolved = [r for r in audit.import_records if not r.resolved]
    rows = [
        ("Python files", len(audit.files)),
        ("modules in the graph", G.number_of_nodes()),
        ("packages (__init__.py)", sum(1 for n in G if G.nodes[n]["is_package"])),
        ("test modules", sum(1 for n in G if G.nodes[n]["is_test"])),
        ("lines of code", sum(G.nodes[n]["loc"] for n in G)),
        ("import edges", G.number_of_edges()),
        ("imports outside the tree (third-party or deleted)", len(unresolved)),
        ("import cycles", len(cycles)),
        ("modules in import cycles", sum(len(c) for c in cycles)),
        ("Golden Path modules", len([m for m in audit.module_ranks.values() if m.golden_distance == 0])),
        ("modules the Golden Path reaches", len([m for m in audit.module_ranks.values()
                                                 if m.golden_distance is not None])),
        ("files that could not be fully audited", len({d.path for d in audit.diagnostic_records
                                                       if d.kind not in SUPPRESSION_PROBLEMS + OUTSIDE_GRAPH})),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def package_of(G: nx.DiGraph, module: str) -> str:
    """The package a module belongs to: itself for a package (``__init__.py``), else the
    package that holds it; ``""`` for a top-level module.

    >>> G = nx.DiGraph(); G.add_node("a", is_package=True); G.add_node("a.b", is_package=False)
    >>> package_of(G, "a"), package_of(G, "a.b"), package_of(G, "tool")
    ('a', 'a', '')
    """
    if module in G and G.nodes[module].get("is_package"):
        return module
    return module.rpartition(".")[0]


def packages(audit: Audit) -> pd.DataFrame:
    """Per package of the code (not its tests): its own modules, lines of code, violations, and
    the imports that cross its border (implicit imports of parent packages left out). Test
    modules are counted apart (see :func:`graph_summary`), never listed as packages."""
    G = audit.graph
    code = [n for n in G if not G.nodes[n]["is_test"]]
    key = {n: package_of(G, n) for n in code}
    violations = Counter(v.module for v in audit.violation_records)
    stats: dict[str, Counter] = {}
    for n in code:
        c = stats.setdefault(key[n], Counter())
        c["modules"] += 1
        c["lines of code"] += G.nodes[n]["loc"]
        c["violations"] += violations[n]
    for a, b, data in G.edges(data=True):
        if a in key and b in key and key[a] != key[b] and not data.get("implicit"):
            stats[key[a]]["imports out"] += 1
            stats[key[b]]["imported by"] += 1
    columns = ["package", "modules", "lines of code", "violations", "imports out", "imported by"]
    rows = [{"package": p or "(top-level modules)", **{k: c[k] for k in columns[1:]}} for p, c in stats.items()]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["modules", "package"], ascending=[False, True], ignore_index=True)


def cycles(audit: Audit) -> pd.DataFrame:
    """Each import cycle (strongly connected component of more than one module)."""
    found = sorted(sorted(c) for c in nx.strongly_connected_components(audit.graph) if len(c) > 1)
    return pd.DataFrame([{"modules": len(c), "cycle": ", ".join(c)} for c in found], columns=["modules", "cycle"])


def by_category(audit: Audit) -> pd.DataFrame:
    """Violations per rule and category, with a total row per rule."""
    counts = Counter((v.rule_id, v.category) for v in audit.violation_records)
    rules = [r.id for r in audit.config.rules]
    frame = pd.DataFrame([[counts[(r, c)] for c in CATEGORIES] for r in rules], index=rules, columns=list(CATEGORIES))
    frame["total"] = frame.sum(axis=1)
    frame.loc["total"] = frame.sum()
    return frame


def by_folder(audit: Audit, depth: int = 3) -> pd.DataFrame:
    """Violations per folder (the first ``depth`` path segments), tests apart."""
    rows = Counter()
    for v in audit.violation_records:
        folder = "/".join(v.path.split("/")[:-1][:depth]) or "."
        rows[(folder, v.category)] += 1
    folders = sorted({f for f, _ in rows})
    frame = pd.DataFrame([[rows[(f, c)] for c in CATEGORIES] for f in folders], index=folders,
                         columns=list(CATEGORIES))
    frame.index.name = "folder"
    frame["total"] = frame.sum(axis=1)
    return frame.sort_values(["total"], ascending=False, kind="stable")


def by_file(audit: Audit, top: int | None = None) -> pd.DataFrame:
    """Violations per file and category, most first."""
    rows = Counter((v.path, v.category) for v in audit.violation_records)
    paths = sorted({p for p, _ in rows})
    frame = pd.DataFrame([[rows[(p, c)] for c in CATEGORIES] for p in paths], index=paths, columns=list(CATEGORIES))
    frame.index.name = "path"
    frame["total"] = frame.sum(axis=1)
    frame = frame.sort_values(["total"], ascending=False, kind="stable")
    return frame.head(top) if top else frame


# ------------------------------------------------------------------ a line-regex count, for comparison


def tiers(audit: Audit) -> pd.DataFrame:
    """Violations and files per tier."""
    rows = audit.rank_rows()
    per = Counter(r["tier"] for r in rows)
    files = Counter(f["tier"] for f in audit.rank_rows("file"))
    return pd.DataFrame([{"tier": t, "violations": per[t], "files": files[t]} for t in TIERS])


def chains(audit: Audit, tier: str = "P0") -> pd.DataFrame:
    """One row per file of ``tier`` with the reason for its tier (the import chain)."""
    files = [f for f in audit.rank_rows("file") if f["tier"] == tier]
    frame = pd.DataFrame([{"path": f["path"], "violations": f["violations"], "hops": f["golden_distance"],
                           "why": f["reason"]} for f in files], columns=["path", "violations", "hops", "why"])
    return frame.astype({"hops": "Int64"})


def central_modules(audit: Audit, top: int = 10) -> pd.DataFrame:
    """The modules most central to the Golden Path: score, hops, reach share, betweenness."""
    columns = ["module", "tier", "score", "golden_distance", "reach_share", "betweenness"]
    return audit.centrality()[columns].head(top)


def strategies(simulation: Simulation) -> pd.DataFrame:
    """The strategies compared: p50 and p90 of each measure."""
    doc = simulation.document()
    rows = []
    for s in doc["strategies"]:
        rows.append({"strategy": s["name"], "waves (p50)": s["waves"]["p50"],
                     "days to zero P0 (p50)": s["days_to_zero_p0"]["p50"],
                     "days to zero P0 (p90)": s["days_to_zero_p0"]["p90"],
                     "days to done (p50)": s["days_to_done"]["p50"], "days to done (p90)": s["days_to_done"]["p90"],
                     "exposure-days (p50)": s["exposure_days"]["p50"],
                     "broken imports (p50)": s["broken_imports"]["p50"],
                     "recommended": s["name"] == doc["recommended"]})
    return pd.DataFrame(rows)


def plan(simulation: Simulation, strategy: str | None = None) -> pd.DataFrame:
    """The wave plan of ``strategy`` (default: the recommended one), one row per file."""
    from wsaudit.analysis.waves import PLAN_FIELDS

    rows = simulation.plan_rows(strategy or simulation.recommended())
    return pd.DataFrame(rows, columns=list(PLAN_FIELDS)).drop(columns=["module", "tests"])


def headline(audit: Audit, simulation: Simulation) -> dict[str, Any]:
    """The headline figures of a scheduled report (also the row appended to ``history.csv``)."""
    rows = audit.rank_rows()
    doc = simulation.document()
    best = {s["name"]: s for s in doc["strategies"]}[doc["recommended"]]
    tiers_ = Counter(r["tier"] for r in rows)
    cats = Counter(r["category"] for r in rows)
    return {
        "files_scanned": audit.files_scanned,
        "violations": len(rows),
        "files_with_violations": len({r["path"] for r in rows}),
        **{t: tiers_[t] for t in TIERS},
        **{c: cats[c] for c in CATEGORIES},
        "diagnostics": len(audit.diagnostic_records),
        "recommended_strategy": doc["recommended"],
        "days_to_zero_p0_p50": best["days_to_zero_p0"]["p50"],
        "days_to_done_p50": best["days_to_done"]["p50"],
        "days_to_done_p90": best["days_to_done"]["p90"],
    }


# ------------------------------------------------------------------ for the overview and the summary


def tier_by_category(audit: Audit) -> pd.DataFrame:
    """Violations per tier (rows, with a total) and category (columns), and files per tier."""
    rows = audit.rank_rows()
    counts = Counter((r["tier"], r["category"]) for r in rows)
    files = Counter(f["tier"] for f in audit.rank_rows("file"))
    out = [{"tier": t, **{c: counts[(t, c)] for c in CATEGORIES}, "violations": sum(counts[(t, c)] for c in CATEGORIES),
            "files": files[t]} for t in TIERS]
    out.append({"tier": "total", **{c: sum(counts[(t, c)] for t in TIERS) for c in CATEGORIES},
                "violations": len(rows), "files": len({r["path"] for r in rows})})
    return pd.DataFrame(out, columns=["tier", *CATEGORIES, "violations", "files"])


def working_day(start: _dt.date, days: float) -> _dt.date:
    """The calendar date ``days`` working days (Monday to Friday) after ``start``, rounded up:
    work that ends during a day is done that day.

    >>> working_day(_dt.date(2025, 1, 3), 0.2), working_day(_dt.date(2025, 1, 3), 1.5)  # a Friday
    (datetime.date(2025, 1, 3), datetime.date(2025, 1, 6))
    """
    whole = max(math.ceil(days) - 1, 0)
    first = np.busday_offset(np.datetime64(start, "D"), 0, roll="forward")
    return np.busday_offset(first, whole, roll="forward").astype(_dt.date)


def plan_dates(simulation: Simulation, start: _dt.date | None = None) -> pd.DataFrame:
    """When the recommended plan clears P0 and ends: working days (median and pessimistic
    runs) and, given the ``start`` date, the calendar dates."""
    doc = simulation.document()
    best = {s["name"]: s for s in doc["strategies"]}[doc["recommended"]]
    rows = []
    for label, key in (("no P0 violation left outside the shim", "days_to_zero_p0"), ("every violation migrated", "days_to_done")):
        row = {"milestone": label, "working days (median)": best[key]["p50"],
               "working days (pessimistic, p90)": best[key]["p90"]}
        if start is not None:
            row["date (median)"] = working_day(start, best[key]["p50"]).isoformat()
            row["date (p90)"] = working_day(start, best[key]["p90"]).isoformat()
        rows.append(row)
    return pd.DataFrame(rows)


def chain_text(chain: list[str] | tuple[str, ...]) -> str:
    """An import chain for people: ``a -> b -> c``, or the one module."""
    return " -> ".join(chain)


def _shim_paths(audit: Audit) -> set[str]:
    """The files of the shim: the deprecated modules themselves and the files defining the
    deprecated symbol (what the plan deletes in its last wave)."""
    return {u.path for u in audit.model().units if u.shim}


def top_files(audit: Audit, tier: str = "P0", top: int = 10) -> pd.DataFrame:
    """The ``top`` files of ``tier`` by their module's score (the most central first), with
    the import chain from the Golden Path that puts them there. The deprecated modules
    themselves and the definitions (the shim, which the plan removes last) are not files to
    start with: :func:`shim_files` lists them apart."""
    shim = _shim_paths(audit)
    files = [f for f in audit.rank_rows("file") if f["tier"] == tier and f["path"] not in shim]
    files.sort(key=lambda f: (-f["score"] / max(f["violations"], 1), f["path"]))
    rows = [{"file": f["path"], "violations": f["violations"], "module score": f["score"] / max(f["violations"], 1),
             "import hops": f["golden_distance"], "chain from the Golden Path": chain_text(f["golden_chain"]),
             "why": f["reason"].removeprefix(f"{tier}: ")} for f in files[:top]]
    return pd.DataFrame(rows, columns=["file", "violations", "module score", "import hops",
                                       "chain from the Golden Path", "why"]).astype({"import hops": "Int64"})


def shim_files(audit: Audit) -> pd.DataFrame:
    """The deprecated modules themselves and the files defining the deprecated symbol, with
    their tier and violations: the plan removes them in its last wave, once nothing else uses
    them, so they are never files to start with."""
    model = audit.model()
    rules = audit.config.rules
    defining = {d.path for d in audit.definition_records}
    rows = []
    for u in model.units:
        if not u.shim:
            continue
        deprecated = any(r.covers_module(u.module) for r in rules)
        what = "a deprecated module" if deprecated else "defines the deprecated symbol"
        if deprecated and u.path in defining:
            what = "a deprecated module that defines the deprecated symbol"
        rows.append({"file": u.path, "tier": u.tier, "violations": u.violations, "what it is": what})
    return pd.DataFrame(rows, columns=["file", "tier", "violations", "what it is"])


def central_files(audit: Audit, top: int = 10) -> pd.DataFrame:
    """The files with violations whose modules the Golden Path depends on most.

    Sorted by the module's own score (personalized PageRank from the Golden Path), not by the
    sum over its violations, so that a file with many violations does not outrank a Golden Path
    module; that sum is shown apart as the exposure that migrating the file removes."""
    ranks = audit.module_ranks
    rows = []
    for f in audit.rank_rows("file"):
        own = ranks[f["module"]].score if f["module"] in ranks else 0.0
        rows.append({"file": f["path"], "tier": f["tier"], "violations": f["violations"], "module score": own,
                     "exposure removed (score x violations)": f["score"], "import hops": f["golden_distance"]})
    rows.sort(key=lambda r: (-r["module score"], r["tier"], r["file"]))
    return pd.DataFrame(rows[:top], columns=["file", "tier", "violations", "module score",
                                             "exposure removed (score x violations)", "import hops"]
                        ).astype({"import hops": "Int64"})


def _names(paths: list[str], most: int = 3) -> str:
    return ", ".join(paths[:most]) + (f" and {len(paths) - most} other{'s' if len(paths) - most > 1 else ''}" if len(paths) > most else "")


def _p0_causes(simulation: Simulation, strategy: str, waves: list, late: list) -> list[str]:
    """Why each P0 file of ``late`` is where the plan puts it, from the plan's own facts: the
    files importing the deprecated name through it that the order puts before it (in an
    earlier wave or earlier in the same wave), its lack of a Golden Path score, or the order."""
    model = simulation.model
    flat = [u.path for wave in waves for u in wave]
    position = {p: i for i, p in enumerate(flat)}
    wave_of = {u.path: i for i, wave in enumerate(waves) for u in wave}
    reasons = []
    held = []
    for u in late:
        before = sorted(p for p in model.depends.get(u.path, ()) if p in position and position[p] < position[u.path])
        if before and strategy == "dependency-safe":  # the one strategy that waits for importers
            held.append((u, before))
    for u, before in held:
        same = [p for p in before if wave_of[p] == wave_of[u.path]]
        where = (f"{len(same)} of them planned in the same wave ({_names(same)})" if same
                 else f"planned before it ({_names(before)})")
        reasons.append(f"{u.path} re-exports the deprecated name to {len(before)} module"
                       f"{'s' if len(before) > 1 else ''} that import it through it, {where}, and drops it only "
                       "once they are migrated")
    rest = [u for u in late if u not in {h for h, _ in held}]
    unscored = [u for u in rest if u.score == 0] if strategy in ("dependency-safe", "centrality") else []
    if unscored:
        reasons.append(f"{len(unscored)} P0 file{'s' if len(unscored) > 1 else ''} ({_names([u.path for u in unscored])})"
                       " have no Golden Path score (Golden Path tests), so an order by exposure puts them after "
                       "scored files")
    rest = [u for u in rest if u not in unscored]
    if rest and strategy in ("dependency-safe", "centrality"):
        reasons.append(f"{_names([u.path for u in rest])} remove{'s' if len(rest) == 1 else ''} less Golden Path "
                       "exposure per hour than the files before them")
    elif rest:
        reasons.append(f"the {strategy} order puts {_names([u.path for u in rest])} after others")
    return reasons


def p0_note(simulation: Simulation, strategy: str | None = None) -> str:
    """One sentence under the plan: when its P0 work ends, and what holds it back when it is
    not first: the codemod's waves, which go first; files that re-export the deprecated name
    and wait for the files importing it through them (named, and whether they are in the same
    wave); files with no Golden Path score; the order. The shim goes last."""
    strategy = strategy or simulation.recommended()
    waves = simulation.orders[strategy]
    model = simulation.model
    p0_waves = [i for i, wave in enumerate(waves, start=1) if any(u.by_tier[0] and not u.shim for u in wave)]
    shim_p0 = sum(u.by_tier[0] for wave in waves for u in wave if u.shim)
    if not p0_waves:
        tail = f" The {shim_p0} P0 violations in the shim go with it, last." if shim_p0 else ""
        return "The plan has no P0 work outside the shim." + tail if shim_p0 else "The plan has no P0 work."
    codemod = [i for i, wave in enumerate(waves, start=1) if wave and all(u.automatable for u in wave)]
    manual_p0 = sum(1 for wave in waves for u in wave if u.by_tier[0] and not u.shim and not u.automatable)
    auto_p0 = [i for i in codemod if any(u.by_tier[0] for u in waves[i - 1])]
    earliest = (len(codemod) + math.ceil(manual_p0 / max(model.settings.wave_files, 1)) if manual_p0
                else max(auto_p0, default=len(codemod)))
    last = p0_waves[-1]
    text = f"P0 work ends in wave {last} of {len(waves)}"
    if last <= earliest:
        text += ": it goes first" + (f", after the codemod's wave{'s' if len(codemod) > 1 else ''} "
                                     f"({', '.join(map(str, codemod))}: run `wsaudit migrate --wave {codemod[0]}`)"
                                     if codemod and manual_p0 else "") + "."
    else:
        late = [u for wave in waves[earliest:] for u in wave if u.by_tier[0] and not u.shim]
        reasons = _p0_causes(simulation, strategy, waves, late)
        text += f", not wave {earliest} (the earliest, with {manual_p0} P0 files for people at "
        text += f"{model.settings.wave_files} files a wave"
        text += f" after the codemod's {len(codemod)} wave{'s' if len(codemod) > 1 else ''})" if codemod else ")"
        text += ", because " + "; ".join(reasons) + "."
    if shim_p0:
        text += f" The {shim_p0} P0 violations in the shim (the deprecated modules and definitions) go in the last wave."
    return text


# ------------------------------------------------------------------ history and the burndown


def history_commits(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per commit of a ``wsaudit history`` document: counts per tier and area, the flag."""
    rows = []
    for c in doc["commits"]:
        tiers = c.get("by_tier") or {}
        step = c.get("step") or {}
        rows.append({"commit": c["commit"][:10], "date": (c["date"] or "")[:10], "subject": c["subject"],
                     "violations": c["violations"], **{t: tiers.get(t) for t in TIERS},
                     "production": (c.get("by_area") or {}).get("production"),
                     "tests": (c.get("by_area") or {}).get("tests"), "definitions": c["definitions"],
                     "hidden": c["suspects"], "flag": step.get("flag") or ("error" if c.get("error") else "")})
    return pd.DataFrame(rows, columns=["commit", "date", "subject", "violations", *TIERS, "production", "tests",
                                       "definitions", "hidden", "flag"])


def flagged_steps(doc: dict[str, Any]) -> pd.DataFrame:
    """The steps whose change is not mostly a migration (deletion, breakage, re-introduction), and
    the commits that could not be audited, with what happened."""
    rows = [{"commit": c["commit"][:10], "date": c["date"][:10], "subject": c["subject"],
             "flag": c["step"]["flag"] if c.get("step") and c["step"]["flag"] else "error",
             "what": c["error"] or c["step"]["summary"]}
            for c in doc["commits"] if c.get("error") or (c.get("step") and c["step"]["flag"])]
    return pd.DataFrame(rows, columns=["commit", "date", "subject", "flag", "what"])


def reintroduced(doc: dict[str, Any]) -> pd.DataFrame:
    """Every definition of a deprecated symbol that a step added (the API re-introduced)."""
    rows = [{"commit": c["commit"][:10], "date": c["date"][:10], "rule": d["rule_id"], "path": d["path"],
             "line": d["line"], "name": d["name"]}
            for c in doc["commits"] if c.get("step") for d in c["step"]["new_definitions"]]
    return pd.DataFrame(rows, columns=["commit", "date", "rule", "path", "line", "name"])


def burndown_series(observed: list[dict[str, Any]], plan_band: list[dict[str, Any]]) -> tuple[pd.DataFrame,
                                                                                             pd.DataFrame]:
    """The actual series (one row per commit) and the plan's band (one row per half working day)
    as DataFrames, as the report saves them."""
    actual = pd.DataFrame(observed).drop(columns=["subject"], errors="ignore")
    if "flag" in actual:
        actual["flag"] = actual["flag"].fillna("")
    return actual, pd.DataFrame(plan_band)


def save_table(frame: pd.DataFrame, output_dir: str | None, name: str) -> pd.DataFrame:
    """Also write ``frame`` as ``output_dir/name`` (CSV, no index) when a folder is given.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, returned as it is (the notebook shows it).
    output_dir : str or None
        Where to write it; None: nowhere.
    name : str
        The file's name.

    Returns
    -------
    pandas.DataFrame
        ``frame``.

    Notes
    -----
    A text cell (a commit's subject) that a spreadsheet would take for a formula is written with
    a single quote before it (:func:`wsaudit.cells.not_a_formula`); numbers are written as they are.
    """
    if output_dir:
        from pathlib import Path

        from wsaudit.iorw import write_text
        from wsaudit.cells import not_a_formula

        cells = frame.copy()
        for column in cells.columns:
            if not pd.api.types.is_numeric_dtype(cells[column]):  # text and mixed columns: numbers stay numbers
                cells[column] = cells[column].map(not_a_formula)
        write_text(Path(output_dir) / name, cells.to_csv(index=False, lineterminator="\n"))
    return frame
