"""A real Dask cluster on localhost: ``dask scheduler`` and two ``dask worker`` processes, started
as a user starts them, and ``wsaudit fleet`` and ``history --scheduler tcp://...`` run against it
as commands; their outputs are the local run's, byte for byte, the work ran as one task per
repository (per range of commits) on the workers, and Dask never warns of a large graph (the
client sends entries and commit ids, never file bytes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from fleet_repos import fleet, service

from wsaudit.history.sample import SampleCommit, write_repository

distributed = pytest.importorskip("distributed")
DASK = Path(sys.executable).parent / "dask"
CONFIG = """
[golden_path]
modules = ["orders.routes"]

[[rule]]
id = "PK001"
symbol = "platformkit.legacy.make_client"
"""


def _env() -> dict[str, str]:
    # the workers import this checkout's wsaudit, as an installed one would be imported
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    address_file = folder / "scheduler.json"
    logs = [open(folder / f"{name}.log", "wb") for name in ("scheduler", "worker1", "worker2")]
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(address_file)], stdout=logs[0], stderr=logs[0], env=_env(),
                              cwd=folder)]
    try:
        for _ in range(600):
            if address_file.exists() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        for log in logs[1:]:
            procs.append(subprocess.Popen([str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                           "--no-dashboard", "--local-directory", str(folder)],
                                          stdout=log, stderr=log, env=_env(), cwd=folder))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            yield address, client
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def _wsaudit(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=True, text=True,
                          env=_env(), timeout=600)


def _ran_on_workers(client, prefix: str) -> set[str]:
    """The keys starting with ``prefix`` that the workers' logs hold (a task Dask moved from one
    worker to the other is in both logs: counted once)."""
    def keys(dask_worker, prefix=prefix):
        return sorted({str(entry[0]) for entry in dask_worker.state.log if str(entry[0]).startswith(prefix)})

    return {key for found in client.run(keys).values() for key in found}


def test_a_fleet_on_a_real_cluster_is_the_local_fleet(cluster, tmp_path):
    address, client = cluster
    path = fleet(tmp_path)
    local = _wsaudit("fleet", path, "--format", "json", "--output", tmp_path / "local")
    on_dask = _wsaudit("fleet", path, "--format", "json", "--output", tmp_path / "dask", "--scheduler", address)
    assert on_dask.returncode == 0, on_dask.stderr
    assert on_dask.stdout == local.stdout, on_dask.stderr
    for name in ("fleet.json", "fleet.csv", "index.html"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    assert "large graph" not in on_dask.stderr and "Traceback" not in on_dask.stderr
    progress = [line for line in on_dask.stderr.splitlines() if line.startswith("wsaudit: fleet ")]
    assert len(progress) == 6 and progress[-1].startswith("wsaudit: fleet 6/6 ")
    ran = _ran_on_workers(client, "wsaudit-fleet-")
    assert len(ran) == 6, ran  # one task per repository, on the workers


def _long_history(dest: Path) -> Path:
    """60 commits of a service, two ranges on two workers (0-29, 30-59); commit 29 breaks its
    wsaudit.toml (the commit before the second range, which is audited again from commit 28),
    commit 30 mends it."""
    commits = []
    for i in range(60):
        files = {"wsaudit.toml": CONFIG, **service("orders", i % 4, (i // 4) % 3, i % 2)}
        if i == 29:
            files["wsaudit.toml"] = "[[rule]]\nid = 3\n"
        if i % 7 == 3:
            files[f"orders/extra_{i}.py"] = "from platformkit.legacy import make_client as mk\nmk()\n"
        commits.append(SampleCommit(f"change {i}", f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00+00:00", files))
    return write_repository(dest, commits)


def test_a_history_on_a_real_cluster_is_the_local_history(cluster, tmp_path):
    address, client = cluster
    repo = _long_history(tmp_path / "orders")
    local = _wsaudit("history", repo, "--format", "json", "--no-cache", "--quiet")
    on_dask = _wsaudit("history", repo, "--format", "json", "--no-cache", "--quiet", "--scheduler", address)
    assert on_dask.returncode == 0, on_dask.stderr
    assert on_dask.stdout == local.stdout, on_dask.stderr
    commits = json.loads(local.stdout)["commits"]
    assert len(commits) == 60 and commits[29]["error"].startswith("invalid configuration")
    assert commits[30]["compared_with"] == commits[28]["commit"] and commits[30]["step"] is not None
    assert "large graph" not in on_dask.stderr
    ran = _ran_on_workers(client, "wsaudit-history-")
    assert len(ran) == 3, ran  # two ranges, the second one twice (its first commit is broken)
