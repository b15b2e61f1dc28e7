"""The plan's inputs as ``simulate`` and ``report`` make them: what the codemod does, the
effort model calibrated on the tree's git history, and the back-test of a plan made at a past
commit against what happened after it (``docs/cli.md``, ``wsaudit simulate``).

Use cases as functions over an audit: the command line only reads its options and renders.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from wsaudit.errors import UsageError

TIER_NAMES = ("P0", "P1", "P2")


def history_rows(path: str | Path, config: Any = None, store: dict | None = None,
                 rev_range: str | None = None) -> list[dict] | str:
    """The commits of the tree's history (``wsaudit history``'s rows), or why there are none."""
    from wsaudit.history import history
    from wsaudit.history.git import GitError

    try:
        done = history(path, rev_range=rev_range, config=config, **(store or {}))
    except GitError as exc:
        return str(exc)
    return done.document()["commits"]


def calibration(result, rows: list[dict] | str, seed: int = 0):
    """The model fitted on ``rows`` (:func:`wsaudit.history.calibrate.fit`), or the defaults with
    why (``rows`` is the reason there is no history)."""
    from wsaudit.history.calibrate import defaults, fit

    if isinstance(rows, str):
        return defaults(result.config.simulate, f"no git history ({rows})")
    return fit(rows, result.config.simulate, seed=seed)


def _automation(result, jobs: int | None = None):
    """What ``wsaudit migrate`` (a dry run) does per file of ``result``'s tree (``jobs``: its processes)."""
    from wsaudit.codemod.automation import automation

    return automation(result, jobs)


def simulation(result, *, seed: int = 0, runs: int | None = None, codemod: bool = True, calibrated=None,
               jobs: int | None = None):
    """The simulation of ``result``'s tree: the codemod's plan consulted when ``codemod`` (with
    ``jobs`` processes), the calibrated model when one fitted on history is given."""
    automation = _automation(result, jobs) if codemod else None
    fitted = {"settings": calibrated.settings, "category_hours": calibrated.category_hours} \
        if calibrated is not None and calibrated.source == "history" else {}
    return result.simulate(seed=seed, runs=runs, automation=automation, **fitted)


def repository_top(root: Path) -> bool:
    """Whether ``root`` is the top of a git work tree (its history is the tree's own)."""
    from wsaudit.history.git import GitError, Repository

    try:
        with Repository.open(root) as repo:
            return repo.prefix == "" and not repo.bare
    except GitError:
        return False


def plan_inputs(result, *, codemod: bool = True, calibrate: bool | None = None, seed: int = 0,
                config: Any = None, store: dict | None = None) -> dict:
    """What ``report``'s plan is made with: the codemod's records (when ``codemod``) and the model
    calibrated on the tree's git history (``calibrate``: True asks for it, False refuses it, None
    fits it when the tree is the top of a repository; the defaults, labelled, otherwise)."""
    from wsaudit.analysis.work import plan_inputs_document
    from wsaudit.history.calibrate import defaults

    automation = _automation(result, (store or {}).get("jobs")) if codemod else None
    if calibrate is False:
        fitted = defaults(result.config.simulate, "not asked for (--no-calibrate)")
    elif calibrate or repository_top(result.root):
        fitted = calibration(result, history_rows(result.root, config, store), seed)
    else:  # a folder inside a repository: its history is the whole repository's, fitted only when asked
        fitted = defaults(result.config.simulate, "the tree is not the top of a git repository "
                          "(wsaudit report --calibrate fits on the history of its folder)")
    return plan_inputs_document(automation, {**fitted.document(), "sentence": fitted.sentence()})


def backtest(path: str | Path, rev: str, *, config: Any = None, history_config: Any = None,
             strategy: str | None = None, seed: int = 0, runs: int | None = None, jobs: int | None = None,
             codemod: bool = True, store: dict | None = None, figure: bool = False) -> tuple[dict, bytes | None]:
    """The plan at ``rev``, with the defaults and calibrated on the history up to ``rev``, against
    what happened after ``rev``: the back-test document (``simulate --backtest``) and, when
    ``figure``, its PNG."""
    from wsaudit.api import audit
    from wsaudit.history.calibrate import export_tree
    from wsaudit.history.git import Repository

    with Repository.open(path) as repo:
        oid = repo.resolve(rev)
    rows = history_rows(path, history_config, store)
    if isinstance(rows, str):
        raise UsageError(f"--backtest: {rows}")
    at = next((i for i, r in enumerate(rows) if r["commit"] == oid), None)
    if at is None:
        raise UsageError(f"--backtest {rev}: not on the first-parent history of HEAD")
    with tempfile.TemporaryDirectory(prefix="wsaudit-backtest-") as folder:
        tree = Path(folder) / "tree"
        export_tree(path, oid, tree)
        result = audit(tree, config, cache=False, jobs=jobs)
        fitted = calibration(result, rows[: at + 1], seed)
        plans = {"default": simulation(result, seed=seed, runs=runs, codemod=codemod, jobs=jobs),
                 "calibrated": simulation(result, seed=seed, runs=runs, codemod=codemod, calibrated=fitted,
                                          jobs=jobs)}
    return _compare(rows, at, result, plans, fitted, strategy, figure)


def _compare(rows: list[dict], at: int, result, plans: dict, fitted, strategy: str | None,
             figure: bool) -> tuple[dict, bytes | None]:
    """Each plan's days to zero and burndown against the history after ``rows[at]``."""
    from wsaudit.history.burndown import actual, band
    from wsaudit.history.calibrate import (
        backtest_errors,
        milestone_errors,
        observed_zero,
        work_days,
    )

    oid = rows[at]["commit"]
    shim = {t: sum(u.by_tier[i] for u in plans["default"].model.units if u.shim) for i, t in enumerate(TIER_NAMES)}
    observed = observed_zero(rows, oid, shim)
    # the days of the observed series as the errors count them (nine to five), not whole days
    after = [{**r, "day": work_days(rows[at]["date"], r["date"])} for r in actual(rows, oid)]
    is_test = {f.path: f.is_test for f in result.files}
    doc: dict = {"rev": oid, "date": rows[at]["date"], "observed_days_to_zero": observed,
                 "calibration": fitted.document(), "calibration_sentence": fitted.sentence()}
    bands = {}
    for label, sim in plans.items():
        d = sim.document()
        chosen = strategy or d["recommended"]
        entry = next(s for s in d["strategies"] if s["name"] == chosen)
        planned = {t: entry[f"days_to_zero_{t.lower()}"]["p50"] for t in TIER_NAMES}
        plan_band = band(sim, chosen, is_test)
        horizon = max([r["day"] for r in after] + [plan_band[-1]["day"] if plan_band else 0.0])
        bands[label] = band(sim, chosen, is_test, horizon=horizon)
        doc[label] = {"strategy": chosen, "planned_days_to_zero": planned,
                      "error_days": backtest_errors(planned, observed),
                      "burndown": milestone_errors(after, bands[label])}
    used = "calibrated" if fitted.source == "history" else "default"
    doc["error_days"] = doc[used]["error_days"]["P0"]
    doc["per_tier"] = {t: {"error_days": doc[used]["error_days"][t],
                           "burndown_error_days": doc[used]["burndown"][t]["mean_abs_error_days"]}
                       for t in TIER_NAMES}
    doc["plan_used"] = used
    if not figure:
        return doc, None
    from wsaudit.report.plots import plot_backtest, save

    fig = plot_backtest(after, bands, {label: doc[label]["error_days"] for label in plans},
                        title=f"Back-test at {oid[:12]} ({rows[at]['date'][:10]})")
    return doc, save(fig, None, "").png
