"""Which violations the codemod does: the planning code's answer, as plain records for the simulation.

Read-only: :func:`wsaudit.codemod.plan.plan` computes the whole migration in memory (nothing is
written) and this module turns it into one :class:`~wsaudit.analysis.work.Automation` per file
with violations: the violations its rewrites claimed in a file whose six checks pass, per
category, and the reasons the codemod gives for the rest (each violation's verdict is
:func:`~wsaudit.codemod.triage.triage`'s: one answer to "does the codemod do this one"). The simulation sits below the
codemod in the layers, so it receives these records rather than calling the codemod.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from wsaudit.analysis.work import Automation
from wsaudit.api import Audit
from wsaudit.codemod.plan import plan
from wsaudit.codemod.records import Migration
from wsaudit.codemod.triage import triage
from wsaudit.model import CATEGORIES


def _records(a: Audit, migration: Migration, paths: Iterable[str]) -> dict[str, Automation]:
    """Per path: the violations :func:`~wsaudit.codemod.triage.triage` finds rewritten, per
    category, and the reasons it gives for the others (most frequent first)."""
    automated: dict[str, Counter] = {p: Counter() for p in paths}
    reasons: dict[str, Counter] = {p: Counter() for p in automated}
    for verdict in triage(a, sorted(automated), migration=migration):
        path = verdict.violation.path
        if path not in automated:
            continue
        if verdict.automatable:
            automated[path][verdict.violation.category] += 1
        else:
            reasons[path][verdict.reason or ""] += 1
    return {path: Automation(path, tuple(counts[c] for c in CATEGORIES),
                             tuple(sorted(reasons[path].items(), key=lambda kv: (-kv[1], kv[0]))))
            for path, counts in sorted(automated.items())}


def _whole(record: Automation, total: int) -> bool:
    return total > 0 and sum(record.automated) >= total


def automation(a: Audit, jobs: int | None = None) -> dict[str, Automation]:
    """Per path with violations: what ``wsaudit migrate`` (a dry run) rewrites there and why it
    leaves the rest. ``jobs``: as for :func:`~wsaudit.codemod.plan.plan`.

    A dry run over every file says what the codemod can do; the files it rewrites whole form the
    codemod's wave, which is then planned again on its own (``migrate --wave 1`` selects only
    them, and a rewrite may have counted on a file of a later wave, such as a ``mock.patch``
    target that names the replacement only once the patched module is migrated). A file that
    is not whole in that run leaves the wave, until every file left is rewritten whole.

    >>> from pathlib import Path
    >>> from wsaudit.api import audit
    >>> a = audit(Path(__file__).parents[2] / "data" / "sample_repo", cache=False)
    >>> done = automation(a)
    >>> whole = [p for p, x in done.items() if sum(x.automated) == sum(1 for v in a.violation_records if v.path == p)]
    >>> len(whole), len(plan(a.root, audit=a, files=whole).manual)
    (14, 0)
    """
    totals = Counter(v.path for v in a.violation_records)
    out = _records(a, plan(a.root, audit=a, jobs=jobs), totals)
    wave = {p for p, r in out.items() if _whole(r, totals[p])}
    while wave:
        restricted = _records(a, plan(a.root, audit=a, files=sorted(wave), jobs=jobs), wave)
        out.update(restricted)
        left = {p for p in wave if not _whole(restricted[p], totals[p])}
        if not left:
            break
        wave -= left
    return out
