"""The module import graph.

Edges run from the importing module to the imported one. Importing ``a.b.c`` also runs the
``__init__`` of ``a`` and ``a.b``, so it depends on them too; ``from P import M`` where ``M`` is
a submodule is an edge to ``M`` (and to ``P``). Imports of modules outside the tree are kept
apart as unresolved :class:`~wsaudit.model.DirectImport` records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import networkx as nx

from wsaudit.detect import Resolver
from wsaudit.model import Diagnostic, DirectImport, FileFacts, SourceFile


@lru_cache(maxsize=256)
def _module_pattern(pattern: str) -> re.Pattern[str]:
    out = []
    for part in re.split(r"(\*\*|\*)", pattern):
        out.append({"**": r".*", "*": r"[^.]*"}.get(part, re.escape(part)))
    return re.compile("".join(out))


def match_module(pattern: str, name: str) -> bool:
    """Whether dotted ``name`` matches ``pattern``: ``*`` within a segment, ``**`` across.

    >>> match_module("app.routes.*", "app.routes.ws")
    True
    >>> match_module("app.*", "app.routes.ws")
    False
    >>> match_module("app.**", "app.routes.ws")
    True
    """
    return _module_pattern(pattern).fullmatch(name) is not None


@lru_cache(maxsize=65536)
def _ancestors(name: str) -> tuple[str, ...]:
    parts = name.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts)))


def direct_imports(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], resolver: Resolver
                   ) -> tuple[list[DirectImport], list[Diagnostic]]:
    """One record per (import statement, imported module), sorted; and bad relative imports."""
    records: list[DirectImport] = []
    problems: list[Diagnostic] = []
    modules = resolver.files
    for f in files:
        file_facts = facts.get(f.path)
        if file_facts is None or modules.get(f.module) is not f:
            continue
        for imp in file_facts.imports:
            if imp.is_from:
                base = resolver.absolute(f.module, imp.level, imp.module)
                if base is None:
                    written = "." * imp.level + (imp.module or "")
                    problems.append(Diagnostic(f.path, "bad-relative-import", imp.line,
                                               f"'from {written} import' goes above the top-level package"))
                    continue
                wanted = [base] + [f"{base}.{n}" for n, _ in imp.names if f"{base}.{n}" in modules]
            else:
                wanted = [name for name, _ in imp.names]
            named: dict[str, bool] = {}  # target -> implicit
            for name in wanted:
                if name not in resolver.known:
                    records.append(DirectImport(f.module, name, imp.line, imp.context, False))
                for package in _ancestors(name):
                    # the importer's own packages have run before it: no dependency to record
                    if package in modules and not f.module.startswith(package + "."):
                        named.setdefault(package, True)
                if name in modules:
                    named[name] = False
            for target, implicit in named.items():
                if target != f.module:
                    records.append(DirectImport(f.module, target, imp.line, imp.context, True, implicit))
    records.sort(key=lambda r: (r.source, r.line, r.target, r.resolved))
    return records, problems


def build_graph(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], imports: Iterable[DirectImport],
                golden_modules: Iterable[str] = ()) -> nx.DiGraph:
    """The import graph: a node per module (attributes ``module, path, is_test, is_package,
    loc, golden_path``), an edge per importing pair (``source, target, line, context``:
    the first statement that imports it; ``implicit``: True when no statement names the
    target, only a submodule of it)."""
    patterns = tuple(golden_modules)
    G = nx.DiGraph()
    for f in sorted(files, key=lambda f: f.path):
        if f.module in G:
            continue
        file_facts = facts.get(f.path)
        G.add_node(f.module, module=f.module, path=f.path, is_test=f.is_test, is_package=f.is_package,
                   loc=file_facts.loc if file_facts else 0,
                   golden_path=any(match_module(p, f.module) for p in patterns))
    for r in sorted(imports, key=lambda r: (r.source, r.target, r.implicit, r.line)):
        if r.resolved and not G.has_edge(r.source, r.target):
            G.add_edge(r.source, r.target, source=r.source, target=r.target, line=r.line, context=r.context,
                       implicit=r.implicit)
    return G
