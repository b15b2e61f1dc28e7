"""Bounds a hostile tree cannot pass: every reproducer below once hung, crashed or took
gigabytes. Each runs the command in a subprocess with a timeout, so that a regression fails
instead of hanging the suite; none asserts a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


from conftest import write_tree

RULE = '[[rule]]\nid = "R"\nmodule = "m"\n'


def wsaudit(*args, timeout: float = 60, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The run failed with exit 2 and one line on standard error, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("wsaudit: warning:")]
    assert len(lines) == 1 and lines[0].startswith("wsaudit: "), proc.stderr
    return lines[0]


def git(root: Path, *args: str, input: bytes | None = None) -> str:
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "user.email=t@t", "-c", "user.name=t",
                           *args], cwd=root, check=True, capture_output=True, input=input).stdout.decode().strip()


def commit_all(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tree")


# ---------------------------------------------------------------- recursion: folders nested deeper than the stack

NESTED = 1200  # past Python's recursion limit (1000); 2,400 characters of path, under PATH_MAX


def _nested(root: Path, depth: int) -> str:
    """Folders ``d/d/.../d`` made one by one (``mkdir(parents=True)`` itself recurses)."""
    folder = str(root)
    for _ in range(depth):
        folder += "/d"
        os.mkdir(folder)
    return "d/" * depth


def test_folders_nested_past_the_recursion_limit_are_audited(tmp_path):
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE})
    Path(str(root) + "/" + _nested(root, NESTED) + "x.py").write_text("import m\n")
    commit_all(root)
    for command in ("scan", "check"):
        proc = wsaudit(command, root, "--format", "json", "--no-cache")
        assert proc.returncode == (1 if command == "check" else 0), proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
    scan = json.loads(wsaudit("scan", root, "--format", "json", "--no-cache").stdout)
    assert [v["path"] for v in scan["violations"]] == ["d/" * NESTED + "x.py"]
    history = wsaudit("history", root, "--format", "json", "--no-cache")
    assert history.returncode == 0, history.stderr[-2000:]
    (row,) = json.loads(history.stdout)["commits"]
    assert row["error"] is None and row["violations"] == 1
