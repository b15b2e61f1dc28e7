"""Simulation: the model on hand-made cases, the plan pinned on the sample, determinism."""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import replace

import numpy as np
import pytest
from conftest import REPO, SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from wsaudit.analysis.simulate import STRATEGIES, order_dependency_safe, simulate
from wsaudit.analysis.waves import broken_imports, make_waves
from wsaudit.analysis.work import Model, Unit
from wsaudit.api import audit
from wsaudit.config import SimulateSettings
from wsaudit.render.simulate import comparison_table


def unit(path, tier="P1", n=1, score=0.0, importers=0, shim=False):
    by_tier = tuple(n if t == tier else 0 for t in ("P0", "P1", "P2"))
    return Unit(path, path.replace("/", "."), tier, n, by_tier, (n, 0, 0, 0), score, importers, shim)


def chain_model(**settings):
    # c imports the symbol from b, which re-exports it from a, which re-exports it from the shim.
    units = (unit("a", score=0.5, importers=1), unit("b", score=0.3, importers=1), unit("c", score=0.2),
             unit("shim", shim=True))
    depends = {"a": frozenset({"b"}), "b": frozenset({"c"})}
    return Model(units, SimulateSettings(**{"wave_files": 1, **settings}), depends)


def test_dependency_safe_orders_a_chain_of_reexports_safely():
    model = chain_model()
    order = order_dependency_safe(list(model.units), model, np.random.default_rng(0))
    assert [u.path for u in order if not u.shim] == ["c", "b", "a"]
    sim = simulate(model, runs=5)
    doc = {s["name"]: s for s in sim.document()["strategies"]}
    assert doc["dependency-safe"]["broken_imports"]["p90"] == 0
    assert doc["centrality"]["broken_imports"]["p50"] == 2  # a before b before c breaks both links
    assert sim.recommended() == "dependency-safe"


def test_broken_imports_count_dependents_migrated_after_their_reexporter():
    model = chain_model()
    a, b, c, shim = model.units
    assert broken_imports([[a], [b], [c], [shim]], model) == 2
    assert broken_imports([[c, b, a], [shim]], model) == 0
    assert broken_imports([[b], [c], [a], [shim]], model) == 1


@settings(max_examples=50, deadline=None)
@given(order=st.permutations(range(7)), size=st.integers(1, 4))
def test_the_shim_wave_is_always_last_and_alone(order, size):
    units = [unit(f"f{i}", shim=i in (2, 5)) for i in range(7)]
    waves = make_waves([units[i] for i in order], size)
    assert all(u.shim for u in waves[-1])
    assert not any(u.shim for w in waves[:-1] for u in w)
    assert all(len(w) <= size for w in waves[:-1])
    assert sorted(u.path for w in waves for u in w) == sorted(u.path for u in units)


def test_centrality_reaches_zero_exposure_no_later_than_random_on_average():
    rng = np.random.default_rng(7)
    units = tuple(unit(f"m{i}", score=float(s), n=int(k)) for i, (s, k) in
                  enumerate(zip(rng.exponential(1.0, 40) * (rng.random(40) < 0.4), rng.integers(1, 6, 40))))
    model = Model(units, SimulateSettings(runs=100))
    sim = simulate(model, ["centrality", "random"], seed=3)

    def zero_exposure(run):
        return next(t for t, e in zip(run.times, run.exposure) if e <= 1e-12)

    centrality = np.mean([zero_exposure(r) for r in sim.results["centrality"]])
    random = np.mean([zero_exposure(r) for r in sim.results["random"]])
    assert centrality <= random
    doc = {s["name"]: s for s in sim.document()["strategies"]}
    assert doc["centrality"]["exposure_days"]["mean"] < doc["random"]["exposure_days"]["mean"]


def test_effort_capacity_and_failures_set_the_timeline():
    units = (unit("a", n=4), unit("b", n=2))
    model = Model(units, SimulateSettings(base_hours=1, per_violation_hours=0.5, effort_sigma=0, wave_files=1,
                                          validation_hours=1, failure_probability=0, capacity_hours_per_day=2))
    run = simulate(model, ["tier"], runs=1).results["tier"][0]
    assert run.times == pytest.approx([(3 + 1) / 2, (3 + 1) / 2 + (2 + 1) / 2])  # a: 1 + 0.5 * 4 hours
    assert run.attempts == 2
    flaky = replace(model, settings=replace(model.settings, failure_probability=0.5, runs=300))
    attempts = np.mean([r.attempts for r in simulate(flaky, ["tier"]).results["tier"]])
    assert attempts == pytest.approx(4, rel=0.1)  # two waves, each tried 1 / (1 - 0.5) = 2 times on average


def test_same_seed_same_output_other_seed_other_output():
    model = chain_model(runs=30)
    one, two = simulate(model, seed=1).document(), simulate(model, seed=1).document()
    assert one == two
    assert simulate(model, seed=2).document() != one


def test_users_can_pass_their_own_ordering():
    model = chain_model()

    def alphabetical(units, model, rng):
        return sorted(units, key=lambda u: u.path)

    sim = simulate(model, {"mine": alphabetical}, runs=3)
    assert [[u.path for u in w] for w in sim.orders["mine"]] == [["a"], ["b"], ["c"], ["shim"]]
    with pytest.raises(ValueError, match="every unit exactly once"):
        simulate(model, {"bad": lambda units, model, rng: units[:1]}, runs=1)


# ------------------------------------------------------------------ the sample

@pytest.fixture(scope="module")
def sample_sim():
    return audit(SAMPLE, cache=False).simulate(seed=0, runs=50)


def test_sample_plan_is_pinned(sample_sim):
    assert sample_sim.recommended() == "dependency-safe"
    rows = sample_sim.plan_rows("dependency-safe")
    waves = {}
    for r in rows:
        waves.setdefault(r["wave"], []).append(r["path"].rsplit("/", 1)[-1])
    # Reviewed: P0 first, each re-exporter no earlier than the files importing through it
    # (user_sessions after test_agent_execution_core, compat after supervisor, user_sessions,
    # test_migration_smoke and test_ssot_import_compliance, health after test_health), the
    # package __init__ after everyone, the shim (factory.py) last. The migration-in-motion files
    # (legacy_notifier, session_bridge, ws_shortcuts, test_presence) score 0 and take their turn
    # among the other unexposed files, by path.
    assert waves == {
        1: ["agent_handler.py", "websocket_ssot.py", "agent_bridge.py", "thread_test_fixtures.py"],
        2: ["test_agent_execution_core.py", "user_sessions.py", "test_send_after_close_race_condition.py",
            "conftest.py"],
        3: ["maintenance.py", "supervisor.py", "legacy_ws.py", "event_delivery.py"],
        4: ["legacy_notifier.py", "notifications.py", "notifications_fr.py", "session_bridge.py"],
        5: ["windows_bridge.py", "ws_shortcuts.py", "factory_test.py", "migrate_ws_factory.py"],
        6: ["test_websocket_agent_events_suite.py", "test_migration_smoke.py", "test_health.py", "health.py"],
        7: ["test_presence.py", "test_ssot_import_compliance.py", "compat.py", "ws_helpers.py"],
        8: ["__init__.py"],
        9: ["factory.py"],
    }
    assert rows[-1]["shim"] and rows[-1]["path"].endswith("websocket_core/factory.py")
    golden_tests = {"netra_backend/tests/e2e/thread_test_fixtures.py"}
    assert all(golden_tests <= set(r["tests"].split()) for r in rows)


def test_the_reexporting_package_waits_for_everyone_importing_through_it(sample_sim):
    model = sample_sim.model
    init = "netra_backend/app/websocket_core/__init__.py"
    assert "netra_backend/app/routes/websocket_ssot.py" in model.depends[init]
    assert "netra_backend/app/services/compat.py" in model.depends["netra_backend/app/websocket_core/factory.py"]
    assert [u.path for u in model.units if u.shim] == ["netra_backend/app/websocket_core/factory.py"]


def test_simulate_cli_json_csv_and_plan(cli, tmp_path):
    # the codemod's plan is consulted once, for the wave plan below (the other runs test the measures)
    doc = cli("simulate", SAMPLE, "--format", "json", "--runs", "20", "--no-cache", "--no-codemod").json()
    assert [s["name"] for s in doc["strategies"]] == list(STRATEGIES)
    for s in doc["strategies"]:
        for measure in ("waves", "days_to_zero_p0", "days_to_done", "exposure_days", "broken_imports"):
            assert set(s[measure]) == {"p10", "p50", "p90", "mean"}
            assert s[measure]["p10"] <= s[measure]["p50"] <= s[measure]["p90"]
    assert doc["parameters"]["runs"] == 20 and doc["parameters"]["seed"] == 0
    again = cli("simulate", SAMPLE, "--format", "json", "--runs", "20", "--no-codemod").out
    assert again == cli("simulate", SAMPLE, "--format", "json", "--runs", "20", "--no-codemod").out
    table = cli("simulate", SAMPLE, "--format", "csv", "--runs", "5", "--no-codemod").out
    assert table.splitlines()[0].startswith("name,waves_p10,waves_p50")
    plan = tmp_path / "plan.csv"
    assert cli("simulate", SAMPLE, "--runs", "5", "--plan", plan, "--strategy", "tier").code == 0
    rows = list(csv.DictReader(io.StringIO(plan.read_text())))
    assert list(rows[0])[:7] == ["wave", "path", "module", "tier", "violations", "hours", "tests"]
    for part in ("true", "false"):  # the tier strategy's order, in the codemod's waves and in the others
        tiers = [r["tier"] for r in rows[:-1] if r["automatable"] == part]
        assert tiers and tiers == sorted(tiers)
    assert [r["automatable"] for r in rows[:-1]] == sorted((r["automatable"] for r in rows[:-1]), reverse=True)
    assert (tmp_path / "plan.md").read_text().startswith("# Wave plan (tier)")
    assert cli("simulate", SAMPLE, "--strategy", "nope").code == 2


def test_simulate_configuration_is_validated(cli, tree):
    root = tree({"wsaudit.toml": '[simulate]\nwave_files = 0\nfailure_probability = 1.5\nbogus = 1\n'
                                 '[[rule]]\nid = "R"\nmodule = "m"\n'})
    result = cli("simulate", root)
    assert result.code == 2
    assert [line.split(": ")[3] for line in result.err.splitlines()] == [
        "simulate.bogus", "simulate.wave_files", "simulate.failure_probability"]


# ------------------------------------------------------------------ the README's comparison

README = REPO / "README.md"
BEGIN, END = "<!-- simulation:begin -->", "<!-- simulation:end -->"


def readme_comparison() -> str:
    sim = audit(SAMPLE, cache=False).simulate(seed=0, runs=200)
    doc = sim.document()
    tier = {s["name"]: s for s in doc["strategies"]}["tier"]
    lines = [comparison_table(doc).rstrip(), "",
             "The seed's phases against the `tier` strategy on the sample (p50, p90 of 200 runs; "
             "working days from the start):", "",
             "| phase | seed's plan | simulated p50 | simulated p90 |", "| --- | --- | ---: | ---: |"]
    seed = {"P0": "1-2 days", "P1": "1 week", "P2": "2-3 weeks"}
    for t in ("p0", "p1", "p2"):
        m = tier[f"days_to_zero_{t}"]
        lines.append(f"| {t.upper()} done | {seed[t.upper()]} | {m['p50']:.2f} | {m['p90']:.2f} |")
    lines.append(f"| shim removed | weeks 5-6 | {tier['days_to_done']['p50']:.2f} | {tier['days_to_done']['p90']:.2f} |")
    return "\n".join(lines)


def test_readme_comparison_is_produced_by_the_tool():
    text = README.read_text(encoding="utf-8")
    expected = readme_comparison()
    if os.environ.get("WSAUDIT_UPDATE_README"):
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: f"{BEGIN}\n{expected}\n{END}", text,
                      flags=re.DOTALL)
        README.write_text(text, encoding="utf-8")
    assert text.split(BEGIN)[1].split(END)[0].strip() == expected


def test_a_tree_with_nothing_to_migrate_plans_nothing(tree, cli, tmp_path):
    """No violation: every strategy takes no wave and no day, and the plan is its header alone
    (it was an IndexError in the run of an empty layout)."""
    root = tree({"wsaudit.toml": '[golden_path]\nmodules = ["app.main"]\n[[rule]]\nid = "R1"\nsymbol = "app.old.make"\n',
                 "app/__init__.py": "", "app/main.py": "x = 1\n"}, base=False)
    plan = tmp_path / "plan.csv"
    result = cli("simulate", root, "--no-cache", "--format", "json", "--runs", "5", "--plan", plan)
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["parameters"]["violations"] == 0
    assert {s["name"]: (s["waves"]["p90"], s["days_to_done"]["p90"]) for s in doc["strategies"]} == {
        name: (0.0, 0.0) for name in STRATEGIES}
    assert plan.read_text(encoding="utf-8").count("\n") == 1
