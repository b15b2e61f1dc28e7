"""Which violations the codemod rewrites, and why it leaves each other one for a person: the
migration of :func:`wsaudit.codemod.plan.plan`, read back onto the violations as the audit
found them (its positions, not those of the migrated text).

A plan records where each rewritten violation stood in the original text
(:attr:`~wsaudit.codemod.records.FileResult.claimed_keys`); every other violation is left for a
person, with the reason of the manual item at its place (the manual list gives positions in the
file *as migrated*: a line the migration left as it was maps back exactly; on a changed line,
the nearest violation of the same rule, category and name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wsaudit.api import Audit
from wsaudit.codemod.context import violation_key
from wsaudit.codemod.encoding import decode
from wsaudit.codemod.plan import line_map, plan
from wsaudit.codemod.records import ManualItem, Migration
from wsaudit.codemod.rewrite import NO_REWRITE
from wsaudit.model import Violation


@dataclass(frozen=True)
class Verdict:
    """What ``wsaudit migrate`` does with one violation.

    Attributes
    ----------
    violation : Violation
        The violation, as the audit found it.
    automatable : bool
        Whether the codemod rewrites it (in a file that passes every safety check).
    reason : str or None
        Why it is left for a person (None when it is automatable): the codemod's own reason,
        the check a file failed, or why the file is not rewritten at all.
    """

    violation: Violation
    automatable: bool
    reason: str | None = None


def _reasons(items: list[ManualItem], left: list[tuple[int, Violation]], lines: dict[int, int] | None) -> dict[int, str]:
    """Index of a violation left for a person -> its reason, from the manual items of its file
    (positions in the migrated text; ``lines`` maps them back, None: the text is the original)."""
    out: dict[int, str] = {}
    pending = []
    for item in items:
        line = item.line if lines is None else lines.get(item.line)
        exact = next((i for i, v in left if i not in out and (v.line, v.col, v.rule_id, v.category, v.name) ==
                      (line, item.col, item.rule_id, item.category, item.name)), None)
        if exact is None:
            pending.append(item)
        else:
            out[exact] = item.reason
    for item in pending:  # on a line the migration changed: the nearest one of the same kind
        same = [(i, v) for i, v in left if i not in out and (v.rule_id, v.category, v.name) ==
                (item.rule_id, item.category, item.name)]
        if same:
            out[min(same, key=lambda iv: (abs(iv[1].line - item.line), abs(iv[1].col - item.col)))[0]] = item.reason
    return out


def triage(a: Audit, files: Iterable[str] | None = None, *, migration: Migration | None = None) -> list[Verdict]:
    """One verdict per violation of the selected files (default: every file with a violation),
    in the audit's order.

    Parameters
    ----------
    a : Audit
        The audit (scan result and configuration) of the tree.
    files : iterable of str, optional
        Root-relative paths, as :func:`~wsaudit.codemod.plan.plan` takes them.
    migration : Migration, optional
        The plan already computed for ``a`` and ``files`` (else it is computed, in memory).

    >>> from pathlib import Path
    >>> from wsaudit.api import audit
    >>> a = audit(Path(__file__).parents[2] / "data" / "sample_repo", cache=False)
    >>> verdicts = triage(a, ["netra_backend/app/services/user_sessions.py"])
    >>> sorted((v.violation.category, v.automatable) for v in verdicts)
    [('deprecated-call', True), ('deprecated-import', False), ('deprecated-reference', False), ('deprecated-reference', False)]
    """
    m = migration if migration is not None else plan(a.root, files=files, audit=a)
    selected = set(m.selected)
    by_path: dict[str, list[Violation]] = {}
    for v in a.violation_records:
        if v.path in selected:
            by_path.setdefault(v.path, []).append(v)
    skipped = dict(m.skipped)
    results = {f.path: f for f in m.files}
    manual: dict[str, list[ManualItem]] = {}
    for item in m.manual:
        manual.setdefault(item.path, []).append(item)
    reasons: dict[tuple[str, int], str] = {}
    for path, found in by_path.items():
        if path in skipped:
            reasons.update({(path, i): f"not rewritten: {skipped[path]}" for i in range(len(found))})
            continue
        result = results.get(path)
        claimed = result.claimed_keys if result is not None and result.ok else frozenset()
        left = [(i, v) for i, v in enumerate(found) if violation_key(v) not in claimed]
        changed = result is not None and result.ok and result.proposed != result.before
        lines = line_map(decode(result.before), decode(result.proposed)) if changed else None
        for i, reason in _reasons(manual.get(path, []), left, lines).items():
            reasons[(path, i)] = reason
        for i, _ in left:  # a claim the positions could not place: the plan's general reason
            reasons.setdefault((path, i), NO_REWRITE)
    out = []
    for path, found in by_path.items():
        for i, v in enumerate(found):
            reason = reasons.get((path, i))
            out.append(Verdict(v, reason is None, reason))
    order = {id(v): n for n, v in enumerate(a.violation_records)}
    return sorted(out, key=lambda verdict: order[id(verdict.violation)])
