"""``migrate --apply`` on a hostile tree: the checkout's own git configuration runs nothing, and a
write that fails midway (disk full, read-only or immutable file) is one line, exit 2, with what
was written rolled back (issue 12)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree
from test_hostile_rollback import FILES, tree_hashes

from wsaudit.codemod import apply as apply_module
from wsaudit.codemod import rollback


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def checkout(tmp_path):
    root = write_tree(tmp_path / "repo", FILES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "tree")
    return root


def test_git_runs_neither_the_trees_fsmonitor_nor_its_hooks_nor_its_filters(checkout, tmp_path):
    pwned = tmp_path / "pwned"
    hook = f"#!/bin/sh\necho \"$0\" >> {pwned}\ncat\n"
    hooks = checkout / ".git" / "hooks"
    for name in ("fsmonitor-watchman", "post-index-change", "pre-commit", "reference-transaction"):
        (hooks / name).write_text(hook)
        os.chmod(hooks / name, 0o755)
    script = tmp_path / "evil.sh"
    script.write_text(hook)
    os.chmod(script, 0o755)
    git(checkout, "config", "core.fsmonitor", str(script))
    git(checkout, "config", "filter.evil.clean", str(script))
    git(checkout, "config", "filter.evil.smudge", str(script))
    (checkout / ".gitattributes").write_text("*.py filter=evil\n")
    git(checkout, "add", "-A")
    git(checkout, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "attrs")
    os.utime(checkout / "app/a.py", (1, 1))  # stale stat data: git status would re-read it through the filter
    pwned.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "wsaudit", "migrate", str(checkout), "--apply", "-q", "--no-cache"],
                          check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not pwned.exists(), pwned.read_text()
    assert "Manager()" in (checkout / "app/a.py").read_text()


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("wsaudit: error: "), err
    return lines[0]


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "No space left on device"),
                                         (errno.EROFS, "Read-only file system"),
                                         (errno.EPERM, "Operation not permitted")])  # an immutable file
def test_a_write_failing_midway_is_one_line_and_rolls_back(tmp_path, monkeypatch, cli, code, words):
    root = write_tree(tmp_path / "repo", FILES)
    before = tree_hashes(root)
    real = apply_module.write_file
    calls = []

    def failing(r, rel, data, mode, **kw):
        calls.append(rel)
        if len(calls) == 3:
            raise OSError(code, os.strerror(code), str(Path(r) / rel))
        return real(r, rel, data, mode, **kw)

    monkeypatch.setattr(apply_module, "write_file", failing)
    result = cli("migrate", root, "--apply", "-q", "--no-cache")
    assert result.code == 2
    line = _one_line(result.err)
    assert "app/c.py: cannot write: " + words in line
    assert "the 2 file(s) written before it were rolled back" in line and "the tree is as it was" in line
    assert tree_hashes(root) == before
    [point] = rollback.list_points(root)
    assert point.state == "rolled-back"


def test_a_first_write_failing_writes_nothing(tmp_path, monkeypatch, cli):
    root = write_tree(tmp_path / "repo", FILES)
    before = tree_hashes(root)

    def failing(r, rel, data, mode, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(apply_module, "write_file", failing)
    result = cli("migrate", root, "--apply", "-q", "--no-cache")
    assert result.code == 2 and "nothing was written" in _one_line(result.err)
    assert tree_hashes(root) == before


def test_no_room_for_the_rollback_point_writes_nothing(tmp_path, monkeypatch, cli):
    root = write_tree(tmp_path / "repo", FILES)
    before = tree_hashes(root)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(rollback.treefs, "write_file", full)
    result = cli("migrate", root, "--apply", "-q", "--no-cache")
    assert result.code == 2
    assert "cannot record the rollback point (No space left on device); nothing was written" in _one_line(result.err)
    assert tree_hashes(root) == before


def test_a_read_only_target_is_rewritten_keeping_its_mode_or_refused_in_one_line(tmp_path, cli):
    """Replacing a read-only file is allowed where its folder is writable (an atomic rename);
    a read-only folder (for a user other than root) is one line and nothing written."""
    root = write_tree(tmp_path / "repo", FILES)
    os.chmod(root / "app/b.py", 0o444)
    if os.geteuid() != 0:
        os.chmod(root / "app", 0o555)
        before = tree_hashes(root)
        result = cli("migrate", root, "--apply", "-q", "--no-cache")
        os.chmod(root / "app", 0o755)
        assert result.code == 2 and "rolled back" in _one_line(result.err) or "nothing was written" in result.err
        assert tree_hashes(root) == before
        return
    assert cli("migrate", root, "--apply", "-q", "--no-cache").code == 0
    assert oct(os.stat(root / "app/b.py").st_mode & 0o777) == "0o444"


def test_a_file_that_is_a_link_is_never_written_through(tmp_path, cli):
    root = write_tree(tmp_path / "repo", FILES)
    os.unlink(root / "app/c.py")
    os.symlink(root / "app/b.py", root / "app/c.py")
    assert cli("migrate", root, "--apply", "-q", "--no-cache").code == 0
    assert os.path.islink(root / "app/c.py")  # the link itself was not replaced by a file
    assert "Manager()" in (root / "app/b.py").read_text()  # its target was migrated as itself, once
