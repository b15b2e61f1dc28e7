"""Simulate migration orderings and produce a wave plan with a timeline.

The model (every parameter in ``[simulate]`` of the configuration, defaults in
:class:`wsaudit.config.SimulateSettings`):

* the unit of work is a file with violations; its effort is
  ``(base_hours + per_violation_hours * n) * LogNormal(0, effort_sigma)`` hours;
* files ship in waves (a PR each) of at most ``wave_files`` files, in the order a strategy
  gives; a wave costs its files' effort plus ``validation_hours``, and fails validation with
  probability ``failure_probability``, which sends it back for ``rework_fraction`` of its work
  and another validation, until it passes;
* the team works ``capacity_hours_per_day`` hours a day on one wave at a time;
* a module that re-exports the deprecated symbol may drop it only after every module that
  imports it is migrated; migrating it earlier breaks those imports (``broken_imports``);
* the shim (the deprecated modules and the file defining the deprecated symbol) goes last,
  in a wave of its own, once no other violation is left.

Strategies are plain functions ``order(units, model) -> list[Unit]``; users can pass their own.
Everything random is drawn from ``numpy.random.default_rng`` seeded by ``(seed, run)``, so a
seed gives the same output; all strategies of one run share the same file efforts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from wsaudit.analysis.waves import broken_imports, make_waves, plan_rows
from wsaudit.analysis.work import Model, Unit
from wsaudit.config import SimulateSettings
from wsaudit.errors import UsageError
from wsaudit.model import CATEGORIES, TIERS

__all__ = ["DETERMINISTIC", "EXTRA_MEASURES", "MEASURES", "STRATEGIES", "Run", "Simulation", "Strategy",
           "order_centrality", "order_dependency_safe", "order_leaves_first", "order_random", "order_tier",
           "automation_sentence", "run_once", "simulate"]

MEASURES = ("waves", "days_to_zero_p0", "days_to_done", "exposure_days", "broken_imports")
EXTRA_MEASURES = ("days_to_zero_p1", "days_to_zero_p2")


Strategy = Callable[[list[Unit], Model, np.random.Generator], list[Unit]]


# ------------------------------------------------------------------------- strategies


def order_tier(units: list[Unit], model: Model, rng: np.random.Generator) -> list[Unit]:
    """The seed's order: P0, then P1, then P2; within a tier by path."""
    return sorted(units, key=lambda u: (u.tier, u.path))


def order_centrality(units: list[Unit], model: Model, rng: np.random.Generator) -> list[Unit]:
    """Most Golden Path exposure removed per hour of work first."""
    return sorted(units, key=lambda u: (-u.score / model.hours(u), u.tier, u.path))


def order_leaves_first(units: list[Unit], model: Model, rng: np.random.Generator) -> list[Unit]:
    """Least depended-upon first (fewest importing modules)."""
    return sorted(units, key=lambda u: (u.importers, u.path))


def order_dependency_safe(units: list[Unit], model: Model, rng: np.random.Generator) -> list[Unit]:
    """Centrality order, except that a re-exporter waits for every file importing through it:
    never breaks an import."""
    preferred = {u.path: i for i, u in enumerate(order_centrality(units, model, rng))}
    by_path = {u.path: u for u in units}
    waiting = {u.path: {d for d in model.depends.get(u.path, ()) if d in by_path and d != u.path} for u in units}
    done: set[str] = set()
    out: list[Unit] = []
    while len(out) < len(units):
        ready = [p for p in by_path if p not in done and waiting[p] <= done]
        if not ready:  # a cycle of re-exports: break it where the preferred order says
            ready = [p for p in by_path if p not in done]
        pick = min(ready, key=preferred.__getitem__)
        done.add(pick)
        out.append(by_path[pick])
    return out


def order_random(units: list[Unit], model: Model, rng: np.random.Generator) -> list[Unit]:
    """A seeded shuffle: the baseline."""
    ordered = sorted(units, key=lambda u: u.path)
    return [ordered[i] for i in rng.permutation(len(ordered))]


DETERMINISTIC = (order_tier, order_centrality, order_leaves_first, order_dependency_safe)
STRATEGIES: dict[str, Strategy] = {
    "tier": order_tier,
    "centrality": order_centrality,
    "leaves-first": order_leaves_first,
    "dependency-safe": order_dependency_safe,
    "random": order_random,
}


# ------------------------------------------------------------------------- waves and one run


@dataclass
class Run:
    """The timeline of one Monte Carlo run: an event per wave completion."""

    times: list[float]  # days at which each wave completed
    remaining: list[tuple[int, int, int]]  # non-shim violations left per tier after each wave
    exposure: list[float]  # summed score left after each wave
    attempts: int  # wave submissions, rework included
    broken: int
    start: tuple[tuple[int, int, int], float]  # what was left at day 0

    def day_to_zero(self, tier: int) -> float:
        """The day the last violation of ``tier`` (0 for P0) is migrated; the end of the run
        when some are left (a user strategy that leaves them for the shim wave)."""
        if self.start[0][tier] == 0:
            return 0.0
        return next((t for t, left in zip(self.times, self.remaining) if left[tier] == 0),
                    self.times[-1] if self.times else 0.0)

    def exposure_days(self) -> float:
        """Area under the exposure curve (piecewise constant between wave completions)."""
        area, last_t, last_e = 0.0, 0.0, self.start[1]
        for t, e in zip(self.times, self.exposure):
            area += last_e * (t - last_t)
            last_t, last_e = t, e
        return area

    def at(self, day: float) -> tuple[tuple[int, int, int], float]:
        """What is left at ``day``."""
        state = self.start
        for t, left, e in zip(self.times, self.remaining, self.exposure):
            if t > day:
                break
            state = (left, e)
        return state


@dataclass(frozen=True)
class _Layout:
    """An ordering's waves as arrays, computed once per ordering and reused by every run."""

    members: np.ndarray  # unit indices, wave after wave
    starts: np.ndarray  # where each wave begins in ``members``
    tiers: np.ndarray  # (waves, 3) non-shim violations removed per tier
    scores: np.ndarray  # exposure removed per wave
    start: tuple[tuple[int, int, int], float]


def _per_tier(row: Iterable) -> tuple[int, int, int]:
    """A row of counts per tier (P0, P1, P2), as plain ints."""
    p0, p1, p2 = (int(x) for x in row)
    return p0, p1, p2


def _layout(waves: list[list[Unit]], index: dict[str, int]) -> _Layout:
    members = np.array([index[u.path] for w in waves for u in w], dtype=int)
    # no waves (nothing to migrate): no starts, where cumsum would give the one start of an empty wave
    starts = np.cumsum([0] + [len(w) for w in waves[:-1]]).astype(int) if waves else np.zeros(0, dtype=int)
    tiers = np.array([[sum(u.by_tier[i] for u in w if not u.shim) for i in range(3)] for w in waves], dtype=int)
    scores = np.array([sum(u.score for u in w if not u.shim) for w in waves], dtype=float)
    left = _per_tier(tiers.sum(axis=0)) if len(waves) else (0, 0, 0)
    return _Layout(members, starts, tiers.reshape(-1, 3), scores, (left, float(scores.sum())))


def run_once(layout: _Layout, settings: SimulateSettings, efforts: np.ndarray, rng: np.random.Generator,
             broken: int) -> Run:
    """One run: each wave's work is its files' effort plus validation; every failed validation
    (a geometric number of them) adds ``rework_fraction`` of the work and another validation."""
    s = settings
    if not len(layout.starts):
        return Run([], [], [], 0, broken, layout.start)
    work = np.add.reduceat(efforts[layout.members], layout.starts) + s.validation_hours
    if s.failure_probability > 0:
        failures = rng.geometric(1.0 - s.failure_probability, size=len(work)) - 1
    else:
        failures = np.zeros(len(work), dtype=int)
    hours = work + failures * (s.rework_fraction * work + s.validation_hours)
    times = np.cumsum(hours) / s.capacity_hours_per_day
    left = np.array(layout.start[0]) - np.cumsum(layout.tiers, axis=0)
    exposure = np.maximum(layout.start[1] - np.cumsum(layout.scores), 0.0)
    return Run([float(t) for t in times], [_per_tier(row) for row in left],
               [float(e) for e in exposure], int(len(work) + failures.sum()), broken, layout.start)


# ------------------------------------------------------------------------- comparing strategies


def _summary(values: Iterable[float]) -> dict[str, float]:
    a = np.asarray(list(values), dtype=float)
    p10, p50, p90 = np.percentile(a, [10, 50, 90]) if len(a) else (0.0, 0.0, 0.0)
    return {"p10": round(float(p10), 3), "p50": round(float(p50), 3), "p90": round(float(p90), 3),
            "mean": round(float(a.mean()) if len(a) else 0.0, 3)}


@dataclass
class Simulation:
    """The outcome of :func:`simulate`: per strategy, its runs and their summaries."""

    model: Model
    seed: int
    runs: int
    results: dict[str, list[Run]]
    orders: dict[str, list[list[Unit]]]  # the waves of each strategy in run 0

    def document(self) -> dict[str, Any]:
        """The ``wsaudit simulate --format json`` document (docs/json.md, "JSON of simulate")."""
        strategies = []
        for name, runs in self.results.items():
            entry: dict[str, Any] = {"name": name}
            entry["waves"] = _summary(r.attempts for r in runs)
            entry["days_to_zero_p0"] = _summary(r.day_to_zero(0) for r in runs)
            entry["days_to_done"] = _summary(r.times[-1] if r.times else 0.0 for r in runs)
            entry["exposure_days"] = _summary(r.exposure_days() for r in runs)
            entry["broken_imports"] = _summary(r.broken for r in runs)
            entry["days_to_zero_p1"] = _summary(r.day_to_zero(1) for r in runs)
            entry["days_to_zero_p2"] = _summary(r.day_to_zero(2) for r in runs)
            entry["planned_waves"] = len(self.orders[name])
            strategies.append(entry)
        parameters = {**asdict(self.model.settings), "seed": self.seed, "runs": self.runs,
                      "files": len(self.model.units), "violations": sum(u.violations for u in self.model.units),
                      "category_hours": dict(zip(CATEGORIES, self.model.per_category()))}
        automation = self.automation()
        return {"parameters": parameters, "strategies": strategies, "recommended": self.recommended(),
                "automatable_share": automation["share"], "automation": automation}

    def automation(self) -> dict[str, Any]:
        """What the codemod does of the work (docs/json.md, "JSON of simulate", ``automation``):
        violations and files it rewrites, the share of the violations and of the expected hours,
        the waves that are ``wsaudit migrate --wave N`` in the recommended plan, and the reasons
        it gives for what it leaves, most violations first."""
        units = self.model.units
        total = sum(u.violations for u in units)
        automated = sum(u.n_automated for u in units)
        reasons: dict[str, int] = {}
        for u in units:
            for reason, n in u.reasons:
                reasons[reason] = reasons.get(reason, 0) + n
        hours_auto = sum(self.model.settings.review_hours for u in units if u.n_automated)
        hours_all = sum(self.model.hours(u) for u in units)
        waves = self.orders.get(self.recommended(), [])
        codemod_waves = [i for i, w in enumerate(waves, start=1) if w and all(u.automatable for u in w)]
        return {"known": self.model.automation_known, "violations": total, "automated": automated,
                "manual": total - automated, "share": round(automated / total, 4) if total else 0.0,
                "files_automated": sum(1 for u in units if u.automatable),
                "files_partly_automated": sum(1 for u in units if u.n_automated and not u.automatable),
                "review_hours": round(hours_auto, 3),
                "hours_share": round(hours_auto / hours_all, 4) if hours_all else 0.0,
                "codemod_waves": codemod_waves,
                "by_category": {c: sum(u.automated[i] for u in units) for i, c in enumerate(CATEGORIES)},
                "manual_reasons": [{"reason": r, "violations": n}
                                   for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]}

    def recommended(self) -> str:
        """The strategy with the least mean exposure-days among those that never break an import."""
        doc = {name: runs for name, runs in self.results.items()}
        safe = [n for n, runs in doc.items() if all(r.broken == 0 for r in runs)] or list(doc)
        return min(safe, key=lambda n: (np.mean([r.exposure_days() for r in doc[n]]), n))

    def plan_rows(self, strategy: str) -> list[dict[str, Any]]:
        """The wave plan of ``strategy`` (see :func:`wsaudit.analysis.waves.plan_rows`)."""
        if strategy not in self.orders:
            raise UsageError(f"strategy {strategy!r} was not simulated (simulated: {', '.join(self.orders)})")
        return plan_rows(self.model, self.orders[strategy])

    def daily(self) -> list[dict[str, Any]]:
        """Per strategy and day: p10/p50/p90 of the violations left per tier, the total and the
        exposure left, over the runs (for burndown plots)."""
        out = []
        horizon = max((r.times[-1] for runs in self.results.values() for r in runs if r.times), default=0.0)
        for name, runs in self.results.items():
            for day in range(math.ceil(horizon) + 1):
                states = [r.at(day) for r in runs]
                row: dict[str, Any] = {"strategy": name, "day": day}
                series = {f"left_{t}": [s[0][i] for s in states] for i, t in enumerate(TIERS)}
                series["left_total"] = [sum(s[0]) for s in states]
                series["exposure"] = [s[1] for s in states]
                for key, values in series.items():
                    p10, p50, p90 = np.percentile(values, [10, 50, 90])
                    row.update({f"{key}_p10": float(p10), f"{key}_p50": float(p50), f"{key}_p90": float(p90)})
                row["broken_imports"] = float(np.mean([r.broken for r in runs]))
                out.append(row)
        return out


def simulate(model: Model, strategies: dict[str, Strategy] | Iterable[str] | None = None, *, seed: int = 0,
             runs: int | None = None) -> Simulation:
    """Run every strategy ``runs`` times (default: the configured number) with seeded noise.

    ``strategies``: names from :data:`STRATEGIES`, or a mapping name -> ordering function
    (your own ordering: ``f(units, model, rng) -> list of units``)."""
    if strategies is None:
        chosen = dict(STRATEGIES)
    elif isinstance(strategies, dict):
        chosen = dict(strategies)
    else:
        names = list(strategies)
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            raise UsageError(f"unknown strategy {', '.join(map(repr, unknown))} (known: {', '.join(STRATEGIES)}; "
                             "or pass a mapping name -> ordering function)")
        chosen = {name: STRATEGIES[name] for name in names}
    runs = runs if runs is not None else model.settings.runs
    units = list(model.units)
    s = model.settings
    results: dict[str, list[Run]] = {name: [] for name in chosen}
    orders: dict[str, list[list[Unit]]] = {}
    fixed: dict[str, tuple[list[list[Unit]], _Layout, int]] = {}
    index = {u.path: i for i, u in enumerate(units)}
    nominal = np.array([model.hours(u) for u in units], dtype=float)
    expected = sorted(index)
    for run in range(runs):
        noise = np.random.default_rng([seed, run, 0])
        factors = noise.lognormal(0.0, s.effort_sigma, size=len(units)) if s.effort_sigma > 0 else np.ones(len(units))
        efforts = nominal * factors
        for k, (name, order) in enumerate(chosen.items()):
            if name in fixed:
                waves, layout, broken = fixed[name]
            else:
                ordered = order(list(units), model, np.random.default_rng([seed, run, 1, k]))
                if sorted(u.path for u in ordered) != expected:
                    raise UsageError(f"strategy {name!r} must return every unit exactly once")
                waves = make_waves(ordered, s.wave_files, s.codemod_wave_files)
                layout, broken = _layout(waves, index), broken_imports(waves, model)
                if order in DETERMINISTIC:  # the same order every run: compute it once
                    fixed[name] = (waves, layout, broken)
            if run == 0:
                orders[name] = waves
            results[name].append(run_once(layout, s, efforts, np.random.default_rng([seed, run, 2, k]), broken))
    return Simulation(model, seed, runs, results, orders)


def automation_sentence(document: dict[str, Any]) -> str:
    """What the codemod does of the work, in words (from the document's ``automation``)."""
    a = document.get("automation") or {}
    if not a.get("known"):
        return ("The codemod's plan was not consulted: every violation is costed as a person's work "
                "(wsaudit simulate and wsaudit report consult it unless --no-codemod).")
    if not a["automated"]:
        return f"The codemod rewrites none of the {a['violations']} violations; all are a person's work."
    waves = a["codemod_waves"]
    run = ", ".join(f"`wsaudit migrate --wave {w}`" for w in waves)
    text = (f"The codemod rewrites {a['automated']} of the {a['violations']} violations "
            f"({100 * a['share']:.0f}%): {a['files_automated']} file{'s' if a['files_automated'] != 1 else ''} whole")
    text += f" and {a['files_partly_automated']} in part" if a["files_partly_automated"] else ""
    if waves:
        text += f"; run {run} first, then review its diff (about {a['review_hours']:.1f} hours of review in all)"
    text += f". {a['manual']} violations are left for a person"
    if a["manual_reasons"]:
        top = a["manual_reasons"][:3]
        text += ", most for these reasons: " + "; ".join(f"{r['violations']}: {r['reason']}" for r in top)
    return text + "."
