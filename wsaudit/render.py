"""Render audit results as text: table, JSON, CSV, SARIF; the graph as JSON, GraphML, GEXF, DOT.

Every renderer is deterministic: rows come sorted from the pipeline, keys keep a fixed
order, and nothing depends on time or on the machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config
from wsaudit.model import CATEGORIES, Diagnostic, DirectImport, Violation

if TYPE_CHECKING:  # networkx is imported where a graph is written, not by every command line run
    import networkx as nx

VIOLATION_FIELDS = ("rule_id", "category", "path", "line", "col", "module", "symbol", "name", "context",
                    "snippet", "replacement", "is_test")
SCAN_FORMATS = ("table", "json", "csv", "sarif")
GRAPH_FORMATS = ("json", "graphml", "gexf", "dot")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def dumps(document: Any) -> str:
    """JSON the same way everywhere: two-space indent, UTF-8 kept, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def row_dict(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in fields}


def scan_document(root: str, config: Config, files_scanned: int, violations: list[Violation],
                  diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """The ``wsaudit scan --format json`` document (DESIGN.md, "JSON of scan")."""
    return {
        "version": 1,
        "root": root,
        "config": config.source,
        "files_scanned": files_scanned,
        "violations": [row_dict(v, VIOLATION_FIELDS) for v in violations],
        "diagnostics": [row_dict(d, ("path", "kind", "line", "message")) for d in diagnostics],
    }


def rows_csv(rows: list[dict[str, Any]], fields: Iterable[str]) -> str:
    """CSV with a header row; booleans as ``true``/``false``, None as empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return out.getvalue()


def scan_table(violations: list[Violation], diagnostics: list[Diagnostic], files_scanned: int) -> str:
    """A human-readable listing and summary."""
    lines = []
    for v in violations:
        where = f"{v.path}:{v.line}:{v.col}"
        lines.append(f"{where}  {v.rule_id}  {v.category:<20}  {v.name}  | {v.snippet}")
    files = len({v.path for v in violations})
    counts = Counter(v.category for v in violations)
    summary = ", ".join(f"{counts[c]} {c}" for c in CATEGORIES if counts[c])
    lines.append("")
    lines.append(f"{len(violations)} violations in {files} files ({files_scanned} files scanned)"
                 + (f": {summary}" if summary else ""))
    if diagnostics:
        lines.append(f"{len(diagnostics)} files could not be fully audited:")
        for d in diagnostics:
            where = f"{d.path}:{d.line}" if d.line else d.path
            lines.append(f"  {where}  {d.kind}  {d.message}")
    return "\n".join(lines) + "\n"


TIER_LEVELS = {"P0": "error", "P1": "warning", "P2": "note"}


def sarif(violations: list[Violation], config: Config, version: str,
          extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one result per violation; ``extra[i]`` (optional) adds
    properties to result ``i``, and its ``tier`` sets the level (P0 error, P1 warning, P2 note)."""
    rules = list(config.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for i, v in enumerate(violations):
        more = extra[i] if extra is not None else {}
        rule = rules[index[v.rule_id]]
        text = rule.message or f"{v.symbol} is deprecated"
        if v.replacement:
            text += f" (use {v.replacement})"
        results.append({
            "ruleId": v.rule_id,
            "ruleIndex": index[v.rule_id],
            "level": TIER_LEVELS.get(more.get("tier"), "warning"),
            "message": {"text": f"{v.category}: {v.name}: {text}"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": v.path, "uriBaseId": "SRCROOT"},
                    "region": {"startLine": v.line, "startColumn": v.col + 1, "snippet": {"text": v.snippet}},
                },
                "logicalLocations": [{"fullyQualifiedName": v.module, "kind": "module"}],
            }],
            "properties": {"category": v.category, "context": v.context, "is_test": v.is_test, **more},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wsaudit",
                "version": version,
                "rules": [{
                    "id": r.id,
                    "name": r.id,
                    "shortDescription": {"text": r.message or f"{r.target} is deprecated"},
                    "properties": {"target": r.target, "replacement": r.replacement or ""},
                } for r in rules],
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The audited root"}}},
            "results": results,
        }],
    }


# -------------------------------------------------------------------- graph


NODE_FIELDS = ("module", "path", "is_test", "is_package", "loc", "golden_path")
EDGE_FIELDS = ("source", "target", "line", "context", "implicit")


def graph_document(G: nx.DiGraph, imports: Iterable[DirectImport]) -> dict[str, Any]:
    """The ``wsaudit graph --format json`` document; ``unresolved`` lists imports of modules
    outside the tree (third-party or deleted), kept apart from the graph."""
    return {
        "nodes": [{k: G.nodes[n][k] for k in NODE_FIELDS} for n in sorted(G)],
        "edges": [{k: G.edges[e][k] for k in EDGE_FIELDS} for e in sorted(G.edges)],
        "unresolved": [row_dict(r, ("source", "target", "line", "context")) for r in imports if not r.resolved],
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
    ordered.add_edges_from((a, b, G.edges[a, b]) for a, b in sorted(G.edges))
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(ordered)) + "\n"
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(ordered)) + "\n"
    raise ValueError(fmt)
