"""Where the imports a rewrite needs go, and how they are written.

A rewrite states what it needs (:class:`Need`) and where (:class:`Anchored`): next to the
import that bound the rewritten name, so that lazy, conditional and function-level imports
stay what they were, or at the top of the module. Placing them then skips a need the block
(or the module) already imports, merges it into a ``from`` import of the same module in
that block, or adds a line, spelled relative when its neighbour is a relative import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst

from wsaudit.codemod.context import FileContext
from wsaudit.codemod.edits import Edits
from wsaudit.codemod.syntax import Block, StatementLine, Syntax, bound_name, dotted
from wsaudit.engine.modules import absolute_module
from wsaudit.engine.resolve import as_resolved


@dataclass(frozen=True)
class Need:
    """An import a rewrite needs: ``from module import name as asname`` or ``import name``."""

    module: str | None
    name: str
    asname: str | None = None

    @property
    def bound(self) -> str:
        return self.asname or (self.name if self.module else self.name.split(".")[0])

    @property
    def target(self) -> str:
        """The dotted path the bound name denotes."""
        if self.module:
            return f"{self.module}.{self.name}"
        return self.name if self.asname else self.name.split(".")[0]


class Anchored(NamedTuple):
    """A need and where it goes: next to ``line`` in ``block``; (None, None) is the top of the module."""

    need: Need
    block: Block | None
    line: StatementLine | None


def needs_of(statements: Iterable[str]) -> list[Need]:
    """The needs of import statements (a call template's ``imports``).

    >>> needs_of(["from a.b import C as D"])
    [Need(module='a.b', name='C', asname='D')]
    >>> [(n.bound, n.target) for n in needs_of(["import os.path", "import x.y as z"])]
    [('os', 'os'), ('z', 'x.y')]
    """
    out = []
    for statement in statements:
        node = ast.parse(statement).body[0]
        if isinstance(node, ast.ImportFrom):
            out += [Need(node.module, a.name, a.asname) for a in node.names]
        else:
            assert isinstance(node, ast.Import), statement  # the configuration checks each is an import
            out += [Need(None, a.name, a.asname) for a in node.names]
    return out


def relative_from(current_package: str, module: str) -> str:
    """How ``current_package`` spells ``module`` in a relative ``from`` import, or the
    absolute name when they share no top-level package.

    >>> relative_from("a.app.services", "a.app.core.manager")
    '..core.manager'
    >>> relative_from("a.app.core", "a.app.core.manager")
    '.manager'
    >>> relative_from("b", "a.x")
    'a.x'
    """
    here, there = current_package.split("."), module.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return module
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def conflict(ctx: FileContext, need: Need) -> str | None:
    """Why importing ``need`` here would clash with another binding of its name, or None."""
    expected = ctx.tree.resolver.resolve(need.target)
    for index, b in enumerate(ctx.facts.bindings):
        if b.name != need.bound:
            continue
        got = as_resolved(ctx.tree.resolver.binding(ctx.module, ctx.facts, index, b.name))
        if got != expected:
            return f"the name {need.bound!r} is already bound to something else in this file"
    return None


def place_imports(ctx: FileContext, syntax: Syntax, edits: Edits, pending: list[Anchored]) -> list[Need]:
    """Add each pending import to ``edits`` once; the needs actually imported, in order."""
    return _Placer(ctx, syntax, edits).place(pending)


def _alias(need: Need) -> cst.ImportAlias:
    return cst.ImportAlias(name=cst.Name(need.name),
                           asname=cst.AsName(name=cst.Name(need.asname)) if need.asname else None)


def _add_aliases(stmt: cst.ImportFrom, new: list[cst.ImportAlias]) -> cst.ImportFrom:
    """``stmt`` with the aliases ``new`` appended in its own layout (one per line or inline)."""
    assert not isinstance(stmt.names, cst.ImportStar), "nothing is merged into a star import"
    names = list(stmt.names)
    last = names[-1]
    if stmt.lpar is not None and isinstance(last.comma, cst.Comma):  # one name per line, trailing comma
        sep = names[0].comma if len(names) > 1 else last.comma.with_changes(
            whitespace_after=stmt.lpar.whitespace_after)
        names[-1] = last.with_changes(comma=sep)
        for i, alias in enumerate(new):
            names.append(alias.with_changes(comma=sep if i < len(new) - 1 else last.comma))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for i, alias in enumerate(new):
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(new) - 1 else cst.MaybeSentinel.DEFAULT
            names.append(alias.with_changes(comma=comma))
    return stmt.with_changes(names=names)


class _Placer:
    """Places one file's pending imports into its edit set."""

    def __init__(self, ctx: FileContext, syntax: Syntax, edits: Edits):
        self.ctx, self.syntax, self.edits = ctx, syntax, edits
        self.module = syntax.module
        self.by_id: dict[int, cst.ImportFrom] = {}  # the ``from`` imports merged into, by id
        self.placed_top: set[tuple[str, str]] = set()  # (bound, target) now imported at module level

    def place(self, pending: list[Anchored]) -> list[Need]:
        """Add each pending import once: skip it when the block (or the module) already has it,
        merge it into a ``from`` import of the same module in that block, else add a line."""
        module_body = self.module
        placed: list[Need] = []
        groups: dict[tuple[int, int], list[Need]] = {}
        anchors: dict[tuple[int, int], tuple[Block, StatementLine | None]] = {}
        for need, block, line in pending:
            block = block if block is not None else module_body
            key = (id(block), id(line) if line is not None else 0)
            anchors[key] = (block, line)
            if need not in groups.setdefault(key, []):
                groups[key].append(need)
        done: set[tuple[int, Need]] = set()
        merged: dict[int, list[cst.ImportAlias]] = {}
        for key in sorted(groups, key=lambda k: anchors[k][0] is not module_body):  # module level first
            needs = groups[key]
            block, line = anchors[key]
            lines: list[str] = []
            # spelled like its neighbour; a file outside the graph has no package to be relative to
            relative = line is not None and any(isinstance(s, cst.ImportFrom) and s.relative for s in line.body) \
                and self.ctx.outside_graph is None
            from_groups: dict[str | None, list[Need]] = {}
            for need in needs:
                if (id(block), need) in done:
                    continue
                done.add((id(block), need))
                if self._already_bound(block, need):
                    continue
                placed.append(need)
                if block is module_body:
                    self.placed_top.add((need.bound, need.target))
                if need.module is not None:
                    target = self._merge_target(block, need.module)
                    if target is not None:
                        merged.setdefault(id(target), []).append(_alias(need))
                        continue
                from_groups.setdefault(need.module, []).append(need)
            for module, group in from_groups.items():
                if module is None:
                    lines += [f"import {n.name}" + (f" as {n.asname}" if n.asname else "") for n in group]
                else:
                    spelled = relative_from(self.ctx.package, module) if relative else module
                    names = ", ".join(n.name + (f" as {n.asname}" if n.asname else "") for n in group)
                    lines.append(f"from {spelled} import {names}")
            statements = [cst.parse_statement(code + self.module.default_newline, self.syntax.config)
                          for code in lines]
            if not statements:
                continue
            if line is None:
                self.edits.top += statements
                self.edits.top_anchor = self._top_anchor()
            else:
                self.edits.after.setdefault(id(line), []).extend(statements)
        for target_id, aliases in merged.items():
            node = self.by_id[target_id]
            current = self.edits.replace.get(target_id, node)
            assert isinstance(current, cst.ImportFrom), current  # an import edit keeps a from import one
            self.edits.replace[target_id] = _add_aliases(current, aliases)
        return placed

    def _emptied(self, block: Block) -> bool:
        """Whether the edits remove every statement of a nested block."""
        return isinstance(block, cst.IndentedBlock) and all(
            isinstance(line, cst.SimpleStatementLine) and all(id(s) in self.edits.remove for s in line.body)
            for line in block.body)

    def _existing(self, block: Block) -> list[tuple[cst.SimpleStatementLine, cst.Import | cst.ImportFrom]]:
        """(line, small statement) of the imports directly in ``block``."""
        out = []
        for line in block.body:
            if isinstance(line, cst.SimpleStatementLine):
                out += [(line, s) for s in line.body if isinstance(s, (cst.Import, cst.ImportFrom))]
        return out

    def _binds(self, small: cst.CSTNode) -> set[tuple[str, str]]:
        """(bound name, dotted target) pairs of an import statement, relative imports resolved."""
        out = set()
        if isinstance(small, cst.Import):
            for a in small.names:
                name = dotted(a.name) or ""
                # ``import a.b as c`` binds c to a.b; ``import a.b`` binds a to a
                out.add((bound_name(a), name if a.asname is not None else bound_name(a)))
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            base = self._from_base(small)
            for a in small.names:
                name = dotted(a.name) or ""
                out.add((bound_name(a), f"{base}.{name}"))
        return out

    def _from_base(self, small: cst.ImportFrom) -> str | None:
        source = dotted(small.module) if small.module is not None else None
        return absolute_module(self.ctx.module, self.ctx.source.is_package, len(small.relative), source)

    def _already_bound(self, block: Block, need: Need) -> bool:
        pair = (need.bound, need.target)
        if block is not self.module and pair in self.placed_top and not self._emptied(block):
            return True
        blocks = [block] if block is self.module or self._emptied(block) else [block, self.module]
        for b in blocks:
            for _, small in self._existing(b):
                if id(small) in self.edits.remove:
                    continue
                if pair in self._binds(self.edits.replace.get(id(small), small)):
                    return True
        return False

    def _merge_target(self, block: Block, module: str) -> cst.ImportFrom | None:
        outside = self.ctx.outside_graph is not None
        for _, small in self._existing(block):
            if outside and isinstance(small, cst.ImportFrom) and small.relative:
                continue  # never extend a relative import that has no package
            if (isinstance(small, cst.ImportFrom) and id(small) not in self.edits.remove
                    and not isinstance(small.names, cst.ImportStar) and self._from_base(small) == module):
                self.by_id[id(small)] = small
                return small
        return None

    def _top_anchor(self) -> int | None:
        """The last import line of the module's leading block of docstring and imports."""
        anchor = None
        for i, line in enumerate(self.module.body):
            if not isinstance(line, cst.SimpleStatementLine):
                break
            if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body):
                if id(line.body[0]) in self.edits.remove and len(line.body) == 1:
                    continue
                anchor = id(line)
            elif i == 0 and isinstance(line.body[0], cst.Expr) and isinstance(line.body[0].value,
                                                                              (cst.SimpleString, cst.ConcatenatedString)):
                anchor = id(line)
            else:
                break
        return anchor
