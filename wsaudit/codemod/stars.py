"""Star imports that bring in something deprecated: expanded into the names the file uses.

``from pkg.factory import *`` cannot be migrated as it is (what it binds is not written
down), but it can be made explicit: ``from pkg.factory import build_manager, Helper``, the
names the file reads through the star (and those it re-exports: in its ``__all__``, or read
from it by another module). The next pass of the migration then treats that import like any
other. A star import is left for a person when the names cannot be known: the module it
names cannot be read, the file reads its namespace dynamically (``globals()``, ``eval``...),
another module star-imports this one, it is in a package's ``__init__`` without a literal
``__all__``, or nothing here uses what it brings (in those three cases whatever the star
brings is a re-export, which only a person can judge).
"""

from __future__ import annotations

import libcst as cst

from wsaudit.codemod.context import FileContext
from wsaudit.codemod.targets import ENV
from wsaudit.engine.modules import absolute_module

DYNAMIC = frozenset({"globals", "locals", "vars", "eval", "exec", "__import__", "__getattr__"})
_WIDTH = 99  # past it, the names go one per line in parentheses


def star_names(ctx: FileContext, level: int, source: str | None, base: str) -> list[str] | str:
    """The names ``from base import *`` must become, sorted, or why it cannot be expanded."""
    facts, tree = ctx.facts, ctx.tree
    stars = {i for i, b in enumerate(facts.bindings) if b.kind == "star" and b.target == (level, source or "")}
    if ctx.targets.module(base) == ENV:
        provided = ctx.tree.env.names(base)
        if provided is None:
            return f"star import of {base}, whose names cannot be read statically: import them by hand"
        provided = frozenset(n for n in provided if not n.startswith("_"))
    elif ctx.targets.module(base) is None:
        return f"star import of {base}, which exists neither in the tree nor on the interpreter's import paths"
    else:
        provided = tree.resolver.exported(base)
    dynamic = sorted({u.chain[0] for u in facts.uses if u.chain[0] in DYNAMIC and set(u.reaching) & stars})
    if dynamic:
        return (f"star import in a file that reads its names dynamically ({', '.join(dynamic)}): "
                "import the names it needs explicitly, then run migrate again")
    importer = _star_importer(ctx)
    if importer:
        return (f"star import in a module that {importer} star-imports (everything it brings is re-exported): "
                "import the names explicitly, then run migrate again")
    if ctx.source.is_package and facts.all_names is None:
        return ("star import in a package's __init__ without a literal __all__: it re-exports whatever it brings; "
                "list the names by hand")
    used = {u.chain[0] for u in facts.uses if set(u.reaching) & stars}
    exported = set(facts.all_names or ()) | {n for m, n in tree.importers if m == ctx.module}
    own = {n for n, indices in facts.namespace.items() if any(facts.bindings[i].kind != "star" for i in indices)}
    names = sorted(n for n in provided if n in used or (n in exported and n not in own))
    if not names:
        return ("star import whose names nothing here uses: it only re-exports them; remove it by hand if nothing "
                "outside the tree imports them from here")
    return names


def _star_importer(ctx: FileContext) -> str | None:
    """A module of the tree that does ``from <this module> import *``, if any."""
    for f in ctx.tree.files:
        facts = ctx.tree.facts.get(f.path)
        for imp in facts.imports if facts is not None else ():
            if imp.is_from and any(n == "*" for n, _ in imp.names) and \
                    absolute_module(f.module, f.is_package, imp.level, imp.module) == ctx.module:
                return f.module
    return None


def expanded(stmt: cst.ImportFrom, names: list[str]) -> cst.ImportFrom:
    """``stmt`` (a star import) naming ``names`` instead; one per line in parentheses when the
    line would be too long."""
    code = cst.Module([]).code_for_node(stmt.with_changes(names=[cst.ImportAlias(cst.Name(n)) for n in names]))
    aliases = [cst.ImportAlias(cst.Name(n), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
               for n in names]
    if len(code) + 2 * len(names) <= _WIDTH:
        aliases[-1] = aliases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return stmt.with_changes(names=aliases)
    indent = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True,
                                         last_line=cst.SimpleWhitespace("    "))
    closing = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), indent=True,
                                          last_line=cst.SimpleWhitespace(""))
    aliases = [a.with_changes(comma=cst.Comma(whitespace_after=indent if i < len(names) - 1 else closing))
               for i, a in enumerate(aliases)]
    return stmt.with_changes(names=aliases, lpar=cst.LeftParen(whitespace_after=indent), rpar=cst.RightParen())
