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
from collections import Counter

from wsaudit.codemod import rollback, treefs
from wsaudit.codemod.records import Applied, FileResult, Migration
from wsaudit.codemod.treefs import write_file
from wsaudit.codemod.validate_written import validate
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


def apply(m: Migration, *, force: bool = False, verify: str | None = None, command: str = "",
          commit: str | None = None, label: str = "") -> Applied:
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
    commit : {None, "file", "wave"}
        Commit the result in git: one commit per file, or one for the whole apply (a wave).
        The checkout must be clean (nothing uncommitted, nothing untracked).
    label : str
        What the apply is (``wave 2``, ``wave 2 tests``), for the commit messages.

    Raises
    ------
    MigrationError
        When a file has uncommitted changes (without ``force``), changed since the plan, is
        not a regular file inside the tree, or cannot be written (what was written before it is
        then rolled back, and the message says so).
    """
    if commit is not None:
        _clean_checkout(m)
    changes = m.changes
    if not changes:
        return Applied(None, [])
    if commit is None and not force:
        _refuse_uncommitted(m, changes)
    modes = _planned_modes(m, changes)
    try:
        point = rollback.create_point(m.root, [(c.path, c.before, c.after) for c in changes], command,
                                      git_head(m.root))
    except OSError as exc:
        raise MigrationError(f"cannot record the rollback point ({_why(exc)}); nothing was written") from None
    written = _write_all(m, changes, point, modes)
    rollback.mark(point, "applied")
    result = Applied(point, written)
    _roll_back_if_broken(m, point, result, verify)
    if result.rolled_back:
        return result
    if commit is not None:
        result.commits = _commit(m, point, commit, label)
    return result


def _refuse_uncommitted(m: Migration, changes: list[FileResult]) -> None:
    dirty = dirty_files(m.root, [c.path for c in changes])
    if dirty:
        raise MigrationError(f"{len(dirty)} file(s) have uncommitted changes (commit or stash them, or use "
                             f"--force): {', '.join(dirty)}")


def _planned_modes(m: Migration, changes: list[FileResult]) -> dict[str, int]:
    """The mode of each file to write, after checking that the tree is still what was planned:
    each file a regular file in it, with the bytes the migration was computed from."""
    modes = {}
    for c in changes:
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
    return modes


def _write_all(m: Migration, changes: list[FileResult], point: rollback.Point, modes: dict[str, int]) -> list[str]:
    """Write each changed file, in order; the paths written. A write that fails rolls back the
    ones before it (:func:`_undo`) and raises."""
    written: list[str] = []
    for c in changes:
        try:
            write_file(m.root, c.path, c.after, modes[c.path])
        except (OSError, UnsafePathError) as exc:
            raise MigrationError(f"{c.path}: cannot write: {_failure(exc)}; {_undo(m, point, written)}") from None
        written.append(c.path)
        _between_files(c.path)
    return written


def _roll_back_if_broken(m: Migration, point: rollback.Point, result: Applied, verify: str | None) -> None:
    """Validate the written tree (:mod:`wsaudit.codemod.validate_written`), then run the
    ``verify`` command; when either fails, restore ``point`` and set ``result.rolled_back``."""
    result.validation = validation = validate(m, result.written)
    broken = not validation.ok  # a break the per-file checks did not see: undone, like a failed --verify
    if not broken and verify:
        proc = subprocess.run(verify, shell=True, cwd=m.root, check=False)  # the user's own command
        result.verify_code = proc.returncode
        broken = proc.returncode != 0
    if broken:
        rollback.restore(m.root, point.id)
        result.rolled_back = True


def _clean_checkout(m: Migration) -> None:
    from wsaudit.codemod import vcs

    dirty = vcs.dirty_tree(m.root)
    if dirty is None:
        raise MigrationError(f"--commit needs a git checkout; {m.root} is not in one")
    ident = vcs.git(m.root, "var", "GIT_COMMITTER_IDENT", text=True)
    if ident.returncode != 0:
        raise MigrationError("--commit: git has no committer identity (set user.name and user.email); "
                             "nothing was written")
    if dirty:
        raise MigrationError(f"--commit needs a clean checkout: {len(dirty)} uncommitted change(s) ("
                             f"{', '.join(d.strip() for d in dirty[:3])}{', ...' if len(dirty) > 3 else ''}); "
                             "commit or stash them first")


def _message(m: Migration, files: list, point: rollback.Point, label: str) -> tuple[str, str]:
    """The subject and body of a migration commit: the rules, the violations, the rollback point."""
    claimed = Counter()
    for f in files:
        claimed += f.claimed
    rules = sorted({rule for rule, _, _ in claimed})
    where = files[0].path if len(files) == 1 else f"{len(files)} files"
    subject = f"wsaudit migrate{' ' + label if label else ''}: {', '.join(rules)} in {where}"
    lines = []
    for rule_id in rules:
        rule = next((r for r in m.config.rules if r.id == rule_id), None)
        what = f"{rule.target} -> {rule.replacement}" if rule is not None else rule_id
        by_category = Counter(c for r, c, _ in claimed.elements() if r == rule_id)
        counts = ", ".join(f"{n} {c}" for c, n in sorted(by_category.items()))
        lines.append(f"{rule_id} ({what}): {sum(by_category.values())} violation(s) rewritten ({counts})")
    if len(files) > 1:
        lines += ["", *(f"  {f.path}: {f.rewritten} violation(s)" for f in files)]
    lines += ["", f"Rollback point: {point.id} (undo with: wsaudit rollback {point.id}, a revert commit)"]
    return subject, "\n".join(lines)


def _uncommit(m: Migration, point: rollback.Point, groups: list, made: list[str]) -> str:
    """After a commit failed: the files not committed get their original bytes back (and leave
    the index), then one revert commit undoes the commits made; what to tell the user."""
    from wsaudit.codemod import vcs

    committed = {c.path for group in groups[: len(made)] for c in group}
    pending = [c for c in m.changes if c.path not in committed]
    try:
        for c in pending:
            write_file(m.root, c.path, c.before, os.lstat(treefs.target(m.root, c.path)).st_mode)
        if pending:
            vcs.git(m.root, "reset", "-q", "--", *[c.path for c in pending])
        if made:
            point.revert_commit = vcs.revert(m.root, made, f"wsaudit migrate: revert the {len(made)} commit(s) of "
                                             f"{point.id} (a later commit failed)", f"Rollback point: {point.id}")
        rollback.mark(point, "rolled-back")
    except (OSError, MigrationError, RollbackError, UnsafePathError) as exc:
        return f"rolling back failed too ({exc}): see 'git status' and 'wsaudit rollback {point.id}'"
    return f"the migration was rolled back ({len(made)} commit(s) reverted): the tree is as it was"


def _commit(m: Migration, point: rollback.Point, how: str, label: str) -> list[str]:
    """One commit per file (``how == "file"``) or one for all; recorded in the point as they are
    made. A commit that fails reverts those already made and restores the files."""
    from wsaudit.codemod import vcs

    groups = [[c] for c in m.changes] if how == "file" else [m.changes]
    made: list[str] = []
    try:
        for group in groups:
            subject, body = _message(m, group, point, label)
            made.append(vcs.commit(m.root, [c.path for c in group], subject, body))
            point.commits = list(made)
            rollback.mark(point, "applied")
    except MigrationError as exc:
        raise MigrationError(f"{exc}; {_uncommit(m, point, groups, made)}") from None
    return made


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
