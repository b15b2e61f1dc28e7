"""Time the ranking of a 10,000-module import graph (not a test: prints a table).

    .venv/bin/python benchmarks/bench_rank.py [--modules 10000] [--repeat 5]

The graph is generated with a fixed seed: modules in packages, each importing a few others
(preferential attachment, so a few hubs are imported by many), 20 Golden Path modules.
"""

from __future__ import annotations

import argparse
import platform
import random
import time

import networkx as nx

from wsaudit.analysis.rank import (
    golden_betweenness,
    golden_distance,
    golden_reach_share,
    golden_score,
    rank_modules,
)
from wsaudit.config import Config, GoldenPath


def make_graph(n: int, seed: int = 0) -> nx.DiGraph:
    rng = random.Random(seed)
    G = nx.DiGraph()
    names = [f"pkg{i % 20}.sub{i % 7}.mod{i}" for i in range(n)]
    for i, name in enumerate(names):
        G.add_node(name, module=name, path=name.replace(".", "/") + ".py", is_test=i % 10 == 9)
    weights = [1.0] * n
    for i, name in enumerate(names):
        for j in rng.choices(range(n), weights=weights, k=rng.randint(1, 8)):
            if j != i:
                G.add_edge(name, names[j], line=rng.randint(1, 40), context="module", implicit=False)
                weights[j] += 0.5
    return G


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    G = make_graph(args.modules)
    golden = sorted(G)[:: max(1, len(G) // 20)][:20]
    config = Config(source="bench", golden_path=GoldenPath(tuple(golden), ()))
    measures = [
        ("golden_distance + chains", lambda: golden_distance(G, golden)),
        ("golden_score (personalized PageRank)", lambda: golden_score(G, golden)),
        ("golden_reach_share", lambda: golden_reach_share(G, golden)),
        ("golden_betweenness (subset)", lambda: golden_betweenness(G, golden)),
        ("rank_modules (distance, chains, score, tiers, reasons)", lambda: rank_modules(G, config)),
        ("networkx.pagerank, plain (peer)", lambda: nx.pagerank(G)),
    ]
    print(f"{len(G)} modules, {G.number_of_edges()} import edges, {len(golden)} Golden Path modules; "
          f"Python {platform.python_version()}, best of {args.repeat}")
    print()
    print("| measure | seconds |")
    print("| --- | ---: |")
    for name, fn in measures:
        print(f"| {name} | {best(fn, args.repeat):.3f} |")


if __name__ == "__main__":
    main()
