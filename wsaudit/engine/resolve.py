"""Resolve dotted names and bindings to the objects they denote, across the whole tree.

An object is identified by where it is *defined*: ``("obj", "pkg.mod.name")`` for a name
defined in a module of the tree, ``("mod", "pkg.mod")`` for a module, ``("ext", "dotted")``
for anything outside the tree, ``("undef", "pkg.mod.name")`` for a name that a module of the
tree does not bind (importing it would fail). A name bound by ``import a.b.c as x`` (or
``import a``) holds a module object: when that module is not a file of the tree (outside it, or
made at run time, as ``six`` makes ``six.moves``), the name also denotes ``("imported",
"a.b.c")``, beside what the path resolves to, so that the module is known for one wherever the
name is re-exported (a module rule's ``from A import x``). Resolution follows re-export chains, renamed re-exports,
star imports (honouring a literal ``__all__``) and module aliases; every answer is memoised.

A resolver made with ``track=True`` also knows, for every answer, the modules whose facts it
read to give it (a memoised answer brings its own along): :meth:`Resolver.reading` gathers those
of the questions asked inside it, which is what an incremental audit needs to know which files'
rows an edit can change (``wsaudit.engine.patch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from wsaudit.engine.modules import ModuleTable, absolute_module
from wsaudit.model import Binding, FileFacts, SourceFile, Use

__all__ = ["Canon", "Resolution", "Resolver", "absolute_module"]

Canon = tuple[str, str]
_EMPTY: frozenset[Canon] = frozenset()
_NONE: frozenset[str] = frozenset()
MAX_DEPTH = 100  # questions nested in one answer: a re-export chain of 100 modules, far past real code


class Resolution(Protocol):
    """What detection and the candidate search ask of name resolution: :class:`Resolver`, or
    :class:`~wsaudit.engine.candidates.NameFilter`, which answers the questions that cannot lead
    to a deprecated object at once, without reading the modules they name."""

    modules: ModuleTable
    files: Mapping[str, SourceFile]

    def facts(self, module: str) -> FileFacts | None: ...

    def reading(self) -> AbstractContextManager[set[str]]: ...

    def resolve(self, dotted: str) -> frozenset[Canon]: ...

    def resolve_whole(self, dotted: str) -> frozenset[Canon]:
        """What ``dotted`` denotes, never narrowed: whether a string names anything at all, not
        whether it names a deprecated object."""

    def exported(self, module: str) -> frozenset[str]: ...

    def module_attribute(self, module: str, name: str) -> frozenset[Canon]: ...

    def chain(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[Canon]]: ...

    def written(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[str]]: ...

    @property
    def deep_cuts(self) -> int:
        """How many questions were cut for depth so far (see :class:`Resolver`)."""
        ...


class Resolver:
    """Resolves dotted names and bindings to the objects they denote, across the whole tree."""

    def __init__(self, modules: ModuleTable, facts_of: Callable[[str], FileFacts | None], *, track: bool = False):
        """``modules``: the tree's module table; ``facts_of(path)``: a file's facts, read or
        parsed on demand (resolution asks only for the modules it has to look into);
        ``track``: record which modules' facts each answer depends on (see :meth:`reading`)."""
        self.modules = modules
        self.files = modules.files
        self.known = modules.known
        self._facts_of = facts_of
        self._resolved: dict[str, frozenset[Canon]] = {}
        self._attrs: dict[tuple[str, str], frozenset[Canon]] = {}
        self._exports: dict[str, frozenset[str]] = {}
        self._chains: dict[tuple, list[frozenset[Canon]]] = {}
        self._written: dict[tuple, list[frozenset[str]]] = {}  # (see written)
        self._busy: set[object] = set()
        # Cycles of re-exports are cut by answering "nothing" to a question already being
        # answered. An answer computed below such a cut is partial: it is kept only by the
        # outermost question (which sees the whole cycle), so that answers never depend on
        # the order in which questions were asked.
        self._cuts = 0
        # With ``track``: one set per question being answered (innermost last), which the
        # modules read are added to; each memoised answer's set is kept beside it.
        self._frames: list[set[str]] | None = [set()] if track else None
        self._deps: dict[object, frozenset[str]] = {}
        # A chain of re-exports (or a cycle) through more modules than MAX_DEPTH questions is
        # cut there too, as a cycle is, and never memoised: every file whose rows asked beyond
        # it counts in ``deep_cuts`` (the audit says so, and the gate does not trust its rows).
        # Real code is a few levels deep; recursion over an attacker's chain never overflows.
        self._depth = 0
        self.deep_cuts = 0

    @contextmanager
    def reading(self) -> Iterator[set[str]]:
        """The modules whose facts the questions asked inside the ``with`` block depended on
        (memoised answers included), gathered into the set it gives once the block ends; an
        empty set when the resolver does not track.

        >>> from wsaudit.model import SourceFile
        >>> facts = {"a.py": FileFacts(), "b.py": FileFacts()}
        >>> files = [SourceFile("a.py", "a", False, False, 0), SourceFile("b.py", "b", False, False, 0)]
        >>> r = Resolver(ModuleTable.of(files, facts), facts.get, track=True)
        >>> with r.reading() as read:
        ...     _ = r.resolve("b.x")
        >>> sorted(read)
        ['b']
        """
        if self._frames is None:
            yield set()
            return
        frame: set[str] = set()
        self._frames.append(frame)
        try:
            yield frame
        finally:
            self._frames.pop()
            self._frames[-1] |= frame

    def _hit(self, key: object) -> None:
        """A memoised answer was given: what it was read from is read now too."""
        if self._frames is not None:
            self._frames[-1] |= self._deps.get(key, _NONE)

    def _open(self) -> None:
        self._depth += 1
        if self._frames is not None:
            self._frames.append(set())

    def _close(self, key: object, kept: bool) -> None:
        """The answer to ``key`` is given (and memoised when ``kept``): its reads go to the asker."""
        self._depth -= 1
        if self._frames is not None:
            frame = self._frames.pop()
            if kept:
                self._deps[key] = frozenset(frame)
            self._frames[-1] |= frame

    def _cut(self) -> None:
        self._cuts += 1

    def _too_deep(self) -> bool:
        """Whether a question asked now would nest deeper than :data:`MAX_DEPTH`: then it is cut."""
        if self._depth < MAX_DEPTH:
            return False
        self._cuts += 1
        self.deep_cuts += 1
        return True

    def _keep(self, since: int, deep: int) -> bool:
        """Whether an answer started when ``_cuts`` was ``since`` (and ``deep_cuts`` ``deep``)
        may be memoised: not below a cycle's cut (but by the outermost question), never above
        a cut for depth."""
        return (self._cuts == since or not self._busy) and self.deep_cuts == deep

    def facts(self, module: str) -> FileFacts | None:
        """The facts of the file that module ``module`` is, or None outside the tree."""
        f = self.files.get(module)
        if f is None:
            return None
        if self._frames is not None:
            self._frames[-1].add(module)
        return self._facts_of(f.path)

    # -- modules -----------------------------------------------------------------

    def absolute(self, module: str, level: int, name: str | None) -> str | None:
        return self.modules.absolute(module, level, name)

    def exported(self, module: str) -> frozenset[str]:
        """Names ``from module import *`` binds: ``__all__`` if literal, else the public names."""
        key = ("exports", module)
        if module in self._exports:
            self._hit(key)
            return self._exports[module]
        if key in self._busy:
            self._cut()
            return frozenset()
        if self._too_deep():
            return frozenset()
        self._open()
        facts = self.facts(module)
        if facts is None:
            self._close(key, False)
            return frozenset()
        since, deep = self._cuts, self.deep_cuts
        if facts.all_names is not None:
            result = frozenset(facts.all_names)
        else:
            self._busy.add(key)
            names = {n for n in facts.namespace if not n.startswith("_")}
            for index in facts.stars:
                target = self._star_module(module, facts.bindings[index])
                if target:
                    names |= self.exported(target)
            self._busy.discard(key)
            result = frozenset(names)
        kept = self._keep(since, deep)
        if kept:
            self._exports[module] = result
        self._close(key, kept)
        return result

    def _star_module(self, module: str, binding: Binding) -> str | None:
        level, name = binding.star_target()
        return self.absolute(module, level, name or None)

    # -- objects -----------------------------------------------------------------

    def resolve_whole(self, dotted: str) -> frozenset[Canon]:
        return self.resolve(dotted)

    def resolve(self, dotted: str) -> frozenset[Canon]:
        """The objects a dotted path denotes (usually one; more when bindings are conditional)."""
        if dotted in self._resolved:
            self._hit(dotted)
            return self._resolved[dotted]
        if dotted in self._busy:
            self._cut()
            return _EMPTY
        if self._too_deep():
            return _EMPTY
        since, deep = self._cuts, self.deep_cuts
        self._busy.add(dotted)
        self._open()
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in self.known:
                break
        else:
            self._busy.discard(dotted)
            self._resolved[dotted] = result = frozenset({("ext", dotted)})
            self._close(dotted, True)
            return result
        rest = parts[i:]
        found = frozenset({("mod", prefix)})
        for attr in rest:
            found = self.attribute(found, attr)
        self._busy.discard(dotted)
        kept = self._keep(since, deep)
        if kept:
            self._resolved[dotted] = found
        self._close(dotted, kept)
        return found

    def attribute(self, objects: frozenset[Canon], attr: str) -> frozenset[Canon]:
        """The objects ``x.attr`` denotes for each ``x`` in ``objects``."""
        out: set[Canon] = set()
        for kind, path in objects:
            if kind == "mod":
                out |= self.module_attribute(path, attr)
            elif kind != "imported":  # (an attribute of it is what its ``ext`` or ``obj`` twin says)
                out.add((kind, f"{path}.{attr}"))
        return frozenset(out)

    def module_attribute(self, module: str, name: str) -> frozenset[Canon]:
        key = (module, name)
        if key in self._attrs:
            self._hit(key)
            return self._attrs[key]
        if key in self._busy:
            self._cut()
            return _EMPTY
        if self._too_deep():
            return _EMPTY
        since, deep = self._cuts, self.deep_cuts
        self._busy.add(key)
        self._open()
        out: set[Canon] = set()
        facts = self.facts(module)
        if facts is not None:
            for index in facts.namespace.get(name, ()):
                out |= self.binding(module, facts, index, name)
            if not out:
                for index in facts.stars:
                    target = self._star_module(module, facts.bindings[index])
                    if target and name in self.exported(target):
                        out |= self.module_attribute(target, name)
        if not out and self._cuts == since:  # a submodule, or a name this module does not bind
            # (an ImportError at run time); after a cut, "nothing yet" is not "not bound"
            sub = f"{module}.{name}"
            out.add(("mod", sub) if sub in self.known else ("undef", sub))
        self._busy.discard(key)
        result = frozenset(out)
        kept = self._keep(since, deep)
        if kept:
            self._attrs[key] = result
        self._close(key, kept)
        return result

    def binding(self, module: str, facts: FileFacts, index: int, name: str) -> frozenset[Canon]:
        """What binding ``index`` of ``module`` binds ``name`` to."""
        b = facts.bindings[index]
        if b.kind == "module":
            target = b.module_target()
            found = self.resolve(target)
            return found if ("mod", target) in found else found | {("imported", target)}
        if b.kind == "from":
            level, source, attr = b.from_target()
            base = self.absolute(module, level, source or None)
            return self.resolve(f"{base}.{attr}") if base else _EMPTY
        if b.kind == "star":
            target = self._star_module(module, b)
            if target and name in self.exported(target):
                return self.module_attribute(target, name)
            return _EMPTY
        if b.kind == "alias":
            return self.chain(module, facts, facts.uses[b.alias_use()])[-1]
        if b.kind == "def":
            return frozenset({("obj", f"{module}.{b.name}")})
        return _EMPTY

    def chain(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[Canon]]:
        """The objects denoted by each prefix of a use's chain: ``a``, ``a.b``, ``a.b.c``."""
        # Uses with the same bindings and chain denote the same objects: resolve them once.
        key = ("use", module, use.reaching, use.chain)
        if key in self._chains:
            self._hit(key)
            return self._chains[key]
        if key in self._busy:
            self._cut()
            return [_EMPTY] * len(use.chain)
        if self._too_deep():
            return [_EMPTY] * len(use.chain)
        since, deep = self._cuts, self.deep_cuts
        self._busy.add(key)
        self._open()
        root: set[Canon] = set()
        for index in use.reaching:
            root |= self.binding(module, facts, index, use.chain[0])
        prefixes = [frozenset(root)]
        for attr in use.chain[1:]:
            prefixes.append(self.attribute(prefixes[-1], attr))
        self._busy.discard(key)
        kept = self._keep(since, deep)
        if kept:
            self._chains[key] = prefixes
        self._close(key, kept)
        return prefixes

    def written(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[str]]:
        """The dotted paths each prefix of a use's chain is *written* as, before resolution:
        ``from pkg.old import cwm as m; m.x`` gives ``pkg.old.cwm``, ``pkg.old.cwm.x``, whether
        or not ``pkg.old`` exists. A name bound locally has no written path.

        Re-exports are not followed (that is what :meth:`chain` does): a written path is what
        the file itself says, which is what a pattern rule matches when resolution finds nothing.
        """
        key = ("written", module, use.reaching, use.chain)
        if key in self._written:
            return self._written[key]
        if key in self._busy:
            return [frozenset()] * len(use.chain)
        if self._depth >= MAX_DEPTH:  # (as _too_deep: an alias of an alias of ... 100 deep)
            self.deep_cuts += 1
            return [frozenset()] * len(use.chain)
        deep = self.deep_cuts
        self._depth += 1
        self._busy.add(key)
        root: set[str] = set()
        for index in use.reaching:
            b = facts.bindings[index]
            if b.kind == "module":
                root.add(b.module_target())
            elif b.kind == "from":
                level, source, attr = b.from_target()
                base = self.absolute(module, level, source or None)
                if base:
                    root.add(f"{base}.{attr}")
            elif b.kind == "alias":
                root |= self.written(module, facts, facts.uses[b.alias_use()])[-1]
        prefixes = [frozenset(root)]
        for attr in use.chain[1:]:
            prefixes.append(frozenset(f"{w}.{attr}" for w in prefixes[-1]))
        self._busy.discard(key)
        self._depth -= 1
        if self.deep_cuts == deep:  # (never memoised above a cut for depth)
            self._written[key] = prefixes
        return prefixes


def as_resolved(objects: frozenset[Canon]) -> frozenset[Canon]:
    """``objects`` without the ``imported`` marks of module objects: what a name's path resolves
    to, to compare with :meth:`Resolver.resolve` of a dotted path (which never marks one).

    >>> sorted(as_resolved(frozenset({("ext", "secrets"), ("imported", "secrets")})))
    [('ext', 'secrets')]
    """
    return frozenset(c for c in objects if c[0] != "imported")


def in_tree(objects: frozenset[Canon]) -> bool:
    """Whether any of ``objects`` is defined in the tree (a module, or a name a module binds).

    >>> in_tree(frozenset({("undef", "a.b"), ("ext", "os.path")})), in_tree(frozenset({("obj", "a.b")}))
    (False, True)
    """
    return any(kind in ("obj", "mod") for kind, _ in objects)
