#!/usr/bin/env python
"""Wall-clock benchmark of ``wsaudit check`` (the CI gate) against a full ``wsaudit scan`` and
``ruff check --select TID251`` with the equivalent banned-api configuration, on the generated
10,000-module tree of ``bench_scan.py`` (``benchmarks/.work/gen10k/``, generated when missing).

Not a test: it prints a Markdown table. Each command runs as its own subprocess; best of
``--repeat`` runs.

    wsaudit check (cold)         wsaudit check ROOT --baseline B --no-cache        (B holds every violation: exit 0)
    wsaudit check (warm cache)   wsaudit check ROOT --baseline B --cache-dir C     (C filled by one untimed run)
    wsaudit scan (cold)          wsaudit scan ROOT --format json --no-cache
    wsaudit scan (warm cache)    wsaudit scan ROOT --format json --cache-dir C2    (C2 filled by one untimed run)
    ruff check TID251            ruff check --no-cache --config RUFF.toml --select TID251 .   (from ROOT)

RUFF.toml bans, under ``[lint.flake8-tidy-imports.banned-api]``, every symbol and module of the
tree's ``wsaudit.toml`` rules. Ruff matches imports of those dotted paths as written; wsaudit
also follows aliases, re-exports, calls and references, so the counts differ by design.

Run:  .venv/bin/python benchmarks/bench_check.py [--repeat N] [--regen]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scan import ensure_gen10k  # the cached tree; its generator is gentree.py


def tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def ruff_config(root: Path) -> str:
    """The banned-api table equivalent to the tree's wsaudit rules."""
    rules = tomllib.loads((root / "wsaudit.toml").read_text(encoding="utf-8"))["rule"]
    lines = ["respect-gitignore = false  # benchmarks/.work/ is gitignored by the repository", "",
             "[lint]", 'select = ["TID251"]', "", "[lint.flake8-tidy-imports.banned-api]"]
    for rule in rules:
        target = rule.get("symbol") or rule["module"]
        message = rule.get("message") or f"{target} is deprecated"
        lines.append(f"{json.dumps(target)}.msg = {json.dumps(message)}")
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], cwd: Path, ok_codes: tuple[int, ...], repeat: int) -> tuple[float, str]:
    """Best wall-clock seconds of ``repeat`` runs and the last run's standard output."""
    best, out = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if proc.returncode not in ok_codes:
            raise SystemExit(f"{' '.join(cmd[:3])} ... exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        best, out = min(best, seconds), proc.stdout
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs per command (best kept)")
    parser.add_argument("--regen", action="store_true", help="regenerate the tree")
    args = parser.parse_args(argv)
    wsaudit, ruff = tool("wsaudit"), tool("ruff")
    if wsaudit is None:
        raise SystemExit("wsaudit is not installed (pip install -e .)")
    root, manifest = ensure_gen10k(args.regen)
    for path in root.rglob("*.py"):  # warm the page cache so that the first command pays no extra
        path.read_bytes()
    load_start = os.getloadavg()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-check.") as tmp:
        work = Path(tmp)
        baseline = work / "baseline.json"
        check = [wsaudit, "check", str(root), "--baseline", str(baseline), "--format", "json", "--quiet"]
        timed([*check, "--no-cache", "--update-baseline"], root, (0,), 1)  # untimed: adopt every violation
        accepted = json.loads(baseline.read_text())["count"]

        def check_note(out: str) -> str:
            doc = json.loads(out)
            return (f"{doc['summary']['violations']} violations, {doc['summary']['new']} new "
                    f"({accepted} in the baseline); parsed {doc['files_parsed']:,} of {doc['files_scanned']:,} files")

        def scan_note(out: str) -> str:
            doc = json.loads(out)
            return f"{len(doc['violations'])} violations; parsed all {doc['files_scanned']:,} files"

        seconds, out = timed([*check, "--no-cache"], root, (0,), args.repeat)
        rows.append(("wsaudit check (cold)", seconds, check_note(out)))
        warm = [*check, "--cache-dir", str(work / "cache-check")]
        timed(warm, root, (0,), 1)
        seconds, out = timed(warm, root, (0,), args.repeat)
        rows.append(("wsaudit check (warm cache)", seconds, check_note(out)))
        scan = [wsaudit, "scan", str(root), "--format", "json", "--quiet"]
        seconds, out = timed([*scan, "--no-cache"], root, (0,), args.repeat)
        rows.append(("wsaudit scan (cold)", seconds, scan_note(out)))
        warm = [*scan, "--cache-dir", str(work / "cache-scan")]
        timed(warm, root, (0,), 1)
        seconds, out = timed(warm, root, (0,), args.repeat)
        rows.append(("wsaudit scan (warm cache)", seconds, scan_note(out)))
        if ruff is not None:
            config = work / "ruff.toml"
            config.write_text(ruff_config(root), encoding="utf-8")
            cmd = [ruff, "check", "--no-cache", "--config", str(config), "--select", "TID251",
                   "--output-format", "json", "."]
            seconds, out = timed(cmd, root, (0, 1), args.repeat)
            found = json.loads(out)
            rows.append(("ruff check --select TID251", seconds,
                         f"{len(found)} banned imports in {len({f['filename'] for f in found})} files"))
    load_end = os.getloadavg()

    reference = next((s for name, s, _ in rows if name.startswith("ruff")), None)
    version = subprocess.run([wsaudit, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    ruff_version = subprocess.run([ruff, "--version"], capture_output=True, text=True,
                                  check=False).stdout.strip() if ruff else "ruff: not installed"
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average "
          f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end; {version}, {ruff_version}")
    print(f"tree: benchmarks/.work/gen10k, {manifest['modules']:,} modules, {manifest['lines']:,} lines, "
          f"{manifest['deprecated_users']} modules use the deprecated API; best of {args.repeat} run(s)")
    print()
    print("| command | seconds | vs ruff | vs scan (cold) | output |")
    print("| --- | ---: | ---: | ---: | --- |")
    scan_cold = next(s for name, s, _ in rows if name == "wsaudit scan (cold)")
    for name, seconds, note in rows:
        ratio = f"{seconds / reference:.1f}x" if reference else "-"
        print(f"| {name} | {seconds:.2f} | {ratio} | {seconds / scan_cold:.2f}x | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
