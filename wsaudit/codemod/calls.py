"""Calls of the deprecated symbol: locating the call the audit found, matching its arguments
to one of the rule's call templates (``[[rule.rewrite]]``), building the new call from the
template, and saying where the template's imports go.

A call is rewritten only when a template takes exactly the parameters it passes (by
keyword, or by position when the rule names its ``parameters``), and only when the new call
keeps every comment the old one held; anything else is left for a person, with why.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from wsaudit.codemod.context import FileContext
from wsaudit.codemod.orphans import binding_statements
from wsaudit.codemod.placement import Anchored, conflict, needs_of
from wsaudit.codemod.syntax import Block, StatementLine, Syntax, comments, dotted
from wsaudit.model import Rewrite, Violation

_ARG = "__wsaudit_arg_"  # a template's {name}, while the template is parsed as code
# arguments that keep their meaning inside a larger template expression without parentheses
_ATOMIC = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.ConcatenatedString,
           cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.List, cst.Tuple, cst.Dict, cst.Set,
           cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _multi_line(call: cst.Call) -> bool:
    """Whether any argument of ``call`` starts or ends a line."""
    spots = [call.whitespace_before_args]
    for arg in call.args:
        spots.append(arg.whitespace_after_arg)
        if isinstance(arg.comma, cst.Comma):
            spots.append(arg.comma.whitespace_after)
    return any(isinstance(s, cst.ParenthesizedWhitespace) for s in spots)


def build_call(old: cst.Call, rewrite: Rewrite, values: dict[str, cst.BaseExpression],
               config: cst.PartialParserConfig | None = None) -> cst.Call:
    """The template of ``rewrite`` with each ``{name}`` replaced by the original argument's
    expression node; a multi-line call keeps its one-argument-per-line layout.

    >>> old = cst.parse_expression("cwm(\\n    user_context=ctx,  # who\\n)")
    >>> rw = Rewrite(("user_context",), "M(user_context={user_context}, t=1)")
    >>> print(cst.Module([]).code_for_node(build_call(old, rw, {"user_context": old.args[0].value})))
    M(
        user_context=ctx,  # who
        t=1,
    )
    """
    code = rewrite.call.format(**{name: f"{_ARG}{name}" for name in rewrite.arguments})
    template = cst.parse_expression(code, config) if config else cst.parse_expression(code)
    assert isinstance(template, cst.Call)

    class _Sub(cst.CSTTransformer):
        def __init__(self) -> None:
            self.direct: set[int] = set()

        def visit_Arg(self, node: cst.Arg) -> None:
            if isinstance(node.value, cst.Name) and node.value.value.startswith(_ARG):
                self.direct.add(id(node.value))

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            if not original.value.startswith(_ARG):
                return updated
            value = values[original.value[len(_ARG):]]
            if id(original) not in self.direct and not isinstance(value, _ATOMIC) and not value.lpar:
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return value

    new = template.visit(_Sub())
    assert isinstance(new, cst.Call)
    new = new.with_changes(lpar=old.lpar, rpar=old.rpar)
    if not old.args or not new.args or not _multi_line(old):
        return new
    old_args = list(old.args)
    old_last = old_args[-1]
    if isinstance(old_last.comma, cst.Comma):
        trailing, close_ws = True, old_last.comma.whitespace_after
    else:
        trailing, close_ws = False, old_last.whitespace_after_arg
    arg_ws = old.whitespace_before_args
    if not isinstance(arg_ws, cst.ParenthesizedWhitespace) or not isinstance(close_ws, cst.ParenthesizedWhitespace):
        return new  # not one argument per line: the template's own layout (comments are checked by the caller)

    def plain(ws: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])

    between, ending = plain(arg_ws), plain(close_ws)
    origin = {id(a.value): a for a in old_args}
    args = []
    for i, arg in enumerate(new.args):
        last = i == len(new.args) - 1
        shape = ending if last else between
        src = origin.get(id(arg.value))
        ws = shape
        if src is not None and isinstance(src.comma, cst.Comma) and isinstance(src.comma.whitespace_after,
                                                                               cst.ParenthesizedWhitespace):
            ws = src.comma.whitespace_after.with_changes(indent=shape.indent, last_line=shape.last_line)
        if last and not trailing:
            args.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ws))
        else:
            args.append(arg.with_changes(comma=cst.Comma(whitespace_after=ws),
                                         whitespace_after_arg=cst.SimpleWhitespace("")))
    return new.with_changes(args=args, whitespace_before_args=arg_ws)


@dataclass(frozen=True)
class CallRewrite:
    """The rewrite of one call: ``new`` takes the place of ``call``, and needs ``imports``."""

    call: cst.Call
    new: cst.Call
    imports: list[Anchored]


def rewrite_call(ctx: FileContext, syntax: Syntax, v: Violation) -> CallRewrite | str:
    """The rewrite of the deprecated call ``v``, or why it is left for a person."""
    rule = ctx.rules[v.rule_id]
    if not rule.rewrites:
        return f"{rule.id} has no call template ([[rule.rewrite]])"
    call = _locate_call(syntax, v)
    if call is None:
        return "the call could not be located in the syntax tree (unusual call shape)"
    passed: dict[str, cst.BaseExpression] = {}
    for i, arg in enumerate(call.args):
        if arg.star:
            return f"call with {arg.star}-unpacking: the arguments are not known statically"
        if arg.keyword is not None:
            name = arg.keyword.value
        elif rule.parameters is not None and i < len(rule.parameters):
            name = rule.parameters[i]
        else:
            return "positional argument that the rule's parameters do not name"
        if name in passed:
            return f"argument {name!r} passed twice"
        passed[name] = arg.value
    rewrite = next((rw for rw in rule.rewrites if set(rw.arguments) == set(passed)), None)
    if rewrite is None:
        shown = ", ".join(sorted(passed)) or "no arguments"
        return f"no call template of {rule.id} takes exactly ({shown})"
    new = build_call(call, rewrite, passed, syntax.config)
    if comments(new) != comments(call):
        return "the call holds comments that the rewrite would move or duplicate"
    needs = needs_of(rewrite.imports)
    for need in needs:
        problem = conflict(ctx, need)
        if problem:
            return problem
    block, line = _anchor(ctx, syntax, v, call)
    return CallRewrite(call, new, [Anchored(need, block, line) for need in needs])


def _locate_call(syntax: Syntax, v: Violation) -> cst.Call | None:
    """The call whose callee is the name (or attribute chain) ``v`` found at its position."""
    for name in syntax.names.get((v.line, v.col), []):
        node: cst.CSTNode = name
        while True:
            parent = syntax.parents.get(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                node = parent
            else:
                break
        parent = syntax.parents.get(node)
        if dotted(node) == v.name and isinstance(parent, cst.Call) and parent.func is node:
            return parent
    return None


def _anchor(ctx: FileContext, syntax: Syntax, v: Violation,
            call: cst.Call) -> tuple[Block | None, StatementLine | None]:
    """Where a call's imports go: next to the import that bound its name, when that import's
    block is visible from the call; else (None, None), the top of the module.

    Detection's ``Violation.via`` does not answer this: it is None for a call of a bare name,
    and for ``alias.attr(...)`` it names the module ``attr`` is read from, not the statement
    (nor the block) that bound ``alias``. So the binding import is found among the file's
    import violations, by the name it binds and by where it stands.
    """
    root = v.name.split(".")[0]
    ancestors = list(syntax.ancestors(call))
    best: tuple[int, Block, StatementLine] | None = None
    for stmt in _binding_imports(ctx, syntax, v, root):
        line = syntax.line_of(stmt)
        block = syntax.block_of(line)
        if block is None or block not in ancestors:
            continue
        if not _visible(syntax, block, ancestors):
            continue
        depth = ancestors.index(block)
        if best is None or depth < best[0]:
            best = (depth, block, line)
    return (best[1], best[2]) if best else (None, None)


def _binding_imports(ctx: FileContext, syntax: Syntax, v: Violation, root: str) -> list[cst.Import | cst.ImportFrom]:
    """The import statements that may bind the name a call starts with: the flagged imports
    of that name, else the function-level imports whose bindings reach the call (``import six``
    in the function that calls ``six.text_type(x)``: no violation, but the call's imports
    belong next to it, lazy as it is)."""
    found = []
    for w in ctx.violations:
        if w.category not in ("deprecated-import", "deprecated-module") or w.name != root:
            continue
        if w.context == "type-checking":
            continue
        stmt = syntax.stmts.get((w.line, w.col))
        if stmt is not None:
            found.append(stmt)
    if found:
        return found
    made = binding_statements(ctx.facts.bindings, ctx.facts.imports)
    for u in ctx.facts.uses:
        if (u.line, u.col) != (v.line, v.col) or u.chain[0] != root:
            continue
        for i in u.reaching:
            imp = made.get(i)
            stmt = syntax.stmts.get((imp[0].line, imp[0].col)) if imp is not None else None
            # a module-level one: the top of the module's imports is the place already
            if stmt is not None and imp[0].context != "type-checking" and not ctx.facts.bindings[i].module_scope:
                found.append(stmt)
    return found


def _visible(syntax: Syntax, block: cst.CSTNode, call_ancestors: list[cst.CSTNode]) -> bool:
    """A class body's names are not visible in the functions and comprehensions inside it."""
    owner = block
    for node in [block, *syntax.ancestors(block)]:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Module, cst.Lambda)):
            owner = node
            break
    if not isinstance(owner, cst.ClassDef):
        return True
    for node in call_ancestors:
        if node is block:
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp,
                             cst.GeneratorExp)):
            return False
    return True
