"""What a rule's ``symbol`` and its call templates (``[[rule.rewrite]]``) may be: pure checks.

Each function returns the problems it finds, in words a user can act on; the validation of
the configuration reports them with the file and key.
"""

from __future__ import annotations

import ast
import builtins
import string


def symbol_problem(symbol: str) -> str | None:
    """What is wrong with a rule's ``symbol``: a dotted path whose segments are names, or ``*``
    (one segment) and ``**`` (any number); the last segment, the name, is always written out.

    >>> symbol_problem("pkg.ws.**.create_manager") is None
    True
    >>> symbol_problem("pkg.ws.create_*")
    "'pkg.ws.create_*': each segment is a name, '*' (one segment) or '**' (any number), e.g. 'pkg.**.create_manager'"
    >>> symbol_problem("pkg.**")
    "'pkg.**': the last segment must be the symbol's name, e.g. 'pkg.**.create_manager'"
    """
    parts = symbol.split(".")
    example = "e.g. 'pkg.**.create_manager'"
    if not all(p.isidentifier() or p in ("*", "**") for p in parts):
        return f"{symbol!r}: each segment is a name, '*' (one segment) or '**' (any number), {example}"
    if len(parts) < 2:
        return f"{symbol!r} must name the module too, e.g. 'pkg.mod.{symbol}'"
    if not parts[-1].isidentifier():
        return f"{symbol!r}: the last segment must be the symbol's name, {example}"
    return None


def import_statement_names(statement: str) -> tuple[list[str], str | None]:
    """The names one absolute import statement binds, or a problem.

    >>> import_statement_names("from a.b import C, D as E")
    (['C', 'E'], None)
    >>> import_statement_names("from . import x")[1]
    "'from . import x' must be absolute (relative imports are written by migrate where needed)"
    """
    try:
        tree = ast.parse(statement)
    except SyntaxError:
        return [], f"{statement!r} is not a Python import statement"
    if len(tree.body) != 1 or not isinstance(tree.body[0], (ast.Import, ast.ImportFrom)):
        return [], f"{statement!r} must be exactly one import statement"
    node = tree.body[0]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return [], f"{statement!r} must be absolute (relative imports are written by migrate where needed)"
        if any(a.name == "*" for a in node.names):
            return [], f"{statement!r}: a star import binds no known names"
        return [a.asname or a.name for a in node.names], None
    return [a.asname or a.name.split(".")[0] for a in node.names], None


def template_fields(call: str) -> list[str]:
    """The ``{name}`` placeholders of a call template, in order (``{{``/``}}`` are literal braces).

    >>> template_fields("M(user_context={user_context}, d={{}})")
    ['user_context']
    """
    return [name for _, name, _, _ in string.Formatter().parse(call) if name is not None]


def template_problems(call: str, arguments: tuple[str, ...], bound: set[str]) -> list[str]:
    """What is wrong with a call template: syntax, unknown or unused placeholders, unbound names."""
    hint = "use {name} for an argument, {{ and }} for literal braces"
    try:
        fields = template_fields(call)
        parsed = [(name, conv, spec) for _, name, spec, conv in string.Formatter().parse(call) if name is not None]
        if not all(name.isidentifier() and not conv and not spec for name, conv, spec in parsed):
            return [f"bad placeholder in {call!r}: {hint}"]
        code = call.format(**{name: f"__wsaudit_arg_{name}" for name in {*fields, *arguments}})
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        return [f"bad placeholder in {call!r} ({exc}): {hint}"]
    problems = [f"placeholder {{{name}}} is not in arguments" for name in fields if name not in arguments]
    problems += [f"argument {name!r} is not used by the template: its value would be dropped"
                 for name in arguments if name not in fields]
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        return problems + [f"{call!r} is not a Python expression"]
    if not isinstance(tree.body, ast.Call):
        problems.append(f"{call!r} must be a call, like 'NewClass(x={{x}})'")
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not n.id.startswith("__wsaudit_arg_")}
    for name in sorted(names - bound - set(dir(builtins))):
        problems.append(f"name {name!r} is not bound by the template's imports")
    return problems
