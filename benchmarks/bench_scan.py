#!/usr/bin/env python
"""Wall-clock benchmark of ``wsaudit scan`` / ``wsaudit graph`` against peer import-graph builders.

Not a test: it prints a Markdown table (and, with ``--json FILE``, writes the numbers).

Targets
    gen10k   a synthetic, seeded tree of 10,000 modules (``benchmarks/.work/gen10k/``) with a
             deprecated ``app.core.factory.create_manager`` used by ~5% of the modules,
             written by ``benchmarks/gentree.py``
    pandas   the ``.py`` files of the installed pandas, copied to ``benchmarks/.work/pandas_src/pandas``
             so that the audited root is ``pandas_src`` and module names start at ``pandas``

Commands timed on each target, each as a subprocess, best of ``--repeat`` runs
    wsaudit scan  --no-cache            (cold: parse everything)
    wsaudit scan  --cache-dir FRESH     (warm: the same cache dir, filled by one untimed run first)
    wsaudit graph --no-cache
    ruff analyze graph                  (the reference: ratios are against it)
    grimp.build_graph(..., cache_dir=None)  in a fresh interpreter with PYTHONPATH=ROOT

Run:  .venv/bin/python benchmarks/bench_scan.py [--repeat N] [--regen] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gentree import GEN_VERSION, N_MODULES, generate_tree

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"


def ensure_gen10k(regen: bool) -> tuple[Path, dict]:
    root = WORK / "gen10k"
    marker = root / ".bench-manifest.json"
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("generator_version") == GEN_VERSION:
            return root, manifest
    print(f"generating {N_MODULES} modules into {root.relative_to(REPO)} ...", file=sys.stderr)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="gen10k.", dir=WORK))
    try:
        manifest = generate_tree(tmp / "tree")
        (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp / "tree", root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root, manifest


# ============================================================================ pandas target

PANDAS_CONFIG = """# Written by benchmarks/bench_scan.py: audit the pandas sources for a few internal helpers.
roots = ["."]
exclude = [".venv", "build", "backup*"]
tests = ["**/tests/**", "**/test_*.py", "**/conftest.py"]

[[rule]]
id = "PD001"
symbol = "pandas.util._decorators.deprecate_kwarg"
message = "deprecate_kwarg is used widely: benchmark rule"

[[rule]]
id = "PD002"
symbol = "pandas.util._decorators.deprecate"

[[rule]]
id = "PD003"
module = "pandas.core.common"

# Not deprecated: a helper used in ~80 files, so that detection has real work to do.
[[rule]]
id = "PD004"
symbol = "pandas.util._exceptions.find_stack_level"
"""


def ensure_pandas(regen: bool) -> tuple[Path, dict] | None:
    try:
        import pandas
    except ImportError:
        print("pandas is not importable: skipping the pandas target", file=sys.stderr)
        return None
    src = Path(pandas.__file__).resolve().parent
    root = WORK / "pandas_src"
    marker = root / ".bench-manifest.json"
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("pandas_version") == pandas.__version__ and manifest.get("source") == str(src):
            config = root / "wsaudit.toml"
            if not config.is_file() or config.read_text(encoding="utf-8") != PANDAS_CONFIG:
                config.write_text(PANDAS_CONFIG, encoding="utf-8")
            return root, manifest
    print(f"copying the .py files of pandas {pandas.__version__} from {src} ...", file=sys.stderr)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pandas_src.", dir=WORK))
    try:
        files = lines = 0
        for path in sorted(src.rglob("*.py")):
            rel = path.relative_to(src)
            if "__pycache__" in rel.parts:
                continue
            out = tmp / "tree" / "pandas" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)
            files += 1
            lines += path.read_bytes().count(b"\n")
        (tmp / "tree" / "wsaudit.toml").write_text(PANDAS_CONFIG, encoding="utf-8")
        manifest = {"pandas_version": pandas.__version__, "source": str(src), "modules": files,
                    "lines": lines, "top_packages": ["pandas"]}
        (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp / "tree", root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root, manifest


# ============================================================================ timing

@dataclass
class Result:
    target: str
    tool: str
    command: list[str]
    status: str = "ok"  # ok | failed | timeout | bad-output | skipped
    runs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user+sys seconds of each run, children included
    best: float | None = None
    best_cpu: float | None = None  # CPU seconds of the best run: less sensitive to a busy machine
    output: str = ""  # what the command produced (counts), to check the tools did comparable work
    detail: str = ""  # failure detail (stderr tail)
    ratio_vs_ruff: float | None = None


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name  # the venv's bin, not resolved through symlinks
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(cmd: list[str], cwd: Path, out_file: Path, timeout: float,
              env: dict[str, str] | None = None) -> tuple[float, int | None, str, float]:
    """Run once with stdout into ``out_file``;
    return (seconds, exit code or None on timeout, stderr, CPU seconds of the process tree)."""
    cpu_before = _children_cpu()
    with open(out_file, "wb") as out:
        start = time.perf_counter()
        # Own process group, so that a hung command's worker processes can be stopped with it.
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            elapsed = time.perf_counter() - start
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, err = proc.communicate()
            return elapsed, None, err.decode("utf-8", "replace"), _children_cpu() - cpu_before
        elapsed = time.perf_counter() - start
    return elapsed, proc.returncode, err.decode("utf-8", "replace"), _children_cpu() - cpu_before


def _tail(text: str, n: int = 25) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])


def measure(result: Result, cwd: Path, repeat: int, timeout: float, check, env=None,
            budget: float = 0) -> Result:
    """Best of ``repeat`` runs; stop at the first failure and keep its stderr.

    With ``budget`` > 0, a further run starts only if the runs so far plus one more (estimated
    by the fastest so far) stay within ``budget`` seconds; the first run always happens.
    """
    with tempfile.TemporaryDirectory(prefix="bench-out.") as tmp:
        out_file = Path(tmp) / "stdout"
        for _ in range(repeat):
            if budget > 0 and result.runs and sum(result.runs) + min(result.runs) > budget:
                break
            seconds, code, err, cpu = run_timed(result.command, cwd, out_file, timeout, env)
            if code is None:
                result.status, result.detail = "timeout", f"> {timeout:.0f}s\n{_tail(err)}"
                break
            if code != 0:
                result.status, result.detail = "failed", f"exit code {code}\n{_tail(err)}"
                break
            result.runs.append(seconds)
            result.cpu.append(cpu)
        if result.status == "ok":
            try:
                result.output = check(out_file.read_bytes())
            except Exception as exc:  # noqa: BLE001 - any unexpected output shape is reported
                result.status = "bad-output"
                result.detail = f"{type(exc).__name__}: {exc}"
    if result.runs and result.status == "ok":
        result.best = min(result.runs)
        result.best_cpu = result.cpu[result.runs.index(result.best)]
    tag = f"{result.best:.2f}s" if result.best is not None else result.status.upper()
    runs = ", ".join(f"{t:.2f}" for t in result.runs)
    print(f"  {result.tool:<28} {tag:>8}   runs: {runs}", file=sys.stderr)
    return result


def check_scan(data: bytes) -> str:
    doc = json.loads(data)
    cats: dict[str, int] = {}
    for v in doc["violations"]:
        cats[v["category"]] = cats.get(v["category"], 0) + 1
    parts = ", ".join(f"{k.removeprefix('deprecated-')} {n}" for k, n in sorted(cats.items()))
    return (f"{doc['files_scanned']} files, {len(doc['violations'])} violations ({parts}), "
            f"{len(doc['diagnostics'])} diagnostics")


def check_graph(data: bytes) -> str:
    doc = json.loads(data)
    pairs = {(e["source"], e["target"]) for e in doc["edges"] if e["source"] != e["target"]}
    return f"{len(doc['nodes'])} nodes, {len(doc['edges'])} edges ({len(pairs)} distinct module pairs)"


def check_ruff(data: bytes) -> str:
    doc = json.loads(data)
    edges = sum(len(v) for v in doc.values())
    return f"{len(doc)} files, {edges} edges"


def check_grimp(data: bytes) -> str:
    doc = json.loads(data)
    return f"{doc['modules']} modules, {doc['edges']} edges (in-process {doc['seconds']:.2f}s)"


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


def bench_target(name: str, root: Path, manifest: dict, repeat: int, timeout: float,
                 jobs: int | None, budget: float) -> list[Result]:
    wsaudit, ruff = _tool("wsaudit"), _tool("ruff")
    results: list[Result] = []
    print(f"[{name}] {root}", file=sys.stderr)
    # Read every file once so that the first timed command does not pay for a cold page cache.
    for path in root.rglob("*.py"):
        path.read_bytes()
    jobs_arg = ["--jobs", str(jobs)] if jobs else []

    if wsaudit is None:
        results.append(Result(name, "wsaudit", ["wsaudit"], status="skipped", detail="wsaudit not found"))
    else:
        base = [wsaudit, "scan", str(root), "--format", "json", "--quiet", *jobs_arg]
        cold = measure(Result(name, "wsaudit scan (cold)", base + ["--no-cache"]),
                       root, repeat, timeout, check_scan, budget=budget)
        results.append(cold)
        with tempfile.TemporaryDirectory(prefix="wsaudit-cache.") as cache:
            warm_cmd = base + ["--cache-dir", cache]
            fill = measure(Result(name, "wsaudit scan (cache fill)", warm_cmd), root, 1, timeout, check_scan)
            results.append(fill)
            if fill.status == "ok":
                warm = measure(Result(name, "wsaudit scan (warm cache)", warm_cmd),
                               root, repeat, timeout, check_scan, budget=budget)
                if warm.status == "ok" and cold.status == "ok" and warm.output != cold.output:
                    warm.detail = f"warm output differs from cold: {warm.output} vs {cold.output}"
            else:
                warm = Result(name, "wsaudit scan (warm cache)", warm_cmd, status="skipped",
                              detail="cache fill failed")
            results.append(warm)
        results.append(measure(
            Result(name, "wsaudit graph", [wsaudit, "graph", str(root), "--format", "json",
                                           "--no-cache", "--quiet", *jobs_arg]),
            root, repeat, timeout, check_graph, budget=budget))

    if ruff is None:
        results.append(Result(name, "ruff analyze graph", ["ruff"], status="skipped", detail="ruff not found"))
    else:
        # --isolated: ignore the repository's pyproject.toml (its project root would break
        # first-party resolution); run from ROOT so that ROOT is the import root.
        # respect-gitignore=false: benchmarks/.work/ is gitignored by the enclosing repository.
        cmd = [ruff, "analyze", "graph", "--isolated", "--config", "respect-gitignore = false", "."]
        results.append(measure(Result(name, "ruff analyze graph", cmd), root, repeat, timeout, check_ruff,
                               budget=budget))

    try:
        import grimp  # noqa: F401 - only to know whether it is installed
    except ImportError:
        results.append(Result(name, "grimp build_graph", [], status="skipped",
                              detail="grimp not installed (pip install -e '.[bench]')"))
    else:
        env = dict(os.environ, PYTHONPATH=str(root))
        cmd = [sys.executable, "-c", GRIMP_SNIPPET, str(root), *manifest["top_packages"]]
        results.append(measure(Result(name, "grimp build_graph", cmd), root, repeat, timeout,
                               check_grimp, env=env, budget=budget))

    ruff_best = next((r.best for r in results if r.tool == "ruff analyze graph"), None)
    for r in results:
        if r.best is not None and ruff_best:
            r.ratio_vs_ruff = r.best / ruff_best
    return results


# ============================================================================ report

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for tool, args in (("wsaudit", ["--version"]), ("ruff", ["--version"])):
        exe = _tool(tool)
        try:
            versions[tool] = subprocess.run([exe, *args], check=False, capture_output=True, text=True,
                                            timeout=30).stdout.strip() if exe else None
        except (OSError, subprocess.TimeoutExpired):
            versions[tool] = None
    try:
        import grimp
        versions["grimp"] = getattr(grimp, "__version__", "?")
    except ImportError:
        versions["grimp"] = None
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "wsaudit"],
                               check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        versions["wsaudit_git"] = rev + ("+dirty" if dirty else "") if rev else None
    except OSError:
        versions["wsaudit_git"] = None
    return {
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def markdown(results: list[Result], files: dict[str, int]) -> str:
    rows = ["| target | files | tool / command | seconds (best) | cpu s | runs | vs ruff | output |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        seconds = f"{r.best:.2f}" if r.best is not None else r.status.upper()
        cpu = f"{r.best_cpu:.1f}" if r.best_cpu is not None else "-"
        ratio = f"{r.ratio_vs_ruff:.1f}x" if r.ratio_vs_ruff is not None else "-"
        if r.status == "ok":
            note = r.output
        else:
            lines = r.detail.splitlines()
            note = " / ".join(dict.fromkeys(lines[:1] + lines[-1:]))  # "exit code 2 / last stderr line"
        if r.status == "ok" and r.detail:
            note += f" **{r.detail}**"
        rows.append(f"| {r.target} | {files[r.target]:,} | {r.tool} | {seconds} | {cpu} | {len(r.runs)} "
                    f"| {ratio} | {note} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs per command (best kept)")
    parser.add_argument("--regen", action="store_true", help="rebuild the generated tree and the pandas copy")
    parser.add_argument("--json", metavar="FILE", help="also write all numbers as JSON")
    parser.add_argument("--targets", default="gen10k,pandas", help="comma-separated: gen10k, pandas")
    parser.add_argument("--jobs", type=int, metavar="N", help="pass --jobs N to wsaudit (default: its own)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a command counts as hung")
    parser.add_argument("--budget", type=float, default=30, metavar="SECONDS",
                        help="per command: skip further runs once they would exceed SECONDS in total "
                             "(default 30, keeps the whole run under ~5 min; 0 = always --repeat runs)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(wanted) - {"gen10k", "pandas"}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    targets: list[tuple[str, Path, dict]] = []
    if "gen10k" in wanted:
        root, manifest = ensure_gen10k(args.regen)
        targets.append(("gen10k", root, manifest))
    if "pandas" in wanted:
        found = ensure_pandas(args.regen)
        if found:
            targets.append(("pandas", *found))

    info = machine()
    results: list[Result] = []
    for name, root, manifest in targets:
        results += bench_target(name, root, manifest, args.repeat, args.timeout, args.jobs, args.budget)
    files = {name: manifest["modules"] for name, _, manifest in targets}
    info["loadavg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    print(f"machine: nproc={info['nproc']} (cpu_count={info['cpu_count']}), {info['cpu']}, "
          f"{info['implementation']} {info['python']}, {info['platform']}")
    v = info["versions"]
    load, now = info["loadavg_at_start"], info["loadavg_at_end"]
    if load and now:
        print(f"load average: {load[0]:.2f} at start, {now[0]:.2f} at end (1 min)")
        if max(load[0], now[0]) > 0.5 * (info["nproc"] or 1):
            print("WARNING: the machine was busy with other work; timings are inflated and noisy")
    print(f"tools: {v.get('wsaudit')} (git {v.get('wsaudit_git')}), {v.get('ruff')}, grimp {v.get('grimp')}")
    for name, root, manifest in targets:
        extra = ""
        if name == "gen10k":
            extra = (f", {manifest['deprecated_users']} modules use the deprecated API "
                     f"({manifest['decoys']} decoys)")
        elif name == "pandas":
            extra = f", pandas {manifest['pandas_version']}"
        print(f"{name}: {manifest['modules']:,} .py files, {manifest['lines']:,} lines{extra}; root {root}")
    budget = f", fewer when a command's runs would exceed {args.budget:g}s" if args.budget > 0 else ""
    print(f"best of up to {args.repeat} run(s){budget}; wall clock per subprocess; "
          "vs ruff = seconds / ruff analyze graph seconds on the same target")
    print()
    print(markdown(results, files))
    failures = [r for r in results if r.status not in ("ok", "skipped")]
    for r in failures:
        print(f"\n### {r.target}: {r.tool} {r.status}\n\n$ {' '.join(r.command[:3])} ...\n```\n{r.detail}\n```")
    elapsed = time.perf_counter() - started
    print(f"\n(total benchmark time {elapsed:.0f}s)")

    if args.json:
        doc = {"machine": info, "repeat": args.repeat, "budget_seconds": args.budget,
               "targets": [{"name": n, "root": str(r), "manifest": m} for n, r, m in targets],
               "results": [asdict(r) for r in results], "elapsed_seconds": elapsed}
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
