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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from wsaudit.config import Config, RankSettings
from wsaudit.discover import spec
from wsaudit.exceptions import ConfigError
from wsaudit.graph import match_module
from wsaudit.model import CATEGORIES
from wsaudit.render import VIOLATION_FIELDS, row_dict

if TYPE_CHECKING:
    from wsaudit.api import Audit

TIERS = ("P0", "P1", "P2")
RANK_FIELDS = (*VIOLATION_FIELDS, "tier", "score", "golden_distance", "golden_chain", "reason")
FILE_FIELDS = ("path", "module", "tier", "violations", *CATEGORIES, "score", "golden_distance", "golden_chain",
               "is_test", "reason")


# ------------------------------------------------------------------------- measures


def runtime_graph(G: nx.DiGraph, type_checking: bool = False) -> nx.DiGraph:
    """``G`` without the imports under ``if TYPE_CHECKING:``, which never run.

    >>> G = nx.DiGraph([("a", "b", {"context": "type-checking"}), ("a", "c", {"context": "module"})])
    >>> sorted(runtime_graph(G).edges)
    [('a', 'c')]
    >>> len(runtime_graph(G, type_checking=True).edges)
    2
    """
    dropped = [(a, b) for a, nbrs in G.adj.items() for b, d in nbrs.items() if d.get("context") == "type-checking"]
    if type_checking or not dropped:
        return G
    R = G.copy()
    R.remove_edges_from(dropped)
    return R


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
    problems = []
    found: set[str] = set()
    for pattern in config.golden_path.modules:
        if "*" in pattern:
            matched = {n for n in G if match_module(pattern, n)}
        else:
            matched = {pattern} if pattern in G else set()
        if not matched:
            problems.append((config.source, "golden_path.modules", f"{pattern!r} matches no module in the tree"))
        found |= matched
    for test in golden_tests(G, config, problems):
        found |= {n for n in named_imports(G, test) if not G.nodes[n].get("is_test")}
    if problems:
        raise ConfigError(problems)
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
    by_path = {G.nodes[n]["path"]: n for n in G}
    found = []
    for pattern in config.golden_path.tests:
        matcher = spec([pattern])
        matched = [by_path[p] for p in sorted(by_path) if matcher.match_file(p)]
        if not matched and problems is not None:
            problems.append((config.source, "golden_path.tests", f"{pattern!r} matches no file in the tree"))
        found += matched
    return sorted(set(found))


# ------------------------------------------------------------------------- tiers


@dataclass(frozen=True)
class ModuleRank:
    """Where a module stands relative to the Golden Path."""

    module: str
    tier: str
    score: float
    golden_distance: int | None
    golden_chain: tuple[str, ...]
    reason: str


def rank_modules(G: nx.DiGraph, config: Config) -> dict[str, ModuleRank]:
    """Tier, score and explanation of every module of ``G``."""
    settings: RankSettings = config.rank
    sources = golden_sources(G, config)
    tests = set(golden_tests(G, config))
    R = runtime_graph(G, settings.type_checking)
    distance, parent = golden_distance(R, sources)
    scores = golden_score(R, sources, settings.alpha)
    source_set = set(sources)
    story: dict[str, str] = {}  # "a.py (Golden Path) imports b.py (line 3), which imports c.py (line 2)"

    def describe(n: str) -> str:
        if n not in story:  # iterative: chains can be thousands of modules long
            todo = []
            while n not in story and n in parent:
                todo.append(n)
                n = parent[n]
            if n not in story:
                story[n] = f"{G.nodes[n]['path']} (Golden Path)"
            for m in reversed(todo):
                joint = " " if parent[m] in source_set else ", which "
                story[m] = f"{story[parent[m]]}{joint}imports {G.nodes[m]['path']} (line {G.edges[parent[m], m]['line']})"
            n = todo[0] if todo else n
        return story[n]

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
                tier, reason = "P0", describe(n)
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


_SITS = {"deprecated-import": "where the deprecated import sits", "deprecated-call": "where the deprecated call sits",
         "deprecated-module": "where the deprecated module import sits",
         "deprecated-reference": "where the deprecated reference sits"}


def rank_violations(audit: Audit, modules: dict[str, ModuleRank] | None = None) -> list[dict[str, Any]]:
    """The scan rows plus ``tier, score, golden_distance, golden_chain, reason``, ordered
    by tier, then score (highest first), then path, line and column."""
    modules = modules if modules is not None else rank_modules(audit.graph, audit.config)
    rows = []
    for v in audit.violation_records:
        m = modules.get(v.module) if audit.graph.has_node(v.module) and audit.graph.nodes[v.module]["path"] == v.path else None
        row = row_dict(v, VIOLATION_FIELDS)
        if m is None:  # a file that shares its module name with another one: rank as unreached
            row.update(tier="P2" if v.is_test else "P1", score=0.0, golden_distance=None, golden_chain=[],
                       reason="module name shared with another file; not in the import graph")
        else:
            reason = m.reason + (f", {_SITS[v.category]}" if m.golden_distance else "")
            row.update(tier=m.tier, score=m.score, golden_distance=m.golden_distance,
                       golden_chain=list(m.golden_chain), reason=reason)
        rows.append(row)
    rows.sort(key=lambda r: (r["tier"], -r["score"], r["path"], r["line"], r["col"], r["category"], r["rule_id"]))
    return rows


def rank_files(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per file: counts per category, the tier of its worst violation, summed score."""
    by_path: dict[str, dict[str, Any]] = {}
    for r in rows:
        f = by_path.get(r["path"])
        if f is None:
            f = by_path[r["path"]] = {"path": r["path"], "module": r["module"], "tier": r["tier"], "violations": 0,
                                      **{c: 0 for c in CATEGORIES}, "score": 0.0,
                                      "golden_distance": r["golden_distance"], "golden_chain": r["golden_chain"],
                                      "is_test": r["is_test"], "reason": r["reason"].split(", where")[0]}
        f["violations"] += 1
        f[r["category"]] += 1
        f["score"] += r["score"]
        f["tier"] = min(f["tier"], r["tier"])
    out = list(by_path.values())
    for f in out:
        f["score"] = float(f"{f['score']:.6g}")
    out.sort(key=lambda f: (f["tier"], -f["score"], f["path"]))
    return out


def rank_table(rows: list[dict[str, Any]], by: str = "violation") -> str:
    """A human-readable ranking: one line per row, its reason below it, and tier counts."""
    lines = []
    for r in rows:
        if by == "file":
            counts = " ".join(f"{r[c]} {c.split('-')[1]}" for c in CATEGORIES if r[c])
            lines.append(f"{r['tier']}  {r['score']:<9.4g} {r['path']}  {r['violations']} violations ({counts})")
        else:
            lines.append(f"{r['tier']}  {r['score']:<9.4g} {r['path']}:{r['line']}:{r['col']}  {r['rule_id']}  "
                         f"{r['category']}  {r['name']}")
        lines.append(f"      {r['reason']}")
    tiers = Counter(r["tier"] for r in rows)
    unit = "files" if by == "file" else "violations"
    lines.append("")
    lines.append(f"{len(rows)} {unit}: " + ", ".join(f"{tiers[t]} {t}" for t in TIERS))
    return "\n".join(lines) + "\n"
