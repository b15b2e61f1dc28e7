"""Audit one commit after another, re-detecting only what a commit changed where that is exact.

:func:`audit_tree` does for a tree what :func:`wsaudit.api.audit` does for a folder (module
table, resolution, detection, import records, graph) and returns a :class:`TreeAudit`. Given
the previous commit's :class:`TreeAudit`, it reuses what cannot have changed:

* **incremental** when the configuration and the module table are the same (no module file
  added, deleted, renamed or made unreadable) and no changed module changed its star imports.
  A changed module's *export signature* (each module-level name with what binds it, aliases
  followed; ``__all__``) tells which of its names changed. Another file can resolve
  differently only through one of those names, or through a re-export of one (found to a fixed
  point), or through a star import: so the changed files, the files whose facts mention a changed
  or re-exported name, and the files with star imports are detected again, together with the
  files whose rows are computed from the whole tree (the definitions of a deprecated symbol,
  and, when a file does not parse, the suspects and the files whose imports name the symbol).
  If the deprecated objects themselves changed (a new definition), it falls back to full. The
  changed files' import records are rebuilt and their edges patched into the graph;
* **full** otherwise: everything is detected again, from facts that are already parsed.

Either way the records are those a full audit gives (``tests/functional/test_history.py``
checks every commit of its repositories against a scan of a checkout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import networkx as nx

from wsaudit.config import Config
from wsaudit.engine.detect import detect
from wsaudit.engine.graph import build_graph
from wsaudit.engine.imports import direct_imports
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.model import (
    Definition,
    Diagnostic,
    DirectImport,
    FileFacts,
    Notice,
    SourceFile,
    Violation,
)

_PARSE_FAILURES = frozenset({"syntax-error", "decode-error", "too-complex"})


@dataclass
class TreeAudit:
    """The audit of one tree, with what the next commit's audit can reuse.

    The graph is patched in place by the next :func:`audit_tree` call in incremental mode:
    keep the graph of a commit only until the next commit is audited.
    """

    config: Config
    files: list[SourceFile]
    oids: dict[str, str]  # path -> blob id of every file
    facts: dict[str, FileFacts]  # path -> facts of every readable file
    diagnostics: list[Diagnostic]  # sorted, as in a scan
    violations: list[Violation]  # sorted
    definitions: list[Definition]
    suspects: list[Violation]
    targets: dict[str, frozenset[Canon]]
    imports: list[DirectImport]
    graph: nx.DiGraph
    table: ModuleTable
    notices: list[Notice] = field(default_factory=list)  # full mode only: rules that match nothing
    mode: str = "full"  # or "incremental"
    graph_changed: bool = True  # False: same modules and the same edges (lines aside) as the previous commit
    # bookkeeping for the next commit
    base_diagnostics: list[Diagnostic] = field(default_factory=list, repr=False)
    rows: dict[str, list[Violation]] = field(default_factory=dict, repr=False)
    imports_of: dict[str, list[DirectImport]] = field(default_factory=dict, repr=False)  # by source module
    problems_of: dict[str, list[Diagnostic]] = field(default_factory=dict, repr=False)  # by path
    table_key: tuple = field(default=(), repr=False)
    memo: dict = field(default_factory=dict, repr=False)  # per blob: signatures, mentions (shared along the history)
    detected: int = 0  # files detected again

    @property
    def parsed(self) -> frozenset[str]:
        """Paths of the files that were read and parse."""
        return frozenset(p for p, ff in self.facts.items() if not any(k in _PARSE_FAILURES for k, _, _ in ff.problems))


def _table_key(table: ModuleTable) -> tuple:
    return tuple(sorted((m, f.path, f.is_package) for m, f in table.files.items()))


def export_signature(facts: FileFacts) -> tuple[dict[str, tuple], tuple, tuple[str, ...] | None]:
    """What other modules can see of a module: each module-level name with what binds it
    (aliases followed to the chains they copy), its star imports, and ``__all__``. Where two
    versions of a file have the same signature, every other file resolves the same.

    >>> from wsaudit.engine.parse import parse_source
    >>> a = parse_source(b"from x import y\\n\\ndef f():\\n    return y(1)\\n")
    >>> b = parse_source(b"from x import y\\n\\n\\ndef f():\\n    return y(2) + 1\\n")
    >>> export_signature(a) == export_signature(b), sorted(export_signature(parse_source(b"import y\\n"))[0])
    (True, ['y'])
    """
    seen: set[int] = set()

    def binding(index: int) -> tuple:
        b = facts.bindings[index]
        if b.kind == "alias":
            if index in seen:
                return ("alias-cycle",)
            seen.add(index)
            use = facts.uses[b.target]  # type: ignore[index]
            out = ("alias", b.name, use.chain, tuple(binding(i) for i in use.reaching))
            seen.discard(index)
            return out
        return (b.kind, b.name, b.target, b.module_scope)

    names = {name: tuple(binding(i) for i in indices) for name, indices in facts.namespace.items()}
    return names, tuple(binding(i) for i in facts.stars), facts.all_names


def _tokens(value: object, out: set[str]) -> None:
    """Every name inside a binding descriptor (dotted strings split)."""
    if isinstance(value, str):
        out.update(value.split("."))
    elif isinstance(value, tuple):
        for item in value:
            _tokens(item, out)


def mentions(facts: FileFacts) -> frozenset[str]:
    """Every name a file's facts contain: what it imports and binds, its attribute chains, the
    parts of its dotted strings. A file can resolve through another module's name only by
    mentioning it (or through a star import)."""
    out: set[str] = set(facts.namespace)
    for imp in facts.imports:
        if imp.module:
            out.update(imp.module.split("."))
        for name, asname in imp.names:
            out.update(name.split("."))
            if asname:
                out.add(asname)
    out.update(b.name for b in facts.bindings)
    for use in facts.uses:
        out.update(use.chain)
    for ref in facts.strings:
        out.update(ref.value.split("."))
    for u in facts.unparsed:
        out.update(u.dotted.split("."))
        out.update(u.names)
    return frozenset(out)


def _broken(ff: FileFacts) -> bool:
    return bool(ff.unparsed)


def audit_tree(config: Config, files: list[SourceFile], oids: dict[str, str], facts: dict[str, FileFacts],
               base_diagnostics: list[Diagnostic], previous: TreeAudit | None = None) -> TreeAudit:
    """The audit of a tree whose files, facts and discovery/read diagnostics are given;
    incremental over ``previous`` (the audit of the commit before) where that is exact."""
    table = ModuleTable.of(files, facts)
    key = _table_key(table)
    memo = previous.memo if previous is not None else {}
    if previous is not None and previous.config == config and previous.table_key == key:
        changed = _changed(previous, oids, facts)
        again = _affected(previous, oids, facts, changed, table, memo)
        if again is not None:
            done = _incremental(previous, config, files, oids, facts, base_diagnostics, table, key, changed, again)
            if done is not None:
                return done
    return _full(config, files, oids, facts, base_diagnostics, table, key, memo)


def _changed(previous: TreeAudit, oids: Mapping[str, str], facts: Mapping[str, FileFacts]) -> set[str]:
    """Paths added, deleted, edited, or whose readability changed, since ``previous``."""
    out = {p for p in oids.keys() | previous.oids.keys() if oids.get(p) != previous.oids.get(p)}
    out |= {p for p in facts.keys() ^ previous.facts.keys()}
    return out


def _memo(memo: dict, kind: str, oid: str, facts: FileFacts, compute):
    key = (kind, oid)
    if key not in memo:
        memo[key] = compute(facts)
    return memo[key]


def _affected(previous: TreeAudit, oids: Mapping[str, str], facts: Mapping[str, FileFacts], changed: set[str],
              table: ModuleTable, memo: dict) -> set[str] | None:
    """The files to detect again (see the module's docstring), or None for a full audit."""
    owned = {f.path for f in table.files.values()}
    names: set[str] = set()
    for path in changed & owned:
        old, new = previous.facts.get(path), facts.get(path)
        if old is None or new is None:
            return None
        (a, a_stars, a_all) = _memo(memo, "sig", previous.oids[path], old, export_signature)
        (b, b_stars, b_all) = _memo(memo, "sig", oids[path], new, export_signature)
        if a_stars != b_stars:
            return None  # what a star import brings in is only known by resolving it
        names |= {n for n in a.keys() | b.keys() if a.get(n) != b.get(n)}
        names |= set(a_all or ()) ^ set(b_all or ())
        if (a_all is None) != (b_all is None):
            names |= set(a) | set(b)
    seen: dict[str, frozenset[str]] = {p: _memo(memo, "mentions", oids[p], ff, mentions) for p, ff in facts.items()}
    grown = True
    while grown and names:  # re-exports of a changed name change too: to a fixed point
        grown = False
        for path in owned:
            ff = facts.get(path)
            if ff is None or seen[path].isdisjoint(names):
                continue
            sig = _memo(memo, "sig", oids[path], ff, export_signature)[0]
            for name, binding in sig.items():
                if name not in names:
                    inner: set[str] = set()
                    _tokens(binding, inner)
                    if not inner.isdisjoint(names):
                        names.add(name)
                        grown = True
    again = {p for p in changed if p in facts}
    if names:
        again |= {p for p, m in seen.items() if not m.isdisjoint(names)}
        again |= {p for p, ff in facts.items() if ff.stars}
    return again


def _group_imports(records: list[DirectImport]) -> dict[str, list[DirectImport]]:
    out: dict[str, list[DirectImport]] = {}
    for r in records:
        out.setdefault(r.source, []).append(r)
    return out


def _group(rows: list[Violation], paths) -> dict[str, list[Violation]]:
    out: dict[str, list[Violation]] = {p: [] for p in paths}
    for v in rows:
        out.setdefault(v.path, []).append(v)
    return out


def _full(config: Config, files: list[SourceFile], oids: dict[str, str], facts: dict[str, FileFacts],
          base_diagnostics: list[Diagnostic], table: ModuleTable, key: tuple, memo: dict) -> TreeAudit:
    """As :func:`wsaudit.api.audit` does it, for every file."""
    resolver = Resolver(table, facts.get)
    found = detect(files, facts, config.rules, resolver)
    imports, import_problems = direct_imports(files, facts, table)
    graph = build_graph(files, facts, imports, config.golden_path.modules, table)
    problems = _file_problems(facts)
    problems_of: dict[str, list[Diagnostic]] = {}
    for d in import_problems:
        problems_of.setdefault(d.path, []).append(d)
    diagnostics = sorted(base_diagnostics + problems + import_problems, key=Diagnostic.sort_key)
    return TreeAudit(config, files, oids, facts, diagnostics, found.violations, found.definitions, found.suspects,
                     found.targets, imports, graph, table, found.notices, "full", True, list(base_diagnostics),
                     _group(found.violations, facts), _group_imports(imports), problems_of, key, memo, len(files))


def _file_problems(facts: Mapping[str, FileFacts]) -> list[Diagnostic]:
    return [Diagnostic(path, kind, line, message) for path, ff in facts.items() for kind, line, message in ff.problems]


def _incremental(previous: TreeAudit, config: Config, files: list[SourceFile], oids: dict[str, str],
                 facts: dict[str, FileFacts], base_diagnostics: list[Diagnostic], table: ModuleTable, key: tuple,
                 changed: set[str], again: set[str]) -> TreeAudit | None:
    by_path = {f.path: f for f in files}
    rows = {p: r for p, r in previous.rows.items() if p not in changed and p in facts}
    # rows computed from the whole tree: definitions (every definer), suspects (the names that
    # every deprecated import binds) -- detect them again with the affected files
    names = {r.name for r in config.rules if r.symbol is not None}
    again = set(again)
    again |= {p for p, ff in facts.items() if any(n in names for n, _ in ff.definitions)}
    if any(_broken(ff) for ff in facts.values()):
        again |= {p for p, ff in facts.items() if _broken(ff)}
        again |= {p for p, r in rows.items() if any(v.category == "deprecated-import" for v in r)}
    subset = [by_path[p] for p in sorted(again) if p in by_path]
    found = detect(subset, facts, config.rules, Resolver(table, facts.get))
    if found.targets != previous.targets:
        return None  # the deprecated objects changed: every file may use them
    for p in again:
        rows[p] = []
    for v in found.violations:
        rows.setdefault(v.path, []).append(v)
    violations = sorted((v for r in rows.values() for v in r), key=Violation.sort_key)

    # import records and graph: only the changed modules' own statements can differ
    owned = {f.path: m for m, f in table.files.items()}
    changed_files = [by_path[p] for p in sorted(changed) if p in by_path and p in facts]
    records, import_problems = direct_imports(changed_files, facts, table)
    imports_of = {m: r for m, r in previous.imports_of.items() if table.files[m].path not in changed} \
        if previous.imports_of else {}
    imports_of.update(_group_imports(records))
    problems_of = {p: d for p, d in previous.problems_of.items() if p not in changed}
    for d in import_problems:
        problems_of.setdefault(d.path, []).append(d)
    imports = sorted((r for rs in imports_of.values() for r in rs), key=lambda r: (r.source, r.line, r.target, r.resolved))
    graph = previous.graph
    graph_changed = _patch_graph(graph, [owned[f.path] for f in changed_files if f.path in owned], imports_of,
                                 facts, config, table)
    diagnostics = sorted(base_diagnostics + _file_problems(facts) + [d for ds in problems_of.values() for d in ds],
                         key=Diagnostic.sort_key)
    return TreeAudit(config, files, oids, facts, diagnostics, violations, found.definitions, found.suspects,
                     found.targets, imports, graph, table, [], "incremental", graph_changed, list(base_diagnostics),
                     rows, imports_of, problems_of, key, previous.memo, len(again))


def _edges_of(G: nx.DiGraph, module: str) -> dict[str, tuple]:
    return {t: (d["context"], d["contexts"], d["implicit"]) for t, d in G.adj[module].items()}


def _patch_graph(G: nx.DiGraph, modules: list[str], imports_of: Mapping[str, list[DirectImport]],
                 facts: Mapping[str, FileFacts], config: Config, table: ModuleTable) -> bool:
    """Replace the out-edges (and the node attributes) of ``modules`` with what
    :func:`~wsaudit.engine.graph.build_graph` gives for them; whether any edge changed other
    than by its line."""
    changed = False
    for module in modules:
        if module not in G:
            continue
        records = imports_of.get(module, [])
        wanted = {module} | {r.target for r in records if r.resolved}
        # build_graph itself decides the edges (first statement, contexts, implicit)
        small = build_graph([table.files[m] for m in sorted(wanted) if m in table.files], facts, records,
                            config.golden_path.modules, table)
        before = _edges_of(G, module)
        G.remove_edges_from([(module, t) for t in list(G.adj[module])])
        G.add_edges_from((module, t, d) for t, d in small.adj[module].items())
        G.nodes[module].update(small.nodes[module])
        changed = changed or before != _edges_of(G, module)
    return changed
