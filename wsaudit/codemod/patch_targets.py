"""``mock.patch("...")`` targets naming the deprecated symbol or a deprecated module:
renamed to the replacement when the new target resolves in the migrated tree.

Only a string that is the target of a ``patch`` call is rewritten; any other string naming
the deprecated path is left for a person. A symbol's target is renamed to where the code
under test looks the replacement up: the patched module's own name for it once that module
binds the replacement, else the replacement's module when the patched module reads it through
an alias of that module (``m.Manager(...)``); either way the new target is checked to exist and
to be the replacement.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from wsaudit.codemod.context import FileContext, unmapped
from wsaudit.codemod.syntax import Syntax, dotted
from wsaudit.model import Violation


@dataclass(frozen=True)
class Retarget:
    """What becomes of one string literal the audit flagged.

    Attributes
    ----------
    node : cst.CSTNode or None
        The literal (None when there is no literal at that position).
    replacement : cst.CSTNode or None
        The literal with the new target; None when it is left for a person.
    reason : str or None
        Why it is left for a person.
    patched : tuple or None
        ``(new target, the rule's replacement or None for a module)`` for the
        ``replacement-resolves`` check: set once the new target is known to resolve, even if
        the literal then cannot be rewritten.
    """

    node: cst.CSTNode | None
    replacement: cst.CSTNode | None
    reason: str | None
    patched: tuple[str, str | None] | None = None


def retarget(ctx: FileContext, syntax: Syntax, group: list[Violation]) -> Retarget:
    """The rewrite of the string the violations ``group`` (one position) found."""
    first = group[0]
    node = syntax.strings.get((first.line, first.col))
    value = first.name
    if node is None or node.evaluated_value != value:
        return Retarget(node, None, "the symbol is used as a value (stored, passed, compared or aliased): "
                                    "rewrite this use by hand")
    if not _is_patch_target(syntax, node):
        return Retarget(node, None, "a string naming the deprecated path (not a mock.patch target): update it by hand")
    new_value, reason, patched = _renamed_target(ctx, value, group)
    if reason:
        return Retarget(node, None, reason)
    replaced = replace_string(node, value, new_value)
    if replaced is None:
        return Retarget(node, None, "a mock.patch target whose string prefix cannot be rewritten safely", patched)
    return Retarget(node, replaced, None, patched)


def _is_patch_target(syntax: Syntax, node: cst.CSTNode) -> bool:
    """Whether ``node`` is the target argument of a call of something named ``patch``."""
    arg = syntax.parents.get(node)
    if not isinstance(arg, cst.Arg):
        return False
    call = syntax.parents.get(arg)
    if not isinstance(call, cst.Call) or (dotted(call.func) or "").rpartition(".")[2] != "patch":
        return False
    if arg.keyword is not None:
        return arg.keyword.value == "target"
    return call.args[0] is arg


def _renamed_target(ctx: FileContext, value: str,
                    group: list[Violation]) -> tuple[str, str | None, tuple[str, str | None] | None]:
    """``(new target, why not, what the check verifies)``: module rules rename the module
    part, a symbol rule the last name."""
    new = value
    symbol_rule = None
    for v in group:
        rule = ctx.rules[v.rule_id]
        if rule.module is not None:
            if unmapped(rule):
                return value, unmapped(rule), None
            if new == rule.module or new.startswith(rule.module + "."):
                new = rule.replacement + new[len(rule.module):]
        else:
            symbol_rule = rule
    tree = ctx.tree
    if symbol_rule is not None:
        if not symbol_rule.replacement:
            return value, f"{symbol_rule.id} has no replacement", None
        patched_module = new.rpartition(".")[0]
        new = f"{patched_module}.{symbol_rule.replacement.rpartition('.')[2]}"
        resolver = tree.resolver
        if not (ctx.targets.dotted(new) and resolver.resolve(new) & resolver.resolve(symbol_rule.replacement)):
            through = _looked_up_through(ctx, patched_module, symbol_rule.replacement)
            if through is None:
                return value, (f"mock.patch target: {new!r} does not name the replacement yet (migrate the module "
                               "it patches first, then run migrate again)"), None
            new = through
        return new, None, (new, symbol_rule.replacement)
    if not ctx.targets.dotted(new):
        return value, f"mock.patch target: {new!r} does not exist in the replacement module", None
    return new, None, (new, None)


def _looked_up_through(ctx: FileContext, module: str, replacement: str) -> str | None:
    """Where ``module`` looks the replacement up when it does not bind it itself: through an
    alias of the replacement's module (``import pkg.manager as m`` ... ``m.Manager(...)``), the
    call reads ``pkg.manager.Manager`` each time, so that is what a test must patch. None when
    the module does not (it still uses the old name, or does not use the replacement at all)."""
    tree = ctx.tree
    facts = tree.resolver.facts(module)
    home, _, name = replacement.rpartition(".")
    if facts is None or not home:
        return None
    for u in facts.uses:
        if len(u.chain) >= 2 and u.chain[1] == name and ("mod", home) in tree.resolver.chain(module, facts, u)[0]:
            target = f"{home}.{name}"
            return target if ctx.targets.dotted(target) else None
    return None


def replace_string(node: cst.SimpleString | cst.ConcatenatedString, old: str, new: str) -> cst.CSTNode | None:
    """A string literal (or implicitly joined pieces) with value ``old`` rewritten to ``new``,
    keeping prefixes, quotes and the split into pieces when the change fits in one piece."""
    pieces: list[cst.SimpleString] = []
    todo: list[cst.BaseExpression] = [node]  # a loop, left to right: "a" "b" "c" ... nests once per piece
    while todo:
        n = todo.pop()
        if isinstance(n, cst.ConcatenatedString):
            todo += (n.right, n.left)
        elif isinstance(n, cst.SimpleString):
            pieces.append(n)
        else:  # an f-string piece
            return None
    if any("b" in p.prefix.lower() or "\\" in p.raw_value for p in pieces):
        return None
    if any(q in new for q in ("'", '"', "\\", "\n", "\r")):
        return None
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    offset = 0
    for piece in pieces:
        value = piece.raw_value
        if offset <= start and len(old) - end <= offset + len(value):
            lo, hi = start - offset, len(old) - end - offset
            raw = value[:lo] + new[start: len(new) - end] + value[hi:]
            replacement = piece.with_changes(value=f"{piece.prefix}{piece.quote}{raw}{piece.quote}")

            class _Swap(cst.CSTTransformer):
                def leave_SimpleString(self, original, updated, new=replacement, old=piece):
                    return new if original is old else updated

            swapped = node.visit(_Swap())
            assert isinstance(swapped, cst.CSTNode)  # one piece swapped for another: nothing removed
            return swapped
        offset += len(value)
    first = pieces[0]
    return first.with_changes(value=f"{first.prefix}{first.quote}{new}{first.quote}", lpar=node.lpar, rpar=node.rpar)
