"""Audit one commit after another, detecting again only what a commit can have changed.

:func:`audit_commit_tree` does for a commit's tree what :func:`wsaudit.api.audit` does for a
folder (the engine's candidate search, detection and import records, as
:func:`wsaudit.engine.session.audit_tree` runs them on a folder, over its blobs; then the
graph) and returns a :class:`TreeAudit`. A blob is parsed in full only when asked for
(:class:`~wsaudit.history.blobs.CommitFacts`). Given the previous commit's
:class:`TreeAudit`, it reuses what cannot have changed:

* **incremental** when the configuration is the same, no deprecated module (or its top
  package) appeared or went, and no changed module changed its star imports
  (:func:`~wsaudit.history.affected.affected` says which files to detect again). A changed
  module's *export signature* (each module-level name with what binds it, aliases followed;
  ``__all__``) tells which of its names changed; a module that appeared or went changes every
  name of its own and its last name. Another file can resolve differently only by mentioning
  such a name, or a re-export of one (found to a fixed point), or through a star import: so
  the changed files, the files whose facts mention a changed or re-exported name, and the
  files with star imports are detected again, by :func:`wsaudit.engine.patch.redetect` (which
  also makes the definitions and the suspects again, and gives up when the deprecated objects
  changed: then the audit is full). The changed files' import records are made again and
  their edges patched into the graph. A file the audit has no full facts of is read by its
  text for the names it mentions (:class:`~wsaudit.history.affected.TextMentions`), and parsed in full only when it is
  detected again;
* **full** otherwise (and for the first commit): the candidate search of a scan, the files that
  cannot hold a violation read for their imports only (a blob parsed before is not parsed again).

Either way the records are those a full audit gives (``tests/functional/test_history.py``
checks every commit of its repositories against a scan of a checkout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

import networkx as nx

from wsaudit.config import Config
from wsaudit.engine.candidates import NameFilter, select_candidates
from wsaudit.engine.detect import detect, unmatched
from wsaudit.engine.graph import build_graph
from wsaudit.engine.imports import direct_imports
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.patch import redetect
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.engine.suppress import suppress
from wsaudit.history.affected import affected, module_entry
from wsaudit.history.blobs import CommitFacts
from wsaudit.model import (
    Definition,
    Diagnostic,
    DirectImport,
    FileFacts,
    Notice,
    SourceFile,
    Suppression,
    Violation,
)

_PARSE_FAILURES = frozenset({"syntax-error", "decode-error", "too-complex"})


@dataclass
class TreeAudit:
    """The audit of one tree, with what the next commit's audit can reuse.

    The graph is patched in place by the next :func:`audit_commit_tree` call in incremental mode:
    keep the graph of a commit only until the next commit is audited.
    """

    config: Config
    files: list[SourceFile]
    oids: dict[str, str]  # path -> blob id of every file
    facts: CommitFacts  # path -> full facts of every readable file (parsed when asked for)
    diagnostics: list[Diagnostic]  # sorted, as in a scan
    violations: list[Violation]  # sorted
    definitions: list[Definition]
    suspects: list[Violation]
    targets: dict[str, frozenset[Canon]]
    imports: list[DirectImport] | None  # None: not sorted yet (see import_records)
    graph: nx.DiGraph
    table: ModuleTable
    notices: list[Notice] = field(default_factory=list)  # full mode only: rules that match nothing
    mode: str = "full"  # or "incremental"
    graph_changed: bool = True  # False: same modules and the same edges (lines aside) as the previous commit
    # bookkeeping for the next commit
    base_diagnostics: list[Diagnostic] = field(default_factory=list, repr=False)
    imports_of: dict[str, list[DirectImport]] = field(default_factory=dict, repr=False)  # by source module
    problems_of: dict[str, list[Diagnostic]] = field(default_factory=dict, repr=False)  # by path
    table_key: tuple = field(default=(), repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # per blob: signatures, mentions (shared along the history)
    detected: int = 0  # files detected again
    suppressed: list[tuple[Violation, str]] = field(default_factory=list)  # taken out by a comment, with why

    def import_records(self) -> list[DirectImport]:
        """Every import record, sorted as :func:`~wsaudit.engine.imports.direct_imports` sorts them."""
        if self.imports is None:
            self.imports = sorted((r for rs in self.imports_of.values() for r in rs),
                                  key=lambda r: (r.source, r.line, r.target, r.resolved))
        return self.imports

    @cached_property
    def parsed(self) -> frozenset[str]:
        """Paths of the files that were read and parse."""
        return frozenset(p for p in self.facts
                         if not any(k in _PARSE_FAILURES for k, _, _ in self.facts.loaded(p).problems))

    def loc(self) -> dict[str, int]:
        """Path -> lines of code of every readable file (no full parse)."""
        return {p: self.facts.loaded(p).loc for p in self.facts}


def _table_key(table: ModuleTable) -> tuple:
    return tuple(sorted((m, f.path, f.is_package) for m, f in table.files.items()))


def audit_commit_tree(config: Config, files: list[SourceFile], oids: dict[str, str], facts: CommitFacts,
               base_diagnostics: list[Diagnostic], previous: TreeAudit | None = None) -> TreeAudit:
    """The audit of a tree whose files, facts and discovery/read diagnostics are given;
    incremental over ``previous`` (the audit of the commit before) where that is exact.

    ``facts`` parses a file in full only when asked for: a full audit searches for the files
    that can hold a violation as a scan does, and an incremental one reads the full facts of
    the changed files and of those it detects again."""
    table = ModuleTable.of(files, facts)
    key = _table_key(table)
    memo = previous.memo if previous is not None else {}
    if previous is not None and previous.config == config:
        plan = affected(previous, config, oids, facts, table, key, memo)
        if plan is not None:
            done = _incremental(previous, config, files, oids, facts, base_diagnostics, table, key, *plan)
            if done is not None:
                return done
    return _full(config, files, oids, facts, base_diagnostics, table, key, memo)




def _group_imports(records: list[DirectImport]) -> dict[str, list[DirectImport]]:
    out: dict[str, list[DirectImport]] = {}
    for r in records:
        out.setdefault(r.source, []).append(r)
    return out


class _SearchStore:
    """What the candidate search (:func:`~wsaudit.engine.candidates.select_candidates`) reads a
    tree through, as it reads a folder's :class:`~wsaudit.engine.store.FactStore`: the bytes of
    every readable file (``blobs``), and the facts loaded so far (``facts``: full ones where
    asked for, else imports-only), over a commit's blobs."""

    def __init__(self, facts: CommitFacts):
        self.view = facts
        self.blobs = {p: facts.data(p) for p in facts}
        self.facts: dict[str, FileFacts] = {}

    def has_full(self, path: str) -> bool:
        found = self.facts.get(path)
        return found is not None and found.complete

    def load(self, paths: Iterable[str]) -> None:
        paths = [p for p in dict.fromkeys(paths) if p in self.view and not self.has_full(p)]
        self.view.load(paths)
        for p in paths:
            self.facts[p] = self.view[p]

    def load_imports(self, paths: Iterable[str]) -> None:
        paths = [p for p in dict.fromkeys(paths) if p in self.view and p not in self.facts]
        self.view.load((p for p in paths if not self.view.has_full(p)), full=False)
        for p in paths:
            self.facts[p] = self.view.loaded(p)

    def get(self, path: str) -> FileFacts | None:
        if path not in self.view:
            return None
        if not self.has_full(path):
            self.load([path])
        return self.facts[path]


def _full(config: Config, files: list[SourceFile], oids: dict[str, str], facts: CommitFacts,
          base_diagnostics: list[Diagnostic], table: ModuleTable, key: tuple, memo: dict) -> TreeAudit:
    """The audit of every file as a scan makes it (``engine.session``'s candidate search): the
    files that can hold a violation parsed in full, the others for their imports only (full
    facts of a module name resolution looks into are parsed then); and the graph."""
    store = _SearchStore(facts)
    resolver = Resolver(table, store.get)
    names = select_candidates(files, store, config.rules, resolver)
    checked = [f for f in files if store.has_full(f.path)]
    found = detect(checked, store.facts, config.rules, NameFilter(resolver, names))
    store.load_imports(p for p in facts)  # every file's imports: the records, the closest names of a quiet rule
    found.notices = unmatched(config.rules, found, table, files, store.facts)
    imports, import_problems = direct_imports(files, store.facts, table)
    problems = _file_problems(facts)
    kept, suppressed, unused = suppress(found.violations, _suppressions(facts))
    diagnostics = sorted([*base_diagnostics, *problems, *import_problems, *found.problems, *unused],
                         key=Diagnostic.sort_key)
    graph = build_graph(files, _loc(facts), imports, config.golden_path.modules, table)
    problems_of: dict[str, list[Diagnostic]] = {}
    for d in import_problems:
        problems_of.setdefault(d.path, []).append(d)
    return TreeAudit(config, files, oids, facts, diagnostics, list(kept), list(found.definitions),
                     list(found.suspects), dict(found.targets), imports, graph, table, list(found.notices), "full", True,
                     list(base_diagnostics), _group_imports(imports), problems_of, key, memo, len(files),
                     list(suppressed))


def _loc(facts: CommitFacts) -> dict[str, int]:
    return {p: facts.loaded(p).loc for p in facts}


def _suppressions(facts: CommitFacts) -> list[tuple[str, Suppression]]:
    """The suppression comments of the tree: a file that holds one is parsed in full by the
    candidate search (and a changed file always is), so the files with full facts have them all."""
    return [(p, s) for p in sorted(facts) if facts.has_full(p) for s in facts[p].suppressions]


def _file_problems(facts: CommitFacts) -> list[Diagnostic]:
    return [Diagnostic(path, kind, line, message) for path in facts for kind, line, message in facts.loaded(path).problems]


def _incremental(previous: TreeAudit, config: Config, files: list[SourceFile], oids: dict[str, str],
                 facts: dict[str, FileFacts], base_diagnostics: list[Diagnostic], table: ModuleTable, key: tuple,
                 changed: set[str], again: set[str], table_changed: bool) -> TreeAudit | None:
    by_path = {f.path: f for f in files}
    redo = [by_path[p] for p in sorted(again) if p in by_path and p in facts]
    broken = [f for f in files if f.path not in again and f.path in facts and facts.loaded(f.path).unparsed]
    # every row detection found, the suppressed ones too: a comment is per file, and an edit of
    # another file can change what a suppressed row is (as engine.session's patch does)
    every = replace(previous, violations=sorted([*previous.violations, *(v for v, _ in previous.suppressed)],
                                                key=Violation.sort_key))
    found = redetect(every, changed, redo, facts, Resolver(table, facts.get), config.rules, broken=broken)
    if found is None or found.problems or any(d.kind == "too-deep" for d in previous.diagnostics):
        return None  # the deprecated objects changed (every file may use them), or rows cut for depth

    # import records: a file's depend on its own statements and, for the names they mention, the table
    remade = {p for p in (again if table_changed else changed) if p in facts and p in by_path}
    records, import_problems = direct_imports([by_path[p] for p in sorted(remade)], facts, table)
    imports_of = {m: r for m, r in previous.imports_of.items()
                  if m in table.files and table.files[m].path not in remade
                  and previous.table.files[m].path == table.files[m].path}
    imports_of.update(_group_imports(records))
    problems_of = {p: d for p, d in previous.problems_of.items() if p not in remade and p in facts}
    for d in import_problems:
        problems_of.setdefault(d.path, []).append(d)
    owned = {f.path: m for m, f in table.files.items()}
    graph = previous.graph
    graph_changed = _patch_graph(graph, [owned[p] for p in sorted(remade) if p in owned], imports_of, _Loc(facts), config,
                                 table, previous.table) or table_changed
    kept, suppressed, unused = suppress(found.violations, _suppressions(facts))
    diagnostics = sorted(base_diagnostics + _file_problems(facts)
                         + unused + [d for ds in problems_of.values() for d in ds], key=Diagnostic.sort_key)
    return TreeAudit(config, files, oids, facts, diagnostics, kept, found.definitions, found.suspects,
                     found.targets, None, graph, table, [], "incremental", graph_changed, list(base_diagnostics),
                     imports_of, problems_of, key, previous.memo, len(redo), suppressed)


class _Loc(Mapping[str, int]):
    """Path -> lines of code, read when asked for (the graph asks for a few files' only)."""

    def __init__(self, facts: CommitFacts):
        self.facts = facts

    def __getitem__(self, path: str) -> int:
        if path not in self.facts:
            raise KeyError(path)
        return self.facts.loaded(path).loc

    def __iter__(self):
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)


def _edges_of(G: nx.DiGraph, module: str) -> dict[str, tuple]:
    return {t: (d["context"], d["contexts"], d["implicit"]) for t, d in G.adj[module].items()}


def _patch_graph(G: nx.DiGraph, modules: list[str], imports_of: Mapping[str, list[DirectImport]],
                 facts: Mapping[str, int], config: Config, table: ModuleTable, before: ModuleTable) -> bool:
    """Make ``G`` the graph of ``table``: nodes of modules that went (or changed files) removed,
    new ones added, and the out-edges and attributes of ``modules`` replaced with what
    :func:`~wsaudit.engine.graph.build_graph` gives for them; whether any edge changed other
    than by its line."""
    gone = [m for m in G if m not in table.files or module_entry(table.files[m]) != module_entry(before.files.get(m))]
    G.remove_nodes_from(gone)
    new = sorted(m for m in table.files if m not in G)
    for module in new:  # every node first: the edges below may lead to any of them
        G.add_node(module, **build_graph([table.files[module]], facts, [], config.golden_path.modules, table).nodes[module])
    changed = bool(gone or new)
    for module in sorted(set(modules) | set(new)):
        records = imports_of.get(module, [])
        wanted = {module} | {r.target for r in records if r.resolved}
        # build_graph itself decides the nodes and edges (first statement, contexts, implicit)
        small = build_graph([table.files[m] for m in sorted(wanted) if m in table.files], facts, records,
                            config.golden_path.modules, table)
        if module not in small:
            continue
        edges = _edges_of(G, module)
        G.remove_edges_from([(module, t) for t in list(G.adj[module])])
        G.add_edges_from((module, t, d) for t, d in small.adj[module].items() if t in G)
        G.nodes[module].update(small.nodes[module])
        changed = changed or edges != _edges_of(G, module)
    return changed
