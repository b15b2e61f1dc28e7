"""Detection again after an edit, for only the files whose rows the edit can change.

An audit that tracks what name resolution reads (``Resolver(track=True)``) stores, for every
file it searched and detected, the modules whose facts the answers about that file were read
from (:func:`encode_reads`). After an edit to some files (the same files, the same module names),
the rows of an unchanged file stand when nothing its answers were read from changed: they are
a function of its own facts, of those answers, and of what every file shares (the deprecated
objects, the definitions' names, the deprecated names, the names bound by deprecated imports),
which :func:`patch` checks are what they were. Only the edited files that can hold a violation
now and the files whose answers read an edited one are searched and detected again.

When a shared thing changes (a new re-export, a definition renamed, a rule that now matches
nothing), :func:`patch` gives None: the whole candidate search has to run again. A deprecated
name that is bound no more (a re-export dropped) is not one: the names a patch searches by
may then be more than a whole search would find, which costs a file parsed in full more,
never a row (a name outside them cannot denote a deprecated object, see
:class:`~wsaudit.engine.candidates.NameFilter`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from wsaudit.engine.candidates import NameFilter, contributed, could_hold
from wsaudit.engine.detect import (
    Detection,
    RuleTargets,
    bound_names,
    deprecated_objects,
    file_rows,
    find_definitions,
    literal_definitions,
    quiet_rules,
    suspects_in,
)
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.engine.results import TreeResult
from wsaudit.engine.store import FactStore
from wsaudit.model import Definition, Rule, SourceFile, Violation


@dataclass(frozen=True)
class Patched:
    """What :func:`patch` found: the rows of the whole tree after the edit."""

    violations: list[Violation]
    definitions: list[Definition]
    suspects: list[Violation]
    targets: dict[str, frozenset[Canon]]
    reads: dict[str, list[int]]  # as :func:`encode_reads` gives them, for the next patch
    broken: list[str]  # the files detected that do not parse (their suspects), for the next patch


def encode_reads(reads: Mapping[str, Iterable[str]], files: Sequence[SourceFile], resolver: Resolver
                 ) -> dict[str, list[int]]:
    """Path -> the positions in ``files`` of the modules whose facts answers about it read
    (``reads``: path -> module names; positions are short, and the file list of the tree that
    a patch is made for is the same)."""
    position = {f.path: i for i, f in enumerate(files)}
    owner = resolver.files
    return {path: sorted({position[owner[m].path] for m in modules if m in owner})
            for path, modules in sorted(reads.items())}


def patch(earlier: TreeResult, files: Sequence[SourceFile], edited: Sequence[SourceFile], store: FactStore,
          resolver: Resolver, rules: tuple[Rule, ...]) -> Patched | None:
    """The rows of the tree of ``files`` (the same paths and module names as the tree of
    ``earlier``, a stored result with ``reads``) after ``edited`` changed, or None
    when something every file shares changed with them (see the module's docstring).

    ``store`` has read the edited files; ``resolver`` tracks, over the module table of ``files``."""
    names = set(earlier.names or ())
    reads = earlier.reads or {}
    changed = {f.path for f in edited}
    at = {i for i, f in enumerate(files) if f.path in changed}

    def touched(path: str) -> bool:
        return path in changed or not at.isdisjoint(reads.get(path, ()))

    now = [f for f in edited if could_hold(store.blobs[f.path], f.module, rules, names)]
    affected = [f for f in files if f.path in reads and f.path not in changed and touched(f.path)]
    redo = sorted(now + affected, key=lambda f: f.path)
    store.load(f.path for f in redo)
    if any(f.path not in store.facts for f in redo):
        return None  # an unchanged file that cannot be read now is not what it was

    patterns = {r.id for r in rules if r.is_pattern}
    found = [d for d in earlier.definitions if d.rule_id in patterns and d.path not in changed]
    found += find_definitions(now, store.facts, rules, resolver.modules)
    targets = deprecated_objects(resolver, rules, found)
    definitions = sorted({*found, *literal_definitions(resolver, rules, targets)}, key=Definition.sort_key)
    if targets != earlier.targets or _named(definitions) != _named(earlier.definitions):
        return None  # what every file's uses are matched against
    every = frozenset().union(*targets.values()) if targets else frozenset()
    owned = {f.path for f in resolver.files.values()}
    fresh: dict[str, set[str]] = {}
    for f in redo:
        with resolver.reading() as read:
            if f.path in owned and contributed(store.facts[f.path], f.module, names, every, resolver):
                return None  # a new deprecated name: every file may mention it
            fresh[f.path] = read

    split = RuleTargets(rules, targets, definitions, resolver.modules)
    narrow = NameFilter(resolver, names)
    again = changed | {f.path for f in redo}
    rows = [v for v in earlier.violations if v.path not in again]
    for f in redo:
        with resolver.reading() as read:
            rows += file_rows(f, store.facts[f.path], narrow, split)
        fresh[f.path] |= read
    rows.sort(key=Violation.sort_key)
    bound = bound_names(rows)
    kept_suspects, broken = [s for s in earlier.suspects if s.path not in again], []
    if bound != bound_names(earlier.violations):  # what the suspects of every file that does
        by_path = {f.path: f for f in files}  # not parse are looked for by: all of them again
        broken = [by_path[p] for p in earlier.broken or () if p not in again]
        store.load(f.path for f in broken)
        kept_suspects = []
        if any(f.path not in store.facts for f in broken):
            return None
    suspects = sorted(kept_suspects + suspects_in(redo + broken, store.facts, split, bound), key=Violation.sort_key)
    if quiet_rules(rules, Detection(rows, definitions, suspects, [], targets), resolver.modules):
        return None  # a rule matches nothing now: its notice is made from every file's imports
    kept = {p: r for p, r in reads.items() if p not in again}
    still = {p for p in earlier.broken or () if p not in again} | {f.path for f in redo if store.facts[f.path].unparsed}
    return Patched(rows, definitions, suspects, targets, {**kept, **encode_reads(fresh, files, resolver)},
                   sorted(still))


def _named(definitions: Iterable[Definition]) -> set[tuple[str, str]]:
    """The names the rules' uses may be written with, from their definitions."""
    return {(d.rule_id, d.name) for d in definitions}
