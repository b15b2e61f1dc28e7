"""Detection again after a change, for only the files whose rows the change can affect.

:func:`redetect` is the one way a result is brought up to date: given the rows of the tree
before, the files that changed and the files to detect again, it keeps every other file's rows,
detects those files again, and makes again what is made from the whole tree (the definitions
of the deprecated symbols and the objects they are, the suspects of the files that do not
parse); it gives None when the deprecated objects or their definitions' names changed, which
every file's rows are matched against. Which files to detect again is the caller's to say, from
what it knows of the tree before:

* :func:`patch`, after an edit to a folder whose result is stored: an audit that tracks what
  name resolution reads (``Resolver(track=True)``) stores, for every file it searched and
  detected, the modules whose facts the answers about that file were read from
  (:func:`encode_reads`). The rows of an unchanged file stand when nothing its answers were
  read from changed: only the edited files that can hold a violation now and the files whose
  answers read an edited one are detected again;
* :mod:`wsaudit.history.commits`, from one commit to the next, where module files also appear
  and go: the files that mention a name whose binding changed (to a fixed point over
  re-exports).

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
from typing import Protocol

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
    too_deep,
)
from wsaudit.engine.resolve import Canon, Resolution, Resolver
from wsaudit.engine.results import TreeResult
from wsaudit.engine.store import FactStore
from wsaudit.model import Definition, FileFacts, Rule, SourceFile, Violation


class Rows(Protocol):
    """The rows of a tree that :func:`redetect` brings up to date: a
    :class:`~wsaudit.engine.detect.Detection`, a :class:`~wsaudit.engine.results.TreeResult`, a
    commit's audit."""

    @property
    def violations(self) -> Sequence[Violation]: ...

    @property
    def definitions(self) -> Sequence[Definition]: ...

    @property
    def suspects(self) -> Sequence[Violation]: ...

    @property
    def targets(self) -> Mapping[str, frozenset[Canon]]: ...


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


def redetect(earlier: Rows, changed: set[str], redo: Sequence[SourceFile],
             facts: Mapping[str, FileFacts], resolver: Resolution, rules: tuple[Rule, ...], *,
             broken: Sequence[SourceFile] = (), narrow: Resolution | None = None,
             reads: dict[str, set[str]] | None = None) -> Detection | None:
    """The rows of the whole tree after the files at ``changed`` changed (edited, added, gone):
    those of ``redo`` detected again, every other file's taken from ``earlier``; None when the
    deprecated objects, or the names their definitions have, are not what they were.

    Parameters
    ----------
    earlier : Rows
        The rows of the tree before the change.
    changed : set of str
        The paths that changed: their rows in ``earlier`` are dropped.
    redo : sequence of SourceFile
        The files to detect again (the changed files that can hold a row, and every file whose
        rows the change can affect: the caller's to know).
    facts : Mapping
        Path -> facts, for ``redo`` and ``broken`` at least.
    resolver : Resolution
        Name resolution over the tree after the change (the definitions are resolved with it).
    broken : sequence of SourceFile
        The files not in ``redo`` that do not parse: their suspects are looked for again when
        the names that deprecated imports bind change.
    narrow : Resolution, optional
        What the rows of ``redo`` are resolved with (a
        :class:`~wsaudit.engine.candidates.NameFilter`), by default ``resolver``.
    reads : dict, optional
        Filled with, per file of ``redo``, the modules whose facts its rows were read from.
    """
    again = changed | {f.path for f in redo}
    patterns = {r.id for r in rules if r.is_pattern}
    found = [d for d in earlier.definitions if d.rule_id in patterns and d.path not in again]
    found += find_definitions(redo, facts, rules, resolver.modules)
    targets = deprecated_objects(resolver, rules, found)
    definitions = sorted({*found, *literal_definitions(resolver, rules, targets)}, key=Definition.sort_key)
    if targets != earlier.targets or _named(definitions) != _named(earlier.definitions):
        return None  # what every file's uses are matched against
    split = RuleTargets(rules, targets, definitions, resolver.modules)
    narrow = narrow or resolver
    rows = [v for v in earlier.violations if v.path not in again]
    problems = []
    for f in redo:
        cuts = resolver.deep_cuts
        with resolver.reading() as read:
            rows += file_rows(f, facts[f.path], narrow, split)
        if reads is not None:
            reads[f.path] = read
        if resolver.deep_cuts != cuts:
            problems.append(too_deep(f.path))
    rows.sort(key=Violation.sort_key)
    bound = bound_names(rows)
    kept_suspects = [s for s in earlier.suspects if s.path not in again]
    again_broken: Sequence[SourceFile] = ()
    if bound != bound_names(earlier.violations):  # what the suspects of every file that does
        again_broken, kept_suspects = broken, []  # not parse are looked for by: all of them again
        if any(facts.get(f.path) is None for f in broken):
            return None  # an unchanged file that cannot be read now is not what it was
    suspects = sorted(kept_suspects + suspects_in([*redo, *again_broken], facts, split, bound), key=Violation.sort_key)
    return Detection(rows, definitions, suspects, [], targets, problems)


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

    # a new name bound to a deprecated object: every file may mention it (the objects are
    # those before the edit: when they changed, redetect gives None anyway)
    every = frozenset().union(*earlier.targets.values()) if earlier.targets else frozenset()
    owned = {f.path for f in resolver.files.values()}
    fresh: dict[str, set[str]] = {}
    for f in redo:
        with resolver.reading() as read:
            if f.path in owned and contributed(store.facts[f.path], f.module, names, every, resolver, rules):
                return None
            fresh[f.path] = read

    by_path = {f.path: f for f in files}
    was_broken = [by_path[p] for p in earlier.broken or () if p not in changed and p not in fresh]
    detected: dict[str, set[str]] = {}
    found = redetect(earlier, changed, redo, store.full_view(), resolver, rules, broken=was_broken,
                     narrow=NameFilter(resolver, names), reads=detected)
    if found is None or found.problems or quiet_rules(rules, found, resolver.modules):
        return None  # (a rule that matches nothing now: its notice is made from every file's imports;
        # a resolution cut for depth: which files' rows it cut is only known by detecting all)
    for p, read in detected.items():
        fresh[p] |= read
    again = changed | set(fresh)
    kept = {p: r for p, r in reads.items() if p not in again}
    still = {p for p in earlier.broken or () if p not in again} | {f.path for f in redo if store.facts[f.path].unparsed}
    return Patched(found.violations, found.definitions, found.suspects, found.targets,
                   {**kept, **encode_reads(fresh, files, resolver)}, sorted(still))


def _named(definitions: Iterable[Definition]) -> set[tuple[str, str]]:
    """The names the rules' uses may be written with, from their definitions."""
    return {(d.rule_id, d.name) for d in definitions}
