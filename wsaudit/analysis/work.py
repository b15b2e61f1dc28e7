"""The work a migration is: one unit per file with violations, and what constrains the order.

Built from the ranked records and the import graph (never from an audit object):

* a unit's effort grows with its violations; its score is the Golden Path exposure it removes;
* a module that re-exports the deprecated symbol may drop it only after every file that
  reaches the symbol *through* it (``Violation.via``) is migrated;
* the shim (the deprecated modules and the files defining a deprecated symbol) goes last;
* what the codemod rewrites (:class:`Automation`, computed above this layer by
  ``wsaudit.codemod.automation`` and passed in as plain records) costs the review of the file,
  what it leaves costs a person's hours per violation of its category.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from wsaudit.config import SimulateSettings
from wsaudit.model import CATEGORIES, FileRank, RankedViolation, Rule

NO_AUTOMATION = (0,) * len(CATEGORIES)


@dataclass(frozen=True)
class Automation:
    """What the codemod does in one file: the violations its plan rewrites (and whose checks
    pass), per category in CATEGORIES order, and the reasons it gives for the rest."""

    path: str
    automated: tuple[int, ...]
    reasons: tuple[tuple[str, int], ...] = ()  # (reason, violations left for a person with it)


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
    automated: tuple[int, ...] = NO_AUTOMATION  # violations the codemod rewrites, per category
    reasons: tuple[tuple[str, int], ...] = ()  # why the codemod leaves the rest: (reason, violations)

    @property
    def n_automated(self) -> int:
        """Violations the codemod rewrites in this file."""
        return sum(self.automated)

    @property
    def manual(self) -> tuple[int, ...]:
        """Violations left for a person, per category."""
        return tuple(max(n - a, 0) for n, a in zip(self.by_category, self.automated))

    @property
    def automatable(self) -> bool:
        """Every violation of the file is rewritten by the codemod (the shim never is: it is
        deleted in the last wave)."""
        return not self.shim and self.violations > 0 and self.n_automated >= self.violations


@dataclass(frozen=True)
class Model:
    """The work to schedule: units, who depends on whose re-export, tests, parameters."""

    units: tuple[Unit, ...]
    settings: SimulateSettings
    depends: dict[str, frozenset[str]] = field(default_factory=dict)  # re-exporter -> files importing through it
    tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # module -> test files importing it
    golden_tests: tuple[str, ...] = ()
    category_hours: tuple[float, ...] | None = None  # a person's hours per violation, per category (None: per_violation_hours)
    automation_known: bool = False  # the codemod's plan was consulted (else every row counts as manual)

    def per_category(self) -> tuple[float, ...]:
        """A person's hours per violation, per category (CATEGORIES order)."""
        if self.category_hours is not None:
            return self.category_hours
        return (self.settings.per_violation_hours,) * len(CATEGORIES)

    def hours(self, unit: Unit) -> float:
        """Nominal (median) effort of a unit, in hours: ``review_hours`` when the codemod rewrites
        some of it, plus ``base_hours`` and each manual violation's category cost when a person
        has work left in it.

        >>> s = SimulateSettings(base_hours=0.5, per_violation_hours=0.25, review_hours=0.1)
        >>> u = Unit("a.py", "a", "P1", 3, (0, 3, 0), (2, 1, 0, 0), 0.0, 0, automated=(2, 0, 0, 0))
        >>> round(Model((u,), s).hours(u), 3)  # review + base + one manual call
        0.85
        """
        s = self.settings
        manual = unit.manual
        hours = s.review_hours if unit.n_automated else 0.0
        if sum(manual) or not unit.n_automated:
            hours += s.base_hours + sum(h * n for h, n in zip(self.per_category(), manual))
        return hours

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
                settings: SimulateSettings, *, shim: Collection[str] = (), golden_tests: Sequence[str] = (),
                automation: Mapping[str, Automation] | None = None,
                category_hours: Sequence[float] | None = None) -> Model:
    """The units of work (one per :class:`FileRank`, by path), re-export dependencies (from
    each violation's ``via``), the tests importing each unit's module, and ``golden_tests``
    (paths of the Golden Path tests, run after every wave).

    ``automation``: per path, what the codemod rewrites (None: not known, every row is a
    person's); ``category_hours``: a person's hours per violation per category (None: the
    settings' ``per_violation_hours`` for each)."""
    known = automation is not None
    automation = automation or {}

    def automated(f: FileRank) -> tuple[tuple[int, ...], tuple[tuple[str, int], ...]]:
        a = automation.get(f.path)
        if a is None or f.module in shim:
            return NO_AUTOMATION, a.reasons if a is not None else ()
        return tuple(min(x, n) for x, n in zip(a.automated, f.by_category)), a.reasons

    units = tuple(Unit(f.path, f.module, f.tier, f.violations, f.by_tier, f.by_category, float(f.score),
                       G.in_degree(f.module) if f.module in G else 0, f.module in shim, *automated(f))
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
                 tuple(sorted(golden_tests)), tuple(category_hours) if category_hours is not None else None, known)


def plan_inputs_document(automation: Mapping[str, Automation] | None, calibration: Mapping[str, Any] | None
                         ) -> dict[str, Any]:
    """What a plan was made with, as JSON (``plan_inputs.json`` of ``wsaudit report``): the
    codemod's records per path and the calibration document (``simulate --calibrate``'s)."""
    return {"automation": None if automation is None else
            {p: {"automated": list(a.automated), "reasons": [list(r) for r in a.reasons]}
             for p, a in sorted(automation.items())},
            "calibration": dict(calibration) if calibration is not None else None}


def plan_inputs(document: Mapping[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments of ``Audit.simulate`` from :func:`plan_inputs_document`'s output
    (``automation``, and for a calibration fitted on history, ``settings`` and ``category_hours``).

    >>> doc = plan_inputs_document({"a.py": Automation("a.py", (1, 0, 0, 0))}, None)
    >>> plan_inputs(doc)["automation"]["a.py"].automated
    (1, 0, 0, 0)
    """
    if not document:
        return {}
    out: dict[str, Any] = {}
    if document.get("automation") is not None:
        out["automation"] = {p: Automation(p, tuple(a["automated"]), tuple((str(r), int(n)) for r, n in a["reasons"]))
                             for p, a in document["automation"].items()}
    calibration = document.get("calibration") or {}
    if calibration.get("source") == "history":
        out["settings"] = SimulateSettings(**calibration["settings"])
        out["category_hours"] = tuple(float(calibration["category_hours"][c]) for c in CATEGORIES)
    return out
