"""The API raises wsaudit's own errors, with a message saying what to do, for a caller's mistake."""

from __future__ import annotations

import pytest

from conftest import SAMPLE
from wsaudit.analysis.simulate import simulate
from wsaudit.analysis.work import Model, Unit
from wsaudit.api import audit
from wsaudit.config import SimulateSettings
from wsaudit.errors import UsageError, WsauditError
from wsaudit.render.graph import graph_text


@pytest.fixture(scope="module")
def sample():
    return audit(SAMPLE, cache=False)


def _model() -> Model:
    units = (Unit("a.py", "a", "P1", 1, (0, 1, 0), (1, 0, 0, 0), 0.0, 0),)
    return Model(units, SimulateSettings(runs=2))


def test_an_unknown_strategy_name_is_a_usage_error_listing_the_known_ones():
    with pytest.raises(UsageError, match="unknown strategy 'fastest'.*known: tier, centrality"):
        simulate(_model(), ["fastest"])


def test_the_plan_of_a_strategy_not_simulated_is_a_usage_error():
    sim = simulate(_model(), ["tier"], runs=1)
    with pytest.raises(UsageError, match="'random' was not simulated"):
        sim.plan_rows("random")


def test_ranking_by_something_else_than_violation_or_file_is_a_usage_error(sample):
    with pytest.raises(UsageError, match="expected one of violation, file"):
        sample.rank_rows("module")


def test_an_unknown_output_format_is_a_usage_error(sample):
    with pytest.raises(UsageError, match="unknown graph format 'svg'"):
        graph_text(sample.graph, sample.import_records, "svg")


def test_usage_errors_are_value_errors_and_wsaudit_errors():
    assert issubclass(UsageError, ValueError) and issubclass(UsageError, WsauditError)


def test_a_run_that_never_clears_a_tier_ends_at_its_last_wave():
    # a user strategy may leave P1 work for the shim wave: days-to-zero is then the end of the run
    from wsaudit.analysis.simulate import Run

    run = Run([1.0, 2.5], [(0, 1, 0), (0, 1, 0)], [0.0, 0.0], 2, 0, ((1, 1, 0), 1.0))
    assert run.day_to_zero(0) == 1.0
    assert run.day_to_zero(1) == 2.5
