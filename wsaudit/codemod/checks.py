"""The four named safety checks every rewritten file must pass before it is written.

- ``parses``: the new text encodes back in the file's own encoding and parses as Python;
- ``rescan-clean``: a re-scan of the migrated tree finds exactly what was there minus what
  the rewrite claims to have fixed (nothing new, nothing vanished unexplained);
- ``names-bound``: every use of a name the rewrite imported resolves to what it imported;
- ``replacement-resolves``: what the new imports and ``mock.patch`` targets name exists (in
  the tree, or in the standard library) and is not itself deprecated.

The last three run only when the file parses.
"""

from __future__ import annotations

import sys
from collections import Counter

from wsaudit.codemod.context import FileContext
from wsaudit.codemod.encoding import encode
from wsaudit.codemod.placement import Need
from wsaudit.codemod.records import Check
from wsaudit.engine.parse import parse_source
from wsaudit.model import Violation

CHECKS = ("parses", "rescan-clean", "names-bound", "replacement-resolves")


def check_file(ctx: FileContext, before: list[Violation], claimed: Counter, needs: list[Need],
               patched: list[tuple[str, str | None]]) -> tuple[list[Check], bytes | None]:
    """The checks of one migrated file, and its bytes (None when the text cannot be encoded).

    Parameters
    ----------
    ctx : FileContext
        The file as migrated, in the migrated tree.
    before : list of Violation
        What the audit found in the original file.
    claimed : Counter
        ``(rule_id, category, name)`` of the violations the rewrite claims to have fixed.
    needs : list of Need
        The imports the rewrite introduced.
    patched : list of (str, str or None)
        The new ``mock.patch`` targets, each with the rule's replacement (None for a module).
    """
    try:
        data = encode(ctx.text, ctx.encoding)
    except UnicodeEncodeError as exc:
        return [Check("parses", False, f"cannot be written back as {ctx.encoding.name}: {exc.reason}")], None
    parses = _parses(ctx, data)
    if not parses.ok:
        return [parses], data
    return [parses, _rescan_clean(ctx, before, claimed), _names_bound(ctx, needs),
            _replacement_resolves(ctx, needs, patched)], data


def _parses(ctx: FileContext, data: bytes) -> Check:
    facts = parse_source(data)
    if facts.problems:
        kind, line, message = facts.problems[0]
        return Check("parses", False, f"{kind} at line {line}: {message}")
    return Check("parses", True, f"parses as Python and round-trips through {ctx.encoding.name}"
                                 + (" with its BOM" if ctx.encoding.bom else ""))


def _rescan_clean(ctx: FileContext, before: list[Violation], claimed: Counter) -> Check:
    left = Counter((v.rule_id, v.category, v.name) for v in ctx.violations)
    expected = Counter((v.rule_id, v.category, v.name) for v in before) - claimed
    if left == expected:
        fixed = sum(claimed.values())
        return Check("rescan-clean", True, f"a re-scan finds none of the {fixed} rewritten violation(s)")
    extra = ", ".join(f"{r} {c} {n}" for (r, c, n) in (left - expected))
    missing = ", ".join(f"{r} {c} {n}" for (r, c, n) in (expected - left))
    return Check("rescan-clean", False, "; ".join(x for x in (
        f"still or newly found: {extra}" if extra else "", f"vanished without a rewrite: {missing}" if missing else "")
        if x))


def _names_bound(ctx: FileContext, needs: list[Need]) -> Check:
    resolver, ff = ctx.tree.resolver, ctx.facts
    problems = []
    introduced: dict[str, set[str]] = {}
    for need in needs:
        introduced.setdefault(need.bound, set()).add(need.target)
    for name, targets in sorted(introduced.items()):
        if len(targets) > 1:
            problems.append(f"{name!r} would be imported from {len(targets)} places: {', '.join(sorted(targets))}")
    for u in ff.uses:
        if u.chain[0] not in introduced:
            continue
        got = resolver.chain(ctx.module, ff, u)[0]
        expected = set().union(*(resolver.resolve(t) for t in introduced[u.chain[0]]))
        if not got:
            problems.append(f"line {u.line}: {u.chain[0]!r} is not bound there")
        elif not got <= expected:
            problems.append(f"line {u.line}: {u.chain[0]!r} is bound to something else there")
    count = sum(1 for u in ff.uses if u.chain[0] in introduced)
    return Check("names-bound", not problems, "; ".join(problems) if problems else
                 f"{count} use(s) of {', '.join(sorted(introduced)) or 'no new name'} resolve")


def _replacement_resolves(ctx: FileContext, needs: list[Need], patched: list[tuple[str, str | None]]) -> Check:
    tree = ctx.tree
    problems = []
    for need in needs:
        top = (need.module or need.name).split(".")[0]
        dotted = need.target if need.module else need.name
        deprecated = next((r for r in ctx.rules.values() if r.module and (r.covers_module(need.module or need.name))),
                          None)
        if deprecated is not None:
            problems.append(f"{dotted} is itself deprecated ({deprecated.id})")
        elif top in tree.resolver.known:
            if not tree.bound_in_tree(dotted):
                problems.append(f"{dotted} does not resolve in the import graph")
        elif top not in sys.stdlib_module_names:
            problems.append(f"{dotted} is neither in the tree nor in the standard library")
    for target, replacement in patched:
        if not tree.bound_in_tree(target):
            problems.append(f"mock.patch target {target} does not resolve")
        elif replacement and not (tree.resolver.resolve(target) & tree.resolver.resolve(replacement)):
            problems.append(f"mock.patch target {target} is not the replacement")
    shown = sorted({n.target for n in needs} | {t for t, _ in patched})
    return Check("replacement-resolves", not problems, "; ".join(problems) if problems else
                 (f"resolve: {', '.join(shown)}" if shown else "no new import"))
