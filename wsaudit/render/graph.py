"""``wsaudit graph``: the import graph as JSON, node-link JSON, GraphML, GEXF or DOT.

Nodes carry, besides the module's own fields (docs/json.md, "JSON of graph"), what a graph
tool colours, sizes or filters them by: ``violations`` (in the module's file), ``tier``,
``score`` and ``hops`` (the module's rank, see ``wsaudit rank``), taken from the node's
attributes (:func:`wsaudit.analysis.views.annotate`) or from ``metrics``. DOT is drawn for a
person: modules clustered by package, coloured by tier, edges unlabelled unless asked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from wsaudit.errors import UsageError
from wsaudit.model import DirectImport, ModuleRank, Violation
from wsaudit.render.formats import GRAPH_FORMATS
from wsaudit.render.text import dump_chunks, dumps

if TYPE_CHECKING:  # networkx is imported where a graph is written, not by every command line run
    import networkx as nx

NODE_FIELDS = ("module", "path", "is_test", "is_package", "loc", "golden_path")
METRIC_FIELDS = ("violations", "tier", "score", "hops")
# what a package of a collapsed graph adds (wsaudit.analysis.views.collapse)
COLLAPSED_NODE_FIELDS, COLLAPSED_EDGE_FIELDS = ("modules",), ("imports",)
EDGE_FIELDS = ("source", "target", "line", "context", "implicit", "contexts")
TIER_FILL = {"P0": "#f4b6b6", "P1": "#fbd9a8", "P2": "#e4e4e4"}


def node_metrics(violations: Iterable[Violation], ranks: Mapping[str, ModuleRank]) -> dict[str, dict[str, Any]]:
    """Per module: ``violations`` in its file, its ``tier``, ``score`` and ``hops``.

    >>> from wsaudit.model import ModuleRank
    >>> node_metrics([], {"a": ModuleRank("a", "P1", 0.5, 1, ("g", "a"), "")})
    {'a': {'violations': 0, 'tier': 'P1', 'score': 0.5, 'hops': 1}}
    """
    counts = Counter(v.module for v in violations)
    return {m: {"violations": counts[m], "tier": r.tier, "score": r.score, "hops": r.golden_distance}
            for m, r in sorted(ranks.items())}


def _node_row(G: nx.DiGraph, n: str, metrics: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A node's fields in the documented order: its own, its rank's (from the node or
    ``metrics``), then those of a collapsed package."""
    attrs = G.nodes[n]
    row = {k: attrs[k] for k in NODE_FIELDS}
    row.update({k: attrs[k] for k in METRIC_FIELDS if k in attrs})
    row.update(metrics.get(n, {}))
    row.update({k: attrs[k] for k in COLLAPSED_NODE_FIELDS if k in attrs})
    return row


def _edge_row(data: Mapping[str, Any]) -> dict[str, Any]:
    row = {k: (list(data[k]) if k == "contexts" else data[k]) for k in EDGE_FIELDS}
    row.update({k: data[k] for k in COLLAPSED_EDGE_FIELDS if k in data})
    return row


def graph_parts(G: nx.DiGraph, imports: Iterable[DirectImport],
                metrics: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Iterator[dict[str, Any]]]:
    """The ``nodes``, ``edges`` and ``unresolved`` of :func:`graph_document`, each an iterator
    that makes its rows as they are asked for (written one by one by
    :func:`~wsaudit.render.text.dump_chunks`)."""
    metrics = metrics or {}
    adj = G.adj
    return {
        "nodes": (_node_row(G, n, metrics) for n in sorted(G)),
        # sorted(G.edges)'s order, importer by importer: no list of a tuple per edge (480,000 on
        # 100,000 modules, 35 MB) beside the graph
        "edges": (_edge_row(data) for a in sorted(G) for data in (adj[a][b] for b in sorted(adj[a]))),
        "unresolved": ({k: getattr(r, k) for k in ("source", "target", "line", "context")}
                       for r in imports if not r.resolved),
    }


def graph_document(G: nx.DiGraph, imports: Iterable[DirectImport],
                   metrics: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The ``wsaudit graph --format json`` document; ``unresolved`` lists imports of modules
    outside the tree (third-party or deleted), kept apart from the graph; ``metrics`` (from
    :func:`node_metrics`) adds ``violations``, ``tier``, ``score`` and ``hops`` to each node
    (which otherwise come from the node's attributes, when it has them)."""
    return {name: list(rows) for name, rows in graph_parts(G, imports, metrics).items()}


def _dot_id(text: str) -> str:
    """A quoted DOT id; a newline becomes DOT's line break (a backslash and an ``n``)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _package(G: nx.DiGraph, n: str) -> str:
    """The package a module is drawn in: itself for a package, else its parent ("" at the top).
    A collapsed package (one node for many modules) is drawn in its parent, as a module is."""
    attrs = G.nodes[n]
    return n if attrs.get("is_package") and "modules" not in attrs else n.rpartition(".")[0]


def _node_line(G: nx.DiGraph, n: str, metrics: Mapping[str, Mapping[str, Any]], indent: str,
               package: str | None = None) -> str:
    attrs = G.nodes[n]
    package = _package(G, n) if package is None else package
    label = n[len(package) + 1:] if package and n != package else n.rpartition(".")[2] or n
    if n == package:
        label = "__init__"
    found = {**{k: attrs[k] for k in METRIC_FIELDS if k in attrs}, **metrics.get(n, {})}
    if attrs.get("modules", 1) > 1:
        label += f"\n{attrs['modules']} modules"
    if found.get("violations"):
        label += f"\n{found['violations']} violation" + ("s" if found["violations"] > 1 else "")
    style = [s for s, on in (("bold", attrs.get("golden_path")), ("dashed", attrs.get("is_test"))) if on]
    out = [f"label={_dot_id(label)}"]
    if found.get("violations"):
        style.append("filled")
        out.append(f'fillcolor="{TIER_FILL.get(found.get("tier"), "#ffffff")}"')
    if style:
        out.append(f"style={_dot_id(','.join(style))}")
    # the rank as data (Graphviz draws nothing of attributes it does not know; pydot and gvpr read them)
    ranked = {**found, **({"is_test": attrs["is_test"]} if "is_test" in attrs else {})}
    out.extend(f"{k}={_dot_id(_dot_value(ranked[k]))}" for k in ("tier", "score", "violations", "hops", "is_test")
               if ranked.get(k) is not None)
    return f"{indent}{_dot_id(n)} [{', '.join(out)}];"


def _dot_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def graph_dot(G: nx.DiGraph, metrics: Mapping[str, Mapping[str, Any]] | None = None, *,
              edge_labels: bool = False) -> str:
    """Graphviz DOT for a person: one cluster per package, a module labelled by its own name
    (and its violations, filled by tier), Golden Path modules bold, tests dashed, imports under
    ``TYPE_CHECKING`` dotted, implicit imports of parent packages grey; ``edge_labels`` writes
    each edge's first line number.

    >>> import networkx as nx
    >>> G = nx.DiGraph(); G.add_node("p", is_package=True); G.add_node("p.a", golden_path=True, tier="P0", hops=0)
    >>> G.add_node("b")
    >>> G.add_edge("p.a", "b", line=3, context="module")
    >>> print(graph_dot(G), end="")
    digraph imports {
      rankdir=LR;
      node [shape=box, fontname="Helvetica"];
      "b" [label="b"];
      subgraph "cluster_p" {
        label="p";
        "p" [label="__init__"];
        "p.a" [label="a", style="bold", tier="P0", hops="0"];
      }
      "p.a" -> "b";
    }
    >>> '"p.a" -> "b" [label="3"];' in graph_dot(G, edge_labels=True)
    True
    """
    metrics = metrics or {}
    lines = ["digraph imports {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    members: dict[str, list[str]] = defaultdict(list)
    for n in sorted(G):
        members[_package(G, n)].append(n)
    for n in [n for n in members.get("", []) + [m for k, ms in members.items() if k for m in ms]
              if "modules" in G.nodes[n] and n in members and _package(G, n) != n]:
        # a collapsed package's own __init__ (``app`` beside ``app.core``): drawn in its cluster
        members[_package(G, n)].remove(n)
        members[n].insert(0, n)
    children: dict[str, set[str]] = defaultdict(set)  # package -> the packages drawn inside it
    for package in list(members):
        while package:
            parent = package.rpartition(".")[0]
            children[parent].add(package)
            package = parent

    def cluster(package: str, indent: str) -> None:
        lines.extend(_node_line(G, n, metrics, indent, package) for n in members.get(package, ()))
        for inner in sorted(children.get(package, ())):
            lines.append(f"{indent}subgraph {_dot_id('cluster_' + inner)} {{")
            lines.append(f"{indent}  label={_dot_id(inner)};")
            cluster(inner, indent + "  ")
            lines.append(f"{indent}}}")

    cluster("", "  ")
    for a, b in sorted(G.edges):
        data = G.edges[a, b]
        attrs = []
        if edge_labels:
            attrs.append(f"label=\"{data.get('line', '')}\"")
        if data.get("context") == "type-checking":
            attrs.append("style=dotted")
        if data.get("implicit"):
            attrs.append('color="#bbbbbb"')
        lines.append(f"  {_dot_id(a)} -> {_dot_id(b)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_chunks(G: nx.DiGraph, imports: list[DirectImport], fmt: str,
                 metrics: Mapping[str, Mapping[str, Any]] | None = None, *,
                 edge_labels: bool = False) -> Iterator[str]:
    """:func:`graph_text` in pieces; JSON is made row by row as it is written."""
    if fmt == "json":
        return dump_chunks(graph_parts(G, imports, metrics))
    return iter([graph_text(G, imports, fmt, metrics, edge_labels=edge_labels)])


def graph_text(G: nx.DiGraph, imports: list[DirectImport], fmt: str,
               metrics: Mapping[str, Mapping[str, Any]] | None = None, *, edge_labels: bool = False) -> str:
    """The graph in one of :data:`GRAPH_FORMATS`; ``metrics`` (from :func:`node_metrics`) adds
    per-node ``violations``, ``tier``, ``score`` and ``hops`` (else taken from the nodes'
    attributes); ``edge_labels`` is for DOT. ``node-link`` is networkx's
    ``node_link_data(G, edges="edges")`` (what d3 reads, and ``networkx.node_link_graph``
    reads back), its nodes with the fields of the JSON's and an ``id``."""
    if fmt == "json":
        return dumps(graph_document(G, imports, metrics))
    if fmt == "dot":
        return graph_dot(G, metrics, edge_labels=edge_labels)
    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"unknown graph format {fmt!r}")
    import networkx as nx

    metrics = metrics or {}
    ordered = nx.DiGraph()  # writers keep insertion order: insert sorted for byte-identical output
    if fmt == "node-link":
        ordered.add_nodes_from((n, _node_row(G, n, metrics)) for n in sorted(G))
        ordered.add_edges_from((a, b, _edge_row(G.edges[a, b])) for a, b in sorted(G.edges))
        return dumps(nx.node_link_data(ordered, edges="edges"))
    # GraphML and GEXF hold no lists: the contexts become "module,function"; nor None: a node
    # the Golden Path does not reach has no hops, an edge of packages no line
    ordered.add_nodes_from((n, {k: v for k, v in {**G.nodes[n], **metrics.get(n, {})}.items() if v is not None})
                           for n in sorted(G))
    ordered.add_edges_from((a, b, {k: (",".join(v) if k == "contexts" else v) for k, v in G.edges[a, b].items()
                                   if v is not None})
                           for a, b in sorted(G.edges))
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(ordered)) + "\n"
    return "\n".join(nx.generate_gexf(ordered)) + "\n"
