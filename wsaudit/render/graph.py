"""``wsaudit graph``: the import graph as JSON, GraphML, GEXF or DOT."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wsaudit.errors import UsageError
from wsaudit.model import DirectImport
from wsaudit.render.text import dumps

if TYPE_CHECKING:  # networkx is imported where a graph is written, not by every command line run
    import networkx as nx

GRAPH_FORMATS = ("json", "graphml", "gexf", "dot")
NODE_FIELDS = ("module", "path", "is_test", "is_package", "loc", "golden_path")
EDGE_FIELDS = ("source", "target", "line", "context", "implicit", "contexts")


def graph_document(G: nx.DiGraph, imports: Iterable[DirectImport]) -> dict[str, Any]:
    """The ``wsaudit graph --format json`` document; ``unresolved`` lists imports of modules
    outside the tree (third-party or deleted), kept apart from the graph."""
    return {
        "nodes": [{k: G.nodes[n][k] for k in NODE_FIELDS} for n in sorted(G)],
        "edges": [{k: (list(G.edges[e][k]) if k == "contexts" else G.edges[e][k]) for k in EDGE_FIELDS}
                  for e in sorted(G.edges)],
        "unresolved": [{k: getattr(r, k) for k in ("source", "target", "line", "context")}
                       for r in imports if not r.resolved],
    }


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(G: nx.DiGraph) -> str:
    """Graphviz DOT; Golden Path modules drawn bold, tests dashed.

    >>> import networkx as nx
    >>> G = nx.DiGraph(); G.add_node("a", golden_path=True, is_test=False); G.add_node("b")
    >>> G.add_edge("a", "b", line=3, context="module")
    >>> print(graph_dot(G), end="")
    digraph imports {
      rankdir=LR;
      node [shape=box, fontname="Helvetica"];
      "a" [style="bold"];
      "b";
      "a" -> "b" [label="3"];
    }
    """
    lines = ["digraph imports {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for n in sorted(G):
        attrs = G.nodes[n]
        style = [s for s, on in (("bold", attrs.get("golden_path")), ("dashed", attrs.get("is_test"))) if on]
        lines.append(f"  {_dot_id(n)}" + (f" [style={_dot_id(','.join(style))}]" if style else "") + ";")
    for a, b in sorted(G.edges):
        extra = ", style=dotted" if G.edges[a, b].get("context") == "type-checking" else ""
        lines.append(f"  {_dot_id(a)} -> {_dot_id(b)} [label=\"{G.edges[a, b].get('line', '')}\"{extra}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graph_text(G: nx.DiGraph, imports: list[DirectImport], fmt: str) -> str:
    """The graph in one of :data:`GRAPH_FORMATS`."""
    if fmt == "json":
        return dumps(graph_document(G, imports))
    if fmt == "dot":
        return graph_dot(G)
    import networkx as nx

    ordered = nx.DiGraph()  # writers keep insertion order: insert sorted for byte-identical output
    ordered.add_nodes_from((n, G.nodes[n]) for n in sorted(G))
    # GraphML and GEXF hold no lists: the contexts become "module,function"
    ordered.add_edges_from((a, b, {k: (",".join(v) if k == "contexts" else v) for k, v in G.edges[a, b].items()})
                           for a, b in sorted(G.edges))
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(ordered)) + "\n"
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(ordered)) + "\n"
    raise UsageError(f"unknown graph format {fmt!r}")
