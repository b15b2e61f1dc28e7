"""The effort model fitted on history: hand-made histories whose pace is known."""

from __future__ import annotations

import pytest

from wsaudit.config import SimulateSettings
from wsaudit.history.calibrate import backtest_errors, fit, fixing_commits, milestone_errors, observed_zero, work_days


def row(commit, date, calls, fixed=0, files=1, **step):
    by_category = {"deprecated-import": 0, "deprecated-call": calls, "deprecated-module": 0,
                   "deprecated-reference": 0}
    return {"commit": commit, "date": date, "violations": calls, "by_category": by_category,
            "by_tier": {"P0": calls, "P1": 0, "P2": 0}, "suspects": 0,
            "step": {"fixed": fixed, "edited_files": files, **step} if fixed or step else None}


def team(hours_per_pr: float, prs: int = 6) -> list[dict]:
    """A team that fixes two calls in one file per pull request, one pull request every
    ``hours_per_pr`` hours of a 9-to-5 day, from Monday 2024-03-04 09:00."""
    import datetime as dt

    import numpy as np

    rows = [row("c0", "2024-03-04T09:00:00+00:00", 2 * prs)]
    spent = 0.0
    for i in range(1, prs + 1):
        spent += hours_per_pr
        day = np.busday_offset(dt.date(2024, 3, 4), int(spent // 8), roll="forward").astype(object)
        when = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(hours=spent % 8)
        rows.append(row(f"c{i}", when.isoformat() + "+00:00", 2 * (prs - i), fixed=2))
    return rows


def expected_hours(s: SimulateSettings, calls: int = 2, files: int = 1) -> float:
    """What the simulation expects a wave of ``files`` files with ``calls`` calls to cost, in hours."""
    import math

    m = s.failure_probability / (1 - s.failure_probability)
    work = (s.base_hours * files + s.per_violation_hours * calls) * math.exp(s.effort_sigma ** 2 / 2)
    return (work + s.validation_hours) * (1 + m * s.rework_fraction) + m * s.validation_hours


def test_work_days_count_nine_to_five_on_weekdays():
    assert work_days("2024-03-08T16:00:00+00:00", "2024-03-11T10:00:00+00:00") == 0.25  # over a weekend
    assert work_days("2024-03-11T10:00:00+00:00", "2024-03-11T09:00:00+00:00") == 0.0  # never negative


def test_a_team_slower_than_the_defaults_is_fitted_slower_with_its_uncertainty():
    s = SimulateSettings()
    slow = team(3 * expected_hours(s) * 8 / s.capacity_hours_per_day)  # three times the defaults' hours
    c = fit(slow, s, seed=0)
    assert c.source == "history" and c.commits == 6
    total = c.settings.validation_hours / s.validation_hours
    assert total == pytest.approx(c.scale["p50"], rel=0.05) and 2.5 < total < 3.5
    assert c.scale["p10"] <= c.scale["p50"] <= c.scale["p90"]
    assert c.category_hours[1] > s.per_violation_hours  # calls cost more than the default says
    assert c.settings.wave_files == 1
    assert "fitted on 6 commits" in c.sentence()
    assert fit(slow, s, seed=0) == c  # the bootstrap is seeded


def test_a_team_faster_than_the_defaults_is_fitted_faster():
    s = SimulateSettings()
    assert fit(team(0.5 * expected_hours(s) * 8 / s.capacity_hours_per_day), s).scale["p50"] < 0.7


def test_without_a_fixing_commit_the_defaults_are_labelled_as_such():
    s = SimulateSettings()
    rows = [row("c0", "2024-03-04T09:00:00+00:00", 3), row("c1", "2024-03-05T09:00:00+00:00", 3, deleted_files=1)]
    c = fit(rows, s)
    assert c.source == "defaults" and c.settings == s
    assert c.sentence().startswith("Effort model: the defaults")
    assert "no commit of the history fixed a violation" in c.sentence()


def test_deletions_and_breakage_are_not_a_team_s_pace():
    rows = [row("c0", "2024-03-04T09:00:00+00:00", 8), row("c1", "2024-03-04T10:00:00+00:00", 4, fixed=4,
                                                                hidden_by_breakage=4),
            row("c2", "2024-03-05T09:00:00+00:00", 2, fixed=2)]
    (only,) = fixing_commits(rows)
    assert only.commit == "c2" and only.days == 1.0 and only.fixed[1] == 2


def test_the_backtest_compares_the_day_each_tier_reached_zero():
    rows = team(4.0, prs=4)  # P0 falls 8 -> 6 -> 4 -> 2 -> 0, one every half day
    seen = observed_zero(rows, "c1", {"P0": 0})
    assert seen["P0"] == 1.5 and seen["P1"] == 0.0
    assert observed_zero(rows, "c1", {"P0": 2})["P0"] == 1.0  # the shim's own are removed last
    assert backtest_errors({"P0": 3.5, "P1": 0.0, "P2": 0.0}, seen) == {"P0": 2.0, "P1": 0.0, "P2": 0.0}
    band = [{"day": d / 2, "P0_p50": max(6 - 2 * d, 0), "P1_p50": 0, "P2_p50": 0} for d in range(6)]
    observed = [{"day": 0.0, "P0": 6, "P1": 0, "P2": 0}, {"day": 1.0, "P0": 2, "P1": 0, "P2": 0}]
    burn = milestone_errors(observed, band)
    assert burn["P0"]["milestones"] == [{"count": 2, "actual_day": 1.0, "planned_day": 1.0, "error_days": 0.0}]
    assert burn["P1"]["mean_abs_error_days"] is None
