"""Imports that the call rewrites of a pass leave unused: they go with the last use.

``import six`` then ``six.text_type(x)``, rewritten to ``str(x)``: the import statement is no
violation (the deprecated thing is ``six.text_type``, not ``six``), yet nothing uses it any
more, and a linter would flag it ("imported but unused"). An import binding that a rewritten
call reached goes (the alias, or the whole statement when it is the last alias) when nothing
else in the file could still need it:

- no other use of the name is left (read, deleted, declared ``global``, in a string that
  could be an annotation or a ``mock.patch`` target), and the file does not read its
  namespace dynamically (``globals()``, ``eval``...);
- it is no re-export: a module-level import listed in ``__all__``, written
  ``from x import y as y`` (the explicit re-export form), in a package's ``__init__``, or read
  from this module by another module of the tree;
- it is no rebinding of a name the scope binds otherwise (``try: import x`` /
  ``except ImportError: x = None``).

Anything kept is not a violation, so nothing is listed for a person: the import simply stays.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from wsaudit.codemod.bindings import scope_bindings
from wsaudit.codemod.context import FileContext
from wsaudit.codemod.stars import DYNAMIC
from wsaudit.codemod.syntax import Syntax, bound_name
from wsaudit.model import Binding, ImportStmt

# a string that could name the binding in code: a dotted name, a subscripted or union annotation
_CODE_LIKE = re.compile(r"[\w.\[\], |]+")


@dataclass(frozen=True)
class Orphan:
    """One alias of an import statement that goes: ``stmt`` (a libcst node) and its ``index``."""

    stmt: cst.Import | cst.ImportFrom
    index: int


def _aliases(imports: tuple[ImportStmt, ...]) -> Iterator[tuple[ImportStmt, int, str, str, object]]:
    """``(statement, alias index, bound name, kind, target)`` of every non-star import alias, in
    the order the parser records bindings (the order of the statements)."""
    for imp in imports:
        for index, (name, asname) in enumerate(imp.names):
            if name == "*":
                continue
            if imp.is_from:
                yield imp, index, asname or name, "from", (imp.level, imp.module or "", name)
            else:
                yield imp, index, asname or name.split(".")[0], "module", name if asname else name.split(".")[0]


def binding_statements(bindings: tuple[Binding, ...], imports: tuple[ImportStmt, ...]) -> dict[int, tuple[ImportStmt, int]]:
    """Binding index to the import statement and alias that made it; empty when the two lists
    do not line up one to one (then nothing is removed: a guess is never made)."""
    made = [i for i, b in enumerate(bindings) if b.kind in ("module", "from")]
    aliases = list(_aliases(imports))
    if len(made) != len(aliases):
        return {}
    out = {}
    for i, (imp, index, name, kind, target) in zip(made, aliases):
        b = bindings[i]
        if (b.name, b.kind, b.target) != (name, kind, target):
            return {}
        out[i] = (imp, index)
    return out


class _Reads(ast.NodeVisitor):
    """Where each name is read, deleted or declared ``global``/``nonlocal``, and the strings
    that could name something in code (not docstrings)."""

    def __init__(self) -> None:
        self.names: dict[str, set[tuple[int, int]]] = {}
        self.declared: set[str] = set()
        self.strings: list[str] = []
        self.docstrings: set[int] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Store):
            self.names.setdefault(node.id, set()).add((node.lineno, node.col_offset))

    def visit_Global(self, node: ast.Global) -> None:
        self.declared.update(node.names)

    visit_Nonlocal = visit_Global

    def generic_visit(self, node: ast.AST) -> None:
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant):
            self.docstrings.add(id(body[0].value))
        super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and id(node) not in self.docstrings and _CODE_LIKE.fullmatch(node.value):
            self.strings.append(node.value)


def _reads(text: str) -> _Reads:
    reads = _Reads()
    reads.visit(ast.parse(text))
    return reads


class _Finder:
    """Decides, for one file and pass, which imports the rewritten calls orphaned."""

    def __init__(self, ctx: FileContext, syntax: Syntax, rewritten: set[tuple[int, int]], handled: set[int]):
        self.ctx, self.syntax, self.rewritten, self.handled = ctx, syntax, rewritten, handled
        self.facts = ctx.facts
        self._text_reads: _Reads | None = None

    @property
    def reads(self) -> _Reads:
        if self._text_reads is None:
            self._text_reads = _reads(self.ctx.text)
        return self._text_reads

    def still_needed(self, name: str, b: Binding, imp: ImportStmt, index: int) -> bool:
        """Whether anything but the rewritten calls may still need the binding ``b`` of ``name``."""
        facts = self.facts
        if any(u.chain[0] == name and (u.line, u.col) not in self.rewritten for u in facts.uses):
            return True  # a use left, whichever binding it reaches (``import a.b`` also binds ``a``)
        if any(u.chain[0] in DYNAMIC for u in facts.uses):
            return True  # the file reads its namespace by name: any binding may be read
        reads = self.reads
        # the parser's uses are loads of chains; a ``del``, a name read elsewhere (in a decorator,
        # a default, a comprehension...) or declared global counts too
        if name in reads.declared or any(p not in self.rewritten for p in reads.names.get(name, ())):
            return True
        word = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
        if any(word.search(s) for s in reads.strings):
            return True  # a string annotation or a target naming it: pyflakes counts it as a use
        return self._exported(name, b, imp, index) or self._rebinding(name, imp)

    def _exported(self, name: str, b: Binding, imp: ImportStmt, index: int) -> bool:
        """Whether a module-level import of ``name`` is a re-export."""
        if not b.module_scope:
            return False
        ctx = self.ctx
        asname = imp.names[index][1]
        return (ctx.source.is_package
                or (ctx.facts.all_names is not None and name in ctx.facts.all_names)
                or asname == imp.names[index][0]
                or (ctx.module, name) in ctx.tree.importers
                or (ctx.module, name) in ctx.tree.initial_importers
                or any(r.symbol == f"{ctx.module}.{name}" for r in ctx.rules.values()))

    def _rebinding(self, name: str, imp: ImportStmt) -> bool:
        """Whether the statement's scope binds ``name`` otherwise too (any scope, to be safe)."""
        for (_, bound), entries in scope_bindings(self.ctx.text).items():
            if bound == name and any(line != imp.line for line, _, _ in entries):
                return True
        return False

    def find(self) -> list[Orphan]:
        facts = self.facts
        reached = {i for u in facts.uses if (u.line, u.col) in self.rewritten for i in u.reaching
                   if facts.bindings[i].kind in ("module", "from")}
        if not reached:
            return []
        made = binding_statements(facts.bindings, facts.imports)
        out = []
        for i in sorted(reached):
            if i not in made:
                continue
            imp, index = made[i]
            if imp.level and self.ctx.outside_graph:
                continue  # a relative import with no package: left as it is
            b = facts.bindings[i]
            stmt = self.syntax.stmts.get((imp.line, imp.col))
            if stmt is None or id(stmt) in self.handled or isinstance(stmt.names, cst.ImportStar):
                continue
            if bound_name(stmt.names[index]) != b.name or self.syntax.block_of(self.syntax.line_of(stmt)) is None:
                continue  # not the statement the facts describe, or ``if x: import y`` (kept as it is)
            if not self.still_needed(b.name, b, imp, index):
                out.append(Orphan(stmt, index))
        return out


def orphaned_imports(ctx: FileContext, syntax: Syntax, rewritten: set[tuple[int, int]],
                     handled: set[int]) -> dict[int, tuple[cst.Import | cst.ImportFrom, set[int]]]:
    """The import aliases that the call rewrites at the positions ``rewritten`` leave unused,
    by statement: ``id(stmt) -> (stmt, indices of the aliases that go)``. ``handled`` holds the
    ids of the statements another part already edits (the flagged imports)."""
    out: dict[int, tuple[cst.Import | cst.ImportFrom, set[int]]] = {}
    for orphan in _Finder(ctx, syntax, rewritten, handled).find():
        out.setdefault(id(orphan.stmt), (orphan.stmt, set()))[1].add(orphan.index)
    return out
