"""Time the simulation: 200 Monte Carlo runs of every strategy over a 1,000-file plan.

    .venv/bin/python benchmarks/bench_simulate.py [--files 1000] [--runs 200]

Not a test: it prints a table. The plan is generated with a fixed seed: files with 1-8
violations, tiers and scores drawn at random, 5% of files re-exporting to 1-10 others.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from wsaudit.analysis.simulate import STRATEGIES, simulate
from wsaudit.analysis.work import Model, Unit
from wsaudit.config import SimulateSettings


def make_model(files: int, runs: int, seed: int = 0) -> Model:
    rng = np.random.default_rng(seed)
    units = []
    for i in range(files):
        n = int(rng.integers(1, 9))
        tier = ("P0", "P1", "P2")[int(rng.choice(3, p=[0.1, 0.4, 0.5]))]
        by_tier = tuple(n if t == tier else 0 for t in ("P0", "P1", "P2"))
        score = float(rng.exponential(0.01)) if tier == "P0" else 0.0
        units.append(Unit(f"pkg/m{i:04d}.py", f"pkg.m{i:04d}", tier, n, by_tier, (n, 0, 0, 0), score,
                          int(rng.integers(0, 20)), shim=i == 0))
    depends = {}
    for i in rng.choice(files, size=files // 20, replace=False):
        others = rng.choice(files, size=int(rng.integers(1, 11)), replace=False)
        depends[units[i].path] = frozenset(units[j].path for j in others if j != i)
    return Model(tuple(units), SimulateSettings(runs=runs), depends)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    model = make_model(args.files, args.runs)
    print(f"{args.files} files, {sum(u.violations for u in model.units)} violations, {args.runs} runs; "
          f"Python {platform.python_version()}")
    print()
    print("| strategies | seconds |")
    print("| --- | ---: |")
    total = 0.0
    for name in STRATEGIES:
        start = time.perf_counter()
        simulate(model, [name], seed=0)
        took = time.perf_counter() - start
        total += took
        print(f"| {name} | {took:.2f} |")
    start = time.perf_counter()
    simulate(model, seed=0).document()
    print(f"| all five together, with the summary document | {time.perf_counter() - start:.2f} |")


if __name__ == "__main__":
    main()
