"""What git says about the audited tree: which files have uncommitted changes (an apply
refuses to overwrite them) and the commit a rollback point was made on.

Both answer None rather than fail when the root is not in a git checkout or git is missing:
migrating a plain folder is allowed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path


def dirty_files(root: str | Path, paths: Iterable[str]) -> list[str] | None:
    """The ``paths`` with uncommitted changes (or untracked) in the git checkout holding
    ``root``; None when ``root`` is not in a git checkout (or git is missing)."""
    paths = list(paths)
    try:
        proc = subprocess.run(["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths],
                              cwd=root, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True,
                         check=False)
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
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None
