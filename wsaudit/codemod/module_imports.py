"""The decisions for import statements the audit flagged: an import of the deprecated symbol,
of a deprecated module, or from a deprecated module.

- ``from M import old as x`` becomes an import of the replacement (placed by
  :mod:`wsaudit.codemod.placement`, merged into an existing ``from R import ...`` of the same
  block); the old name goes once nothing in the file uses it and nothing else imports it
  from here;
- an import of a deprecated module goes when nothing uses it any more, or points at the
  replacement module when every remaining use (``alias.attr``) exists there.

A star import is expanded into the names the file uses (:mod:`wsaudit.codemod.stars`), for the
next pass to migrate. Anything else (re-exports, names still used as values) is left for a
person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import libcst as cst

from wsaudit.codemod.bindings import IMPORT, scope_bindings
from wsaudit.codemod.context import FileContext, unmapped
from wsaudit.codemod.exports import all_list
from wsaudit.codemod.placement import Anchored, Need, conflict
from wsaudit.codemod.stars import expanded, star_names
from wsaudit.codemod.syntax import Syntax, alone, bound_name, dotted
from wsaudit.engine.modules import absolute_module
from wsaudit.engine.resolve import in_tree
from wsaudit.model import Rule, Violation


@dataclass(frozen=True)
class ImportEdit:
    """The rewrite of one import statement.

    Attributes
    ----------
    stmt : cst.CSTNode
        The original statement.
    replacement : cst.CSTNode or None
        The statement with the aliases that stay; None: the statement goes.
    imports : list of Anchored
        The imports of the replacement it needs, next to where it stood.
    claims : bool
        Whether the edit fixes the violations of the statement (a star import made explicit
        does not: the next pass migrates the explicit import).
    unexport : frozenset of str
        Names to take out of ``__all__``: re-exports that go (every reader was migrated).
    renames : dict
        Uses written through a deprecated module's full path (``a.b.x`` after ``import a.b``):
        ``id`` of the ``a.b`` node to the replacement module's path.
    """

    stmt: cst.CSTNode
    replacement: cst.CSTNode | None
    imports: list[Anchored]
    claims: bool = True
    unexport: frozenset[str] = frozenset()  # names that leave the module's __all__ with the binding
    renames: dict[int, cst.CSTNode] = field(default_factory=dict)  # id of a path (``a.b`` of ``a.b.x``) -> new path


def rewrite_import(ctx: FileContext, syntax: Syntax, group: list[Violation],
                   rewritten: set[tuple[int, int]]) -> ImportEdit | str:
    """The rewrite of the import statement the violations ``group`` (one position) found, or
    why it is left for a person; ``rewritten`` holds the positions of the uses that this
    pass's call rewrites replace (they no longer need the old binding)."""
    first = group[0]
    stmt = syntax.stmts.get((first.line, first.col))
    if stmt is None:
        return "the import could not be located in the syntax tree"
    decide = _Imports(ctx, syntax, rewritten, first.line)
    if isinstance(stmt, cst.ImportFrom):
        return decide.import_from(stmt)
    return decide.import_(stmt)


def with_aliases(stmt, keep: list[cst.ImportAlias]):
    """``stmt`` with only the aliases ``keep``, the last one's comma fixed."""
    last_original = stmt.names[-1]
    trailing = isinstance(last_original.comma, cst.Comma) and stmt.__class__ is cst.ImportFrom and stmt.lpar
    keep = list(keep)
    keep[-1] = keep[-1].with_changes(comma=last_original.comma if trailing else cst.MaybeSentinel.DEFAULT)
    return stmt.with_changes(names=keep)


def _explicit_reexport(stmt: cst.CSTNode, name: str) -> bool:
    """Whether ``stmt`` binds ``name`` as ``from m import name as name`` (or ``import name as
    name``): the form that type checkers and linters read as a deliberate re-export."""
    aliases = getattr(stmt, "names", ())
    return not isinstance(aliases, cst.ImportStar) and any(
        a.asname is not None and a.evaluated_alias == name and (dotted(a.name) or "") == name for a in aliases)


class _Unused(NamedTuple):
    """A deprecated module imported by name and no longer used: the name is dropped, unless
    dropping it would empty its block; then ``need`` (the replacement module) is imported instead."""

    need: Need


class _Imports:
    """Decides the import statements of one file for one pass."""

    def __init__(self, ctx: FileContext, syntax: Syntax, rewritten: set[tuple[int, int]], line: int):
        self.ctx, self.syntax, self.rewritten, self.line = ctx, syntax, rewritten, line
        self.targets = ctx.targets
        self.unexport: set[str] = set()  # names to take out of __all__ with this statement's edit
        self.renames: dict[int, cst.CSTNode] = {}  # full-path uses of a re-pointed ``import a.b``

    def _rebinding(self, name: str, stmt: cst.CSTNode) -> str | None:
        """Why the import binding ``name`` on this line may not go: it rebinds a public module
        attribute that is bound otherwise too (``class C`` then ``if cond: from m import C``),
        so removing it changes which object other code gets."""
        if name.startswith("_") or not self._module_scope(stmt):
            return None
        entries = scope_bindings(self.ctx.text).get(("", name), [])
        mine = {t for line, k, t in entries if line == self.line and k == IMPORT}
        if not mine or all(k == IMPORT and t in mine for _, k, t in entries):
            return None  # bound nowhere else, or only to the same thing (``import a.b``, ``import a.c``)
        others = ", ".join(str(line) for line, _, _ in entries if line != self.line)
        return (f"{name!r} is a rebinding (also bound at line {others}): removing this import changes which "
                "object the module's public name is; rewrite it by hand")

    def _new_module_problem(self, new_module: str, stmt: cst.CSTNode | None = None) -> str | None:
        """Why importing module ``new_module`` here would be wrong: it does not exist, it is
        this very file, or (for the statement ``stmt`` when it runs at load time) it imports this
        file back while it runs."""
        if new_module == self.ctx.module:
            return f"the replacement {new_module} is this file itself: the import would be a self-import"
        if not self.targets.is_module(new_module):
            return f"the replacement module {new_module} exists neither in the tree nor on the interpreter's import paths"
        if stmt is not None and self._module_scope(stmt):
            cycle = self.targets.new_cycle(self.ctx.module, new_module, self.ctx.facts)
            if cycle:
                return f"importing {new_module} here would close an import cycle ({cycle}): rewrite it by hand"
        return None

    def _uses(self, name: str, kind: str, target: object) -> list:
        """The uses of ``name`` that the binding ``(kind, target)`` of it reaches."""
        indices = {i for i, b in enumerate(self.ctx.facts.bindings) if b.name == name and b.kind == kind and b.target == target}
        return [u for u in self.ctx.facts.uses if u.chain[0] == name and indices & set(u.reaching)]

    def _remaining(self, name: str, kind: str, target: object) -> list:
        """Those uses that no call rewrite of this pass replaced."""
        return [u for u in self._uses(name, kind, target) if (u.line, u.col) not in self.rewritten]

    def _module_scope(self, stmt: cst.CSTNode) -> bool:
        return not any(isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) for n in self.syntax.ancestors(stmt))

    def _exported(self, name: str, stmt: cst.CSTNode) -> str | None:
        """Why dropping the module-level binding ``name`` would break other code, or None. A
        name listed in ``__all__`` that modules of the tree read from here before the run and
        no longer do (every one of them migrated) goes, and leaves ``__all__`` with it."""
        if not self._module_scope(stmt):
            return None
        key = (self.ctx.module, name)
        named = next((r for r in self.ctx.rules.values() if r.symbol == f"{self.ctx.module}.{name}"), None)
        if named is not None:  # detection finds the deprecated object through this very path
            return (f"{self.ctx.module}.{name} is the path {named.id} names: it goes in the last wave, with the "
                    "shim (or point the rule at the definition first)")
        listed = self.ctx.facts.all_names is not None and name in self.ctx.facts.all_names
        if key in self.ctx.tree.importers:
            return (f"re-exported: {'listed in __all__, and ' if listed else ''}other code reads {name!r} from "
                    f"{self.ctx.module} (migrate those uses first, then run migrate again)")
        if _explicit_reexport(stmt, name):
            return (f"re-exported: 'import ... as {name}' is the explicit re-export form; remove it by hand once "
                    "nothing outside the tree imports it from here")
        if self.ctx.source.is_package and not listed and key not in self.ctx.tree.initial_importers:
            return (f"re-exported: a package's __init__ imports {name!r} and nothing in the tree reads it from here "
                    "(code outside the tree may): remove it by hand once it is unused")
        if listed:
            if key not in self.ctx.tree.initial_importers:
                return (f"re-exported: {name!r} is listed in __all__ and nothing in the tree imports it from here "
                        "(code outside the tree may): remove it by hand once it is unused")
            editable = all_list(self.syntax.module)
            if isinstance(editable, str):
                return f"re-exported: {name!r} is listed in __all__, and {editable}: remove it by hand"
            self.unexport.add(name)
        return None

    def _symbol_rule(self, path: str) -> Rule | None:
        """The symbol rule whose deprecated definition ``path`` resolves to, or whose pattern the
        written ``path`` matches while it resolves to nothing (a deleted module), if any."""
        objects = self.ctx.tree.resolver.resolve(path)
        for rule in self.ctx.rules.values():
            if rule.symbol is not None and objects & self.ctx.tree.targets.get(rule.id, frozenset()):
                return rule
        for rule in self.ctx.rules.values():
            if rule.symbol is not None and not in_tree(objects) and rule.matches(path):
                return rule
        return None

    def _module_rule(self, module: str) -> Rule | None:
        """The module rule that covers ``module``, if any."""
        return next((r for r in self.ctx.rules.values() if r.covers_module(module)), None)

    def _replaced_module(self, module: str, rule: Rule) -> str:
        """``module`` (covered by ``rule``, which has a replacement) with the rule's module replaced."""
        assert rule.module is not None and rule.replacement is not None and not rule.is_pattern, rule.id
        return rule.replacement + module[len(rule.module):]

    def _attrs_exist(self, uses: list, module: str) -> str | None:
        """Why ``uses`` of a module alias would break if it named ``module`` instead, or None."""
        for u in uses:
            if len(u.chain) < 2:
                return f"line {u.line}: the module object itself is used"
            problem = self.targets.attribute_problem(module, u.chain[1:])
            if problem:
                return f"line {u.line}: {problem}"
        return None

    def _names_module(self, full: str, rule: Rule) -> bool:
        """Whether ``from M import x`` (``full`` is ``M.x``, inside a deprecated module) imports
        a module rather than a name: so it is where the old module is found (tree or
        environment), else where the replacement would be."""
        base = full.rpartition(".")[0]
        if self.targets.is_module(base):
            return self.targets.is_module(full)
        return self.targets.is_module(self._replaced_module(full, rule))

    def import_from(self, stmt: cst.ImportFrom) -> ImportEdit | str:
        """``from M import a, b as c``: each name kept, re-pointed at the replacement, or dropped."""
        source = dotted(stmt.module) if stmt.module is not None else None
        level = len(stmt.relative)
        if level and self.ctx.outside_graph:
            return (f"relative import in a file outside the import graph ({self.ctx.outside_graph}): it has no "
                    "package to resolve it from; rewrite it by hand")
        base = absolute_module(self.ctx.module, self.ctx.source.is_package, level, source)
        if base is None:
            return "relative import above the top-level package"
        if isinstance(stmt.names, cst.ImportStar):
            return self._star_import(stmt, level, source, base)
        base_rule = self._module_rule(base)
        if base_rule is not None and unmapped(base_rule):
            return unmapped(base_rule)
        keep: list[cst.ImportAlias] = []
        needs: list[Need] = []
        fallback: Need | None = None  # an unused deprecated module, re-pointed when it is alone in a block
        for alias in stmt.names:
            target = (level, source or "", dotted(alias.name) or "")  # the name's ``from`` binding
            decided = self._from_name(stmt, alias, target, base, base_rule)
            if isinstance(decided, str):
                return decided
            if decided is None:
                keep.append(alias)
            elif isinstance(decided, _Unused):
                fallback = fallback or decided.need
            else:
                needs.append(decided)
        return self._from_edit(stmt, keep, needs, fallback)

    def _star_import(self, stmt: cst.ImportFrom, level: int, source: str | None, base: str) -> ImportEdit | str:
        """``from M import *`` made explicit: the next pass migrates it like any import (so
        nothing is claimed yet)."""
        names = star_names(self.ctx, level, source, base)
        if isinstance(names, str):
            return names
        if self.syntax.block_of(self.syntax.line_of(stmt)) is None:
            return "import on a line with other statements (``x; import y``): split it first"
        return ImportEdit(stmt, expanded(stmt, names), [], claims=False)

    def _from_name(self, stmt: cst.ImportFrom, alias: cst.ImportAlias, target: tuple[int, str, str], base: str,
                   base_rule: Rule | None) -> Need | _Unused | str | None:
        """What becomes of one name of ``from base import ...`` (``target`` is its ``from``
        binding's): the import that replaces it, dropped when unused (:class:`_Unused`), why it
        is left for a person, or None when nothing deprecated is imported (it stays)."""
        name = target[2]
        full = f"{base}.{name}"
        sym = self._symbol_rule(full)
        mod = self._module_rule(full)
        if mod is not None and not unmapped(mod) and not self._names_module(full, mod):
            mod = None  # ``from deprecated.module import name``: a name, re-pointed below
        if sym is not None:
            return self._symbol_import(stmt, bound_name(alias), target, sym)
        if mod is not None:
            return self._submodule_import(stmt, bound_name(alias), target, full, mod)
        if base_rule is not None:
            return self._moved_name_import(stmt, alias, name, base, base_rule)
        return None

    def _symbol_import(self, stmt: cst.ImportFrom, bound: str, target: tuple[int, str, str],
                       sym: Rule) -> Need | _Unused | str:
        """``from M import old``: an import of the replacement, once nothing uses ``old`` as a value
        (none for a builtin: the import goes)."""
        if not sym.replacement:
            return f"{sym.id} has no replacement"
        left = self._remaining(bound, "from", target)
        if left:
            lines = ", ".join(str(u.line) for u in left[:5])
            return f"{bound!r} is still used as a value here (line {lines}): rewrite those uses by hand"
        why = self._exported(bound, stmt) or self._rebinding(bound, stmt)
        if why:
            return why
        module, _, attr = sym.replacement.rpartition(".")
        if module == "builtins":  # a builtin needs no import: the old one just goes
            return _Unused(Need(module, attr))
        return Need(module, attr)

    def _submodule_import(self, stmt: cst.ImportFrom, bound: str, target: tuple[int, str, str], full: str,
                          mod: Rule) -> Need | _Unused | str:
        """``from M import module`` of a deprecated module ``full``: the replacement module when
        the name is still used (and every use exists there), else dropped."""
        if unmapped(mod):
            return unmapped(mod)
        left = self._remaining(bound, "from", target)
        if left:
            new_module = self._replaced_module(full, mod)
            problem = self._new_module_problem(new_module, stmt) or self._attrs_exist(left, new_module)
            if problem:
                return f"module {bound!r} is still used ({problem})"
            parent, _, last = new_module.rpartition(".")
            return Need(parent, last, None if last == bound else bound)
        why = self._exported(bound, stmt) or self._rebinding(bound, stmt)
        if why:
            return why
        parent, _, last = self._replaced_module(full, mod).rpartition(".")
        return _Unused(Need(parent, last))

    def _moved_name_import(self, stmt: cst.ImportFrom, alias: cst.ImportAlias, name: str, base: str,
                           base_rule: Rule) -> Need | str:
        """``from M import name`` where ``M`` is a deprecated module: ``name`` imported from the
        replacement module, when it exists there."""
        new_module = self._replaced_module(base, base_rule)
        full_new = f"{new_module}.{name}"
        problem = self._new_module_problem(new_module) or self._new_module_problem(
            full_new if self.targets.is_module(full_new) else new_module, stmt)
        if problem:
            return problem
        if f"{new_module}.{name}" == self.ctx.module:
            return f"{new_module}.{name} is this file itself: the import would be a self-import"
        found = self.targets.has(new_module, name)
        if not found:
            return (f"{name!r} does not exist in the replacement module {new_module}" if found is False else
                    f"the replacement module {new_module} cannot be read statically to find {name!r}")
        return Need(new_module, name, alias.evaluated_alias)

    def _from_edit(self, stmt: cst.ImportFrom, keep: list[cst.ImportAlias], needs: list[Need],
                   fallback: Need | None) -> ImportEdit | str:
        """The edit of ``stmt``: the aliases ``keep`` stay, the imports ``needs`` go next to it."""
        line = self.syntax.line_of(stmt)
        block = self.syntax.block_of(line)
        if block is None:
            return "import on a line with other statements (``x; import y``): split it first"
        if not keep and not needs and fallback is not None and alone(line, block):
            needs.append(fallback)  # removing it would leave an empty block: import the replacement instead
        assert not isinstance(stmt.names, cst.ImportStar)  # a star import is _star_import's
        for need in needs:
            problem = conflict(self.ctx, need) if need.bound not in {bound_name(a) for a in stmt.names} else None
            if problem:
                return problem
        return ImportEdit(stmt, with_aliases(stmt, keep) if keep else None,
                          [Anchored(need, block, line) for need in needs], unexport=frozenset(self.unexport))

    def import_(self, stmt: cst.Import) -> ImportEdit | str:
        """``import a.b, c as d``: each deprecated module re-pointed at its replacement, or dropped."""
        keep: list[cst.ImportAlias] = []
        changed = False
        for alias in stmt.names:
            name = dotted(alias.name) or ""
            rule = self._module_rule(name)
            if rule is None:
                keep.append(alias)
                continue
            if unmapped(rule):
                return unmapped(rule)
            new_module = self._replaced_module(name, rule)
            changed = True
            if alias.asname is not None:
                bound = bound_name(alias)
                left = self._remaining(bound, "module", name)
                if not left:
                    why = self._exported(bound, stmt) or self._rebinding(bound, stmt)
                    if why:
                        return why
                    if not (len(stmt.names) == 1 and alone(self.syntax.line_of(stmt), self.syntax.block_of(self.syntax.line_of(stmt)))):
                        continue  # unused: dropped (re-pointed instead when it is alone in its block)
                    problem = self._new_module_problem(new_module, stmt)
                    if problem:
                        return problem
                    keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
                    continue
                problem = self._new_module_problem(new_module, stmt) or self._attrs_exist(left, new_module)
                if problem:
                    return f"module {bound!r} is still used ({problem})"
                keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
            else:
                problem = self._new_module_problem(new_module, stmt) or self._dotted_uses(name, new_module)
                if problem:
                    return problem
                keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
        if not changed:
            return "no deprecated module in this import"
        return ImportEdit(stmt, with_aliases(stmt, keep) if keep else None, [], unexport=frozenset(self.unexport),
                          renames=self.renames)

    def _dotted_uses(self, name: str, new_module: str) -> str | None:
        """``import a.b`` re-pointed at ``new_module``: each remaining use written through the
        full path (``a.b.attr``) is renamed (``new.module.attr``), when ``new_module`` defines
        what it reads; else why not. Unless another import binds ``a`` too, the old top name
        goes with the import, so no other use of it may be left."""
        parts = tuple(name.split("."))
        top = parts[0]
        uses = self._remaining(top, "module", top)
        if sum(1 for b in self.ctx.facts.bindings if (b.name, b.kind, b.target) == (top, "module", top)) > 1:
            # ``import a.c`` binds ``a`` too: the uses of other paths keep their binding
            uses = [u for u in uses if u.chain[: len(parts)] == parts]
        if uses and new_module.split(".")[0] != top:
            problem = conflict(self.ctx, Need(None, new_module))
            if problem:
                return f"{name} is used through its full path, and {problem}: rewrite it by hand"
        for u in uses:
            where = f"line {u.line} reads {'.'.join(u.chain)}"
            if u.chain[: len(parts)] != parts:
                return f"{where}, which import {new_module} would not bind: rewrite it by hand"
            if len(u.chain) == len(parts):
                return f"{where}: the module object itself is used, rewrite it by hand"
            problem = self.targets.attribute_problem(new_module, u.chain[len(parts):])
            if problem:
                return f"{where}, but {problem} (the replacement of {name}): rewrite it by hand"
            node = self._prefix(u, parts)
            if node is None:
                return f"{where}: the path could not be located in the syntax tree"
            self.renames[id(node)] = cst.parse_expression(new_module)
        return None

    def _prefix(self, use, parts: tuple[str, ...]) -> cst.CSTNode | None:
        """The node of ``a.b`` (``parts``) at the start of the use ``use`` (``a.b.attr``)."""
        for node in self.syntax.names.get((use.line, use.col), []):
            if node.value != parts[0]:
                continue
            current: cst.CSTNode = node
            for _ in parts[1:]:
                parent = self.syntax.parents.get(current)
                if not (isinstance(parent, cst.Attribute) and parent.value is current):
                    break
                current = parent
            if dotted(current) == ".".join(parts):
                return current
        return None
