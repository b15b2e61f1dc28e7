"""Views of the import graph an architect asks for: around a module, near the Golden Path,
only the modules with violations, modules collapsed into their packages.

Plain functions over the import graph ``G`` (edges run importer -> imported), in the style of
``networkx.algorithms``. The filters return read-only subgraph views of ``G`` (``G.subgraph``),
so they compose without copying a 100,000-module graph; :func:`collapse` makes a new, smaller
graph. The node attributes the views read (``violations``, ``tier``, ``score``, ``hops``) are
those :func:`annotate` puts on ``G`` from the ranking (``Audit.graph`` carries them once the
ranking is made).
"""

from __future__ import annotations

import difflib
import posixpath
from collections import Counter, deque
from collections.abc import Iterable, Mapping

import networkx as nx

from wsaudit.errors import UsageError
from wsaudit.model import CONTEXTS, TIERS, ModuleRank, Violation

__all__ = ["RANK_ATTRIBUTES", "annotate", "around", "collapse", "only_violations", "package_of", "within_hops"]

# what the ranking adds to each node, beside the module's own fields (and ``is_test``)
RANK_ATTRIBUTES = ("violations", "tier", "score", "hops")


def annotate(G: nx.DiGraph, ranks: Mapping[str, ModuleRank], violations: Iterable[Violation] = ()) -> nx.DiGraph:
    """Put the ranking on ``G``'s nodes, in place: ``violations`` (in the module's file), the
    module's ``tier`` and ``score``, and ``hops`` (import hops from the nearest Golden Path
    module, ``None`` when the Golden Path does not reach it). Returns ``G``.

    >>> G = nx.DiGraph([("gp", "a")])
    >>> ranks = {"gp": ModuleRank("gp", "P0", 0.6, 0, ("gp",), ""), "a": ModuleRank("a", "P0", 0.4, 1, ("gp", "a"), "")}
    >>> annotate(G, ranks).nodes["a"]
    {'violations': 0, 'tier': 'P0', 'score': 0.4, 'hops': 1}
    """
    counts = Counter(v.module for v in violations)
    for n, attrs in G.nodes.items():
        rank = ranks.get(n)
        attrs["violations"] = counts[n]
        attrs["tier"] = rank.tier if rank else None
        attrs["score"] = rank.score if rank else 0.0
        attrs["hops"] = rank.golden_distance if rank else None
    return G


def _known(G: nx.DiGraph, module: str) -> None:
    """A module a view names must be in the graph; the error names the closest ones."""
    if module in G:
        return
    close = difflib.get_close_matches(module, [str(n) for n in G], n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UsageError(f"no module {module!r} in the import graph{hint}")


def around(G: nx.DiGraph, module: str, depth: int = 1) -> nx.DiGraph:
    """The modules within ``depth`` imports of ``module``, either way (what it imports, what
    imports it, and so on), with the imports between them.

    Raises :class:`~wsaudit.errors.UsageError` (a ``ValueError``) when ``module`` is not a node
    or ``depth`` is negative.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("x", "b")])
    >>> sorted(around(G, "b"))
    ['a', 'b', 'c', 'x']
    >>> sorted(around(G, "b", depth=2).edges)
    [('a', 'b'), ('b', 'c'), ('c', 'd'), ('x', 'b')]
    >>> around(G, "e")
    Traceback (most recent call last):
    ...
    wsaudit.errors.UsageError: no module 'e' in the import graph
    """
    _known(G, module)
    if depth < 0:
        raise UsageError(f"the depth around a module must be at least 0, not {depth}")
    seen = {module: 0}
    queue = deque([module])
    while queue:
        n = queue.popleft()
        if seen[n] == depth:
            continue
        for m in (*G.successors(n), *G.predecessors(n)):
            if m not in seen:
                seen[m] = seen[n] + 1
                queue.append(m)
    return G.subgraph(seen)


def within_hops(G: nx.DiGraph, hops: int) -> nx.DiGraph:
    """The modules the Golden Path reaches within ``hops`` imports (node attribute ``hops``,
    from :func:`annotate`; 0 is the Golden Path itself), with the imports between them.

    >>> G = nx.DiGraph([("gp", "a"), ("a", "b"), ("x", "gp")])
    >>> nx.set_node_attributes(G, {"gp": 0, "a": 1, "b": 2, "x": None}, "hops")
    >>> sorted(within_hops(G, 1))
    ['a', 'gp']
    """
    if hops < 0:
        raise UsageError(f"the hops from the Golden Path must be at least 0, not {hops}")
    return G.subgraph(n for n, h in G.nodes(data="hops") if h is not None and h <= hops)


def only_violations(G: nx.DiGraph) -> nx.DiGraph:
    """The modules that hold a violation (node attribute ``violations``), with the imports
    between them.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": 2, "b": 0, "c": 1}, "violations")
    >>> sorted(only_violations(G))
    ['a', 'c']
    """
    return G.subgraph(n for n, k in G.nodes(data="violations") if k)


def package_of(module: str, depth: int) -> str:
    """The package ``module`` is collapsed into: its first ``depth`` dotted parts.

    >>> package_of("app.core.factory", 2), package_of("app", 2)
    ('app.core', 'app')
    """
    return ".".join(module.split(".")[:depth])


def _worst_tier(tiers: Iterable[str | None]) -> str | None:
    known = [t for t in tiers if t in TIERS]
    return min(known, key=TIERS.index) if known else None


def collapse(G: nx.DiGraph, depth: int) -> nx.DiGraph:
    """The package-level graph: every module becomes its package of ``depth`` dotted parts
    (:func:`package_of`; a module with fewer parts stays itself), an edge runs between two
    packages when a module of one imports a module of the other.

    A package node has ``module`` (its name), ``path`` (the folder of its modules, or the one
    module's file), ``modules`` (how many it stands for), ``is_test`` (all of them are),
    ``is_package``, ``loc`` (summed), ``golden_path`` (any), and, where ``G`` has them,
    ``violations`` (summed), ``tier`` (the worst), ``score`` (the highest) and ``hops`` (the
    fewest). An edge has ``imports`` (how many module edges it stands for), ``contexts`` (of all
    of them, in the order of :data:`~wsaudit.model.CONTEXTS`), ``context`` (the first of those
    that runs, else ``type-checking``), ``implicit`` (all of them are) and ``line`` ``None``
    (no one statement). Imports inside one package are not edges.

    >>> G = nx.DiGraph()
    >>> G.add_nodes_from([("app.core.a", {"violations": 1, "tier": "P1", "hops": 2}),
    ...                   ("app.core.b", {"violations": 2, "tier": "P0", "hops": 1}),
    ...                   ("app.api.v", {"violations": 0, "tier": "P0", "hops": 0})])
    >>> G.add_edges_from([("app.api.v", "app.core.a", {"context": "module"}),
    ...                   ("app.api.v", "app.core.b", {"context": "function"}), ("app.core.a", "app.core.b")])
    >>> P = collapse(G, 2)
    >>> {n: (d["modules"], d["violations"], d["tier"], d["hops"]) for n, d in P.nodes(data=True)}
    {'app.api': (1, 0, 'P0', 0), 'app.core': (2, 3, 'P0', 1)}
    >>> P.edges["app.api", "app.core"]["imports"], P.edges["app.api", "app.core"]["contexts"]
    (2, ['module', 'function'])
    """
    if depth < 1:
        raise UsageError(f"the collapse depth must be at least 1, not {depth}")
    groups: dict[str, list[str]] = {}
    for n in sorted(G):
        groups.setdefault(package_of(n, depth), []).append(n)
    P = nx.DiGraph()
    for name, members in groups.items():
        attrs = [G.nodes[m] for m in members]
        paths = [a["path"] for a in attrs if a.get("path") is not None]
        if len(members) == 1 and members[0] == name:
            path = paths[0] if paths else None
        else:  # the folder holding all of them
            path = posixpath.commonpath([posixpath.dirname(p) or "." for p in paths]) if paths else None
        node = {"module": name, "path": path, "modules": len(members),
                "is_test": all(a.get("is_test", False) for a in attrs),
                "is_package": len(members) > 1 or any(a.get("is_package") for a in attrs),
                "loc": sum(a.get("loc") or 0 for a in attrs),
                "golden_path": any(a.get("golden_path") for a in attrs)}
        if any("violations" in a for a in attrs):
            node["violations"] = sum(a.get("violations") or 0 for a in attrs)
        if any("tier" in a for a in attrs):
            node["tier"] = _worst_tier(a.get("tier") for a in attrs)
        if any("score" in a for a in attrs):
            node["score"] = max(a.get("score") or 0.0 for a in attrs)
        if any("hops" in a for a in attrs):
            hops = [a["hops"] for a in attrs if a.get("hops") is not None]
            node["hops"] = min(hops) if hops else None
        P.add_node(name, **node)
    pairs: dict[tuple[str, str], list[dict]] = {}
    for a, b, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1])):
        pa, pb = package_of(a, depth), package_of(b, depth)
        if pa != pb:
            pairs.setdefault((pa, pb), []).append(data)
    for (pa, pb), edges in sorted(pairs.items()):
        seen = {c for d in edges for c in (d.get("contexts") or (d.get("context", "module"),))}
        contexts = [c for c in CONTEXTS if c in seen]
        running = [c for c in contexts if c != "type-checking"]
        P.add_edge(pa, pb, source=pa, target=pb, line=None, context=running[0] if running else "type-checking",
                   implicit=all(d.get("implicit", False) for d in edges), contexts=contexts, imports=len(edges))
    return P
