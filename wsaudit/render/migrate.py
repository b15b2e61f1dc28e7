"""``wsaudit migrate``: the migration as a unified diff or JSON, and the summaries on stderr."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from wsaudit.codemod.encoding import decode
from wsaudit.codemod.records import Applied, Migration
from wsaudit.render.positions import name_positions, where
from wsaudit.render.text import dumps, printable_lines


def migration_diff(m: Migration) -> str:
    """A unified diff (``a/PATH``, ``b/PATH``) of every file that would be written."""
    out = []
    for f in m.changes:
        before, after = decode(f.before), decode(f.after)
        out.extend(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"a/{f.path}", f"b/{f.path}"))
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def migration_document(m: Migration) -> dict[str, Any]:
    """The document of ``--format json``: files with their checks, the manual list, the diff."""
    return {
        "files": [{"path": f.path, "changed": f.changed, "rewritten": f.rewritten,
                   "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in f.checks}}
                  for f in m.files],
        "manual": [item.__dict__ for item in m.manual],
        "skipped": [{"path": p, "reason": r} for p, r in m.skipped],
        "diff": migration_diff(m),
    }


def applied_document(done: Applied) -> dict[str, Any]:
    """What ``--apply`` did, for the JSON: the point, the files written, the validation, the
    verify command's status, the commits."""
    v = done.validation
    return {"point": done.point.id if done.point else None, "written": list(done.written),
            "rolled_back": done.rolled_back, "verify_code": done.verify_code, "commits": list(done.commits),
            "validation": None if v is None else {
                "ok": v.ok, "compiled": v.compiled, "compile_errors": [list(e) for e in v.compile_errors],
                "undefined_before": v.undefined_before, "undefined_after": v.undefined_after,
                "became_undefined": [list(e) for e in v.became_undefined], "violations_after": v.violations_after,
                "unexpected": list(v.unexpected)}}


def migration_json(m: Migration, done: Applied | None = None) -> str:
    doc = migration_document(m)
    if done is not None:
        doc["applied"] = applied_document(done)
    return dumps(doc)


def render_migration(fmt: str, m: Migration, done: Applied | None = None) -> str:
    """The migration in ``fmt``: ``json`` (with what ``--apply`` did, when ``done``), else the diff."""
    return migration_json(m, done) if fmt == "json" else migration_diff(m)


def _migrated(m: Migration) -> Callable[[str], bytes | None]:
    """The bytes a manual item's position refers to: the file as migrated, which is the proposal
    of a file that changes (not on disk before ``--apply``, nor after a rollback), else the file
    as it is (None: read it from disk)."""
    return {f.path: f.after for f in m.files}.get


def migration_summary(m: Migration) -> str:
    """What the migration does and leaves, for stderr: counts, then each failure, skip and
    violation left for a person (at :func:`~wsaudit.render.positions.where`'s ``path:line:col``,
    as ``scan`` would show it in the file as migrated)."""
    positions = name_positions(m.root, m.manual, _migrated(m))
    lines = [(f"{len(m.changes)} file(s) rewritten ({sum(f.rewritten for f in m.changes)} violations), "
              f"{len(m.failed)} failed a check, {len(m.manual)} violation(s) left for a person, "
              f"{len(m.skipped)} file(s) skipped")]
    for f in m.failed:
        for c in f.failures():
            lines.append(f"  not written: {f.path}: {c.name}: {c.detail}")
    for p, why in m.skipped:
        lines.append(f"  skipped: {p}: {why}")
    for item in m.manual:
        lines.append(f"  manual: {where(item, positions)} {item.rule_id} {item.category} {item.name}: "
                     f"{item.reason}")
    return printable_lines(lines)


def applied_summary(done: Applied, m: Migration | None = None) -> str:
    """What ``--apply`` wrote, where its rollback point is, and how ``--verify`` went.

    Parameters
    ----------
    done : Applied
        What the apply did.
    m : Migration, optional
        The migration applied: the rows a failed validation lists are then placed at their
        names in the files as written (they are rolled back by now); without it, at their
        statements.

    Returns
    -------
    str
        Lines for standard error.
    """
    if done.point is None:
        return "nothing to write\n"
    lines = [(f"wrote {len(done.written)} file(s); rollback point {done.point.id} "
              f"(undo with: wsaudit rollback {done.point.id})")]
    v = done.validation
    if v is not None:
        lines.append(f"validation: {v.compiled} of {len(done.written)} written file(s) compile; undefined names in "
                     f"them (pyflakes) {v.undefined_before} before, {v.undefined_after} after; the re-audit finds "
                     f"{v.violations_after} violation(s)" + ("" if v.unexpected else ", as the manual list says"))
        rows = [row for _, row in v.mismatched]
        positions = name_positions(m.root, rows, _migrated(m)) if m is not None else None
        lines += [f"  validation failed: {p}" for p in v.problems(lambda row: where(row, positions))]
        if not v.ok:
            lines.append(f"validation failed: rolled back to {done.point.id}")
    for sha in done.commits:
        lines.append(f"committed {sha[:12]}")
    if done.verify_code is not None:
        if done.rolled_back:
            lines.append(f"verify command failed (exit {done.verify_code}): rolled back to {done.point.id}")
        else:
            lines.append("verify command passed")
    return printable_lines(lines)
