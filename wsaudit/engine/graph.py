"""The module import graph.

Edges run from the importing module to the imported one, built from the import records of
:mod:`wsaudit.engine.imports`; imports of modules outside the tree are not edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from wsaudit.engine.golden import match_module
from wsaudit.engine.modules import ModuleTable
from wsaudit.model import DirectImport, FileFacts, SourceFile


def build_graph(files: Iterable[SourceFile], facts: Mapping[str, FileFacts] | Mapping[str, int],
                imports: Iterable[DirectImport], golden_modules: Iterable[str] = (),
                modules: ModuleTable | None = None) -> nx.DiGraph:
    """The import graph: a node per module (attributes ``module, path, is_test, is_package,
    loc, golden_path``; ``facts`` gives each path's facts or just its lines of code), an edge per
    importing pair.

    An edge's ``line`` and ``context`` are those of one of its statements: among those that
    name the target (explicit) when there is one, else among those that only name a submodule
    of it (implicit), the first in line order that runs (any context but ``type-checking``),
    else the first. So the edge of ``from ..sql import compiler`` (line 5, which makes
    ``..sql`` implicit) and of ``from ..sql import Select`` under ``if TYPE_CHECKING:`` (line
    9) is explicit, at line 9, ``type-checking``: what is said of the pair is what its explicit
    imports say (as grimp's graph, which has no implicit imports), and ``contexts`` still shows
    that a statement runs (:func:`runs`). ``contexts`` are those of all its statements, in line
    order; ``implicit`` is True when no statement names the target, only a submodule of it."""
    files = list(files)
    table = modules if modules is not None else ModuleTable.of(files, facts)
    patterns = tuple(golden_modules)
    G = nx.DiGraph()
    nodes = []
    for f in sorted(files, key=lambda f: f.path):
        if not table.owns(f):
            continue
        file_facts = facts.get(f.path)
        loc = file_facts if isinstance(file_facts, int) else file_facts.loc if file_facts else 0
        nodes.append((f.module, {"module": f.module, "path": f.path, "is_test": f.is_test, "is_package": f.is_package,
                                 "loc": loc,
                                 "golden_path": any(match_module(p, f.module) for p in patterns)}))
    # the attribute dicts share their keys (see _Node, _Edge): half the memory of a dict each
    G.node_attr_dict_factory, G.edge_attr_dict_factory = _node_attrs, _edge_attrs  # type: ignore[method-assign]
    G.add_nodes_from(nodes)
    # (importer, imported) -> its record, or its records when there are several: most pairs
    # have one, and a list per pair would cost 100 MB on a 100,000-module tree
    pairs: dict[tuple[str, str], DirectImport | list[DirectImport]] = {}
    owned = table.files
    for r in imports:
        if r.resolved and r.source in G and r.target in G:
            # the node's own name, not the record's equal copy: the graph keeps no string of the
            # records alive once they are let go (Audit.release_import_records)
            pair = (owned[r.source].module, owned[r.target].module)
            got = pairs.get(pair)
            if got is None:
                pairs[pair] = r
            elif isinstance(got, list):
                got.append(r)
            else:
                pairs[pair] = [got, r]
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # a few distinct tuples for 100,000s of edges

    def edge(pair: tuple[str, str]) -> tuple[str, str, dict]:
        records = pairs[pair]
        if isinstance(records, list):
            records.sort(key=lambda r: r.line)
            # the statement shown: one that names the target rather than a submodule (an implicit
            # import that runs says nothing of whether the target's names are used at run time),
            # among those the first that runs
            first = min(records, key=lambda r: (r.implicit, r.context == "type-checking", r.line))
            contexts = tuple(dict.fromkeys(r.context for r in records))
            implicit = all(r.implicit for r in records)
        else:  # the common case
            first, contexts, implicit = records, (records.context,), records.implicit
        a, b = pair
        return a, b, {"source": a, "target": b, "line": first.line, "context": first.context,
                      "contexts": shared.setdefault(contexts, contexts), "implicit": implicit}

    G.add_edges_from(edge(pair) for pair in sorted(pairs))  # sorted: the same graph, whatever the order
    del G.node_attr_dict_factory, G.edge_attr_dict_factory  # networkx's own again, for what is added later
    return G


def runs(edge: Mapping) -> bool:
    """Whether a statement of an edge (its attributes) runs: one outside ``if TYPE_CHECKING:``,
    explicit or implicit. An edge whose explicit imports are all for type checking still runs
    when an implicit one does (``from ..sql import compiler`` runs ``sql/__init__.py``).

    >>> runs({"context": "type-checking", "contexts": ("module", "type-checking")}), runs({"context": "module"})
    (True, True)
    >>> runs({"context": "type-checking", "contexts": ("type-checking",)})
    False
    """
    contexts = edge.get("contexts")
    if contexts is None:
        return edge.get("context") != "type-checking"
    return any(c != "type-checking" for c in contexts)


class _Node:
    """A node's attributes in :func:`build_graph`'s order. ``vars()`` of an instance is a plain
    dict that shares its keys with every other one (CPython's key-sharing dicts): 120 bytes
    for six attributes instead of 270, 13 MB on 100,000 modules. Any key can still be added."""

    def __init__(self) -> None:
        self.module = self.path = self.is_test = self.is_package = self.loc = self.golden_path = None


class _Edge:
    """An edge's attributes in :func:`build_graph`'s order, as :class:`_Node`: 65 MB on the
    480,000 edges of a 100,000-module tree."""

    def __init__(self) -> None:
        self.source = self.target = self.line = self.context = self.contexts = self.implicit = None


def _node_attrs() -> dict:
    return vars(_Node())


def _edge_attrs() -> dict:
    return vars(_Edge())
