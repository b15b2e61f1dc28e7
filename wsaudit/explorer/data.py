"""The document the explorer's page embeds: modules, packages, edges, violations and the
layout, as plain lists (:mod:`wsaudit.explorer`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from wsaudit.engine.graph import runs

if TYPE_CHECKING:
    import networkx as nx

    from wsaudit.model import ModuleRank, Violation

TIER_ORDER = ("P0", "P1", "P2")
# edge kinds, as bits: the page filters on them
RUNS, IMPLICIT = 1, 2


def group_of(G: nx.DiGraph, module: str) -> str:
    """The package a module is drawn in: itself for a package, else its parent ("" at the top).

    >>> import networkx as nx
    >>> G = nx.DiGraph(); G.add_node("p", is_package=True); G.add_node("p.a", is_package=False)
    >>> group_of(G, "p"), group_of(G, "p.a")
    ('p', 'p')
    """
    return module if G.nodes[module].get("is_package") else module.rpartition(".")[0]


def explorer_data(G: nx.DiGraph, ranks: dict[str, ModuleRank], violations: Sequence[Violation], *,
                  title: str = "", source_url: str | None = None, commit: str = "", prefix: str = "",
                  type_checking: bool = False) -> dict[str, Any]:
    """The document the page embeds: plain lists, indices into ``modules`` for references.

    Parameters
    ----------
    G : networkx.DiGraph
        The import graph (``Audit.graph``).
    ranks : dict
        Module -> :class:`~wsaudit.model.ModuleRank` (``Audit.module_ranks``).
    violations : sequence of Violation
        The violations shown (``Audit.violation_records``).
    title : str
        What the page is about (the report's title).
    source_url : str, optional
        ``[report] source_url``: a link template with ``{commit}``, ``{path}`` and ``{line}``.
    commit : str
        The tree's HEAD commit; without one there is no link to the source.
    prefix : str
        The audited root's folder inside the git work tree (``""`` at its top), put before
        each path in a link.
    type_checking : bool
        ``[rank] type_checking``: whether the chains follow ``TYPE_CHECKING`` imports.

    Returns
    -------
    dict
        ``modules`` (one row per module, sorted by name: ``[name, path, group, tier, hops,
        score, is_test, golden_path, parent, violations, loc]``, ``hops`` and ``parent`` -1
        when the Golden Path does not reach it, ``parent`` the previous module of its chain),
        ``groups`` (``[name, column, first, count]``: packages sorted by (column, name), their
        modules a slice of ``order``), ``order`` (module indices, package by package, each
        sorted by (hops, name)), ``edges`` (``[importer, imported, line, kind]``, ``kind``
        bits: 1 the import runs, 2 implicit), ``violations`` (``[module, path, line, col,
        category, rule, name, snippet]``, sorted by path, line, column), ``columns`` (the
        columns' headings), ``source`` (the link template, commit and prefix, or null).
    """
    names = sorted(G)
    index = {n: i for i, n in enumerate(names)}
    reached = [r.golden_distance for r in ranks.values() if r.golden_distance is not None]
    last = max(reached, default=-1) + 1  # the column of modules the Golden Path does not reach

    def column(n: str) -> int:
        hops = ranks[n].golden_distance if n in ranks else None
        return last if hops is None else hops

    modules, members = _module_rows(G, ranks, violations, names, index)
    groups, order = [], []
    keyed = sorted((min(column(m) for m in ms), g) for g, ms in members.items())
    for number, (col, g) in enumerate(keyed):
        ms = sorted(members[g], key=lambda m: (column(m), m))
        groups.append([g, col, len(order), len(ms)])
        for m in ms:
            modules[index[m]][2] = number
            order.append(index[m])
    edges = _edge_rows(G, names, index)
    rows = sorted(violations, key=lambda v: v.sort_key())
    found = [[index.get(v.module, -1), v.path, v.line, v.col, v.category, v.rule_id, v.name, v.snippet]
             for v in rows]
    headings = [("Golden Path" if c == 0 else f"{c} hop{'s' if c > 1 else ''}") for c in range(last)]
    headings.append("not reached from the Golden Path")
    source = ({"template": source_url, "commit": commit, "prefix": prefix.strip("/")}
              if source_url and commit else None)
    return {"version": 1, "title": title, "modules": modules, "groups": groups, "order": order, "edges": edges,
            "violations": found, "columns": headings, "source": source, "type_checking": bool(type_checking),
            "tiers": list(TIER_ORDER)}


def _module_rows(G: nx.DiGraph, ranks: dict[str, ModuleRank], violations: Sequence[Violation], names: list[str],
                 index: dict[str, int]) -> tuple[list[list[Any]], dict[str, list[str]]]:
    """One ``modules`` row per name (its group still 0), and each group's modules, in name order."""
    nodes = G.nodes
    counts: dict[str, int] = defaultdict(int)
    for v in violations:
        counts[v.module] += 1
    modules = []
    members: dict[str, list[str]] = defaultdict(list)
    for n in names:
        attrs, rank = nodes[n], ranks.get(n)
        members[group_of(G, n)].append(n)
        chain = rank.golden_chain if rank is not None else ()
        parent = index[chain[-2]] if len(chain) > 1 and chain[-2] in index else -1
        hops = rank.golden_distance if rank is not None and rank.golden_distance is not None else -1
        modules.append([n, attrs.get("path", ""), 0, rank.tier if rank else "", hops,
                        rank.score if rank else 0.0, bool(attrs.get("is_test")), bool(attrs.get("golden_path")),
                        parent, counts.get(n, 0), int(attrs.get("loc") or 0)])
    return modules, members


def _edge_rows(G: nx.DiGraph, names: list[str], index: dict[str, int]) -> list[list[int]]:
    """The ``edges`` rows, ``[importer, imported, line, kind]``, by importer then imported name."""
    adj = G.adj
    edges = []
    for a in names:
        for b in sorted(adj[a]):
            data = adj[a][b]
            edges.append([index[a], index[b], int(data.get("line") or 0),
                          (RUNS if runs(data) else 0) | (IMPLICIT if data.get("implicit") else 0)])
    return edges
