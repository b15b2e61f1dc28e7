"""Measuring commands, best of N, for ``bench.py``; and what the machine is.

Each run goes through ``runner.py`` (a small interpreter of its own, which starts the command,
waits for it with ``os.wait4`` and samples its memory; see there why the benchmark does not start
the commands itself).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "runner.py"


def tool(name: str) -> str | None:
    """``name`` beside this interpreter (the venv's bin, not resolved through symlinks), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def loadavg() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


@dataclass
class Run:
    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the child and its reaped descendants
    max_rss_mb: float  # the largest process's peak resident set (kernel's ru_maxrss), MB (10**6 bytes)
    tree_pss_mb: float  # sampled peak of the session's summed PSS (a lower bound of the true peak), MB
    code: int | None  # exit code, None on timeout
    launcher_rss_mb: float  # the runner's own peak RSS: max_rss_mb cannot be below it


def run_once(argv: list[str], cwd: Path, stdout: Path, stderr: Path, timeout: float,
             env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` once through the runner, its output into the two files."""
    spec = {"argv": argv, "cwd": str(cwd), "stdout": str(stdout), "stderr": str(stderr), "timeout": timeout,
            "env": env}
    proc = subprocess.run([sys.executable, "-I", "-S", str(RUNNER), json.dumps(spec)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"runner.py failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return Run(**json.loads(proc.stdout))


# ============================================================================ best of N, in passes

@dataclass
class Result:
    target: str
    key: str  # row key: scan-cold, scan-warm, ...
    label: str  # what the table shows
    argv: list[str]
    status: str = "ok"  # ok | failed | timeout | bad-output | skipped
    runs: list[dict] = field(default_factory=list)  # every Run, as a dict, with the load average at its start
    wall: float | None = None  # the fastest run
    cpu: float | None = None  # the least CPU of the runs
    max_rss_mb: float | None = None  # the highest of the runs
    tree_pss_mb: float | None = None  # the highest of the runs
    output: str = ""  # what the command produced (counts), to see that the tools did comparable work
    detail: str = ""  # why it failed (stderr tail), or a warning about its output
    ratios: list[tuple[str, float, float | None]] = field(default_factory=list)  # (peer, wall, cpu ratio)

    @property
    def memory_mb(self) -> float | None:
        """Peak memory for the targets: the larger of the largest process's peak RSS and the
        sampled peak of the whole tree's PSS."""
        if self.max_rss_mb is None:
            return None
        return max(self.max_rss_mb, self.tree_pss_mb or 0.0)


@dataclass
class Row:
    """A command to measure and how: ``setup`` runs (untimed) before its first run,
    ``before_each(i)`` and ``after_each()`` around run ``i``; ``once``: a single run."""

    result: Result
    cwd: Path
    check: Callable[[bytes], str]  # the first run's standard output -> a one-line summary (raises if wrong)
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    once: bool = False
    setup: Callable[[], None] | None = None
    before_each: Callable[[int], None] | None = None
    after_each: Callable[[], None] | None = None


def _tail(text: str, n: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def untimed(argv: list[str], cwd: Path, timeout: float, what: str, env: dict[str, str] | None = None) -> None:
    """Run a preparation step (fill a cache, write a baseline); raise when it fails."""
    with tempfile.TemporaryDirectory(prefix="bench-out.") as tmp:
        run = run_once(argv, cwd, Path(tmp) / "stdout", Path(tmp) / "stderr", timeout, env)
        if run.code != 0:
            err = (Path(tmp) / "stderr").read_text(errors="replace")
            raise RuntimeError(f"{what}: exit code {run.code}\n{_tail(err)}")


def run_passes(rows: list[Row], *, repeat: int, timeout: float, budget: float = 0) -> None:
    """Up to ``repeat`` passes over ``rows``, each row once per pass, so that a change in the
    machine's load falls on every row alike; every result gets its best of its runs.

    A row stops at its first failure (its stderr kept). With ``budget`` > 0, a row runs again
    only if its runs so far plus one more (estimated by its fastest) stay within ``budget``
    seconds; the first run always happens.
    """
    with tempfile.TemporaryDirectory(prefix="bench-out.") as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        for i in range(repeat):
            if len(rows) > 1 and repeat > 1:
                print(f"  pass {i + 1} of {repeat}", file=sys.stderr, flush=True)
            for row in rows:
                r = row.result
                walls = [x["wall"] for x in r.runs]
                if r.status != "ok" or (walls and (row.once or (budget > 0 and sum(walls) + min(walls) > budget))):
                    continue
                if not r.runs and row.setup is not None:
                    try:
                        row.setup()
                    except RuntimeError as exc:
                        r.status, r.detail = "failed", f"preparation failed: {exc}"
                        print(f"    {r.label:<34}    FAILED  (preparation)", file=sys.stderr, flush=True)
                        continue
                load = loadavg()
                if row.before_each is not None:
                    row.before_each(i)
                try:
                    run = run_once(r.argv, row.cwd, out, err, timeout, row.env)
                finally:
                    if row.after_each is not None:
                        row.after_each()
                stderr = err.read_bytes().decode("utf-8", "replace")
                if run.code is None:
                    r.status, r.detail = "timeout", f"> {timeout:.0f}s\n{_tail(stderr)}"
                elif run.code not in row.ok_codes:
                    r.status, r.detail = "failed", f"exit code {run.code}\n{_tail(stderr)}"
                else:
                    r.runs.append({**vars(run), "load": load})
                    if len(r.runs) == 1:
                        try:
                            r.output = row.check(out.read_bytes())
                        except Exception as exc:  # noqa: BLE001 - any unexpected output shape is reported
                            r.status, r.detail = "bad-output", f"{type(exc).__name__}: {exc}"
                mem = f"{max(run.max_rss_mb, run.tree_pss_mb):,.0f} MB" if r.status == "ok" else r.status.upper()
                at = f"(load {load:.2f})" if load is not None else ""
                print(f"    {r.label:<34} {run.wall:8.2f}s {mem:>9}  {at}", file=sys.stderr, flush=True)
    for row in rows:
        r = row.result
        if r.runs and r.status == "ok":
            r.wall = min(x["wall"] for x in r.runs)
            r.cpu = min(x["cpu"] for x in r.runs)
            r.max_rss_mb = max(x["max_rss_mb"] for x in r.runs)
            r.tree_pss_mb = max(x["tree_pss_mb"] for x in r.runs)


def skipped(target: str, key: str, label: str, why: str) -> Result:
    print(f"    {label:<34}   SKIPPED   {why}", file=sys.stderr, flush=True)
    return Result(target, key, label, [], status="skipped", detail=why)


# ============================================================================ the machine

def _version(argv: list[str]) -> str | None:
    try:
        return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30).stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


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
    versions = {name: _version([exe, "--version"]) if (exe := tool(name)) else None
                for name in ("wsaudit", "ruff")}
    try:
        versions["grimp"] = importlib.metadata.version("grimp")
    except importlib.metadata.PackageNotFoundError:
        versions["grimp"] = None
    rev = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = _version(["git", "-C", str(REPO), "status", "--porcelain", "--", "wsaudit"])
    versions["wsaudit_git"] = (rev + ("+dirty" if dirty else "")) if rev else None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        total = None
    return {"nproc": usable, "cpu_count": os.cpu_count(), "cpu": cpu, "memory_gb": total,
            "python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "versions": versions}
