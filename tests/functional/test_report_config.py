"""``[report]``: the words and the baseline of a report come from the configuration, validated
like every other key."""

from __future__ import annotations

import pytest

from wsaudit.config import ReportBaseline, load, profile
from wsaudit.errors import ConfigError

RULE = '[[rule]]\nid = "X1"\nmodule = "legacy"\n'


def test_report_table_is_read(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(RULE + '[report]\ntitle = "Legacy removal"\n'
                                           'golden_path = "The checkout flow."\n'
                                           'baseline = {label = "the March plan", violations = 10, P0 = 2, '
                                           'days_to_done = 4.5}\n')
    report = load(tmp_path).report
    assert (report.title, report.golden_path) == ("Legacy removal", "The checkout flow.")
    assert report.baseline == ReportBaseline((("violations", 10), ("P0", 2), ("days_to_done", 4.5)), "the March plan")


def test_a_baseline_may_be_a_previous_summary(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(RULE + '[report]\nbaseline = "reports/summary.json"\n')
    assert load(tmp_path).report.baseline == ReportBaseline(path="reports/summary.json")


def test_without_report_table_a_report_has_no_words_of_its_own(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(RULE)
    report = load(tmp_path).report
    assert (report.title, report.golden_path, report.baseline) == (None, None, None)


def test_every_report_problem_is_reported_at_once(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(RULE + '[report]\ntitle = 3\ngolden_path = ""\ncolour = "red"\n'
                                           'baseline = {violations = -1, P0 = 1.5, days_to_done = "soon", '
                                           'weeks = 2}\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    lines = info.value.lines()
    assert any("report.colour: unknown key" in line for line in lines)
    assert any("report.title: expected a string, got an integer" in line for line in lines)
    assert any("report.golden_path: expected one line of text" in line for line in lines)
    assert any("report.baseline.violations: expected a whole number >= 0, got -1" in line for line in lines)
    assert any("report.baseline.P0: expected a whole number >= 0, got 1.5" in line for line in lines)
    assert any("report.baseline.days_to_done: expected a number of working days" in line for line in lines)
    assert any("report.baseline.weeks: unknown key" in line for line in lines)
    assert all(line.startswith("wsaudit.toml: ") for line in lines)


@pytest.mark.parametrize("baseline", ['"/etc/summary.json"', '"../summary.json"', "3", "{label = \"x\"}"])
def test_a_baseline_stays_inside_the_root_and_names_figures(tmp_path, baseline):
    (tmp_path / "wsaudit.toml").write_text(RULE + f"[report]\nbaseline = {baseline}\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert any("report.baseline" in line for line in info.value.lines())


def test_the_profile_carries_its_own_words_and_a_file_keeps_only_those_that_hold(tmp_path):
    words = profile().report
    assert "login -> AI response" in words.golden_path and dict(words.baseline.counts)["violations"] == 567
    (tmp_path / "wsaudit.toml").write_text('profile = "netra-websocket"\nroots = ["."]\n')
    assert load(tmp_path).report == words
    (tmp_path / "wsaudit.toml").write_text('profile = "netra-websocket"\n[golden_path]\nmodules = ["a.b"]\n')
    assert load(tmp_path).report.golden_path is None and load(tmp_path).report.baseline == words.baseline
    (tmp_path / "wsaudit.toml").write_text('profile = "netra-websocket"\n' + RULE)
    assert load(tmp_path).report.baseline is None and load(tmp_path).report.title is None


def test_the_golden_path_figure_size_is_configured_within_a_range(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(RULE + "[report]\nfigure_modules = 12\n")
    assert load(tmp_path).report.figure_modules == 12
    (tmp_path / "wsaudit.toml").write_text(RULE)
    assert load(tmp_path).report.figure_modules == 40
    for wrong, said in (("1", "got 1"), ("100000", "got 100000"), ("12.5", "got 12.5"), ('"many"', "")):
        (tmp_path / "wsaudit.toml").write_text(RULE + f"[report]\nfigure_modules = {wrong}\n")
        with pytest.raises(ConfigError) as info:
            load(tmp_path)
        assert [line for line in info.value.lines() if "report.figure_modules: expected a whole number" in line
                and said in line], info.value.lines()


def test_a_baseline_from_a_config_given_with_config_may_be_anywhere_relative_to_that_file(tmp_path, monkeypatch):
    from wsaudit.report import reference_figures

    (tmp_path / "repo").mkdir()
    (tmp_path / "team").mkdir()
    (tmp_path / "history").mkdir()
    (tmp_path / "history" / "summary.json").write_text('{"violations": 90, "days_to_done_p50": 4.5}')
    (tmp_path / "team" / "wsaudit.toml").write_text(RULE + '[report]\nbaseline = "../history/summary.json"\n')
    monkeypatch.chdir(tmp_path)
    baseline = load("repo", config_path="team/wsaudit.toml").report.baseline
    assert baseline.path == "../history/summary.json"  # as written: what a page names
    monkeypatch.chdir(tmp_path / "repo")  # where a notebook's kernel may run: found from the file's folder still
    assert reference_figures.figures(baseline, tmp_path / "repo")[1] == {"violations": 90, "days_to_done": 4.5}
    absolute = tmp_path / "history" / "summary.json"
    (tmp_path / "team" / "wsaudit.toml").write_text(RULE + f'[report]\nbaseline = "{absolute.as_posix()}"\n')
    baseline = load(tmp_path / "repo", config_path=tmp_path / "team" / "wsaudit.toml").report.baseline
    assert reference_figures.figures(baseline, tmp_path / "repo")[1]["violations"] == 90


def test_the_same_baseline_in_the_trees_own_configuration_is_refused(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "wsaudit.toml").write_text(RULE + '[report]\nbaseline = "../history/summary.json"\n')
    with pytest.raises(ConfigError, match="must be a file inside the audited root"):
        load(tmp_path / "repo")
