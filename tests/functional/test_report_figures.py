"""The report's figures and tables say what they are: shares that stay within 1, burndowns
sampled finely enough for a short plan, packages that are packages, explanations that add up,
the same pixels whatever the hash seed."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import SAMPLE

from wsaudit.api import audit
from wsaudit.report import plots, summary, views


@pytest.fixture(scope="module")
def sample():
    a = audit(SAMPLE, cache=False)
    return a, a.simulate(seed=0, runs=30)


def test_exposure_is_a_share_and_a_short_plan_shows_its_waves(tree):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n",
                 "pkg/other.py": "from pkg.core import create_websocket_manager as c\nc()\nc()\n"})
    sim = audit(root, cache=False).simulate(seed=0, runs=20)
    series = plots.burndown_series(sim)
    for data in series.values():
        assert data["exposure_p90"].max() <= 1.0 and data["exposure_p10"].min() >= 0.0
        assert data["day"][-1] < 5  # a plan of a few days ...
        assert data["day"][1] - data["day"][0] < 0.05  # ... sampled far finer than once a day ...
        within_day_one = data["left_p50"][data["day"] < 1]
        assert len(set(np.round(data["left_p50"], 6))) >= 3 and within_day_one.min() < within_day_one.max()
    fig = plots.plot_burndown(sim)
    assert fig.axes[1].get_ylim()[1] <= 1.05 and fig.legends and fig.alt_text.startswith("Two line charts")


def test_every_figure_has_a_legend_and_alt_text(sample):
    a, sim = sample
    figures = [plots.plot_golden_path(a.graph, a.module_ranks, a.rank_rows()), plots.plot_tiers_by_category(a.rank_rows()),
               plots.plot_score_distribution(a.rank_rows()), plots.plot_burndown(sim),
               plots.plot_wave_timeline(sim, sim.recommended())]
    for fig in figures:
        assert fig.alt_text and (fig.legends or any(ax.get_legend() for ax in fig.axes)), fig.alt_text
    shown = plots.save(figures[1], None, "x.png")
    data, metadata = shown._repr_mimebundle_()
    assert data["text/plain"] == metadata["image/png"]["alt"] == figures[1].alt_text


def test_burndown_strategies_are_told_apart_without_colour(sample):
    _, sim = sample
    lines = plots.plot_burndown(sim).axes[0].lines
    assert len({(str(line.get_linestyle()), line.get_marker()) for line in lines}) == len(lines)


def test_packages_are_packages_and_tests_are_not_listed(tree):
    root = tree({"pkg/deep/er/still/mod.py": "import pkg.core\n", "pkg/deep/__init__.py": "",
                 "tests/test_a.py": "import pkg\n"})
    frame = summary.packages(audit(root, cache=False))
    assert "pkg.deep.er.still" in set(frame.package) and "pkg.core" in set(frame.package)
    assert not any(p.startswith("tests") for p in frame.package)
    assert frame["modules"].sum() == sum(1 for f in audit(root, cache=False).files if not f.is_test)


def test_the_line_regex_explanation_adds_up(sample):
    a, _ = sample
    minus = ("in comments", "in strings or docstrings", "look-alike names or the definition itself",
             "in a file that does not parse", "in a file wsaudit did not read")
    for row in summary.naive_comparison(a).itertuples():
        total = 0
        for count, reason in re.findall(r"(\d+) ([^;]+)", row.why):
            total += -int(count) if reason.startswith(minus) else int(count)
        assert total == row.difference == row.wsaudit - row.naive == row._5 - row._4, row
    totals = summary.naive_totals(a).set_index("count")["value"]
    per_file = summary.naive_comparison(a)
    assert totals.iloc[0] >= per_file["naive"].sum()


def test_tables_for_people_have_no_index_and_integer_counts(sample):
    a, sim = sample
    text = repr(views.strategies(sim))
    assert re.search(r"^tier\s+\d+\s", text, re.MULTILINE)  # waves as whole numbers, no index before
    html = views.plan(sim)._repr_html_()
    assert "<th></th>" not in html and "NaN" not in html and "<NA>" not in html and "True" not in html
    assert all(not re.fullmatch(r"\d+\.0", cell) for row in views.tiers(a).rows() for cell in row)
    central = summary.central_files(a)
    assert list(central["module score"]) == sorted(central["module score"], reverse=True)
    golden = {a.graph.nodes[m]["path"] for m in a.golden_path}
    assert central["file"].iloc[0] in golden  # a Golden Path module outranks a file with many violations


def test_figures_do_not_depend_on_the_hash_seed():
    code = ("import sys, hashlib, io; from wsaudit.api import audit; from wsaudit.report import plots\n"
            f"a = audit({str(SAMPLE)!r}, cache=False)\n"
            "fig = plots.plot_golden_path(a.graph, a.module_ranks, a.rank_rows())\n"
            "b = io.BytesIO(); fig.savefig(b, format='png', metadata={'Software': None}); "
            "print(hashlib.sha256(b.getvalue()).hexdigest())\n")
    digests = set()
    for seed in ("0", "1", "12345"):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        digests.add(proc.stdout.strip())
    assert len(digests) == 1


def test_the_p0_note_says_what_holds_p0_work_back(sample):
    _, sim = sample
    note = summary.p0_note(sim, "dependency-safe")
    assert note.startswith("P0 work ends in wave") and "re-export" in note
    assert summary.p0_note(sim, "tier").endswith("go in the last wave.") and "it goes first" in summary.p0_note(sim, "tier")
