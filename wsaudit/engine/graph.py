"""The module import graph.

Edges run from the importing module to the imported one, built from the import records of
:mod:`wsaudit.engine.imports`; imports of modules outside the tree are not edges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import networkx as nx

from wsaudit.model import DirectImport, FileFacts, SourceFile


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
