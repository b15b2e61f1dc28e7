"""Warm, incremental and cold runs give byte-identical results, whatever changed in between; an
unchanged tree is answered from the stored whole-tree result without reading any source."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

from wsaudit.api import audit
from wsaudit.engine import store

OUTPUTS = (("scan", "--format", "json"), ("rank", "--format", "json"), ("graph",), ("check", "--format", "json"))


def age(root, seconds: float = 60) -> None:
    """Make every file older than the racy window, as a tree that nobody is editing."""
    past = time.time() - seconds
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(folder, name), (past, past))


def outputs(cli, root, *extra) -> list[str]:
    return [cli(command, root, *args, *extra).out for command, *args in OUTPUTS]


@pytest.fixture
def reads(monkeypatch):
    """The paths read from disk, as the store reads them."""
    seen: list[str] = []
    real = store.read_file

    def counting(root, f, limit):
        seen.append(f.path)
        return real(root, f, limit)

    monkeypatch.setattr(store, "read_file", counting)
    return seen


def test_an_unchanged_tree_reads_no_source_and_gives_the_same_bytes(sample_copy, cli, reads):
    age(sample_copy)
    cold = outputs(cli, sample_copy, "--no-cache")
    first = outputs(cli, sample_copy)  # fills the cache
    warm = outputs(cli, sample_copy)
    assert cold == first == warm
    reads.clear()
    for command in ("scan", "rank", "graph"):  # the audit's commands (check reads its own way)
        assert cli(command, sample_copy).code == 0
    assert reads == []  # answered from the whole-tree result
    result = audit(sample_copy)
    assert result.facts["conftest.py"].complete  # facts are still there when asked for


@pytest.mark.parametrize("change", ["edit", "add", "rename", "delete", "config", "fresh"])
def test_after_any_change_a_cached_run_equals_a_cold_one(sample_copy, cli, change):
    age(sample_copy)
    outputs(cli, sample_copy)  # a warm cache of the tree before the change
    services = sample_copy / "netra_backend" / "app" / "services"
    if change == "edit":
        path = services / "health.py"
        path.write_text(path.read_text() + "\nfrom netra_backend.app.websocket_core import create_websocket_manager\n")
    elif change == "add":
        (services / "added.py").write_text("from netra_backend.app.websocket_core import factory\n")
    elif change == "rename":
        (services / "compat.py").rename(services / "compat_v2.py")
    elif change == "delete":
        (services / "user_sessions.py").unlink()
    elif change == "config":
        (sample_copy / "wsaudit.toml").write_text('profile = "netra-websocket"\n[rank]\nalpha = 0.5\n')
    if change != "fresh":
        age(sample_copy)  # the change is not racy: only the stat index can tell it
    else:  # a file touched just now: no result may be stored for it
        (services / "health.py").touch()
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")  # and once more, warm


def test_a_planted_result_is_ignored(sample_copy, cli):
    age(sample_copy)
    truth = cli("scan", sample_copy, "--format", "json", "--no-cache").out
    cli("scan", sample_copy, "--format", "json")
    db = sqlite3.connect(sample_copy / ".wsaudit" / "cache" / "facts.sqlite3")
    forged = '{"violations":[],"diagnostics":[],"graph":"[[],{}]","targets":{},"definitions":[],"suspects":[],' \
             '"notices":[],"unreadable":[]}'
    db.execute("UPDATE results SET data = ?", (forged,))
    db.commit()
    db.close()
    assert cli("scan", sample_copy, "--format", "json").out == truth
