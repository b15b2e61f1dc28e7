"""The checkout's own git configuration runs nothing, whatever its drivers are called.

A hostile repository names a clean/smudge filter, a textconv or external diff, a merge driver
and a hooks folder with the characters that break a ``-c NAME=VALUE`` option (``=``), a
configuration line (quotes, spaces) or a naive parser (dots, unicode), assigns them to every
``.py`` file, and makes each one write a marker. ``migrate --apply --commit``, the revert of
``rollback`` and ``history`` must never write it, and the commits must hold the bytes written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from test_hostile_rollback import FILES

# every name git's configuration can hold: '=' (which `-c` splits at), spaces, quotes, a dot,
# unicode, and several at once
NAMES = ["a=b", "x=y=z", "a b", 'q"uote', "d.o.t", "ünï", "al=l \"o.f\" ü"]
HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "post-merge",
         "post-rewrite", "post-index-change", "reference-transaction", "pre-auto-gc", "fsmonitor-watchman")
MIGRATED = ("app/a.py", "app/b.py", "app/c.py")


def _overrides(name: str) -> dict[str, str]:
    """The test's own git calls run none of the drivers either (they are set up to write the marker)."""
    keys = [f"filter.{name}.clean", f"filter.{name}.smudge", f"filter.{name}.process", f"merge.{name}.driver"]
    env = {"GIT_CONFIG_COUNT": str(len(keys) + 1), f"GIT_CONFIG_KEY_{len(keys)}": f"filter.{name}.required",
           f"GIT_CONFIG_VALUE_{len(keys)}": "false"}
    for i, key in enumerate(keys):
        env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, ""
    return env


def git(root: Path, *args: str, name: str = "none") -> str:
    env = {**os.environ, **_overrides(name)}
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c",
                           "user.email=t@t", "-c", "user.name=t", *args], cwd=root, check=True, capture_output=True,
                          env=env).stdout.decode("utf-8", "surrogateescape")


def blob(root: Path, rev: str, path: str) -> bytes:
    """A file's bytes in a commit, as stored (``cat-file`` runs no filter)."""
    return subprocess.run(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=root, check=True,
                          capture_output=True).stdout


def wsaudit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=True, text=True,
                          timeout=300, check=False)


def _hostile(root: Path, tmp_path: Path, name: str) -> Path:
    """Make ``root``'s git configuration name every kind of driver ``name``, each writing to the
    returned marker, and assign them to the ``.py`` files (where a name can be an attribute's value:
    not with a space)."""
    marker = tmp_path / "pwned"
    script = tmp_path / f"evil {name}.sh"
    script.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\ncat\n")
    os.chmod(script, 0o755)
    hooks = tmp_path / f"hooks {name}"
    hooks.mkdir()
    for hook in HOOKS:
        for folder in (hooks, root / ".git" / "hooks"):
            (folder / hook).write_text(script.read_text())
            os.chmod(folder / hook, 0o755)
    command = f"'{script}'"
    for key, value in ((f"filter.{name}.clean", command), (f"filter.{name}.smudge", command),
                       (f"filter.{name}.process", command), (f"filter.{name}.required", "true"),
                       (f"diff.{name}.textconv", command), (f"diff.{name}.command", command),
                       (f"merge.{name}.driver", command + " %O %A %B"), ("core.hooksPath", str(hooks)),
                       ("core.fsmonitor", str(script)), ("diff.external", str(script)),
                       ("core.pager", command), ("core.editor", command), ("sequence.editor", command)):
        git(root, "config", key, value, name=name)
    if not any(c.isspace() for c in name):
        (root / ".gitattributes").write_text(f"*.py filter={name} diff={name} merge={name}\n")
    else:  # an attribute's value cannot hold a space: the driver only exists, and must not break the others
        (root / ".gitattributes").write_text("*.py filter=other diff=other merge=other\n")
        git(root, "config", "filter.other.clean", command, name=name)
    git(root, "add", "-A", name=name)
    git(root, "commit", "-q", "-m", "attributes", name=name)
    for path in MIGRATED:  # stale stat data: git status would read each through the clean filter
        os.utime(root / path, (1, 1))
    marker.unlink(missing_ok=True)
    return marker


@pytest.fixture
def checkout(tmp_path):
    root = write_tree(tmp_path / "repo", FILES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tree")
    return root


@pytest.mark.parametrize("name", NAMES)
def test_no_driver_of_the_repository_runs_in_migrate_commit_rollback_or_history(checkout, tmp_path, name):
    marker = _hostile(checkout, tmp_path, name)
    original = {p: (checkout / p).read_bytes() for p in MIGRATED}
    done = wsaudit("migrate", checkout, "--apply", "--commit", "-q", "--no-cache")
    assert not marker.exists(), marker.read_text()
    assert done.returncode == 0, done.stderr
    for path in MIGRATED:  # the commit holds exactly the bytes written: no clean filter between
        written = (checkout / path).read_bytes()
        assert b"Manager()" in written and blob(checkout, "HEAD", path) == written
    back = wsaudit("rollback", checkout)
    assert not marker.exists(), marker.read_text()
    assert back.returncode == 0, back.stderr
    for path in MIGRATED:  # the revert checked out the originals, with no smudge filter between
        assert (checkout / path).read_bytes() == original[path] == blob(checkout, "HEAD", path)
    history = wsaudit("history", checkout, "--format", "json", "--no-cache")
    assert not marker.exists(), marker.read_text()
    assert history.returncode == 0, history.stderr


@pytest.mark.parametrize("name", ["a=b", "plain"])
def test_a_revert_that_needs_a_merge_never_runs_the_repositorys_merge_driver(checkout, tmp_path, name):
    """A later commit edits a migrated file: the revert merges it, and the repository's merge
    driver for it is refused (a conflict: the checkout is left as it was), never run."""
    marker = _hostile(checkout, tmp_path, name)
    assert wsaudit("migrate", checkout, "--apply", "--commit", "-q", "--no-cache").returncode == 0
    with open(checkout / "app/a.py", "a", encoding="utf-8") as handle:
        handle.write("# a later edit\n")
    git(checkout, "commit", "-q", "-a", "-m", "later", name=name)
    head, before = git(checkout, "rev-parse", "HEAD"), (checkout / "app/a.py").read_bytes()
    marker.unlink(missing_ok=True)
    back = wsaudit("rollback", checkout)
    assert not marker.exists(), marker.read_text()
    assert back.returncode == 2 and "Traceback" not in back.stderr and len(back.stderr.splitlines()) == 1
    assert git(checkout, "rev-parse", "HEAD") == head and (checkout / "app/a.py").read_bytes() == before
    assert git(checkout, "status", "--porcelain", "--untracked-files=no", name=name) == ""


def test_a_replace_ref_in_the_repository_does_not_change_what_history_reads(checkout):
    """``refs/replace/`` hands git another commit for the one named: history reads the real one."""
    for path in MIGRATED:
        (checkout / path).write_text("x = 1\n")
    git(checkout, "commit", "-q", "-a", "-m", "fixed")
    before = git(checkout, "rev-parse", "HEAD~1^{tree}").strip()
    fake = git(checkout, "commit-tree", before, "-p", "HEAD~1", "-m", "fixed").strip()  # "fixed" undone
    git(checkout, "replace", "HEAD", fake)
    done = wsaudit("history", checkout, "--format", "json", "--no-cache")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["commits"]
    assert [r["subject"] for r in rows] == ["tree", "fixed"]
    assert rows[0]["violations"] > 0 and rows[1]["violations"] == 0
