"""How a fleet and a long history scale: here, and on a real localhost Dask cluster.

Builds (once, in ``benchmarks/.work/fleet``, rebuilt when the generators or sizes change):

* a fleet of ``--repos`` generated trees of ``--files`` modules each (``gentree.py``, a seed per
  repository), one shared configuration (the generator's rules and Golden Path), teams
  ``team-0`` ... ``team-4``;
* a git history of ``--commits`` commits of a ``--history-modules``-module tree
  (``genhistory.py``).

Then starts ``dask scheduler`` and ``--workers`` ``dask worker`` processes (one thread each) on
localhost, as a user would, and times, each as its own command:

* ``wsaudit fleet`` here (``--jobs`` parser processes per repository) and on the cluster;
* ``wsaudit history --no-cache`` here and on the cluster (one task per range of commits);

checks that each cluster output is byte-identical to the local one, and measures what the
extrapolation in ``benchmarks/README.md`` needs: the seconds of each repository's task (from the
local run's progress), the bytes the client sends per task and gets back (pickled), the peak
resident memory of the workers and of the scheduler (sampled every 0.2 s), and whether Dask
warned of a large graph. Printed as JSON and Markdown. Not a test: speed is never asserted.

    .venv/bin/python benchmarks/bench_fleet.py [--repos 50] [--files 2000] [--commits 500]
                                                [--history-modules 1000] [--workers 2] [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "fleet"
DASK = Path(sys.executable).parent / "dask"
sys.path.insert(0, str(HERE))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _key(*parts) -> str:
    sources = b"".join((HERE / n).read_bytes() for n in ("gentree.py", "genhistory.py", "bench_fleet.py"))
    return hashlib.sha256(sources + repr(parts).encode()).hexdigest()[:16]


def build_fleet(repos: int, files: int) -> Path:
    """``WORK/fleet-R-F/FLEET.toml`` and its repositories ``r000`` ..."""
    from gentree import generate_tree

    folder = WORK / f"fleet-{repos}x{files}"
    stamp = folder / ".key"
    key = _key("fleet", repos, files)
    if stamp.is_file() and stamp.read_text() == key:
        return folder / "FLEET.toml"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    lines = ['title = "generated fleet"', 'config_file = "shared.toml"', ""]
    for i in range(repos):
        generate_tree(folder / f"r{i:03d}", files, seed=i)
        lines += ["[[repo]]", f'name = "r{i:03d}"', f'path = "r{i:03d}"', f'team = "team-{i % 5}"', ""]
    shutil.copy(folder / "r000" / "wsaudit.toml", folder / "shared.toml")
    (folder / "FLEET.toml").write_text("\n".join(lines), encoding="utf-8")
    stamp.write_text(key)
    print(f"built {repos} repositories of {files} files in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder / "FLEET.toml"


def build_history(modules: int, commits: int) -> Path:
    from genhistory import history_commits

    from wsaudit.history.sample import write_repository

    repo = WORK / f"history-{modules}x{commits}"
    stamp = repo / ".git" / "wsaudit-bench-key"
    key = _key("history", modules, commits)
    if stamp.is_file() and stamp.read_text() == key:
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    started = time.perf_counter()
    write_repository(repo, history_commits(modules, commits, 0))
    stamp.write_text(key)
    print(f"built a {commits}-commit history in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return repo


class Peak:
    """The peak resident memory of some processes and their children, sampled in a thread."""

    def __init__(self, pids: dict[str, int]):
        import psutil

        self.procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak = dict.fromkeys(pids, 0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, proc) -> int:
        try:
            return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
        except Exception:  # a process that ended between the two calls
            return 0

    def _run(self) -> None:
        while not self.stop.is_set():
            for name, proc in self.procs.items():
                self.peak[name] = max(self.peak[name], self._rss(proc))
            time.sleep(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def _timed(args: list, what: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=True, text=True,
                          env=_env())
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{what} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    print(f"{what}: {elapsed:.1f} s", file=sys.stderr)
    return elapsed, proc


def per_task(fleet_file: Path, sample: int) -> dict:
    """Each of ``sample`` repositories' task run in this process, timed; the pickled sizes."""
    from wsaudit.fleet.settings import load_fleet
    from wsaudit.fleet.task import TaskOptions, audit_repository

    fleet = load_fleet(fleet_file)
    seconds, sent, back = [], [], []
    for repo in fleet.repos[:sample]:
        options = TaskOptions(None, 1)
        sent.append(len(pickle.dumps((repo, options))))
        started = time.perf_counter()
        row = audit_repository(repo, options)
        seconds.append(time.perf_counter() - started)
        back.append(len(pickle.dumps(row)))
    return {"sampled": len(seconds), "task_seconds_mean": round(statistics.mean(seconds), 2),
            "task_seconds_max": round(max(seconds), 2), "bytes_sent_per_task": max(sent),
            "bytes_back_per_task": max(back)}


def start_cluster(folder: Path, workers: int):
    address_file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "wb")
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(address_file)], stdout=log, stderr=log, env=_env(),
                              cwd=folder)]
    for _ in range(600):
        if address_file.exists() and address_file.stat().st_size:
            break
        time.sleep(0.1)
    address = json.loads(address_file.read_text())["address"]
    for _ in range(workers):
        procs.append(subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--local-directory", str(folder)], stdout=log, stderr=log,
                                      env=_env(), cwd=folder))
    from distributed import Client

    with Client(address, timeout="60s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--history-modules", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=3, help="repositories whose task is timed in-process")
    args = parser.parse_args(argv)

    fleet_file = build_fleet(args.repos, args.files)
    history_repo = build_history(args.history_modules, args.commits)
    out: dict = {"repos": args.repos, "files": args.files, "commits": args.commits,
                 "history_modules": args.history_modules, "workers": args.workers, "jobs": args.jobs,
                 "cores": os.cpu_count()}
    out["per_task"] = per_task(fleet_file, args.sample)
    print(f"per task: {out['per_task']}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="wsaudit-bench-fleet-") as tmp:
        t = Path(tmp)
        out["fleet_local_s"], local = _timed(["fleet", fleet_file, "-q", "--format", "json", "--jobs", args.jobs],
                                             "fleet here")
        out["history_local_s"], hist_local = _timed(["history", history_repo, "--no-cache", "-q", "--format",
                                                     "json", "--jobs", args.jobs], "history here")
        address, procs, log = start_cluster(t, args.workers)
        try:
            pids = {"scheduler": procs[0].pid, **{f"worker{i}": p.pid for i, p in enumerate(procs[1:])}}
            with Peak(pids) as peak:
                out["fleet_cluster_s"], remote = _timed(["fleet", fleet_file, "--format", "json", "--scheduler",
                                                         address], "fleet on the cluster")
            out["fleet_peak_mb"] = {k: round(v / 2**20) for k, v in peak.peak.items()}
            with Peak(pids) as peak:
                out["history_cluster_s"], hist_remote = _timed(["history", history_repo, "--no-cache", "-q",
                                                                "--format", "json", "--scheduler", address],
                                                               "history on the cluster")
            out["history_peak_mb"] = {k: round(v / 2**20) for k, v in peak.peak.items()}
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in reversed(procs):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()
        out["fleet_identical"] = remote.stdout == local.stdout
        out["history_identical"] = hist_remote.stdout == hist_local.stdout
        out["large_graph_warning"] = "large graph" in remote.stderr + hist_remote.stderr
        doc = json.loads(local.stdout)
        out["fleet_files"] = doc["totals"]["files"]
        out["fleet_violations"] = doc["totals"]["violations"]
    print(json.dumps(out, indent=2))
    print(f"""
| run | here ({args.jobs} parser processes) | localhost cluster ({args.workers} workers) | identical |
| --- | ---: | ---: | --- |
| fleet, {args.repos} repositories x {args.files} files | {out['fleet_local_s']:.1f} s | {out['fleet_cluster_s']:.1f} s | {out['fleet_identical']} |
| history, {args.commits} commits of {args.history_modules} modules | {out['history_local_s']:.1f} s | {out['history_cluster_s']:.1f} s | {out['history_identical']} |""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
