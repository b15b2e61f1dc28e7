"""Plan against actual: the burndown of a history beside the simulated plan, its pace, the report."""

from __future__ import annotations

import csv
import re
import subprocess

import nbformat
import pytest

from wsaudit.history import burndown
from wsaudit.history import audit_commit, history
from wsaudit.history.sample import build_sample, sample_commits
from wsaudit.report.runner import HISTORY_NOTEBOOK, report


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    repo = build_sample(tmp_path_factory.mktemp("sample") / "shop", checkout=True)  # report audits the work tree
    doc = history(repo, cache=False).document()
    start = audit_commit(repo, doc["commits"][0]["commit"], cache=False)
    return repo, doc, start, start.simulate(seed=0, runs=100)


def test_the_sample_is_deterministic(tmp_path, sample):
    again = build_sample(tmp_path / "again")
    head = lambda r: subprocess.run(["git", "--git-dir", str(r / ".git"), "rev-parse", "HEAD"], capture_output=True,
                                    text=True, check=True).stdout
    assert head(again) == head(sample[0])
    assert len(sample[1]["commits"]) == len(sample_commits()) == 11
    assert [c["step"]["flag"] for c in sample[1]["commits"][1:]] == [
        None, None, None, "deletion", None, "reintroduction", "breakage", None, None, None]


def test_the_actual_series_and_the_band(sample):
    _, doc, start, simulation = sample
    observed = burndown.actual(doc["commits"])
    assert [o["day"] for o in observed] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # a weekend between day 4 and 5
    assert observed[7]["effective"] == observed[7]["total"] + 13  # the broken files' uses count as left
    assert burndown.actual(doc["commits"], doc["commits"][3]["commit"][:8])[0]["day"] == 0
    is_test = {f.path: f.is_test for f in start.files}
    strategy = simulation.recommended()
    rows = burndown.band(simulation, strategy, is_test, horizon=12)
    assert rows[0]["total_p50"] == observed[0]["total"] == 51  # the plan starts where the actual starts
    assert rows[0]["P0_p50"] + rows[0]["P1_p50"] + rows[0]["P2_p50"] == rows[0]["total_p50"]
    assert rows[0]["production_p50"] + rows[0]["tests_p50"] == rows[0]["total_p50"]
    for r in rows:
        assert r["total_p10"] <= r["total_p50"] <= r["total_p90"]
    assert [r["total_p50"] for r in rows] == sorted((r["total_p50"] for r in rows), reverse=True)
    assert rows[-1]["total_p10"] == 0


def test_the_pace_is_refitted_to_the_observed_commits(sample):
    _, doc, start, simulation = sample
    is_test = {f.path: f.is_test for f in start.files}
    strategy = simulation.recommended()
    observed = burndown.actual(doc["commits"])
    pace = burndown.fit_pace(simulation, strategy, observed, is_test)
    assert 0.4 < pace.factor < 0.9 and pace.points == 10  # the team is slower than the plan
    assert pace.zero_p0["p50"] == pytest.approx(pace.planned_zero_p0["p50"] / pace.factor, abs=1e-3)
    assert pace.sentence("abc").startswith(f"At the observed pace ({pace.factor:.2f}x the plan's")
    # twice as fast as observed: the fit finds twice the factor
    faster = [{**o, "day": o["day"] / 2} for o in observed]
    assert burndown.fit_pace(simulation, strategy, faster, is_test).factor == pytest.approx(2 * pace.factor, rel=0.1)
    assert burndown.fit_pace(simulation, strategy, observed[:1], is_test).factor is None


def test_a_plan_csv_is_followed(sample):
    _, _, start, simulation = sample
    recommended = simulation.recommended()
    rows = simulation.plan_rows(recommended)
    own = start.simulate({"plan": burndown.plan_order(rows)}, seed=0, runs=100)
    assert [[u.path for u in w] for w in own.orders["plan"]] == [[u.path for u in w] for w in simulation.orders[recommended]]


def test_report_history_writes_the_burndown(sample, tmp_path):
    repo = sample[0]
    out = tmp_path / "report"
    done = report(repo, out, runs=20, notebooks=(), history=True)
    assert [p.name for p in done["notebooks"]] == [f"{HISTORY_NOTEBOOK}.ipynb"]
    assert (out / "history_burndown.png").read_bytes()[:4] == b"\x89PNG"
    names = {p.name for p in done["tables"]}
    assert {"history_commits.csv", "history_actual.csv", "history_plan_band.csv"} <= names
    with open(out / "history_commits.csv", encoding="utf-8") as handle:
        commits = list(csv.DictReader(handle))
    assert len(commits) == 11 and commits[4]["flag"] == "deletion"
    html = (out / f"{HISTORY_NOTEBOOK}.html").read_text(encoding="utf-8")
    assert "At the observed pace" in html and "from build_sample" not in html
    assert 'class="dataframe"' not in html  # every table a Table: no DataFrame index
    assert re.search(r"Plan: [a-z-]+ from [0-9a-f]{10}", html)  # the strategy's name, not its repr in quotes
    executed = nbformat.read(out / f"{HISTORY_NOTEBOOK}.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f'repo_path = "{repo}"' in injected.source


def test_an_empty_history_table_is_a_sentence_not_a_header():
    from wsaudit.report import views

    doc = {"commits": [{"commit": "a" * 40, "date": "2024-03-04T10:00:00", "subject": "Start", "error": None,
                        "step": None, "violations": 3, "definitions": 1, "suspects": 0}]}
    for table in (views.flagged_steps(doc), views.reintroduced(doc)):
        assert "<table" not in table._repr_html_() and "No " in repr(table)
    assert "<th scope=\"col\">commit</th>" in views.history_commits(doc)._repr_html_()
