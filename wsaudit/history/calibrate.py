"""The effort model fitted on the team's own history, and the plan back-tested against what happened.

Functions over the rows of ``wsaudit history`` (JSON), never over an audit:

* :func:`fit` reads the commits that fixed violations (a commit whose step fixed some, by an
  edit: not a deletion, not a file that stopped parsing) as the team's pull requests: each
  took the working time since the previous fixing commit (or the start), for the violations it
  fixed per category and the files it edited. The simulation's expected hours for such a wave
  are linear in its parameters (``validation_hours`` and the rework it expects included), so a
  least-squares fit gives a scale ``k`` of every hour of the model (``base_hours``,
  ``validation_hours``, ``review_hours``) and a person's hours per violation for each category
  (non-negative, pulled towards ``k`` times the default where the history says little); the
  wave size is the median number of files a fixing commit edited. The uncertainty is a
  bootstrap over the fixing commits (a seeded generator: the same history gives the same
  numbers). Without a fixing commit, the defaults, labelled as such.
* :func:`observed_zero` says when each tier actually reached zero after a start commit (the
  shim's own violations, which the plan removes last, aside), and :func:`backtest_errors`
  compares it with a simulation made at that commit: the error in working days per tier.
* :func:`export_tree` writes a commit's tree into a folder, so that what reads files from disk
  (the codemod's planning) sees the tree as it was.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from wsaudit.config import SimulateSettings
from wsaudit.history.git import Repository
from wsaudit.model import CATEGORIES, TIERS

BOOTSTRAP = 200
_QUANTILES = (10, 50, 90)
_PRIOR_WEIGHT = 1.0  # how many fixing commits' worth of evidence the default per-category cost counts as


def _clock(when: _dt.datetime) -> float:
    """The share of a 9-to-5 working day gone at ``when`` (0 before nine, 1 after five)."""
    return min(max((when.hour * 60 + when.minute - 9 * 60) / (8 * 60), 0.0), 1.0)


def work_days(start: str, end: str) -> float:
    """Working days (Monday to Friday, nine to five) from ``start`` to ``end`` (ISO 8601, each
    in its own offset, as the committer saw it), never negative.

    >>> work_days("2024-03-08T16:00:00+01:00", "2024-03-11T10:00:00+01:00")  # Friday 16:00 to Monday 10:00
    0.25
    >>> work_days("2024-03-11T09:00:00+01:00", "2024-03-11T13:00:00+01:00")
    0.5
    """
    a, b = _dt.datetime.fromisoformat(start), _dt.datetime.fromisoformat(end)
    whole = int(np.busday_count(a.date(), b.date()))
    return max(whole + _clock(b) - _clock(a), 0.0)


@dataclass(frozen=True)
class FixingCommit:
    """One commit that fixed violations: when, how long since the previous one, what it fixed."""

    commit: str
    date: str
    days: float  # working days since the previous fixing commit (or the start)
    files: int  # files it edited
    fixed: tuple[float, ...]  # violations fixed per category (CATEGORIES order)


def fixing_commits(rows: Sequence[Mapping[str, Any]]) -> list[FixingCommit]:
    """The commits of a history (rows of ``wsaudit history --format json``, oldest first) that
    fixed violations by editing files, with the working time each took."""
    good = [r for r in rows if not r.get("error") and r.get("by_category")]
    out: list[FixingCommit] = []
    last = good[0]["date"] if good else None
    for prev, cur in zip(good, good[1:]):
        step = cur.get("step") or {}
        fixed = int(step.get("fixed") or 0)
        if fixed <= 0 or step.get("stopped_parsing") or step.get("hidden_by_breakage"):
            continue
        drops = [max(int(prev["by_category"].get(c) or 0) - int(cur["by_category"].get(c) or 0), 0)
                 for c in CATEGORIES]
        total = sum(drops)
        per = tuple(d * fixed / total for d in drops) if total else (fixed / len(CATEGORIES),) * len(CATEGORIES)
        out.append(FixingCommit(cur["commit"], cur["date"], work_days(last, cur["date"]),
                                max(int(step.get("edited_files") or 0), 1), per))
        last = cur["date"]
    return out


@dataclass(frozen=True)
class Calibration:
    """The fitted model, or the defaults when there was nothing to fit on."""

    source: str  # "history" or "defaults"
    settings: SimulateSettings
    category_hours: tuple[float, ...]  # a person's hours per violation, per category
    commits: int  # fixing commits fitted on
    scale: dict[str, float]  # p10, p50, p90 of the hours scale k (1.0: the defaults)
    category_bands: dict[str, dict[str, float]]  # per category: p10, p50, p90 of its hours per violation
    wave_files: dict[str, float]  # p10, p50, p90 of the files a fixing commit edited
    why: str = ""  # for the defaults: why nothing was fitted

    def document(self) -> dict[str, Any]:
        """The ``calibration`` object of ``wsaudit simulate --format json`` (docs/json.md)."""
        return {"source": self.source, "commits": self.commits, "scale": self.scale,
                "category_hours": dict(zip(CATEGORIES, (round(h, 4) for h in self.category_hours))),
                "category_bands": self.category_bands, "wave_files": self.wave_files,
                "settings": asdict(self.settings), "why": self.why}

    def sentence(self) -> str:
        """What a report says about where the model's numbers come from."""
        if self.source != "history":
            return ("Effort model: the defaults ([simulate] of the configuration), not fitted on history: "
                    f"{self.why or 'not asked for (--calibrate)'}.")
        hours = ", ".join(f"{c.removeprefix('deprecated-')} {h:.2f} h" for c, h in zip(CATEGORIES, self.category_hours))
        s = self.scale
        return (f"Effort model fitted on {self.commits} commit{'s' if self.commits != 1 else ''} that fixed violations: every hour of the defaults "
                f"times {s['p50']:.2f} (p10-p90 {s['p10']:.2f}-{s['p90']:.2f}), {self.settings.wave_files} "
                f"file{'s' if self.settings.wave_files != 1 else ''} a wave; a person's hours per violation: {hours}.")


def defaults(settings: SimulateSettings, why: str = "") -> Calibration:
    """The configured model, labelled as the defaults (``why``: why nothing was fitted)."""
    one = {"p10": 1.0, "p50": 1.0, "p90": 1.0}
    per = (settings.per_violation_hours,) * len(CATEGORIES)
    return Calibration("defaults", settings, per, 0, one,
                       {c: {"p10": h, "p50": h, "p90": h} for c, h in zip(CATEGORIES, per)},
                       {q: float(settings.wave_files) for q in ("p10", "p50", "p90")}, why)


def _design(commits: Sequence[FixingCommit], s: SimulateSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per commit: the hours the defaults expect for its fixed overheads (files and validation,
    rework included), the multiplier of each category's hours, and the observed hours."""
    m = s.failure_probability / (1.0 - s.failure_probability)  # expected failed validations per wave
    noise = math.exp(s.effort_sigma ** 2 / 2)  # the mean of the log-normal effort noise
    grow = 1.0 + m * s.rework_fraction
    fixed = np.array([s.base_hours * noise * c.files * grow + s.validation_hours * (grow + m) for c in commits])
    per = np.array([[n * noise * grow for n in c.fixed] for c in commits]).reshape(len(commits), len(CATEGORIES))
    observed = np.array([c.days * s.capacity_hours_per_day for c in commits])
    return fixed, per, observed


def _solve(fixed: np.ndarray, per: np.ndarray, observed: np.ndarray, prior: float) -> tuple[float, np.ndarray]:
    """The scale ``k`` and per-category hours ``h`` (non-negative) that best explain the
    observed hours as ``k * fixed + per @ h``; ``h`` is pulled towards ``k * prior``."""
    from scipy.optimize import nnls

    default = fixed.sum() + per.sum() * prior
    k = float(observed.sum() / default) if default > 0 else 1.0
    weight = _PRIOR_WEIGHT * math.sqrt(max(float((per ** 2).sum()) / max(len(per), 1), 1e-12))
    a = np.vstack([per, weight * np.eye(per.shape[1])])
    b = np.concatenate([observed - k * fixed, weight * np.full(per.shape[1], k * prior)])
    h, _ = nnls(a, b)
    return k, h


def _band(values: Sequence[float], digits: int = 4) -> dict[str, float]:
    p = np.percentile(np.asarray(values, dtype=float), _QUANTILES)
    return {f"p{q}": round(float(v), digits) for q, v in zip(_QUANTILES, p)}


def fit(rows: Sequence[Mapping[str, Any]], settings: SimulateSettings, *, seed: int = 0,
        boots: int = BOOTSTRAP) -> Calibration:
    """The model fitted on a history's fixing commits (see the module's docstring), or the
    defaults when it has none."""
    commits = fixing_commits(rows)
    if not commits or sum(c.days for c in commits) <= 0:
        return defaults(settings, "no commit of the history fixed a violation by an edit, to fit them on")
    prior = settings.per_violation_hours
    fixed, per, observed = _design(commits, settings)
    k, h = _solve(fixed, per, observed, prior)
    rng = np.random.default_rng([seed, 7])
    ks, hs, files = [], [], []
    for _ in range(boots):
        pick = rng.integers(0, len(commits), size=len(commits))
        bk, bh = _solve(fixed[pick], per[pick], observed[pick], prior)
        ks.append(bk)
        hs.append(bh)
        files.append(float(np.median([commits[i].files for i in pick])))
    wave = max(int(round(float(np.median([c.files for c in commits])))), 1)
    fitted = replace(settings, base_hours=settings.base_hours * k, validation_hours=settings.validation_hours * k,
                     review_hours=settings.review_hours * k, wave_files=wave)
    hs_arr = np.array(hs).reshape(boots, len(CATEGORIES))
    return Calibration("history", fitted, tuple(float(x) for x in h), len(commits), _band(ks),
                       {c: _band(hs_arr[:, i]) for i, c in enumerate(CATEGORIES)}, _band(files, 2))


# ------------------------------------------------------------------------- the back-test


def observed_zero(rows: Sequence[Mapping[str, Any]], start: str, shim: Mapping[str, int]) -> dict[str, float | None]:
    """Per tier, the working days from the commit ``start`` (a hash or its prefix) to the first
    commit after which the tier held no more than the shim's own violations (``shim``: per
    tier, what the plan removes in its last wave) and never held more again; None when it
    never did."""
    good = [r for r in rows if not r.get("error") and r.get("by_tier") is not None]
    first = next((i for i, r in enumerate(good) if r["commit"].startswith(start)), None)
    if first is None:
        raise ValueError(f"start commit {start!r} is not among the audited commits")
    after = good[first:]
    out: dict[str, float | None] = {}
    for tier in TIERS:
        floor = shim.get(tier, 0)
        counts = [int(r["by_tier"].get(tier) or 0) for r in after]
        last_above = max((i for i, n in enumerate(counts) if n > floor), default=-1)
        if last_above == len(after) - 1:
            out[tier] = None
        else:
            out[tier] = round(work_days(after[0]["date"], after[last_above + 1]["date"]), 3)
    return out


def backtest_errors(planned: Mapping[str, float], observed: Mapping[str, float | None]) -> dict[str, float | None]:
    """Per tier, planned minus observed working days to zero (positive: the plan was late)."""
    return {t: (round(planned[t] - observed[t], 3) if observed.get(t) is not None else None) for t in TIERS}


def milestone_errors(observed: Sequence[Mapping[str, Any]], plan_band: Sequence[Mapping[str, Any]]
                     ) -> dict[str, dict[str, Any]]:
    """The per-tier burndown compared: each time a tier's count fell after the start (rows of
    :func:`wsaudit.history.burndown.actual`), the working day the plan's median (rows of
    :func:`wsaudit.history.burndown.band`, which count the shim until its wave as the history
    does) first held no more than that count, against the day it happened. Per tier:
    ``milestones`` (``count, actual_day, planned_day, error_days``) and ``mean_abs_error_days``
    (None without a fall)."""
    out: dict[str, dict[str, Any]] = {}
    for tier in TIERS:
        rows = []
        low = observed[0][tier] if observed else None
        for o in observed[1:]:
            n = o[tier]
            if n is None or low is None or n >= low:
                continue
            low = n
            planned = next((float(r["day"]) for r in plan_band if r[f"{tier}_p50"] <= n),
                           float(plan_band[-1]["day"]) if plan_band else 0.0)
            rows.append({"count": n, "actual_day": float(o["day"]), "planned_day": planned,
                         "error_days": round(planned - float(o["day"]), 3)})
        mae = round(float(np.mean([abs(r["error_days"]) for r in rows])), 3) if rows else None
        out[tier] = {"milestones": rows, "mean_abs_error_days": mae}
    return out


def export_tree(path: str | Path, commit: str, dest: str | Path) -> int:
    """Write the regular files of ``commit``'s tree under the audited folder ``path`` into
    ``dest`` (links, submodules and paths that would leave ``dest`` are left out); return how
    many files were written."""
    dest = Path(dest)
    with Repository.open(path) as repo:
        entries = repo.list_tree(repo.resolve(commit))
        if isinstance(entries, str):
            raise ValueError(f"{commit}: {entries}")
        wanted = {p: e.oid for p, e in entries.items() if e.mode in ("100644", "100755")}
        blobs = repo.read(sorted(set(wanted.values())))
    written = 0
    for rel, oid in sorted(wanted.items()):
        parts = PurePosixPath(rel).parts
        data = blobs.get(oid)
        if data is None or not parts or any(p in ("", ".", "..") for p in parts) or rel.startswith("/"):
            continue
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += 1
    return written
