"""Plot helpers return figures built from the data, with no pyplot side effects."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from conftest import SAMPLE
from matplotlib.figure import Figure

from wsaudit.api import audit
from wsaudit.report import plots


@pytest.fixture(scope="module")
def ranked():
    a = audit(SAMPLE, cache=False)
    return a, a.rank_rows()


def test_golden_path_figure_shows_golden_modules_and_reached_violations(ranked):
    a, rows = ranked
    H = plots.golden_subgraph(a.graph, a.module_ranks, rows)
    assert "netra_backend.app.routes.websocket_ssot" in H
    assert "netra_backend.app.services.agent_bridge" in H  # reached, holds violations
    assert "netra_backend.app.admin.maintenance" not in H  # never reached
    fig = plots.plot_golden_path(a.graph, a.module_ranks, rows)
    assert isinstance(fig, Figure)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"Golden Path", "1 import hop away", "services.agent_bridge"} <= texts
    assert plt.get_fignums() == []


def test_tier_bars_add_up_to_the_rows(ranked):
    _, rows = ranked
    fig = plots.plot_tiers_by_category(rows)
    heights = sum(p.get_height() for p in fig.axes[0].patches)
    assert heights == len(rows)
    assert fig.axes[0].get_ylabel() == "violations"
    assert plt.get_fignums() == []


def test_score_distribution_counts_unreached_apart(ranked):
    _, rows = ranked
    fig = plots.plot_score_distribution(rows)
    zero = sum(1 for r in rows if r["score"] == 0)
    assert f"({zero} violations in unreached modules score 0)" in fig.axes[0].get_title()
    assert sum(p.get_height() for p in fig.axes[0].patches) == len(rows) - zero


def test_burndown_and_wave_timeline(ranked):
    a, _ = ranked
    sim = a.simulate(seed=0, runs=20)
    fig = plots.plot_burndown(sim)
    left, right = fig.axes[:2]
    assert [line.get_label() for line in left.lines] == list(sim.results)
    first = left.lines[0].get_ydata()
    assert first[0] == sum(u.violations for u in sim.model.units if not u.shim) and first[-1] == 0
    strategy = sim.recommended()
    timeline = plots.plot_wave_timeline(sim, strategy)
    labels = [t.get_text() for t in timeline.axes[0].get_yticklabels()]
    assert labels == [f"wave {i + 1}" for i in range(len(sim.orders[strategy]))]
    assert timeline.axes[0].texts[-1].get_text() == "shim removal"
    assert plt.get_fignums() == []


def test_a_large_golden_path_figure_draws_the_highest_scoring_chains_and_says_so(ranked):
    a, rows = ranked
    whole = plots.golden_subgraph(a.graph, a.module_ranks, rows)
    assert whole.graph["shown_chains"] == whole.graph["chains"] > 1
    few = plots.golden_subgraph(a.graph, a.module_ranks, rows, most=len(whole) - 2)
    assert len(few) <= len(whole) - 2 and set(few) < set(whole)
    assert few.graph["shown_chains"] < few.graph["chains"]
    best = min((a.module_ranks[r["module"]] for r in rows if a.module_ranks[r["module"]].golden_distance is not None),
               key=lambda r: (-r.score, r.module))
    assert set(best.golden_chain) <= set(few)  # the highest-scoring chain is always drawn
