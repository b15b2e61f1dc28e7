"""Plan against actual: the observed burndown of a history beside the simulated plan from its start.

Functions over the rows of ``wsaudit history`` (JSON) and a :class:`~wsaudit.analysis.simulate.Simulation`
of the start commit's tree, never over git or an audit:

* :func:`actual` is the observed series: per commit, working days since the start commit
  (Monday to Friday, the simulation's days) and the violations left per tier and area;
* :func:`band` is the plan: per working day, the p10/p50/p90 over the simulated runs of the
  violations left per tier, area and in total. The simulation counts the shim (the deprecated
  modules and the files defining the symbol) apart and removes it last; here its violations are
  counted until that last wave, so that the plan and the actual count the same things;
* :func:`fit_pace` refits the simulation's effort model to the observed pace. Team capacity
  only scales time (``days = hours / capacity``), so a plan at ``f`` times the capacity is the
  same plan with every day divided by ``f``: the ``f`` whose median plan best matches the
  observed series (least squares) is the observed pace, and the plan's days to zero P0 divided
  by ``f`` say when P0 reaches zero at that pace. Uses hidden in files that stopped parsing
  (``suspects``) count as not migrated.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wsaudit.analysis.simulate import Simulation
from wsaudit.analysis.work import Model, Unit
from wsaudit.cells import cell_text
from wsaudit.model import TIERS

SERIES = ("total", *TIERS, "production", "tests")
_GRID = [2.0 ** (k / 16) for k in range(-96, 97)]  # pace factors from 1/64 to 64


def working_days(start: str, date: str) -> int:
    """Working days (Monday to Friday) from the day of ``start`` to the day of ``date`` (ISO 8601,
    each in its own offset, as the committer saw it).

    >>> working_days("2024-03-08T16:00:00+01:00", "2024-03-11T09:00:00+01:00")  # Friday to Monday
    1
    """
    return int(np.busday_count(_dt.date.fromisoformat(start[:10]), _dt.date.fromisoformat(date[:10])))


def actual(rows: Sequence[Mapping[str, Any]], start: str | None = None) -> list[dict[str, Any]]:
    """The observed series from the commit ``start`` (a full or abbreviated hash; default the
    first commit audited) on: one row per audited commit (error rows are left out)."""
    good = [r for r in rows if not r.get("error")]
    if not good:
        return []
    first = next((i for i, r in enumerate(good) if start is None or r["commit"].startswith(start)), None)
    if first is None:
        raise ValueError(f"start commit {start!r} is not among the audited commits")
    origin = good[first]
    out = []
    for r in good[first:]:
        tiers = r.get("by_tier") or {}
        row = {"commit": r["commit"], "date": r["date"], "day": working_days(origin["date"], r["date"]),
               "subject": r["subject"], "total": r["violations"], **{t: tiers.get(t) for t in TIERS},
               "production": r["by_area"]["production"], "tests": r["by_area"]["tests"], "suspects": r["suspects"],
               "flag": (r.get("step") or {}).get("flag") if r is not origin else None}
        row["effective"] = r["violations"] + r["suspects"] - origin["suspects"]
        out.append(row)
    return out


@dataclass(frozen=True)
class _Plan:
    """One strategy's runs as arrays: wave completion times and what is left after each wave."""

    times: np.ndarray  # (runs, waves)
    left: np.ndarray  # (runs, waves + 1, len(SERIES)): left before any wave, then after each
    shim: np.ndarray  # (len(SERIES),) the shim's violations, left until the last wave


def _plan(simulation: Simulation, strategy: str, is_test: Mapping[str, bool]) -> _Plan:
    runs = simulation.results[strategy]
    waves = simulation.orders[strategy]
    n = len(waves)
    units = simulation.model.units

    def counts(us: Iterable[Unit]) -> np.ndarray:
        us = list(us)
        tiers = [sum(u.by_tier[i] for u in us) for i in range(3)]
        tests = sum(u.violations for u in us if is_test.get(u.path, False))
        total = sum(u.violations for u in us)
        return np.array([total, *tiers, total - tests, tests], dtype=float)

    shim = counts(u for u in units if u.shim)
    work = counts(u for u in units if not u.shim)
    # per wave of run 0's order: removed by area (the tiers come from each run's own record)
    removed = np.array([counts(u for u in w if not u.shim) for w in waves]).reshape(n, len(SERIES))
    times = np.array([r.times for r in runs], dtype=float).reshape(len(runs), n)
    left = np.empty((len(runs), n + 1, len(SERIES)))
    left[:, 0, :] = work
    for k, r in enumerate(runs):
        area_left = work - np.cumsum(removed, axis=0) if n else np.zeros((0, len(SERIES)))
        for w in range(n):
            tiers = np.array(r.remaining[w], dtype=float)
            left[k, w + 1, :] = [tiers.sum(), *tiers, area_left[w, 4], area_left[w, 5]]
            # areas from run 0's waves, rescaled to this run's total (the same unless the order is random)
            area = area_left[w, 4] + area_left[w, 5]
            if area:
                left[k, w + 1, 4:] = area_left[w, 4:] * tiers.sum() / area
    has_shim = bool(n and all(u.shim for u in waves[-1]) and shim[0])
    return _Plan(times, left, shim if has_shim else np.zeros(len(SERIES)))


def _left_at(plan: _Plan, days: np.ndarray) -> np.ndarray:
    """(len(days), runs, len(SERIES)): what each run has left at each day."""
    runs, n = plan.times.shape
    done = (plan.times[None, :, :] <= days[:, None, None]).sum(axis=2)  # (days, runs) waves completed
    left = plan.left[np.arange(runs)[None, :], done]  # (days, runs, series)
    shim_left = (done < n)[..., None] * plan.shim[None, None, :]
    return left + shim_left


def band(simulation: Simulation, strategy: str, is_test: Mapping[str, bool], horizon: float | None = None,
         step: float = 0.5) -> list[dict[str, Any]]:
    """The plan's p10/p50/p90 of what is left per day (every ``step`` working days up to
    ``horizon``, default the last wave's p90)."""
    plan = _plan(simulation, strategy, is_test)
    end = horizon if horizon is not None else (float(np.percentile(plan.times[:, -1], 90)) if plan.times.size else 0.0)
    days = np.arange(0.0, math.ceil(end / step) * step + step / 2, step)
    left = _left_at(plan, days)
    p10, p50, p90 = np.percentile(left, [10, 50, 90], axis=1)
    return [{"day": round(float(d), 3), **{f"{s}_{q}": round(float(v[i, j]), 3) for j, s in enumerate(SERIES)
                                           for q, v in (("p10", p10), ("p50", p50), ("p90", p90))}}
            for i, d in enumerate(days)]


@dataclass(frozen=True)
class Pace:
    """The observed pace against the plan, and what it projects."""

    factor: float | None  # observed pace / planned pace (None: nothing to fit on yet)
    points: int  # observed commits after the start the fit used
    planned_zero_p0: dict[str, float]  # the plan's working days to zero P0 (outside the shim): p10, p50, p90
    zero_p0: dict[str, float] | None  # the same at the observed pace

    def sentence(self, start: str) -> str:
        """What a report says about it."""
        plan = f"the plan said day {self.planned_zero_p0['p50']:.1f} (p90 {self.planned_zero_p0['p90']:.1f})"
        if self.factor is None or self.zero_p0 is None:
            return f"No progress to measure a pace on after {start} yet; {plan}."
        return (f"At the observed pace ({self.factor:.2f}x the plan's, fitted on {self.points} commits), zero P0 "
                f"outside the shim on working day {self.zero_p0['p50']:.1f} after {start} (p10-p90: "
                f"{self.zero_p0['p10']:.1f}-{self.zero_p0['p90']:.1f}); {plan}.")


def fit_pace(simulation: Simulation, strategy: str, observed: Sequence[Mapping[str, Any]],
             is_test: Mapping[str, bool]) -> Pace:
    """The pace factor ``f`` that best matches the observed effective totals, and the days to
    zero P0 it projects (see the module's docstring)."""
    runs = simulation.results[strategy]
    zero = np.array([r.day_to_zero(0) for r in runs], dtype=float)
    planned = {q: round(float(v), 3) for q, v in zip(("p10", "p50", "p90"), np.percentile(zero, [10, 50, 90]))}
    points = [(float(o["day"]), float(o["effective"])) for o in observed if o["day"] > 0]
    start = observed[0]["effective"] if observed else None
    if not points or start is None or all(v >= start for _, v in points):
        return Pace(None, len(points), planned, None)
    plan = _plan(simulation, strategy, is_test)
    days = np.array([d for d, _ in points])
    want = np.array([v for _, v in points])
    best = min(_GRID, key=lambda f: (float(((np.median(_left_at(plan, days * f)[:, :, 0], axis=1) - want) ** 2).sum()),
                                     abs(math.log(f))))
    projected = {q: round(v / best, 3) for q, v in planned.items()}
    return Pace(round(best, 4), len(points), planned, projected)


def plan_order(rows: Sequence[Mapping[str, Any]]) -> Callable[[list[Unit], Model, Any], list[Unit]]:
    """A strategy that follows a wave plan (rows of a plan CSV, as ``wsaudit simulate --plan``
    writes it): its files in its order, then any file it does not list, by path. A path is read
    as it was before it was written (:func:`wsaudit.cells.cell_text`)."""
    rank = {cell_text(str(r["path"])): (int(r["wave"]), i) for i, r in enumerate(rows)}
    fallback = (math.inf, math.inf)
    return lambda units, model, rng: sorted(units, key=lambda u: (rank.get(u.path, fallback), u.path))
