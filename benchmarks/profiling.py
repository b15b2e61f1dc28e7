"""``bench.py --profile``: where a wsaudit command's time goes.

The command runs once more, in-process under ``cProfile``, in a fresh interpreter (so that the
benchmark's own imports do not hide the command's), with ``--jobs 1``: wsaudit parses in worker
processes, which cProfile does not see; with one job everything is in the profile, so the
profile adds up to the command's CPU time rather than its wall time on every core.
"""

from __future__ import annotations

import itertools
import json
import pstats
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from targets import OneEdit

REPO = Path(__file__).resolve().parent.parent

PROFILE_SNIPPET = """
import cProfile, json, os, sys, threading, time
from wsaudit.cli import main
out, argv = sys.argv[1], sys.argv[2:]
sys.stdout = open(os.devnull, "w")  # the command's output is not what is measured
main_id = threading.get_ident()
samples = []  # (seconds, RSS MB, the wsaudit frames running then, outermost first)

def rss_mb():
    with open("/proc/self/status", "rb") as handle:
        for line in handle:
            if line.startswith(b"VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0

def sample(start=time.perf_counter()):
    while True:
        frame, stack = sys._current_frames().get(main_id), []
        while frame is not None:
            code = frame.f_code
            if "/wsaudit/" in code.co_filename:
                stack.append(code.co_filename.rsplit("/wsaudit/", 1)[1] + ":" + code.co_name)
            frame = frame.f_back
        samples.append((time.perf_counter() - start, rss_mb(), stack[::-1]))
        time.sleep(EVERY)

threading.Thread(target=sample, daemon=True).start()
profiler = cProfile.Profile()
profiler.enable()
try:
    code = main(argv)
finally:
    profiler.disable()
    profiler.dump_stats(out)
    with open(out + ".rss.json", "w") as handle:
        json.dump(samples, handle)
sys.exit(code)
""".replace("EVERY", "0.2")


def memory_summary(samples: list, top: int = 8) -> dict:
    """From the RSS samples of a profiled run: the peak and what ran then, and the functions
    (innermost wsaudit frame) during which the RSS grew the most."""
    if not samples:
        return {}
    peak = max(samples, key=lambda s: s[1])
    growth: dict[str, float] = {}
    for (_, before, _), (_, after, stack) in itertools.pairwise(samples):
        if after > before:
            where = stack[-1] if stack else "(outside wsaudit: start-up, imports, exit)"
            growth[where] = growth.get(where, 0.0) + after - before
    return {"peak_mb": peak[1], "peak_at": peak[0], "peak_stack": peak[2][-6:],
            "growth": sorted(growth.items(), key=lambda kv: kv[1], reverse=True)[:top]}


@dataclass
class Replay:
    """How to run a row again: the wsaudit argv (``argv[0]`` the executable) and, for the
    "one file changed" row, the edit to make first."""

    argv: list[str]
    edit: OneEdit | None = None
    env: dict[str, str] | None = None


def _one_job(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--jobs", "-j"):
            skip = True
        else:
            out.append(a)
    return out + ["--jobs", "1"]


def _where(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if filename == "~":
        return func  # a built-in: "{method 'read' of ...}"
    path = filename
    for prefix, short in ((str(REPO) + "/", ""), ("site-packages/", "")):
        if prefix in path:
            path = short + path.split(prefix, 1)[1]
            break
    if "/lib/python" in path:  # the standard library
        path = "stdlib/" + path.split("/lib/python", 1)[1].split("/", 1)[1]
    return f"{path}:{line}({func})"


def top_entries(stats: pstats.Stats, sort: str, n: int) -> list[dict]:
    index = 3 if sort == "cumulative" else 2
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][index], reverse=True)[:n]  # type: ignore[attr-defined]
    return [{"cumulative": ct, "own": tt, "calls": nc, "function": _where(key)}
            for key, (cc, nc, tt, ct, _) in rows]


def _format(entries: list[dict]) -> list[str]:
    lines = [f"{'cum s':>8} {'own s':>8} {'calls':>10}  function"]
    lines += [f"{e['cumulative']:8.2f} {e['own']:8.2f} {e['calls']:10,}  {e['function']}" for e in entries]
    return lines


def _shown(argv: list[str], root: Path, work: Path) -> str:
    return " ".join(a.replace(str(work), "WORK").replace(str(root), "ROOT") for a in argv)


def notebook_times(folder: Path, top: int = 3) -> list[dict]:
    """papermill's own timing of an executed report: each notebook's duration and its slowest
    cells (``metadata.papermill.duration``), from the ``.ipynb`` files in ``folder``."""
    out = []
    for path in sorted(folder.glob("*.ipynb")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        cells = [(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0, i,
                  "".join(c.get("source", "")).strip().splitlines()[:1])
                 for i, c in enumerate(doc.get("cells", [])) if c.get("cell_type") == "code"]
        cells.sort(reverse=True)
        out.append({"notebook": path.stem, "duration": doc.get("metadata", {}).get("papermill", {}).get("duration"),
                    "slowest": [{"cell": i, "seconds": d, "first_line": (first[0] if first else "")[:70]}
                                for d, i, first in cells[:top]]})
    return out


def run(replay: Replay, target: str, row: str, root: Path, work: Path, top: int, timeout: float) -> dict:
    """Profile ``replay`` once (from ``work``); print the top ``top`` entries by cumulative and
    by own time (and, for a report, papermill's timing of each notebook)."""
    argv = _one_job(replay.argv)
    shown = _shown(["wsaudit", *argv[1:]], root, work)
    doc: dict = {"target": target, "row": row, "argv": shown}
    with tempfile.TemporaryDirectory(prefix="bench-profile.") as tmp:
        out = Path(tmp) / "profile.pstats"
        if replay.edit is not None:
            replay.edit(99)
        try:
            start = time.perf_counter()
            # -P: not the working directory first on sys.path (the copied pandas would shadow the real one)
            proc = subprocess.run([sys.executable, "-P", "-c", PROFILE_SNIPPET, str(out), *argv[1:]], cwd=work,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, check=False,
                                  env=replay.env)
            doc["wall"] = time.perf_counter() - start
        finally:
            if replay.edit is not None:
                replay.edit.restore()
        doc["exit_code"] = proc.returncode
        if proc.returncode != 0 or not out.is_file():
            doc["error"] = proc.stderr.decode("utf-8", "replace")[-2000:]
            print(f"\n### profile: {target}, {row}: exit code {proc.returncode}\n\n`{shown}`\n\n```\n{doc['error']}\n```")
            return doc
        rss = Path(str(out) + ".rss.json")
        doc["memory"] = memory_summary(json.loads(rss.read_text())) if rss.is_file() else {}
        stats = pstats.Stats(str(out))
        doc["total"] = stats.total_tt  # type: ignore[attr-defined]
        doc["cumulative"] = top_entries(stats, "cumulative", top)
        doc["own"] = top_entries(stats, "tottime", top)
    print(f"\n### profile: {target}, {row} ({doc['wall']:.1f} s wall in-process, {doc['total']:.1f} s profiled)\n")
    print(f"`{shown}` under cProfile, in-process with --jobs 1 (the main thread only; cProfile slows "
          "pure-Python code more than built-ins)\n")
    print("```")
    print(f"top {top} by cumulative time:")
    print("\n".join(_format(doc["cumulative"])))
    print(f"\ntop {top} by own time:")
    print("\n".join(_format(doc["own"])))
    mem = doc["memory"]
    if mem:
        print(f"\nRSS (sampled every 0.2 s, main process): peak {mem['peak_mb']:,.0f} MB at {mem['peak_at']:.1f} s, in")
        print("    " + " > ".join(mem["peak_stack"]))
        print("RSS growth by the innermost wsaudit function running:")
        for where, mb in mem["growth"]:
            print(f"{mb:8,.0f} MB  {where}")
    print("```")
    if row == "report":
        folder = Path(argv[argv.index("--output") + 1])
        doc["notebooks"] = notebook_times(folder)
        print("\nThe notebooks run in kernel processes, which cProfile does not see; papermill's timing of them:\n")
        print("| notebook | seconds | slowest cells (seconds: first line) |")
        print("| --- | ---: | --- |")
        for nb in doc["notebooks"]:
            cells = "; ".join(f"{c['seconds']:.1f}: `{c['first_line']}`" for c in nb["slowest"])
            duration = f"{nb['duration']:.1f}" if nb["duration"] is not None else "?"
            print(f"| {nb['notebook']} | {duration} | {cells} |")
    sys.stdout.flush()
    return doc
