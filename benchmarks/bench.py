#!/usr/bin/env python
"""Benchmark of wsaudit's commands against the parser's floor and peer tools, on three trees.

Not a test: it prints Markdown (and, with ``--json FILE``, writes every number). See
``benchmarks/README.md`` for what each row runs and how to read it.

Targets (``targets.py``): gen10k and gen100k (generated, ``gentree.py``), pandas (the installed
pandas's sources), sample (``data/sample_repo``: only the report's fixed cost and a cold scan).

Rows, each its own subprocess, best of ``--repeat`` runs: wsaudit scan cold / cache fill / warm /
one file changed, check cold, rank, graph, report; the ``ast.parse`` floor; ruff analyze graph;
ruff check --select TID251; grimp build_graph. For each: wall, CPU, peak memory; then ratios, and
the issue's targets met or missed (``--profile``: where the time goes for each missed one).

Run:  .venv/bin/python benchmarks/bench.py [--targets gen10k,pandas] [--repeat N] [--json FILE] [--profile]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import profiling
from measure import Result, Row, loadavg, machine, run_passes, skipped, tool, untimed
from present import (
    evaluate_targets,
    print_details,
    print_header,
    print_ratios,
    print_summary,
    print_targets,
    set_ratios,
)
from targets import (
    ALL,
    HISTORY_COMMITS,
    WORK,
    OneEdit,
    RestoredCache,
    Target,
    candidate_to_edit,
    ensure,
    file_to_edit,
    history_repository,
    ruff_banned_config,
    tree_target,
    warm_page_cache,
)

REPORT_TARGETS = {"gen10k", "pandas", "sample", "tree"}  # the report is too slow to be worth it on gen100k
# the CI secret of the restored-cache gate (wsaudit.secret): any 32 characters or more
BENCH_KEY = "bench-only-key-0123456789abcdef0123456789abcdef"

# ============================================================================ snippets

FLOOR_SNIPPET = """
import ast, json, multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor

def parse(path):
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        ast.parse(data, filename=path)
        return 0
    except (SyntaxError, ValueError):
        return 1

root, workers = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
files = []
for folder, dirs, names in os.walk(root):
    dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
    files += [os.path.join(folder, n) for n in sorted(names) if n.endswith(".py")]
with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
    errors = sum(pool.map(parse, files, chunksize=32))
print(json.dumps({"files": len(files), "errors": errors, "workers": workers,
                  "seconds": time.perf_counter() - start}))
"""

GRIMP_SNIPPET = """
import importlib.util, json, os, sys, time
root = os.path.realpath(sys.argv[1])
packages = sys.argv[2:]
for name in packages:
    spec = importlib.util.find_spec(name)
    origin = os.path.realpath(spec.origin) if spec and spec.origin else None
    if not origin or not origin.startswith(root + os.sep):
        sys.exit(f"grimp would read {name!r} from {origin}, not from {root}")
import grimp
start = time.perf_counter()
graph = grimp.build_graph(*packages, cache_dir=None)
seconds = time.perf_counter() - start
print(json.dumps({"modules": len(graph.modules), "edges": graph.count_imports(), "seconds": seconds}))
"""

# ============================================================================ output checks


def _cats(violations: list[dict]) -> str:
    cats: dict[str, int] = {}
    for v in violations:
        cats[v["category"]] = cats.get(v["category"], 0) + 1
    return ", ".join(f"{k.removeprefix('deprecated-')} {n}" for k, n in sorted(cats.items()))


def check_scan(data: bytes) -> str:
    doc = json.loads(data)
    return (f"{doc['files_scanned']:,} files, {len(doc['violations']):,} violations "
            f"({_cats(doc['violations'])}), {len(doc['diagnostics'])} diagnostics")


def check_check(data: bytes) -> str:
    doc = json.loads(data)
    s = doc["summary"]
    if not doc["passed"]:
        raise ValueError(f"the gate failed: {s}")
    return (f"{s['violations']:,} violations, {s['new']} new ({s['baselined']:,} baselined); "
            f"parsed {doc['files_parsed']:,} of {doc['files_scanned']:,} files")


def check_rank(data: bytes) -> str:
    doc = json.loads(data)
    tiers: dict[str, int] = {}
    for v in doc["violations"]:
        tiers[v["tier"]] = tiers.get(v["tier"], 0) + 1
    return f"{len(doc['violations']):,} violations ranked: " + ", ".join(f"{t} {n}" for t, n in sorted(tiers.items()))


def check_graph(data: bytes) -> str:
    doc = json.loads(data)
    pairs = {(e["source"], e["target"]) for e in doc["edges"] if e["source"] != e["target"]}
    return f"{len(doc['nodes']):,} nodes, {len(doc['edges']):,} edges ({len(pairs):,} distinct module pairs)"


def check_report(data: bytes) -> str:
    text = data.decode()
    pages = sum(line.startswith("HTML report:") for line in text.splitlines())
    tables = next((line.split(":", 1)[1].split(" in ")[0].strip() for line in text.splitlines()
                   if line.startswith("Tables:")), "?")
    if not pages:
        raise ValueError(f"no HTML page reported: {text[-300:]!r}")
    return f"{pages} HTML pages, {tables}"


def check_history(data: bytes) -> str:
    doc = json.loads(data)
    commits = doc["commits"]
    if len(commits) != HISTORY_COMMITS or any(c.get("error") for c in commits):
        raise ValueError(f"{len(commits)} commits, errors: {[c.get('error') for c in commits if c.get('error')]}")
    return f"{len(commits)} commits, {commits[-1].get('violations')} violations at the last"


def check_floor(data: bytes) -> str:
    doc = json.loads(data)
    return f"{doc['files']:,} files parsed by {doc['workers']} workers, {doc['errors']} syntax errors"


def check_ruff_graph(data: bytes) -> str:
    doc = json.loads(data)
    return f"{len(doc):,} files, {sum(len(v) for v in doc.values()):,} edges"


def check_ruff_tid(data: bytes) -> str:
    found = json.loads(data)
    return f"{len(found):,} banned imports in {len({f['filename'] for f in found}):,} files"


def check_grimp(data: bytes) -> str:
    doc = json.loads(data)
    return f"{doc['modules']:,} modules, {doc['edges']:,} edges (in-process {doc['seconds']:.2f}s)"


# ============================================================================ one target


class Bench:
    """The rows of one target; keeps what ``--profile`` needs to re-run them."""

    def __init__(self, target: Target, args: argparse.Namespace, work: Path):
        self.t, self.args, self.work = target, args, work
        self.rows: list[Row] = []
        self.skipped: list[Result] = []
        self.replays: dict[str, profiling.Replay] = {}  # row key -> how to re-run it in-process
        self.jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        extra = dict(item.split("=", 1) for item in args.wsaudit_env)
        self.env = {**os.environ, **extra} if extra else None  # for wsaudit's commands only

    def wanted(self, key: str) -> bool:
        return not self.t.rows or key in self.t.rows

    def add(self, key: str, label: str, argv: list[str], check, *, cwd: Path | None = None, **kw) -> None:
        if self.wanted(key):
            self.rows.append(Row(Result(self.t.name, key, label, argv), cwd or self.t.root, check, **kw))

    def skip(self, key: str, label: str, why: str) -> None:
        if self.wanted(key):
            self.skipped.append(skipped(self.t.name, key, label, why))

    def _prepare(self, argv: list[str], what: str):
        return lambda: untimed(argv, self.t.root, self.args.timeout, what, self.env)

    def add_wsaudit(self, key: str, label: str, argv: list[str], check, edit: OneEdit | None = None, **kw) -> None:
        self.add(key, label, argv, check, env=self.env, **kw)
        self.replays[key] = profiling.Replay(argv, edit=edit, env=self.env)

    def wsaudit_rows(self, wsaudit: str) -> None:
        root = str(self.t.root)
        scan = [wsaudit, "scan", root, "--format", "json", "--quiet", *self.jobs]
        self.add_wsaudit("scan-cold", "wsaudit scan (cold)", scan + ["--no-cache"], check_scan)
        # warm: the first pass's "cache fill" run fills the cache of every later warm run
        warm = scan + ["--cache-dir", str(self.work / "cache-warm")]
        self.add_wsaudit("scan-fill", "wsaudit scan (cache fill)", warm, check_scan, once=True)
        self.add_wsaudit("scan-warm", "wsaudit scan (warm)", warm, check_scan)
        # one file changed: its own cache, filled once; run i edits the file (edit i) and puts it
        # back afterwards, so that every other row sees the tree unchanged
        changed = scan + ["--cache-dir", str(self.work / "cache-changed")]
        edit = OneEdit(file_to_edit(self.t.root))
        self.edited = edit.path.relative_to(self.t.root)
        self.add_wsaudit("scan-changed", "wsaudit scan (one file changed)", changed, check_scan, edit=edit,
                         setup=self._prepare(changed, "fill the cache"), before_each=edit, after_each=edit.restore)
        # ... and one file that names the deprecated API (the audit parses it in full) changed
        if self.wanted("scan-changed-candidate"):
            changed_candidate = scan + ["--cache-dir", str(self.work / "cache-changed-candidate")]
            candidate_edit = OneEdit(candidate_to_edit(self.t.root))
            self.edited_candidate = candidate_edit.path.relative_to(self.t.root)
            self.add_wsaudit("scan-changed-candidate", "wsaudit scan (one candidate file changed)", changed_candidate,
                             check_scan, edit=candidate_edit, setup=self._prepare(changed_candidate, "fill the cache"),
                             before_each=candidate_edit, after_each=candidate_edit.restore)
        check = [wsaudit, "check", root, "--baseline", str(self.work / "baseline.json"), "--format", "json",
                 "--quiet", *self.jobs, "--no-cache"]
        self.add_wsaudit("check-cold", "wsaudit check (cold)", check, check_check,
                         setup=self._prepare(check + ["--update-baseline"], "write the baseline (every violation)"))
        if self.wanted("check-restored"):
            self.restored_check_row(check)
        if self.wanted("history") and self.t.name != "sample":
            repo = self.work / "history.git"
            edited = [candidate_to_edit(self.t.root), file_to_edit(self.t.root)]
            history = [wsaudit, "history", str(repo), "--format", "json", "--quiet", "--no-cache", *self.jobs]
            self.add_wsaudit("history", f"wsaudit history ({HISTORY_COMMITS} commits, cold)", history, check_history,
                             setup=lambda: history_repository(self.t.root, repo, edited))
        rank = [wsaudit, "rank", root, "--format", "json", "--quiet", "--no-cache", *self.jobs]
        self.add_wsaudit("rank", "wsaudit rank (cold)", rank, check_rank)
        graph = [wsaudit, "graph", root, "--format", "json", "--quiet", "--no-cache", *self.jobs]
        self.add_wsaudit("graph", "wsaudit graph (cold)", graph, check_graph)
        if self.t.name in REPORT_TARGETS:
            report = [wsaudit, "report", root, "--output", str(self.work / "report-out"), "--quiet", "--no-cache",
                      *self.jobs]
            self.add_wsaudit("report", "wsaudit report (cold)", report, check_report, cwd=self.work)

    def restored_check_row(self, check: list[str]) -> None:
        """The gate on a CI runner with the cache restored from the default branch's run: the
        key from $WSAUDIT_KEY (a fresh key file that is never made), the cache folder copied
        afresh before each run from one a run on the unchanged tree filled, one candidate file
        edited."""
        argv = [a for a in check if a != "--no-cache"] + ["--cache-dir", str(self.work / "cache-restored")]
        filled = self.work / "cache-default-branch"
        env = {**(self.env or os.environ), "WSAUDIT_KEY": BENCH_KEY,
               "WSAUDIT_KEY_FILE": str(self.work / "runner-home" / "key")}
        fill = [a if a != str(self.work / "cache-restored") else str(filled) for a in argv]
        restored = RestoredCache(filled, self.work / "cache-restored", OneEdit(candidate_to_edit(self.t.root)))
        self.add("check-restored", "wsaudit check (restored cache, one candidate file changed)", argv, check_check,
                 env=env, setup=lambda: untimed(fill, self.t.root, self.args.timeout, "fill the default branch's "
                                                "cache", env), before_each=restored, after_each=restored.restore)
        self.replays["check-restored"] = profiling.Replay(argv, edit=restored.edit, env=env)

    def peer_rows(self) -> None:
        root = self.t.root
        workers = str(self.args.jobs or os.cpu_count() or 1)
        self.add("floor", "ast.parse floor", [sys.executable, "-P", "-c", FLOOR_SNIPPET, str(root), workers],
                 check_floor)
        ruff = tool("ruff")
        if ruff is None:
            self.skip("ruff-graph", "ruff analyze graph", "ruff not found")
            self.skip("ruff-tid", "ruff check --select TID251", "ruff not found")
        else:
            # --isolated: ignore the repository's pyproject.toml (its project root would break
            # first-party resolution); run from ROOT so that ROOT is the import root.
            # respect-gitignore=false: benchmarks/.work/ is gitignored by the enclosing repository.
            self.add("ruff-graph", "ruff analyze graph",
                     [ruff, "analyze", "graph", "--isolated", "--config", "respect-gitignore = false", "."],
                     check_ruff_graph)
            config = self.work / "ruff-banned.toml"
            config.write_text(ruff_banned_config(root), encoding="utf-8")
            self.add("ruff-tid", "ruff check --select TID251",
                     [ruff, "check", "--no-cache", "--config", str(config), "--select", "TID251",
                      "--output-format", "json", "."], check_ruff_tid, ok_codes=(0, 1))
        if importlib.util.find_spec("grimp") is None:  # found, not imported: grimp runs in its own process
            self.skip("grimp", "grimp build_graph", "grimp not installed (pip install -e '.[bench]')")
        else:
            env = dict(os.environ, PYTHONPATH=str(root))
            self.add("grimp", "grimp build_graph",
                     [sys.executable, "-P", "-c", GRIMP_SNIPPET, str(root), *self.t.manifest["top_packages"]],
                     check_grimp, env=env)

    def run(self) -> list[Result]:
        print(f"[{self.t.name}] {self.t.root} (load average {loadavg():.2f})", file=sys.stderr, flush=True)
        warm_page_cache(self.t.root)
        if self.t.name != "sample":
            self.peer_rows()  # first in each pass: quick, and then close in time to the rows they are compared to
        wsaudit = tool("wsaudit")
        if wsaudit is None:
            self.skip("scan-cold", "wsaudit scan (cold)", "wsaudit not found")
        else:
            self.wsaudit_rows(wsaudit)
        run_passes(self.rows, repeat=self.args.repeat, timeout=self.args.timeout, budget=self.args.budget)
        by = {row.result.key: row.result for row in self.rows}
        cold = by.get("scan-cold")
        for key in ("scan-fill", "scan-warm", "scan-changed", "scan-changed-candidate"):
            r = by.get(key)
            if r and cold and r.status == cold.status == "ok" and r.output != cold.output:
                r.detail = f"**output differs from the cold scan's: {r.output} vs {cold.output}**"
        if "scan-changed" in by:
            by["scan-changed"].detail = f"{by['scan-changed'].detail} (edited: {self.edited})".strip()
        if "scan-changed-candidate" in by:
            by["scan-changed-candidate"].detail = (f"{by['scan-changed-candidate'].detail} "
                                                   f"(edited: {self.edited_candidate})").strip()
        return [row.result for row in self.rows] + self.skipped


# ============================================================================ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=",".join(ALL), help=f"comma-separated, of: {', '.join(ALL)} "
                        "(default: all; sample gives the report's fixed cost)")
    parser.add_argument("--rows", metavar="KEYS", help="comma-separated row keys to run, e.g. scan-cold,report "
                        "(default: every row; keys: scan-cold, scan-fill, scan-warm, scan-changed, scan-changed-candidate, "
                        "check-cold, check-restored, history, rank, "
                        "graph, report, floor, ruff-graph, ruff-tid, grimp)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs per row (default 3; "
                        "the fastest is kept)")
    parser.add_argument("--budget", type=float, default=30, metavar="SECONDS",
                        help="per row: no further run once the runs would exceed SECONDS in total "
                             "(default 30; 0: always --repeat runs)")
    parser.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                        help="a run taking longer is stopped with its whole process group (default 600)")
    parser.add_argument("--jobs", type=int, metavar="N", help="pass --jobs N to wsaudit, and N workers to "
                        "the floor (default: os.cpu_count())")
    parser.add_argument("--json", metavar="FILE", help="also write every number, run by run, as JSON")
    parser.add_argument("--profile", action="store_true", help="for each missed target, run the wsaudit "
                        "command once more in-process under cProfile (with --jobs 1) and print the top entries")
    parser.add_argument("--profile-top", type=int, default=25, metavar="N", help="entries per profile (default 25)")
    parser.add_argument("--wsaudit-env", action="append", default=[], metavar="KEY=VALUE",
                        help="set an environment variable for wsaudit's commands only (repeatable)")
    parser.add_argument("--regen", action="store_true", help="rebuild the generated trees and the pandas copy")
    parser.add_argument("--tree", metavar="PATH", help="also measure the tree at PATH (it needs a wsaudit.toml; "
                        "read in place: a row that edits a file puts it back)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if bad := [item for item in args.wsaudit_env if "=" not in item or item.startswith("=")]:
        parser.error(f"--wsaudit-env takes KEY=VALUE, not {bad[0]!r}")
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    if unknown := sorted(set(wanted) - set(ALL)):
        parser.error(f"unknown target(s): {', '.join(unknown)}")

    started = time.perf_counter()
    info = machine()
    info["loadavg_at_start"] = loadavg()
    print(f"load average at start: {info['loadavg_at_start']:.2f}", file=sys.stderr, flush=True)
    targets = ensure(wanted, args.regen)
    if args.tree:
        targets.append(tree_target(args.tree))
    if args.rows:  # only these rows (and the rows a target already limits itself to)
        only = frozenset(args.rows.split(","))
        targets = [dataclasses.replace(t, rows=(t.rows & only) if t.rows else only) for t in targets]
        targets = [t for t in targets if t.rows]  # a target none of whose rows is asked for is left out
    WORK.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="run.", dir=WORK))
    results: list[Result] = []
    benches: dict[str, Bench] = {}
    profiles: list[dict] = []
    try:
        for target in targets:
            work = scratch / target.name
            work.mkdir()
            benches[target.name] = Bench(target, args, work)
            results += benches[target.name].run()
        info["loadavg_at_end"] = loadavg()
        set_ratios(results)
        verdicts = evaluate_targets(results)
        print_header(info, targets, args)
        print_summary(results, targets)
        print_ratios(results, targets)
        print_targets(verdicts)
        print_details(results, targets)
        if args.profile:
            for key in dict.fromkeys((v["target"], row) for v in verdicts if v["met"] is False
                                     for row in v["rows"]):
                name, row = key
                replay = benches[name].replays.get(row)
                if replay is not None:
                    profiles.append(profiling.run(replay, name, row, benches[name].t.root, benches[name].work,
                                                  args.profile_top, args.timeout))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failures = [r for r in results if r.status not in ("ok", "skipped")]
    elapsed = time.perf_counter() - started
    print(f"\n(total benchmark time {elapsed:.0f}s; load average {info['loadavg_at_start']:.2f} at start, "
          f"{info['loadavg_at_end']:.2f} at the end of the measurements, {loadavg():.2f} now)")
    if args.json:
        doc = {"machine": info, "argv": sys.argv, "repeat": args.repeat, "budget_seconds": args.budget,
               "targets": [{"name": t.name, "root": str(t.root), "manifest": t.manifest} for t in targets],
               "results": [asdict(r) for r in results], "targets_met": verdicts, "profiles": profiles,
               "elapsed_seconds": elapsed}
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
