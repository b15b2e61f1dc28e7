"""How long ``wsaudit history`` takes on a generated 200-commit migration, against a cold scan and git.

The repository (``benchmarks/.work/history5k``, built once and reused while the generator is the
same) is ``genhistory.history_commits``: a 5,000-module tree of ``gentree.py`` migrating off its
deprecated factory over 200 commits, with a deletion, a re-introduced definition, a rename and a
mass edit that breaks files. Timed, each as its own subprocess (wall clock, best of ``--repeat``):

* ``wsaudit history`` cold (``--no-cache``) and warm (a filled cache);
* one cold ``wsaudit scan`` of the last commit (a ``git archive`` checkout of it);
* ``git log --stat`` of the same range (what reading the history's changes costs git itself).

Printed as a Markdown table with the ratios. Not a test: speed is never asserted.

    .venv/bin/python benchmarks/bench_history.py [--modules 5000] [--commits 200] [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))


def _key(modules: int, commits: int, seed: int) -> str:
    sources = b"".join((HERE / n).read_bytes() for n in ("gentree.py", "genhistory.py"))
    return hashlib.sha256(sources + f"{modules}:{commits}:{seed}".encode()).hexdigest()[:16]


def build(modules: int, commits: int, seed: int) -> Path:
    """The benchmark repository, rebuilt when the generators or the sizes change."""
    from genhistory import history_commits

    from wsaudit.history.sample import write_repository

    repo = WORK / f"history{modules // 1000}k"
    stamp = repo / ".git" / "wsaudit-bench-key"
    key = _key(modules, commits, seed)
    if stamp.is_file() and stamp.read_text() == key:
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    started = time.perf_counter()
    write_repository(repo, history_commits(modules, commits, seed))
    stamp.write_text(key)
    print(f"built {repo} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return repo


def timed(args: list[str], repeat: int, cwd: Path | None = None) -> tuple[float, bytes]:
    best, out = float("inf"), b""
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, cwd=cwd, check=False)
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr.decode(errors='replace')[-3000:]}")
        best, out = min(best, elapsed), proc.stdout
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per command, best kept (default 1)")
    parser.add_argument("--jobs", type=int, help="--jobs for wsaudit")
    args = parser.parse_args(argv)
    repo = build(args.modules, args.commits, args.seed)
    wsaudit = [sys.executable, "-m", "wsaudit"]
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    rows = []
    with tempfile.TemporaryDirectory(prefix="wsaudit-bench-history-") as tmp:
        cache = Path(tmp) / "cache"
        history = [*wsaudit, "history", str(repo), "--format", "json", "--quiet", *jobs]
        cold, out = timed([*history, "--no-cache"], args.repeat)
        doc = json.loads(out)
        timed([*history, "--cache-dir", str(cache)], 1)  # fill the cache
        warm, warm_out = timed([*history, "--cache-dir", str(cache)], args.repeat)
        assert json.loads(warm_out) == doc, "the warm history differs from the cold one"
        data = subprocess.run(["git", "--git-dir", str(repo / ".git"), "archive", "--format=tar", "HEAD"],
                              capture_output=True, check=True).stdout
        checkout = Path(tmp) / "last"
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(checkout, filter="data")
        scan, scan_out = timed([*wsaudit, "scan", str(checkout), "--format", "json", "--quiet", "--no-cache", *jobs],
                               args.repeat)
        log, _ = timed(["git", "--git-dir", str(repo / ".git"), "log", "--stat", "--first-parent", "HEAD"], args.repeat)
    last = doc["commits"][-1]
    assert last["violations"] == len(json.loads(scan_out)["violations"]), "history's last row differs from the scan"
    rows = [("wsaudit history (cold, --no-cache)", cold), ("wsaudit history (warm cache)", warm),
            ("wsaudit scan of the last commit (cold)", scan), ("git log --stat (same range)", log)]
    flags = [c["step"]["flag"] for c in doc["commits"] if c.get("step") and c["step"]["flag"]]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{len(doc['commits'])} commits, {args.modules} modules; violations {doc['commits'][0]['violations']} -> "
          f"{last['violations']}; flagged: {', '.join(flags)}; {cpus} CPUs, Python {sys.version.split()[0]}")
    print()
    print("| command | seconds | vs one cold scan | vs git log --stat |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {seconds / scan:.1f}x | {seconds / log:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
