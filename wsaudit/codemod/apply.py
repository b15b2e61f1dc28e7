"""Write a planned migration: a rollback point first, then each file atomically, then the
optional verify command, rolling everything back when it fails.

Only files that passed every safety check are written, and only when they are still the
bytes that were planned from.
"""

from __future__ import annotations

import os
import subprocess
import time

from wsaudit.codemod import rollback
from wsaudit.codemod.records import Applied, Migration
from wsaudit.codemod.vcs import dirty_files, git_head
from wsaudit.errors import MigrationError

PAUSE_ENV = "WSAUDIT_APPLY_PAUSE"  # seconds to wait between two written files (tests, demos)


def _between_files(path: str) -> None:
    """Called after each file is written: a hook for tests, and the optional pause."""
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        time.sleep(float(pause))


def apply(m: Migration, *, force: bool = False, verify: str | None = None, command: str = "") -> Applied:
    """Write every changed file of ``m`` that passed its checks, after recording a rollback
    point; with ``verify``, run that shell command in the root afterwards and roll back when it
    fails. Files with uncommitted changes in a git checkout are refused unless ``force``.

    Parameters
    ----------
    m : Migration
        What :func:`wsaudit.codemod.plan.plan` computed.
    force : bool
        Also overwrite files with uncommitted changes.
    verify : str, optional
        A shell command (the user's own) run in the root after writing.
    command : str
        The command line recorded in the rollback point.

    Raises
    ------
    MigrationError
        When a file has uncommitted changes (without ``force``) or changed since the plan.
    """
    changes = m.changes
    if not changes:
        return Applied(None, [])
    paths = [c.path for c in changes]
    if not force:
        dirty = dirty_files(m.root, paths)
        if dirty:
            raise MigrationError(f"{len(dirty)} file(s) have uncommitted changes (commit or stash them, or use "
                                 f"--force): {', '.join(dirty)}")
    for c in changes:  # the tree must still be what was planned
        if (m.root / c.path).read_bytes() != c.before:
            raise MigrationError(f"{c.path} changed while the migration was computed; run it again")
    point = rollback.create_point(m.root, [(c.path, c.before, c.after) for c in changes], command,
                                  git_head(m.root))
    written = []
    for c in changes:
        rollback.atomic_write(m.root / c.path, c.after)
        written.append(c.path)
        _between_files(c.path)
    rollback.mark(point, "applied")
    result = Applied(point, written)
    if verify:
        proc = subprocess.run(verify, shell=True, cwd=m.root, check=False)  # the user's own command
        result.verify_code = proc.returncode
        if proc.returncode != 0:
            rollback.restore(m.root, point.id)
            result.rolled_back = True
    return result
