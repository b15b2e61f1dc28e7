"""Python's scopes in one file: what each binds, the uses of names, and what they resolve to.

:class:`FactsRecorder` is what the walk of a syntax tree (:mod:`wsaudit.engine.parse`) records
into; once the walk is done, it resolves the uses and gives the file's
:class:`~wsaudit.model.FileFacts`.

Name resolution follows Python's scoping rules (LEGB, class bodies invisible to the
functions inside them, ``global``/``nonlocal``) and approximates control flow: a use sees
the bindings of its name that can reach it, back to the last unconditional one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from wsaudit.engine.source import char_col
from wsaudit.model import Binding, FileFacts, ImportStmt, StringRef, Use

# A binding as its scope holds it: (where it takes effect, whether it certainly does, its index
# in the recorded bindings or -1 for a local that cannot matter outside the file)
Entry = tuple[tuple[int, int], bool, int]


@dataclass
class Scope:
    """A module, function, class or comprehension scope, and the bindings made in it."""

    kind: str  # module, function, class, comprehension
    parent: Scope | None
    bindings: dict[str, list[Entry]] = field(default_factory=dict)  # in the order they are made
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    stars: list[Entry] = field(default_factory=list)  # the module's ``from m import *``


@dataclass(slots=True)
class Pending:
    """A use of a name, resolved once the whole file is walked."""

    name: str
    pos: tuple[int, int]
    scope: Scope
    line: int
    col: int  # UTF-8 byte offset, as ast gives it
    chain: tuple[str, ...]
    is_call: bool
    context: str


class FactsRecorder:
    """What the walk of one file records: its imports, strings and definitions, the bindings of
    its scopes and the uses of names; :meth:`_finish` resolves the uses into the file's facts.

    Parameters
    ----------
    lines : list of str
        The lines of the file (for columns in characters, and snippets).
    loc : int
        Its lines of code.
    """

    def __init__(self, lines: list[str], loc: int):
        self.lines = lines
        self.loc = loc
        self.imports: list[ImportStmt] = []
        self.bindings: list[Binding] = []
        self.pending: list[Pending] = []
        self.alias_rhs: dict[int, int] = {}  # binding index -> pending index
        self.strings: list[StringRef] = []
        self.all_names: list[str] | None = None
        self.all_unread = False  # ``__all__`` was given a value that is not a literal: it stays unread
        self.module = Scope("module", None)
        # module-level statements that may define a name: (name, line, binding index)
        self.definitions: list[tuple[str, int, int]] = []

    # -- positions ---------------------------------------------------------------

    def _col(self, line: int, byte_col: int) -> int:
        """The column, in characters, of a UTF-8 byte offset (as ast gives them) in ``line``."""
        return char_col(self.lines[line - 1] if 0 < line <= len(self.lines) else "", byte_col)

    def _snippet(self, line: int) -> str:
        """The text of ``line``, stripped."""
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    # -- bindings and uses -------------------------------------------------------

    def _bind(self, scope: Scope, name: str, pos, unconditional: bool, kind: str, target=None) -> int:
        """Bind ``name`` in ``scope`` (or where its ``global`` or ``nonlocal`` sends it) from ``pos`` on.

        A binding that can matter outside the file (any but a ``local``; a local of the module is
        a ``def``) is recorded as a :class:`~wsaudit.model.Binding`: its index is returned, else -1.
        """
        if name in scope.globals:
            scope, unconditional = self.module, False
        elif name in scope.nonlocals:
            outer = scope.parent
            while outer is not None and (outer.kind == "class" or name not in outer.bindings):
                if outer.kind == "module":
                    break
                outer = outer.parent
            scope, unconditional = (outer or self.module), False
        module_scope = scope is self.module
        if kind == "local" and module_scope:
            kind = "def"
        index = -1
        if kind != "local":
            index = len(self.bindings)
            self.bindings.append(Binding(name, kind, target, module_scope))
        scope.bindings.setdefault(name, []).append((pos, unconditional, index))
        return index

    def define(self, name: str, line: int, index: int) -> None:
        """A module-level statement at ``line`` that binds ``name`` (binding ``index``) to an
        object of its own: a ``def``, a ``class``, an assignment. It is a definition unless the
        assignment turns out to copy a name bound elsewhere (an alias, ``mk = other.cwm``: a
        re-export, whose object is defined where it comes from), which :meth:`_finish` knows."""
        self.definitions.append((name, line, index))

    def _pend(self, node: ast.expr, chain: tuple[str, ...], is_call: bool, scope: Scope, context: str) -> int:
        """Record a use of ``chain`` (``a.b.c``) at ``node``; its index among the pending uses."""
        line, col = node.lineno, node.col_offset
        self.pending.append(
            Pending(chain[0], (line, col), scope, line, col, chain, is_call, context)
        )
        return len(self.pending) - 1

    # -- resolution --------------------------------------------------------------

    def _reaching(self, p: Pending) -> list[int]:
        """The bindings that can be in force where ``p`` runs: those of the scope Python looks its
        name up in, before it (all of them when it runs later, in a function, or is ``global``),
        back to the last unconditional one."""
        name, scope = p.name, p.scope
        deferred = False
        target: Scope | None = None
        if name in scope.globals:
            target, deferred = self.module, True
        elif name in scope.bindings and name not in scope.nonlocals:
            target = scope
        else:
            current = scope
            while current.parent is not None:
                if current.kind == "function":
                    deferred = True
                current = current.parent
                if current.kind == "class":
                    continue
                if name in current.bindings or current.kind == "module":
                    target = current
                    break
            if target is None:
                target = self.module
        entries = list(target.bindings.get(name, ()))
        if target is self.module and self.module.stars:
            entries = sorted(entries + self.module.stars, key=lambda e: e[0])
        if not entries:
            return []
        if not deferred:
            before = [e for e in entries if e[0] <= p.pos]
            entries = before or entries
        return [index for _, _, index in _in_force(entries) if index >= 0]

    def _finish(self) -> FileFacts:
        """The facts of the file: its uses resolved. A use is kept when a binding that can matter
        outside the file reaches it (an alias only when its right-hand side is kept)."""
        reaching = self._reaching_uses()
        ok = self._bindings_that_matter(reaching)
        kept = [i for i in range(len(self.pending)) if any(b in ok for b in reaching[i])]
        bindings = self._final_bindings({pi: k for k, pi in enumerate(kept)})
        return FileFacts(
            loc=self.loc,
            imports=tuple(self.imports),
            bindings=tuple(bindings),
            namespace=self._namespace(),
            stars=tuple(index for _, _, index in self.module.stars),
            uses=self._uses(kept, reaching, bindings),
            strings=tuple(self.strings),
            all_names=tuple(self.all_names) if self.all_names is not None else None,
            problems=(),
            definitions=tuple((name, line) for name, line, index in self.definitions
                              if bindings[index].kind == "def"),
        )

    def _bindings_that_matter(self, reaching: list[list[int]]) -> set[int]:
        """The bindings that can matter outside the file: every one but an alias, and an alias
        whose right-hand side is reached by one that does, through any number of aliases (a
        cycle of aliases alone matters nothing). Found forwards from the bindings that are not
        aliases, without recursion: a chain of 400 aliases (``x2 = x1; x3 = x2; ...``) is
        cheap, not a file too complex to audit (where the real use beside it would be lost)."""
        ok = {i for i, b in enumerate(self.bindings) if b.kind != "alias"}
        copied_by: dict[int, list[int]] = {}  # binding -> the aliases whose right-hand side it reaches
        for index, b in enumerate(self.bindings):
            rhs = self.alias_rhs.get(index) if b.kind == "alias" else None
            if rhs is not None:
                for source in reaching[rhs]:
                    copied_by.setdefault(source, []).append(index)
        todo = list(ok)
        while todo:
            for alias in copied_by.get(todo.pop(), ()):
                if alias not in ok:
                    ok.add(alias)
                    todo.append(alias)
        return ok

    def _reaching_uses(self) -> list[list[int]]:
        """For each pending use, the bindings that can reach it (:meth:`_reaching`)."""
        # Only names with a binding that can matter outside the file (an import, an alias, a
        # module-level name) need resolving; with star imports, so do names bound nowhere.
        wanted = {b.name for b in self.bindings}
        stars = bool(self.module.stars)
        bound: set[str] = set()
        if stars:
            scopes = {id(p.scope): p.scope for p in self.pending}
            bound = {name for sc in scopes.values() for name in sc.bindings} | set(self.module.bindings)
        return [self._reaching(p) if p.name in wanted or (stars and p.name not in bound) else []
                for p in self.pending]

    def _final_bindings(self, new_index: dict[int, int]) -> list[Binding]:
        """The bindings, each alias's target the index of its right-hand side among the kept uses
        (``new_index``: pending index -> kept index)."""
        # aliases whose right-hand side resolves to nothing outside the file are plain bindings
        bindings = list(self.bindings)
        for index, b in enumerate(bindings):
            if b.kind == "alias":
                rhs = self.alias_rhs.get(index)
                if rhs is not None and rhs in new_index:
                    bindings[index] = Binding(b.name, "alias", new_index[rhs], b.module_scope)
                else:
                    kind = "def" if b.module_scope else "local"
                    bindings[index] = Binding(b.name, kind, None, b.module_scope)
        return bindings

    def _uses(self, kept: list[int], reaching: list[list[int]], bindings: list[Binding]) -> tuple[Use, ...]:
        """The kept uses, each with the bindings that reach it and still matter outside the file."""
        live = {i for i, b in enumerate(bindings) if b.kind != "local"}
        uses = []
        for pi in kept:
            p = self.pending[pi]
            reach = tuple(i for i in reaching[pi] if i in live)
            uses.append(Use(p.line, self._col(p.line, p.col), p.chain, p.is_call, p.context,
                            self._snippet(p.line), reach))
        return tuple(uses)

    def _namespace(self) -> dict[str, tuple[int, ...]]:
        """Each module-level name: the bindings it can have once the module has run."""
        return {name: tuple(index for _, _, index in _in_force(entries) if index >= 0)
                for name, entries in self.module.bindings.items()}


def _in_force(entries: list[Entry]) -> list[Entry]:
    """The entries from the last unconditional one on: those that can be in force after them all."""
    start = 0
    for i, (_, unconditional, _) in enumerate(entries):
        if unconditional:
            start = i
    return entries[start:]
