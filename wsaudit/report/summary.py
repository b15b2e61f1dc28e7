"""The tables the notebooks show, as plain functions of an :class:`~wsaudit.api.Audit`.

Notebooks hold no logic of their own: every number they print comes from here (or from the
API), so that it is tested and identical in the notebooks, the report and the command line.
Rows are sorted and never carry absolute paths, so that notebook outputs are reproducible.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from wsaudit.engine.parse import decode_source
from wsaudit.model import CATEGORIES, TIERS

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
        ("files that could not be fully audited", len({d.path for d in audit.diagnostic_records})),
    ]
    return pd.DataFrame(rows, columns=["measure", "value"])


def packages(audit: Audit, depth: int = 3) -> pd.DataFrame:
    """Modules, lines of code and imports in and out, per package prefix of ``depth`` segments."""
    G = audit.graph
    key = lambda n: ".".join(n.split(".")[:depth])
    stats: dict[str, Counter] = {}
    for n in G:
        c = stats.setdefault(key(n), Counter())
        c["modules"] += 1
        c["loc"] += G.nodes[n]["loc"]
    for a, b in G.edges:
        if key(a) != key(b):
            stats[key(a)]["imports out"] += 1
            stats[key(b)]["imported by"] += 1
    rows = [{"package": p, **{k: c[k] for k in ("modules", "loc", "imports out", "imported by")}}
            for p, c in stats.items()]
    return pd.DataFrame(rows).sort_values(["modules", "package"], ascending=[False, True], ignore_index=True)


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


# ------------------------------------------------------------------ the seed's line-regex count


def naive_patterns(audit: Audit) -> list[re.Pattern[str]]:
    """Line patterns like the seed's scanner: the deprecated names where they are called or
    imported, and the deprecated modules' dotted paths."""
    pats = []
    for rule in audit.config.rules:
        if rule.symbol:
            leaf = re.escape(rule.symbol.rsplit(".", 1)[1])
            pats.append(re.compile(rf"\b{leaf}\s*\(|import\s+.*\b{leaf}\b"))
        if rule.module:
            pats.append(re.compile(rf"\b{re.escape(rule.module)}\b"))
    return pats


def _code_spans(text: str) -> tuple[set[int], set[int]]:
    """Lines holding a comment, and lines inside a string literal."""
    comments, strings = set(), set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                comments.add(tok.start[0])
            elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                strings.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return comments, strings


def naive_comparison(audit: Audit) -> pd.DataFrame:
    """Per file: what a line-regex count (like the seed's) reports, what wsaudit finds, and why
    they differ: matches in comments or strings (docstrings included) counted by the regex,
    violations on lines the regex cannot see (aliases, re-exports, module aliases) missed by it.
    Files the scanner would read twice (matched by two of its globs) are not double counted
    here; the seed's scanner did that too."""
    patterns = naive_patterns(audit)
    exact = Counter(v.path for v in audit.violation_records)
    exact_lines: dict[str, set[int]] = {}
    for v in audit.violation_records:
        exact_lines.setdefault(v.path, set()).add(v.line)
    rows = []
    for f in audit.files:
        try:
            data = (audit.root / f.path).read_bytes()
        except OSError:
            continue
        text, _ = decode_source(data)
        if text is None:
            text = data.decode("utf-8", errors="replace")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        hits = [i for i, line in enumerate(lines, start=1) if any(p.search(line) for p in patterns)]
        if not hits and not exact[f.path]:
            continue
        comments, strings = _code_spans(text)
        real = exact_lines.get(f.path, set())
        in_comments = sum(1 for i in hits if i in comments and i not in strings and i not in real)
        in_strings = sum(1 for i in hits if i in strings and i not in real)
        missed = sum(1 for v in audit.violation_records if v.path == f.path and v.line not in hits)
        lookalike = sum(1 for i in hits if i not in comments and i not in strings and i not in exact_lines.get(f.path, ()))
        notes = []
        if in_comments:
            notes.append(f"{in_comments} in comments")
        if in_strings:
            notes.append(f"{in_strings} in strings or docstrings")
        if missed:
            notes.append(f"{missed} on lines it cannot match (aliases, re-exports)")
        broken = f.path in {d.path for d in audit.diagnostic_records}
        if lookalike and not broken:
            notes.append(f"{lookalike} look-alike names or the definition itself")
        if broken:
            notes.append("file not parseable: counted by the regex only")
        rows.append({"path": f.path, "naive": len(hits), "wsaudit": exact[f.path],
                     "difference": exact[f.path] - len(hits), "why": "; ".join(notes)})
    rows = [r for r in rows if r["difference"] != 0]
    rows.sort(key=lambda r: (-abs(r["difference"]), r["path"]))
    return pd.DataFrame(rows, columns=["path", "naive", "wsaudit", "difference", "why"])


def naive_totals(audit: Audit) -> pd.DataFrame:
    """The naive line count against wsaudit's, over the whole tree."""
    patterns = naive_patterns(audit)
    naive = 0
    for f in audit.files:
        try:
            text = (audit.root / f.path).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        naive += sum(1 for line in text.splitlines() if any(p.search(line) for p in patterns))
    return pd.DataFrame([("line-regex count (like the seed's scanner)", naive),
                         ("wsaudit, by name resolution", len(audit.violation_records))], columns=["count", "value"])


# ------------------------------------------------------------------ ranking and migration


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
    """Also write ``frame`` as ``output_dir/name`` (CSV, no index) when a folder is given."""
    if output_dir:
        from pathlib import Path

        from wsaudit.iorw import write_text

        write_text(Path(output_dir) / name, frame.to_csv(index=False, lineterminator="\n"))
    return frame
