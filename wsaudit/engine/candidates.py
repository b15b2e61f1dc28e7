"""Which files can hold a violation, found without parsing the others.

A file whose bytes name none of the deprecated things (nor any name that a re-export binds to
them) cannot hold a violation. The candidate names are the last names of the rules' symbols and
modules (and of the definitions the symbols resolve to); a file is a candidate when its bytes
contain one of them as a word, when it has a star import, or when it lies inside a deprecated
module (its relative imports name it implicitly). Every module-level name that a candidate binds
to a deprecated object (an alias, a renamed re-export) becomes a candidate name too, and the
other files are searched again, to a fixpoint: a re-export binds a new name only in a file that
mentions an existing one. Name resolution still knows every module of the tree and parses, on
demand, any module it has to look into.

Both ``wsaudit check`` (which parses nothing else) and the audit (which reads only the imports of
the other files, for the graph) start here; the result is the same rows as a full parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from wsaudit.engine.detect import find_definitions, holds_module, outside_hit
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.engine.mentions import has_word, searchable, words
from wsaudit.engine.store import FactStore
from wsaudit.engine.suppress import MARKER
from wsaudit.model import Binding, FileFacts, Rule, SourceFile, Use

_EMPTY: frozenset[Canon] = frozenset()
_STAR = re.compile(rb"import[\s\\]*\*")  # no \b: a literal prefix searches fast; over-including is safe
_MARKER = MARKER.encode()  # a file that may hold a suppression comment: parsed in full


def could_hold(data: bytes, module: str, rules: tuple[Rule, ...], names: Iterable[str]) -> bool:
    """Whether :func:`select_candidates` would parse a file with these bytes in full, given the
    deprecated ``names`` it ended with: a star import, a module inside a deprecated one, a
    suppression comment, text that cannot be decoded, or a mention of one of ``names`` in what
    Python reads (:func:`searchable`).

    >>> rule = Rule("R1", symbol="pkg.factory.make")
    >>> could_hold(b"from pkg import make", "app", (rule,), {"make"}), could_hold(b"x = 1", "app", (rule,), {"make"})
    (True, False)
    """
    if _STAR.search(data) or any(r.module is not None and r.covers_module(module) for r in rules):
        return True
    if unsearchable(rules):
        return True
    if _MARKER in data:  # its suppression comments are read by the full parse (an unused one is said)
        return True
    text = searchable(data)
    return text is None or any(has_word(text, w) for w in words(names))


def unsearchable(rules: Iterable[Rule]) -> bool:
    """Whether a rule's uses need not spell its last name, so that no file can be passed over
    for not mentioning it: a pattern that ends with ``*`` or ``**`` (the configuration refuses
    one; a :class:`~wsaudit.config.Config` built in Python may hold it). The search then fails
    closed: every file is parsed.

    >>> unsearchable([Rule("R1", module="pkg.*")]), unsearchable([Rule("R2", module="**.compat")])
    (True, False)
    """
    return any(not r.name.isidentifier() for r in rules)


def local_names(facts: FileFacts, names: set[str]) -> set[str]:
    """``names`` plus every name that a binding in this file (any scope) copies from one of them."""
    out = set(names)
    changed = True
    while changed:
        changed = False
        for b in facts.bindings:
            if b.name not in out and b.source_name(facts.uses) in out:
                out.add(b.name)
                changed = True
    return out


class NameFilter:
    """The :class:`~wsaudit.engine.resolve.Resolution` that detection asks instead of the
    resolver after a candidate search: the same answers for any question that could lead to a
    deprecated object, the empty answer at once otherwise (so that detection does not parse
    every module that a candidate file imports).

    Why it is exact: an object reached by the last step of a dotted path or use chain is bound
    under that step's name, so a path whose last name is not a deprecated name (in this file:
    one of :func:`local_names`) cannot denote a deprecated object.
    """

    def __init__(self, resolver: Resolver, names: set[str]):
        self.resolver = resolver
        self.modules = resolver.modules
        self.files = resolver.files
        self.names = names
        self._local: dict[int, set[str]] = {}

    def facts(self, module: str) -> FileFacts | None:
        return self.resolver.facts(module)

    def written(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[str]]:
        return self.resolver.written(module, facts, use)  # reads only this file: nothing to spare

    def resolve(self, dotted: str) -> frozenset[Canon]:
        return self.resolver.resolve(dotted) if dotted.rpartition(".")[2] in self.names else _EMPTY

    def resolve_whole(self, dotted: str) -> frozenset[Canon]:
        return self.resolver.resolve(dotted)  # a module rule's string: does it name anything (read, tracked)

    def exported(self, module: str) -> frozenset[str]:
        return self.resolver.exported(module)

    def reading(self) -> AbstractContextManager[set[str]]:
        return self.resolver.reading()

    @property
    def deep_cuts(self) -> int:
        return self.resolver.deep_cuts

    def module_attribute(self, module: str, name: str) -> frozenset[Canon]:
        return self.resolver.module_attribute(module, name)

    def chain(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[Canon]]:
        local = self._local.get(id(facts))
        if local is None:
            local = self._local[id(facts)] = local_names(facts, self.names)
        if any(part in local for part in use.chain):
            return self.resolver.chain(module, facts, use)
        return [_EMPTY] * len(use.chain)


@dataclass
class Trace:
    """What an incremental audit needs to know of a candidate search (``wsaudit.engine.patch``):
    for each file searched, the modules whose facts the questions about it read (``read``;
    empty sets unless the resolver tracks)."""

    read: dict[str, set[str]] = field(default_factory=dict)


def contributed(facts: FileFacts, module: str, names: set[str], targets: frozenset, resolver: Resolver,
                rules: Sequence[Rule] = ()) -> set[str]:
    """The module-level names of ``module`` (whose facts are ``facts``), other than ``names``,
    that it binds to one of ``targets`` (or to a path outside the tree that a pattern of ``rules``
    matches) by copying a deprecated name (one of :func:`local_names`): an alias, a renamed
    re-export; or to a module that a module rule of ``rules`` covers, which
    ``from module import name`` brings in elsewhere (``import pkg.six.moves as moves``, or a
    copy of such a name). Only such a binding can be one: any other names no deprecated thing,
    so its answer is not asked for."""
    out: set[str] = set()
    local = None
    module_rules = [r for r in rules if r.module is not None]
    patterns = [r for r in rules if r.is_pattern]
    for name, indices in facts.namespace.items():
        if name in names:
            continue
        if local is None:
            local = local_names(facts, names)
        copies = any(facts.bindings[i].source_name(facts.uses) in local for i in indices)
        imports = bool(module_rules) and any(
            _imports_covered(facts, module, facts.bindings[i], module_rules, resolver) for i in indices)
        if not (copies or imports):
            continue
        objects = resolver.module_attribute(module, name)
        if (objects & targets or any(outside_hit(r, objects) for r in patterns)
                or any(holds_module(r, objects) for r in module_rules)):
            out.add(name)
    return out


def _imports_covered(facts: FileFacts, module: str, binding: Binding, rules: Sequence[Rule],
                     resolver: Resolver) -> bool:
    """Whether ``binding`` imports, by a path it writes, something that one of the module
    ``rules`` covers (``import a.b as x``, ``from a import b``, ``x = a.b``): the only way, but
    through a name already deprecated, that a name comes to hold a deprecated module."""
    if binding.kind == "module":
        paths: Iterable[str] = (binding.module_target(),)
    elif binding.kind == "from":
        level, source, attr = binding.from_target()
        base = resolver.absolute(module, level, source or None)
        paths = (f"{base}.{attr}",) if base else ()
    elif binding.kind == "alias":
        paths = resolver.written(module, facts, facts.uses[binding.alias_use()])[-1]
    else:
        return False
    return any(r.covers_module(p) for p in paths for r in rules)


def search_targets(resolver: Resolver, rules: Iterable[Rule]) -> frozenset:
    """What the symbol rules' plain paths resolve to (a pattern's objects are definitions)."""
    found: frozenset = frozenset()
    for rule in rules:
        if rule.symbol is not None and not rule.is_pattern:
            found |= resolver.resolve(rule.symbol)
    return found


def select_candidates(files: Iterable[SourceFile], store: FactStore, rules: tuple[Rule, ...],
                      resolver: Resolver, trace: Trace | None = None) -> set[str]:
    """Load the full facts of every file that can hold a violation into ``store`` (to a
    fixpoint, see the module's docstring); return every name bound to a deprecated object
    somewhere, plus the rule names (what :class:`NameFilter` lets through). ``trace``: filled with
    what :class:`Trace` says."""
    files = list(files)
    cfg_rules = rules
    by_path = {f.path: f for f in files}
    claimed = {f.path for f in resolver.files.values()}
    symbol_rules = [r for r in cfg_rules if r.symbol is not None]
    module_rules = [r for r in cfg_rules if r.module is not None]

    literal = search_targets(resolver, cfg_rules)
    names: set[str] = {r.name for r in cfg_rules} | {p.rpartition(".")[2] for _, p in literal}
    targets = literal

    every = unsearchable(cfg_rules)
    unscanned = set(store.blobs)
    first: set[str] = set()
    text: dict[str, bytes] = {}  # what the search reads of each file (searchable)
    for p in store.blobs:
        data = store.blobs[p]
        module = by_path[p].module
        read = searchable(data)
        if read is None or _STAR.search(data) or any(r.covers_module(module) for r in module_rules) or _MARKER in data \
                or every:
            first.add(p)
        else:
            text[p] = read
    parsed: set[str] = set()
    pending, new_files = set(names), first
    while pending or new_files:
        if pending:  # the files not parsed yet that mention a name found in the last round
            wanted = words(pending)
            new_files |= {p for p in unscanned if p in text and any(has_word(text[p], w) for w in wanted)}
        new_files -= parsed
        unscanned -= new_files
        store.load(sorted(new_files))
        parsed |= new_files
        if any(r.is_pattern for r in symbol_rules):  # a definition at a matching path names the rule's name
            defined = find_definitions((by_path[p] for p in sorted(parsed)), store.facts, cfg_rules,
                                       resolver.modules)
            targets = literal | {("obj", f"{d.module}.{d.name}") for d in defined}
        pending, new_files = set(), set()
        grew = True
        while grew:  # a new name may make bindings of any parsed file deprecated
            grew = False
            for p in sorted(parsed):
                if p not in claimed:
                    continue
                with resolver.reading() as read:
                    new = contributed(store.facts[p], by_path[p].module, names, targets, resolver, cfg_rules)
                if trace is not None:
                    trace.read.setdefault(p, set()).update(read)
                if new:
                    names |= new
                    pending |= new
                    grew = True
    return names
