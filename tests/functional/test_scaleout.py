"""``--scheduler``: the per-file parse as Dask tasks gives byte-identical results.

An in-process LocalCluster (one worker, threads) keeps these tests fast; one command line run
starts ``--scheduler local`` with a worker process, as a user would.
"""

from __future__ import annotations

import pytest
from conftest import SAMPLE
from history_repos import story

from wsaudit.api import audit
from wsaudit.history import history
from wsaudit.render.scan import render_scan
from wsaudit.history.sample import write_repository

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0",
                                       silence_logs=50)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_a_scan_on_dask_is_the_scan(client):
    local = audit(SAMPLE, cache=False)
    on_dask = audit(SAMPLE, cache=False, scheduler=client)
    assert render_scan("json", "root", on_dask, "v") == render_scan("json", "root", local, "v")
    assert on_dask.rank_rows() == local.rank_rows()


def test_a_history_on_dask_is_the_history(client, tmp_path):
    repo = write_repository(tmp_path / "repo", story())
    local = history(repo, cache=False)
    on_dask = history(repo, cache=False, scheduler=client)
    assert on_dask.document() == local.document()
    assert on_dask.stats["blobs_parsed"] == local.stats["blobs_parsed"] > 0


def test_the_command_line_starts_a_local_cluster(cli, tmp_path):
    plain = cli("scan", SAMPLE, "--no-cache", "--format", "json", "--quiet")
    dask = cli("scan", SAMPLE, "--no-cache", "--format", "json", "--quiet", "--scheduler", "local", "--jobs", "1")
    assert dask.code == 0 and dask.out == plain.out
    repo = write_repository(tmp_path / "repo", story()[:3])
    assert cli("history", repo, "--no-cache", "--format", "json", "--scheduler", "local", "--jobs", "1").out == \
        cli("history", repo, "--no-cache", "--format", "json").out


def test_a_history_cut_into_ranges_of_one_commit_is_the_history(client, tmp_path, monkeypatch):
    """Every commit its own task: each step is explained against the commit before it (or, after
    the commit whose configuration is invalid, against the last one that could be audited)."""
    import wsaudit.history.ranges as ranges

    repo = write_repository(tmp_path / "repo", story())
    local = history(repo, cache=False)
    assert any(c.error for c in local.commits[1:-1])  # a broken commit inside the range
    monkeypatch.setattr(ranges, "MIN_RANGE", 1)
    monkeypatch.setattr(ranges, "RANGES_PER_WORKER", 1000)
    on_dask = history(repo, cache=False, scheduler=client)
    assert on_dask.stats["tasks"] == len(local.commits)
    assert on_dask.document() == local.document()
