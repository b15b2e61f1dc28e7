"""What git says about the audited tree, and what wsaudit asks of it: which files have
uncommitted changes (an apply refuses to overwrite them), the commit a rollback point was made
on, the commits of ``migrate --commit`` and the revert commit of their rollback.

The questions answer None rather than fail when the root is not in a git checkout or git is
missing: migrating a plain folder is allowed (``--commit`` is not).

The checkout is part of the audited tree, so its configuration is untrusted: git is always
run with :data:`SAFE` options, which turn off what would run the tree's own code (its hooks,
its ``core.fsmonitor`` command, which ``git status`` runs) and what would wait for a person
(a pager, a prompt, signing).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from wsaudit.errors import MigrationError

# what in a repository's own configuration runs code or waits for a person, turned off
SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
        "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false", "-c", "core.pager=cat",
        "-c", "credential.helper=", "-c", "core.askPass=", "-c", "gc.auto=0", "-c", "maintenance.auto=false")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat"}


def _git_command(root: str | Path, args: list[str], timeout: float, text: bool) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *SAFE, *args], cwd=root, capture_output=True, timeout=timeout, check=False,
                          text=text, env={**os.environ, **_ENV}, stdin=subprocess.DEVNULL)


def _no_filters(root: str | Path) -> list[str]:
    """``-c filter.NAME.KIND=`` for every filter driver the configuration defines: ``git status``
    runs a file's clean filter to compare its content, and that command is the repository's.
    Reading the configuration runs nothing."""
    proc = _git_command(root, ["config", "--get-regexp", r"^filter\..*\.(clean|smudge|process)$"], 30, True)
    keys = sorted({line.split(" ", 1)[0] for line in proc.stdout.splitlines() if line.strip()})
    return [arg for key in keys for arg in ("-c", f"{key}=")]


def git(root: str | Path, *args: str, timeout: float = 60, text: bool = False) -> subprocess.CompletedProcess:
    """Run ``git SAFE... args`` in ``root``, with every filter driver off (raises OSError when
    git is missing)."""
    return _git_command(root, [*_no_filters(root), *args], timeout, text)


def dirty_files(root: str | Path, paths: Iterable[str]) -> list[str] | None:
    """The ``paths`` with uncommitted changes (or untracked) in the git checkout holding
    ``root``; None when ``root`` is not in a git checkout (or git is missing)."""
    paths = list(paths)
    try:
        proc = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    top = git(root, "rev-parse", "--show-toplevel", text=True)
    base = Path(top.stdout.strip()).resolve()
    dirty = set()
    entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        if entry[0] in "RC":
            i += 1  # the rename's source path follows
        full = (base / entry[3:]).resolve()
        try:
            dirty.add(full.relative_to(Path(root).resolve()).as_posix())
        except ValueError:
            continue
    return sorted(p for p in paths if p in dirty)


def git_head(root: str | Path) -> str | None:
    """The commit checked out at ``root``, or None outside a git checkout."""
    try:
        proc = git(root, "rev-parse", "HEAD", timeout=30, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _fail(what: str, proc: subprocess.CompletedProcess) -> MigrationError:
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
    first = next((line.strip() for line in err.splitlines() if line.strip()), f"exit {proc.returncode}")
    return MigrationError(f"git {what} failed: {first}")


def dirty_tree(root: str | Path) -> list[str] | None:
    """Every change in the checkout holding ``root`` (staged, unstaged, untracked; ignored
    files aside), as ``git status`` shows them; None outside a git checkout."""
    try:
        proc = git(root, "status", "--porcelain=v1", "--untracked-files=normal", text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return [line for line in proc.stdout.splitlines() if line.strip()]


def commit(root: str | Path, paths: Iterable[str], subject: str, body: str) -> str:
    """Commit exactly ``paths`` (root-relative) with the message ``subject`` / ``body``; the
    new commit's hash. The tree's hooks do not run (:data:`SAFE`)."""
    paths = list(paths)
    added = git(root, "add", "--", *paths)
    if added.returncode != 0:
        raise _fail("add", added)
    done = git(root, "commit", "--no-verify", "--no-gpg-sign", "-q", "-m", subject, "-m", body, "--", *paths)
    if done.returncode != 0:
        raise _fail("commit", done)
    head = git_head(root)
    if head is None:
        raise MigrationError("git commit left no HEAD")
    return head


def revert(root: str | Path, commits: list[str], subject: str, body: str) -> str:
    """One commit that reverts ``commits`` (newest first); its hash. A conflict aborts the
    revert and leaves the checkout as it was."""
    undo = git(root, "revert", "--no-commit", "--no-edit", *reversed(commits))
    if undo.returncode != 0:
        git(root, "revert", "--abort")
        raise _fail("revert", undo)
    done = git(root, "commit", "--no-verify", "--no-gpg-sign", "-q", "-m", subject, "-m", body)
    if done.returncode != 0:
        git(root, "revert", "--abort")
        raise _fail("commit", done)
    head = git_head(root)
    assert head is not None
    return head
