"""Write a planned migration: a rollback point first, then each file atomically, then the
optional verify command, rolling everything back when it fails.

Only files that passed every safety check are written, and only when they are still the
bytes that were planned from. A write that fails (a full disk, a read-only or immutable
file) rolls back what was already written and says so in one line; a crash or a ``kill -9``
leaves whole files and a rollback point in state ``applying`` that ``wsaudit rollback`` undoes.
"""

from __future__ import annotations

import os
import subprocess
import time

from wsaudit.codemod import rollback, treefs
from wsaudit.codemod.records import Applied, Migration
from wsaudit.codemod.treefs import write_file
from wsaudit.codemod.vcs import dirty_files, git_head
from wsaudit.errors import MigrationError, RollbackError, UnsafePathError

PAUSE_ENV = "WSAUDIT_APPLY_PAUSE"  # seconds to wait between two written files (tests, demos)


def _between_files(path: str) -> None:
    """Called after each file is written: a hook for tests, and the optional pause."""
    pause = os.environ.get(PAUSE_ENV)
    if pause:
        time.sleep(float(pause))


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


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
        When a file has uncommitted changes (without ``force``), changed since the plan, is
        not a regular file inside the tree, or cannot be written (what was written before it is
        then rolled back, and the message says so).
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
    modes = {}
    for c in changes:  # the tree must still be what was planned, each file a regular file in it
        try:
            path = treefs.target(m.root, c.path)
            info = treefs.regular_or_missing(path)
            if info is None or treefs.read_regular(path) != c.before:
                raise MigrationError(f"{c.path} changed while the migration was computed; run it again")
        except UnsafePathError as exc:
            raise MigrationError(f"{exc}; nothing was written") from None
        except OSError as exc:
            raise MigrationError(f"{c.path}: cannot read: {_why(exc)}; nothing was written") from None
        modes[c.path] = info.st_mode
    try:
        point = rollback.create_point(m.root, [(c.path, c.before, c.after) for c in changes], command,
                                      git_head(m.root))
    except OSError as exc:
        raise MigrationError(f"cannot record the rollback point ({_why(exc)}); nothing was written") from None
    written = []
    for c in changes:
        try:
            write_file(m.root, c.path, c.after, modes[c.path])
        except (OSError, UnsafePathError) as exc:
            raise MigrationError(f"{c.path}: cannot write: {_failure(exc)}; {_undo(m, point, written)}") from None
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


def _failure(exc: BaseException) -> str:
    return _why(exc) if isinstance(exc, OSError) else str(exc)


def _undo(m: Migration, point: rollback.Point, written: list[str]) -> str:
    """Roll back a partial apply; what to tell the user about it."""
    if not written:
        try:
            rollback.mark(point, "rolled-back")
        except (OSError, RollbackError):
            pass
        return "nothing was written"
    try:
        rollback.restore(m.root, point.id)
    except RollbackError as exc:
        return (f"{len(written)} file(s) were written before it and could not be rolled back ({exc}); "
                f"run 'wsaudit rollback {point.id}' once the cause is fixed")
    return f"the {len(written)} file(s) written before it were rolled back ({point.id}): the tree is as it was"
