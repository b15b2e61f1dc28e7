"""What ``bench.py`` prints: the side-by-side tables, the ratios, the issue's targets met or missed."""

from __future__ import annotations

import argparse

from measure import Result
from targets import Target

LABELS = {  # row key -> what the side-by-side table calls it, in the order it shows them
    "scan-cold": "wsaudit scan (cold, --no-cache)",
    "scan-fill": "wsaudit scan (cache fill)",
    "scan-warm": "wsaudit scan (warm)",
    "scan-changed": "wsaudit scan (one file changed)",
    "scan-changed-candidate": "wsaudit scan (one candidate file changed)",
    "check-cold": "wsaudit check (cold)",
    "check-restored": "wsaudit check (restored cache, one candidate file changed)",
    "history": "wsaudit history (6 commits, cold)",
    "rank": "wsaudit rank (cold)",
    "graph": "wsaudit graph (cold)",
    "report": "wsaudit report (cold)",
    "floor": "ast.parse floor (every core)",
    "ruff-graph": "ruff analyze graph",
    "ruff-tid": "ruff check --select TID251",
    "grimp": "grimp build_graph",
}

RATIOS = [  # (row, peer, label): row's wall (and CPU) over the peer's, on the same target
    ("scan-cold", "floor", "scan cold / ast.parse floor"),
    ("scan-cold", "ruff-graph", "scan cold / ruff analyze graph"),
    ("scan-fill", "scan-cold", "cache fill / scan cold (same pass)"),
    ("scan-warm", "ruff-graph", "scan warm / ruff analyze graph"),
    ("scan-changed", "ruff-graph", "one file changed / ruff analyze graph"),
    ("scan-changed-candidate", "ruff-graph", "one candidate file changed / ruff analyze graph"),
    ("check-cold", "ruff-tid", "check cold / ruff check TID251"),
    ("check-restored", "ruff-tid", "check on a restored cache, one file changed / ruff check TID251"),
    ("history", "scan-cold", "history of 6 commits / scan cold"),
    ("rank", "scan-cold", "rank / scan cold"),
    ("graph", "ruff-graph", "graph / ruff analyze graph"),
    ("graph", "grimp", "graph / grimp build_graph"),
    ("report", "scan-cold", "report / scan cold"),
]

MEASURED = ("gen10k", "gen100k", "pandas", "tree")
# (criterion, row, peer, limit, targets): wall(row) / wall(peer) <= limit on each of targets
RATIO_TARGETS = [
    # issue 29 (the first three new; warm and the report: keep)
    ("issue 29: check cold ≤ 2.5x ruff check --select TID251", "check-cold", "ruff-tid", 2.5, MEASURED),
    ("issue 29: history of 6 commits ≤ 2x one cold scan", "history", "scan-cold", 2.0, MEASURED),
    ("issue 29: scan cold ≤ 5x ruff analyze graph", "scan-cold", "ruff-graph", 5.0, MEASURED),
    # issue 13
    ("scan cold ≤ 1.3x the ast.parse floor", "scan-cold", "floor", 1.3, MEASURED),
    ("scan cold ≤ 8x ruff analyze graph", "scan-cold", "ruff-graph", 8.0, MEASURED),
    ("scan warm ≤ 0.5x ruff analyze graph", "scan-warm", "ruff-graph", 0.5, MEASURED),
    ("one file changed ≤ 1x ruff analyze graph", "scan-changed", "ruff-graph", 1.0, MEASURED),
    ("check cold ≤ 3x ruff check --select TID251", "check-cold", "ruff-tid", 3.0, MEASURED),
]
# (criterion, row, limit in MB, target): peak memory of row below the limit
MEMORY_TARGETS = [
    ("scan peak memory < 400 MB", "scan-cold", 400, "gen10k"),
    ("scan peak memory < 1 GB", "scan-cold", 1000, "gen100k"),
    ("rank peak memory < 1 GB", "rank", 1000, "gen100k"),
    ("graph peak memory < 1 GB", "graph", 1000, "gen100k"),
]
REPORT_TARGET = ("report ≤ 2x scan cold + the notebooks' fixed cost", ("gen10k", "pandas", "tree"))


def _index(results: list[Result]) -> dict[tuple[str, str], Result]:
    return {(r.target, r.key): r for r in results}


def set_ratios(results: list[Result]) -> None:
    """Each row's best over its peer's best; a row run once (the cache fill, in the first pass)
    over its peer's first run, made in the same pass under the same load."""
    by = _index(results)
    for row, peer, _ in RATIOS:
        for r in results:
            p = by.get((r.target, peer))
            if r.key != row or r.wall is None or p is None or not p.wall:
                continue
            if row == "scan-fill":
                wall, cpu = p.runs[0]["wall"], p.runs[0]["cpu"]
            else:
                wall, cpu = p.wall, p.cpu
            r.ratios.append((peer, r.wall / wall, r.cpu / cpu if r.cpu is not None and cpu else None))


def _ratio(by, target: str, row: str, peer: str) -> tuple[float, float | None] | None:
    r = by.get((target, row))
    for p, wall, cpu in (r.ratios if r else ()):
        if p == peer:
            return wall, cpu
    return None


def _verdict(criterion: str, target: str, row: str, met: bool | None, measured: str,
             value: float | None = None, limit: float | None = None) -> dict:
    return {"criterion": criterion, "target": target, "rows": [row], "met": met, "measured": measured,
            "value": value, "limit": limit}


def evaluate_targets(results: list[Result]) -> list[dict]:
    """One verdict per criterion and target: ``met`` True, False, or None (not measured)."""
    by = _index(results)
    present = {r.target for r in results}
    out = []
    for criterion, row, peer, limit, on in RATIO_TARGETS:
        for target in (t for t in on if t in present):
            found = _ratio(by, target, row, peer)
            if found is None:
                out.append(_verdict(criterion, target, row, None, "not measured"))
                continue
            wall, cpu = found
            cpu_text = f", CPU {cpu:.2f}x" if cpu is not None else ""
            out.append(_verdict(criterion, target, row, wall <= limit,
                                f"{wall:.2f}x ({by[(target, row)].wall:.2f} s vs {by[(target, peer)].wall:.2f} s"
                                f"{cpu_text})", wall, limit))
    criterion, on = REPORT_TARGET
    fixed = by.get(("sample", "report"))
    for target in (t for t in on if t in present):
        report, cold = by.get((target, "report")), by.get((target, "scan-cold"))
        if not (report and cold and fixed and report.wall and cold.wall and fixed.wall):
            out.append(_verdict(criterion, target, "report", None,
                                "not measured (needs this tree's report and cold scan, and the sample's report)"))
            continue
        allowed = 2 * cold.wall + fixed.wall
        out.append(_verdict(criterion, target, "report", report.wall <= allowed,
                            f"{report.wall:.1f} s vs 2 × {cold.wall:.2f} s + {fixed.wall:.1f} s = {allowed:.1f} s "
                            f"({report.wall / allowed:.2f}x of that)", report.wall / allowed, 1.0))
    for criterion, row, limit, target in MEMORY_TARGETS:
        if target not in present:
            continue
        r = by.get((target, row))
        if r is None or r.memory_mb is None:
            out.append(_verdict(criterion, target, row, None, "not measured"))
            continue
        out.append(_verdict(criterion, target, row, r.memory_mb < limit,
                            f"{r.memory_mb:,.0f} MB (largest process {r.max_rss_mb:,.0f} MB, "
                            f"whole tree {r.tree_pss_mb:,.0f} MB PSS)", r.memory_mb, limit))
    return out


# ============================================================================ printing

def print_header(info: dict, targets: list[Target], args: argparse.Namespace) -> None:
    print(f"machine: nproc={info['nproc']} (os.cpu_count()={info['cpu_count']}), {info['cpu']}, "
          f"{info['memory_gb']:.0f} GB RAM, {info['implementation']} {info['python']}, {info['platform']}")
    load, end = info["loadavg_at_start"], info["loadavg_at_end"]
    if load is not None and end is not None:
        print(f"load average (1 min): {load:.2f} at start, {end:.2f} at end")
        if max(load, end) > 0.5 * (info["nproc"] or 1):
            print("WARNING: the machine was busy with other work: wall times are inflated and noisy; "
                  "CPU seconds are less disturbed")
    v = info["versions"]
    print(f"tools: {v.get('wsaudit')} (git {v.get('wsaudit_git')}), {v.get('ruff')}, grimp {v.get('grimp')}")
    for t in targets:
        print(f"{t.name}: {t.files:,} .py files, {t.manifest['lines']:,} lines; {t.note}; root {t.root}")
    budget = f", fewer when a row's runs would exceed {args.budget:g} s" if args.budget > 0 else ""
    jobs = f"--jobs {args.jobs}" if args.jobs else "wsaudit's default jobs (every core)"
    print(f"each row: its own subprocess, best (fastest) of up to {args.repeat} run(s){budget}; {jobs}")
    if args.wsaudit_env:
        print(f"wsaudit's commands ran with {' '.join(args.wsaudit_env)} in their environment (--wsaudit-env)")
    print()


def _cell(r: Result | None) -> str:
    if r is None:
        return ""
    if r.status != "ok" or r.wall is None:
        return r.status.upper()
    return f"{r.wall:.2f} s · {r.cpu:.1f} cpu · {r.memory_mb:,.0f} MB"


def _heads(targets: list[Target]) -> list[str]:
    return [f"{t.name} ({t.files:,} files)" for t in targets]


def print_summary(results: list[Result], targets: list[Target]) -> None:
    by = _index(results)
    print("## Wall, CPU and peak memory\n")
    floor = max((x.get("launcher_rss_mb", 0) for r in results for x in r.runs), default=0)
    print("wall seconds (fastest run) · CPU seconds (user + system of the whole process tree, least of the "
          "runs) · peak MB (the larger of the largest process's peak RSS and the sampled peak PSS of all its "
          f"processes, highest of the runs; an RSS includes the launcher's {floor:.0f} MB)\n")
    print("| command | " + " | ".join(_heads(targets)) + " |")
    print("| --- |" + " ---: |" * len(targets))
    for key, label in LABELS.items():
        cells = [_cell(by.get((t.name, key))) for t in targets]
        if any(cells):
            print(f"| {label} | " + " | ".join(cells) + " |")
    print()


def print_ratios(results: list[Result], targets: list[Target]) -> None:
    by = _index(results)
    shown = [t for t in targets if any(by.get((t.name, row)) and by[(t.name, row)].ratios for row, _, _ in RATIOS)]
    if not shown:
        return
    print("## Ratios (wall; CPU in brackets)\n")
    print("| ratio | " + " | ".join(_heads(shown)) + " |")
    print("| --- |" + " ---: |" * len(shown))
    for row, peer, label in RATIOS:
        cells = []
        for t in shown:
            found = _ratio(by, t.name, row, peer)
            cells.append("" if found is None else f"{found[0]:.2f}x ({found[1]:.2f}x)" if found[1] is not None
                         else f"{found[0]:.2f}x")
        if any(cells):
            print(f"| {label} | " + " | ".join(cells) + " |")
    print()


def print_targets(verdicts: list[dict]) -> None:
    if not verdicts:
        return
    print("## Targets (issues 13 and 29)\n")
    print("| target | tree | measured | |")
    print("| --- | --- | --- | --- |")
    for v in verdicts:
        mark = {True: "met", False: "**missed**", None: "n/a"}[v["met"]]
        print(f"| {v['criterion']} | {v['target']} | {v['measured']} | {mark} |")
    met = sum(v["met"] is True for v in verdicts)
    missed = sum(v["met"] is False for v in verdicts)
    print(f"\n{met} met, {missed} missed, {len(verdicts) - met - missed} not measured\n")


def print_details(results: list[Result], targets: list[Target]) -> None:
    print("## Every row\n")
    print("| tree | row | wall s (every run) | cpu s | largest process MB | whole tree MB (PSS) | "
          "load at each start | output |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- | --- |")
    for r in results:
        if r.status == "ok" and r.wall is not None:
            runs = ", ".join(f"{x['wall']:.2f}" for x in r.runs)
            wall = f"**{r.wall:.2f}** ({runs})" if len(r.runs) > 1 else f"{r.wall:.2f}"
            nums = f"{wall} | {r.cpu:.1f} | {r.max_rss_mb:,.0f} | {r.tree_pss_mb:,.0f}"
            note = " ".join(filter(None, (r.output, r.detail.strip())))
        else:
            lines = r.detail.splitlines()
            nums = f"{r.status.upper()} | | |"
            note = " / ".join(dict.fromkeys(lines[:1] + lines[-1:]))
        load = ", ".join(f"{x['load']:.1f}" for x in r.runs if x.get("load") is not None)
        print(f"| {r.target} | {r.label} | {nums} | {load} | {note} |")
    for r in results:
        if r.status not in ("ok", "skipped"):
            print(f"\n### {r.target}: {r.label} {r.status}\n\n$ {' '.join(r.argv[:3])} ...\n```\n{r.detail}\n```")
