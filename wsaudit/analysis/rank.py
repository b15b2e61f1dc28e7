"""Rank violations by their centrality to the Golden Path, tier them, and say why.

The measures are plain functions over the import graph ``G`` (edges run importer ->
imported), in the style of ``networkx.algorithms``. The Golden Path is a set of modules:
what the user's critical flow runs through, so everything it imports, directly or not, is
exposed when a deprecated API misbehaves.

Tiers (defaults; thresholds in ``[rank]`` of the configuration):

* **P0**: a non-test module on the Golden Path or reached from it by imports (within
  ``p0_max_distance`` hops when set), or a configured Golden Path test file;
* **P1**: any other non-test module, and tests that import a Golden Path module
  (``golden_test_imports_tier``);
* **P2**: everything else (tests that do not touch the Golden Path).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from itertools import pairwise

import networkx as nx

from wsaudit.config import Config, RankSettings
from wsaudit.engine.golden import golden_match
from wsaudit.engine.graph import runs
from wsaudit.errors import ConfigError
from wsaudit.model import CATEGORIES, TIERS, FileRank, ModuleRank, RankedViolation, Violation

__all__ = ["TIERS", "golden_betweenness", "golden_chain", "golden_distance", "golden_reach_share", "golden_score",
           "golden_sources", "golden_tests", "named_imports", "rank_files", "rank_modules", "rank_violations",
           "runtime_graph"]


# ------------------------------------------------------------------------- measures


def runtime_graph(G: nx.DiGraph, type_checking: bool = False) -> nx.DiGraph:
    """``G`` without the imports under ``if TYPE_CHECKING:``, which never run (a read-only view).

    >>> G = nx.DiGraph([("a", "b", {"context": "type-checking"}), ("a", "c", {"context": "module"})])
    >>> sorted(runtime_graph(G).edges)
    [('a', 'c')]
    >>> len(runtime_graph(G, type_checking=True).edges)
    2
    """
    # an edge none of whose statements runs; one whose explicit imports are for type checking
    # but whose implicit import runs (the package's __init__ runs) stays (engine.graph.runs)
    dropped = [(a, b) for a, nbrs in G.adj.items() for b, d in nbrs.items() if not runs(d)]
    if type_checking or not dropped:
        return G
    return nx.restricted_view(G, [], dropped)  # a view, not a copy: 100,000 modules stay one graph in memory


def golden_distance(G: nx.DiGraph, sources: Iterable[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Import hops from the nearest Golden Path module, and each module's parent on one
    shortest path (ties broken by module name, so the result is deterministic).

    ``distance[v] = min over sources s of len(shortest path s -> v)``; modules the Golden
    Path does not reach are absent.

    >>> G = nx.DiGraph([("gp", "a"), ("a", "b"), ("gp2", "b"), ("c", "gp")])
    >>> dist, parent = golden_distance(G, ["gp", "gp2"])
    >>> dict(sorted(dist.items()))
    {'a': 1, 'b': 1, 'gp': 0, 'gp2': 0}
    >>> parent["b"]
    'gp2'
    """
    start = sorted(s for s in set(sources) if s in G)
    distance = {s: 0 for s in start}
    parent: dict[str, str] = {}
    queue = deque(start)
    while queue:
        node = queue.popleft()
        for nxt in sorted(G.successors(node)):
            if nxt not in distance:
                distance[nxt] = distance[node] + 1
                parent[nxt] = node
                queue.append(nxt)
    return distance, parent


def golden_chain(parent: dict[str, str], node: str) -> list[str]:
    """The modules from a Golden Path module down to ``node`` (``[node]`` when it is one).

    >>> golden_chain({"b": "a", "a": "gp"}, "b")
    ['gp', 'a', 'b']
    """
    chain = [node]
    while chain[-1] in parent:
        chain.append(parent[chain[-1]])
    return chain[::-1]


def golden_score(G: nx.DiGraph, sources: Iterable[str], alpha: float = 0.85) -> dict[str, float]:
    """Personalized PageRank restarted at the Golden Path modules, following import edges.

    A random walk starts at a Golden Path module, follows an import with probability
    ``alpha`` and restarts at a Golden Path module otherwise (and at dead ends), so
    ``score(v) = (1 - alpha) * p(v) + alpha * sum(score(u) / outdeg(u) for u -> v)
    + alpha * p(v) * sum(score(d) for dead ends d)``, ``p`` uniform over the Golden Path.
    What the Golden Path depends on most is most central; what it never reaches scores 0.
    Scores sum to 1 (0 everywhere without a Golden Path).

    >>> G = nx.DiGraph([("gp", "a"), ("a", "b"), ("x", "a")])
    >>> {k: round(v, 4) for k, v in sorted(golden_score(G, ["gp"], alpha=0.5).items())}
    {'a': 0.2857, 'b': 0.1429, 'gp': 0.5714, 'x': 0.0}
    """
    start = [s for s in sources if s in G]
    if not start:
        return {n: 0.0 for n in G}
    restart = {n: (1.0 if n in start else 0.0) for n in G}
    total = sum(restart.values())
    restart = {n: v / total for n, v in restart.items()}
    scores = nx.pagerank(G, alpha=alpha, personalization=restart, nstart=restart, dangling=restart,
                         max_iter=1000, tol=1e-12, weight=None)
    return {n: (0.0 if v < 1e-15 else v) for n, v in scores.items()}


def golden_reach_share(G: nx.DiGraph, sources: Iterable[str]) -> dict[str, float]:
    """The share of Golden Path modules from which each module is reachable (itself included).

    >>> G = nx.DiGraph([("gp1", "a"), ("gp2", "b"), ("a", "b")])
    >>> dict(sorted(golden_reach_share(G, ["gp1", "gp2"]).items()))
    {'a': 0.5, 'b': 1.0, 'gp1': 0.5, 'gp2': 0.5}
    """
    start = sorted(s for s in set(sources) if s in G)
    counts: Counter[str] = Counter()
    for s in start:
        counts.update(nx.descendants(G, s) | {s})
    return {n: (counts[n] / len(start) if start else 0.0) for n in G}


def golden_betweenness(G: nx.DiGraph, sources: Iterable[str]) -> dict[str, float]:
    """Betweenness restricted to shortest paths that start on the Golden Path
    (``networkx.betweenness_centrality_subset``, sources = Golden Path, targets = all).

    >>> G = nx.DiGraph([("gp", "hub"), ("hub", "a"), ("hub", "b")])
    >>> golden_betweenness(G, ["gp"])["hub"]
    2.0
    """
    start = sorted(s for s in set(sources) if s in G)
    if not start:
        return {n: 0.0 for n in G}
    return nx.betweenness_centrality_subset(G, sources=start, targets=list(G), normalized=False)


# ------------------------------------------------------------------------- the Golden Path


def golden_sources(G: nx.DiGraph, config: Config) -> list[str]:
    """The Golden Path modules: configured module names or globs, plus the non-test modules
    that the configured Golden Path test files import. Patterns that match nothing are a
    configuration error naming them."""
    matched = golden_match(config, {n: G.nodes[n]["path"] for n in G})
    found = set(matched.modules)
    for test in matched.tests:
        found |= {n for n in named_imports(G, test) if not G.nodes[n].get("is_test")}
    if matched.problems:
        raise ConfigError(list(matched.problems))
    return sorted(found)


def named_imports(G: nx.DiGraph, node: str) -> list[str]:
    """The modules ``node``'s import statements name (not the parent packages they imply).

    >>> G = nx.DiGraph([("t", "pkg", {"implicit": True}), ("t", "pkg.mod", {"implicit": False})])
    >>> named_imports(G, "t")
    ['pkg.mod']
    """
    return sorted(m for m in G.successors(node) if not G.edges[node, m].get("implicit"))


def golden_tests(G: nx.DiGraph, config: Config, problems: list | None = None) -> list[str]:
    """The modules of the configured Golden Path test files (paths or globs)."""
    matched = golden_match(config, {n: G.nodes[n]["path"] for n in G})
    if problems is not None:
        problems += [p for p in matched.problems if p[1] == "golden_path.tests"]
    return list(matched.tests)


# ------------------------------------------------------------------------- tiers


def rank_modules(G: nx.DiGraph, config: Config) -> dict[str, ModuleRank]:
    """Tier, score and explanation of every module of ``G``."""
    settings: RankSettings = config.rank
    sources = golden_sources(G, config)
    tests = set(golden_tests(G, config))
    R = runtime_graph(G, settings.type_checking)
    distance, parent = golden_distance(R, sources)
    scores = golden_score(R, sources, settings.alpha)
    source_set = set(sources)
    # "a.py (Golden Path) imports b.py (line 3), which imports c.py (line 2)": made from the
    # module's chain and one piece per module on it, not from the parent's whole story kept
    # for every module (on 100,000 modules those stories are 60 MB beside the reasons)
    step: dict[str, str] = {}

    def describe(chain: tuple[str, ...]) -> str:
        for a, b in pairwise(chain):
            if b not in step:
                joint = " " if a in source_set else ", which "
                step[b] = f"{joint}imports {G.nodes[b]['path']} (line {G.edges[a, b]['line']})"
        return "".join([f"{G.nodes[chain[0]]['path']} (Golden Path)", *(step[b] for b in chain[1:])])

    chains: dict[str, tuple[str, ...]] = {}

    def chain_of(n: str) -> tuple[str, ...]:  # golden_chain, sharing the work of common prefixes
        todo = []
        while n not in chains and n in parent:
            todo.append(n)
            n = parent[n]
        chains.setdefault(n, (n,))
        for m in reversed(todo):
            chains[m] = chains[parent[m]] + (m,)
        return chains[todo[0] if todo else n]

    out = {}
    for n in sorted(G):
        attrs = G.nodes[n]
        hops = distance.get(n)
        chain = chain_of(n) if hops is not None else ()
        within = hops is not None and (settings.p0_max_distance is None or hops <= settings.p0_max_distance)
        if n in tests:
            tier, reason = "P0", f"{attrs['path']} is a configured Golden Path test"
        elif not attrs["is_test"] and within:
            if hops == 0:
                tier, reason = "P0", f"{attrs['path']} is on the Golden Path"
            else:
                tier, reason = "P0", describe(chain)
        elif not attrs["is_test"]:
            tier = "P1"
            reason = (f"{attrs['path']} is {hops} import hops from the Golden Path, beyond p0_max_distance"
                      if hops is not None else f"no Golden Path module imports {attrs['path']}, directly or not")
        elif imports_golden := [m for m in named_imports(G, n) if m in source_set]:
            first = imports_golden[0]
            tier = settings.golden_test_imports_tier
            reason = (f"test {attrs['path']} imports Golden Path module {G.nodes[first]['path']} "
                      f"(line {G.edges[n, first]['line']})")
        else:
            tier, reason = "P2", f"test {attrs['path']} does not import the Golden Path"
        out[n] = ModuleRank(n, tier, float(f"{scores.get(n, 0.0):.6g}"), hops, tuple(chain), f"{tier}: {reason}")
    return out


def rank_violations(violations: Iterable[Violation], G: nx.DiGraph, modules: Mapping[str, ModuleRank]
                    ) -> list[RankedViolation]:
    """Each violation with its module's tier, score, distance and chain, ordered by tier, then
    score (highest first), then path, line and column."""
    out = []
    for v in violations:
        m = modules.get(v.module) if G.has_node(v.module) and G.nodes[v.module]["path"] == v.path else None
        if m is None:  # a file that shares its module name with another one: rank as unreached
            out.append(RankedViolation(v, "P2" if v.is_test else "P1", 0.0, None, (),
                                       "module name shared with another file; not in the import graph"))
        else:
            out.append(RankedViolation(v, m.tier, m.score, m.golden_distance, m.golden_chain, m.reason))
    out.sort(key=RankedViolation.sort_key)
    return out


def rank_files(ranked: Iterable[RankedViolation]) -> list[FileRank]:
    """One record per file: counts per category and tier, the tier of its worst violation, the
    summed score; ordered by tier, then score (as shown, highest first), then path."""
    by_path: dict[str, list[RankedViolation]] = {}
    for r in ranked:
        by_path.setdefault(r.violation.path, []).append(r)
    out = []
    for path, mine in by_path.items():
        first = mine[0]
        tiers = Counter(r.tier for r in mine)
        cats = Counter(r.violation.category for r in mine)
        out.append(FileRank(path, first.violation.module, min(tiers), len(mine), tuple(cats[c] for c in CATEGORIES),
                            tuple(tiers[t] for t in TIERS), sum(r.score for r in mine), first.golden_distance,
                            first.golden_chain, first.violation.is_test, first.module_reason))
    out.sort(key=FileRank.sort_key)
    return out
