"""The work a migration is: one unit per file with violations, and what constrains the order.

Built from the ranked records and the import graph (never from an audit object):

* a unit's effort grows with its violations; its score is the Golden Path exposure it removes;
* a module that re-exports the deprecated symbol may drop it only after every file that
  reaches the symbol *through* it (``Violation.via``) is migrated;
* the shim (the deprecated modules and the files defining a deprecated symbol) goes last.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from wsaudit.config import SimulateSettings
from wsaudit.model import FileRank, RankedViolation, Rule


@dataclass(frozen=True)
class Unit:
    """A file to migrate."""

    path: str
    module: str
    tier: str  # of its worst violation
    violations: int
    by_tier: tuple[int, ...]  # violations per tier, in TIERS order (P0, P1, P2)
    by_category: tuple[int, ...]  # violations per category, in CATEGORIES order
    score: float  # summed score of its violations: the exposure it removes
    importers: int  # modules that import it (how depended-upon it is)
    shim: bool = False


@dataclass(frozen=True)
class Model:
    """The work to schedule: units, who depends on whose re-export, tests, parameters."""

    units: tuple[Unit, ...]
    settings: SimulateSettings
    depends: dict[str, frozenset[str]] = field(default_factory=dict)  # re-exporter -> files importing through it
    tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # module -> test files importing it
    golden_tests: tuple[str, ...] = ()

    def hours(self, unit: Unit) -> float:
        """Nominal (median) effort of a unit, in hours."""
        return self.settings.base_hours + self.settings.per_violation_hours * unit.violations

    def expected_hours(self, unit: Unit) -> float:
        """Mean effort: the median times ``exp(sigma^2 / 2)``, the mean of the log-normal noise."""
        return self.hours(unit) * math.exp(self.settings.effort_sigma ** 2 / 2)


def shim_modules(modules: Iterable[str], rules: Iterable[Rule], definitions: Iterable[str]) -> set[str]:
    """The modules of the tree that form the shim: deprecated modules (and their submodules)
    and the modules that define a deprecated symbol (``definitions``: dotted paths of them).

    >>> sorted(shim_modules(["a.f", "a.f.x", "a.g", "b"], [Rule("R", module="a.f")], ["a.g.make"]))
    ['a.f', 'a.f.x', 'a.g']
    """
    names = set(modules)
    rules = list(rules)
    shim = {m for m in names for r in rules if r.covers_module(m)}
    shim |= {dotted.rsplit(".", 1)[0] for dotted in definitions}
    return shim & names


def build_model(ranked: Sequence[RankedViolation], files: Sequence[FileRank], G: nx.DiGraph,
                settings: SimulateSettings, *, shim: Collection[str] = (), golden_tests: Sequence[str] = ()) -> Model:
    """The units of work (one per :class:`FileRank`, by path), re-export dependencies (from
    each violation's ``via``), the tests importing each unit's module, and ``golden_tests``
    (paths of the Golden Path tests, run after every wave)."""
    units = tuple(Unit(f.path, f.module, f.tier, f.violations, f.by_tier, f.by_category, float(f.score),
                       G.in_degree(f.module) if f.module in G else 0, f.module in shim)
                  for f in sorted(files, key=lambda f: f.path))
    by_module = {u.module: u.path for u in units}
    depends: dict[str, set[str]] = defaultdict(set)
    for r in ranked:
        via, path = r.violation.via, r.violation.path
        if via in by_module and by_module[via] != path:
            depends[by_module[via]].add(path)
    tests: dict[str, tuple[str, ...]] = {}
    for module in by_module:
        if module in G:
            tests[module] = tuple(sorted(G.nodes[m]["path"] for m in G.predecessors(module) if G.nodes[m]["is_test"]))
    return Model(units, settings, {k: frozenset(v) for k, v in sorted(depends.items())}, tests,
                 tuple(sorted(golden_tests)))
