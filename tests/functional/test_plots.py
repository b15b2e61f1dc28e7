"""Plot helpers return figures built from the data, with no pyplot side effects."""

from __future__ import annotations

from pathlib import Path

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


def drawn_boxes(fig: Figure) -> list[tuple[str, object]]:
    """The window extents of every text the figure draws (its title, the column headings, the
    module labels and the boxes around them, the legend's entries) and of every marker drawn
    for a node, after drawing it with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Bbox

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    texts = [*fig.texts, *(t for ax in fig.axes for t in ax.texts), *(t for leg in fig.legends for t in leg.get_texts())]
    out = []
    for t in texts:
        if t.get_visible() and t.get_text():
            out.append((t.get_text(), t.get_window_extent(renderer)))
            if t.get_bbox_patch() is not None:  # the module's box: no box may hide another label either
                out.append((f"box of {t.get_text()}", t.get_bbox_patch().get_window_extent(renderer)))
    for ax in fig.axes:
        for markers in (c for c in ax.collections if isinstance(c, PathCollection)):
            sizes = markers.get_sizes()
            for i, (x, y) in enumerate(ax.transData.transform(markers.get_offsets())):
                radius = (sizes[i % len(sizes)] ** 0.5) / 2 * fig.dpi / 72  # a marker's size is its area in points
                out.append((f"node {i}", Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)))
    return out


def overlapping(fig: Figure) -> list[tuple[str, str]]:
    boxes = drawn_boxes(fig)
    found = []
    for i, (a, p) in enumerate(boxes):
        for b, q in boxes[i + 1:]:
            if b == f"box of {a}" or a.startswith("node ") and b.startswith("node "):
                continue  # a label's own box; two nodes (edges and nodes may touch, labels not)
            if min(p.x1, q.x1) - max(p.x0, q.x0) > 0.5 and min(p.y1, q.y1) - max(p.y0, q.y0) > 0.5:  # pixels
                found.append((a, b))
    return found


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory):
    """A generated tree whose Golden Path reaches more modules than a figure draws."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("gentree", SAMPLE.parents[1] / "benchmarks" / "gentree.py")
    gentree = importlib.util.module_from_spec(spec)
    sys.modules["gentree"] = gentree  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(gentree)
        root = tmp_path_factory.mktemp("gen") / "tree"
        gentree.generate_tree(root, 600, 1)
    finally:
        del sys.modules["gentree"]
    a = audit(root, cache=False)
    return a, a.rank_rows()


@pytest.fixture(scope="module")
def networkx_tree(tmp_path_factory):
    """networkx's own source (read, never run), a deprecated module its algorithms import, and
    a Golden Path 4 hops from them: 27 modules drawn, columns of 15 long names (the figure's
    labels once hid under the next node there)."""
    import shutil

    import networkx

    root = tmp_path_factory.mktemp("nx")
    shutil.copytree(Path(networkx.__file__).parent, root / "networkx", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "wsaudit.toml").write_text('[[rule]]\nid = "NX1"\nmodule = "networkx.utils.decorators"\n'
                                       'replacement = "networkx.utils"\n[golden_path]\nmodules = '
                                       '["networkx.algorithms.shortest_paths.weighted", "networkx.classes.digraph"]\n')
    a = audit(root, cache=False)
    return a, a.rank_rows()


def test_no_two_labels_of_the_golden_path_figure_overlap(ranked, networkx_tree, big_tree):
    for a, rows in (ranked, networkx_tree, big_tree):
        fig = plots.plot_golden_path(a.graph, a.module_ranks, rows)
        labels = [t for t in fig.axes[0].texts if t.get_bbox_patch() is not None]
        assert len(labels) == len(plots.golden_subgraph(a.graph, a.module_ranks, rows, plots.GOLDEN_FIGURE_MODULES))
        assert overlapping(fig) == [], fig.alt_text
    assert "(the chains to the" in fig.alt_text  # the generated tree's is cut down ...
    assert len(labels) <= plots.GOLDEN_FIGURE_MODULES < len(plots.golden_subgraph(a.graph, a.module_ranks, rows))
    few = plots.plot_golden_path(a.graph, a.module_ranks, rows, most=8)  # ... to what is configured
    assert 2 <= len([t for t in few.axes[0].texts if t.get_bbox_patch() is not None]) <= 8
    assert overlapping(few) == []


def test_the_layers_are_ordered_to_cross_fewer_edges_than_by_name(big_tree):
    a, rows = big_tree
    H = plots.golden_subgraph(a.graph, a.module_ranks, rows, plots.GOLDEN_FIGURE_MODULES)
    by_name: dict[int, list[str]] = {}
    for n in sorted(H):
        H.nodes[n]["layer"] = a.module_ranks[n].golden_distance
        by_name.setdefault(H.nodes[n]["layer"], []).append(n)
    ordered = plots.barycenter_order(H)
    assert {k: sorted(v) for k, v in ordered.items()} == by_name
    assert plots.layer_crossings(H, ordered) < plots.layer_crossings(H, by_name) / 2

