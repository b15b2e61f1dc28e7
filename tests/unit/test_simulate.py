"""The migration model, waves and the simulation over hand-built records: build_model from
RankedViolation/FileRank and a tiny graph, make_waves and broken_imports, the strategies, and
timelines small enough to compute by hand."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from wsaudit.analysis.simulate import STRATEGIES, order_centrality, order_dependency_safe, simulate
from wsaudit.analysis.waves import broken_imports, make_waves, plan_rows
from wsaudit.analysis.work import Model, Unit, build_model, shim_modules
from wsaudit.config import SimulateSettings
from wsaudit.model import FileRank, RankedViolation, Rule, Violation

# No noise and no failures: every duration below is exact.
EXACT = SimulateSettings(effort_sigma=0.0, failure_probability=0.0, capacity_hours_per_day=6.0, wave_files=2,
                         validation_hours=2.0, base_hours=0.5, per_violation_hours=0.25, runs=3)


def unit(path: str, tier: str = "P1", violations: int = 2, score: float = 0.0, importers: int = 0,
         shim: bool = False) -> Unit:
    by_tier = tuple(violations if t == tier else 0 for t in ("P0", "P1", "P2"))
    return Unit(path, path.removesuffix(".py").replace("/", "."), tier, violations, by_tier,  # type: ignore[arg-type]
                (violations, 0, 0, 0), score, importers, shim)


def paths(waves):
    return [[u.path for u in w] for w in waves]


# ------------------------------------------------------------------------- build_model


def ranked(path: str, module: str, via: str | None, tier: str = "P1", score: float = 0.1, line: int = 1):
    v = Violation("R1", "deprecated-import", path, line, 0, module, "pkg.cwm", "cwm", "module", "", None,
                  path.startswith("tests/"), via)
    return RankedViolation(v, tier, score, None, (), f"{tier}: x")


def file_rank(path: str, module: str, n: int, tier: str = "P1", score: float = 0.1) -> FileRank:
    return FileRank(path, module, tier, n, (n, 0, 0, 0), (0, n, 0), score, None, (), False, f"{tier}: x")


def test_build_model_makes_one_unit_per_file_with_importers_shim_depends_and_tests():
    G = nx.DiGraph([("a", "compat"), ("b", "compat"), ("tests.t_a", "a"), ("c", "a")])
    for n in G:
        G.nodes[n].update(path=n.replace(".", "/") + ".py", is_test=n.startswith("tests"))
    rows = [ranked("a.py", "a", "compat"), ranked("b.py", "b", "compat"), ranked("compat.py", "compat", "pkg.core"),
            ranked("b.py", "b", None, line=2), ranked("compat.py", "compat", "compat", line=3)]
    files = [file_rank("compat.py", "compat", 2), file_rank("b.py", "b", 2), file_rank("a.py", "a", 1)]
    model = build_model(rows, files, G, EXACT, shim={"compat"}, golden_tests=["tests/z.py", "tests/gold.py"])
    assert [(u.path, u.importers, u.shim) for u in model.units] == [
        ("a.py", 2, False), ("b.py", 0, False), ("compat.py", 2, True)]
    # a and b reach the symbol through compat; compat's own rows and pkg.core (no unit) give nothing
    assert model.depends == {"compat.py": frozenset({"a.py", "b.py"})}
    assert model.tests["a"] == ("tests/t_a.py",) and model.tests["compat"] == ()
    assert model.golden_tests == ("tests/gold.py", "tests/z.py")


def test_shim_modules_are_deprecated_modules_their_submodules_and_the_defining_modules():
    modules = ["app.factory", "app.factory.helpers", "app.factory_v2", "app.impl", "app.other"]
    assert shim_modules(modules, [Rule("M", module="app.factory")], ["app.impl.cwm", "gone.mod.cwm"]) == {
        "app.factory", "app.factory.helpers", "app.impl"}


def test_hours_are_base_plus_per_violation_and_the_mean_adds_the_lognormal_factor():
    model = Model((), SimulateSettings(base_hours=1.0, per_violation_hours=0.5, effort_sigma=0.4))
    assert model.hours(unit("a.py", violations=3)) == 2.5
    assert model.expected_hours(unit("a.py", violations=3)) == pytest.approx(2.5 * math.exp(0.08))


# ------------------------------------------------------------------------- waves


def test_make_waves_batches_the_order_and_puts_the_shim_last_in_a_wave_of_its_own():
    order = [unit("shim.py", shim=True), unit("a.py"), unit("b.py"), unit("c.py"), unit("shim2.py", shim=True)]
    assert paths(make_waves(order, 2)) == [["a.py", "b.py"], ["c.py"], ["shim.py", "shim2.py"]]
    assert paths(make_waves(order[1:4], 3)) == [["a.py", "b.py", "c.py"]]


def test_broken_imports_counts_importers_migrated_after_their_reexporter():
    r, a, b, c = unit("r.py"), unit("a.py"), unit("b.py"), unit("c.py")
    model = Model((r, a, b, c), EXACT, {"r.py": frozenset({"a.py", "b.py", "c.py"})})
    assert broken_imports([[r], [a], [b, c]], model) == 3
    assert broken_imports([[a, r], [b], [c]], model) == 2  # the same wave as r is fine: one PR
    assert broken_imports([[a, b, c], [r]], model) == 0


def test_the_plan_lists_per_file_its_wave_expected_hours_and_the_tests_of_the_wave():
    a, b, s = unit("a.py", violations=2), unit("b.py", violations=4), unit("s.py", shim=True)
    model = Model((a, b, s), SimulateSettings(effort_sigma=0.0), tests={"a": ("tests/t_a.py",), "s": ("tests/t_s.py",)},
                  golden_tests=("tests/gold.py",))
    rows = plan_rows(model, make_waves([a, b, s], 4))
    assert [(r["wave"], r["path"], r["hours"], r["tests"], r["shim"]) for r in rows] == [
        (1, "a.py", 1.0, "tests/gold.py tests/t_a.py", False),
        (1, "b.py", 1.5, "tests/gold.py tests/t_a.py", False),
        (2, "s.py", 1.0, "tests/gold.py tests/t_s.py", True),
    ]
    assert rows[0]["deprecated-import"] == 2


# ------------------------------------------------------------------------- strategies


def chain_model() -> Model:
    """r1 is re-exported through by r2, r2 by a: the most central files are the re-exporters,
    so the centrality order migrates them first and breaks their importers."""
    r1, r2, a = unit("r1.py", score=0.9), unit("r2.py", score=0.5), unit("a.py", score=0.1)
    return Model((a, r1, r2), EXACT, {"r1.py": frozenset({"r2.py"}), "r2.py": frozenset({"a.py"})})


def test_dependency_safe_waits_for_importers_and_never_breaks_an_import():
    model = chain_model()
    assert [u.path for u in order_centrality(list(model.units), model, None)] == ["r1.py", "r2.py", "a.py"]
    assert [u.path for u in order_dependency_safe(list(model.units), model, None)] == ["a.py", "r2.py", "r1.py"]
    one_per_wave = Model(model.units, SimulateSettings(wave_files=1, effort_sigma=0.0, failure_probability=0.0),
                         model.depends)
    sim = simulate(one_per_wave, runs=2)
    broken = {name: runs[0].broken for name, runs in sim.results.items()}
    assert broken["centrality"] == 2 and broken["dependency-safe"] == 0
    assert sim.recommended() in {n for n, b in broken.items() if b == 0}


def test_dependency_safe_still_orders_every_unit_when_reexports_form_a_cycle():
    a, b = unit("a.py", score=0.2), unit("b.py", score=0.1)
    model = Model((a, b), EXACT, {"a.py": frozenset({"b.py"}), "b.py": frozenset({"a.py"})})
    assert [u.path for u in order_dependency_safe([a, b], model, None)] == ["a.py", "b.py"]


def test_the_strategies_order_as_documented():
    units = [unit("b.py", "P2", score=0.3, importers=0), unit("a.py", "P1", score=0.0, importers=5),
             unit("c.py", "P0", violations=6, score=0.4, importers=1)]
    model = Model(tuple(units), EXACT)
    order = {name: [u.path for u in f(list(units), model, None)]
             for name, f in STRATEGIES.items() if name != "random"}
    assert order["tier"] == ["c.py", "a.py", "b.py"]
    # b: 0.3 per 1 h; c: 0.4 per 2 h
    assert order["centrality"] == ["b.py", "c.py", "a.py"]
    assert order["leaves-first"] == ["b.py", "c.py", "a.py"]


def test_a_strategy_that_loses_or_repeats_a_unit_is_refused():
    model = Model((unit("a.py"), unit("b.py")), EXACT)
    with pytest.raises(ValueError, match="every unit exactly once"):
        simulate(model, {"bad": lambda units, m, rng: units[:1] * 2}, runs=1)


# ------------------------------------------------------------------------- timelines by hand


def test_without_noise_or_failures_the_timeline_is_the_sum_of_hours_over_capacity():
    # each file: 0.5 + 0.25 * 2 = 1 h. Waves of 2: [p0, p1] = 2 h + 2 h validation, [p2] = 1 h + 2 h.
    p0, p1, p2 = unit("a.py", "P0", score=0.6), unit("b.py", "P1", score=0.3), unit("c.py", "P2", score=0.1)
    sim = simulate(Model((p0, p1, p2), EXACT), ["tier"], runs=3)
    run = sim.results["tier"][0]
    assert run.times == pytest.approx([4 / 6, 7 / 6])
    assert run.remaining == [(0, 0, 2), (0, 0, 0)]
    assert run.attempts == 2
    assert run.day_to_zero(0) == pytest.approx(4 / 6) and run.day_to_zero(2) == pytest.approx(7 / 6)
    # exposure 1.0 until the first wave, then 0.1 until the second
    assert run.exposure_days() == pytest.approx(1.0 * 4 / 6 + 0.1 * 3 / 6)
    doc = {s["name"]: s for s in sim.document()["strategies"]}["tier"]
    assert doc["days_to_done"]["p50"] == round(7 / 6, 3) and doc["waves"]["mean"] == 2.0


def test_the_shim_is_not_counted_among_the_p0_violations_left():
    work, shim = unit("a.py", "P0", score=0.5), unit("s.py", "P0", score=0.5, shim=True)
    run = simulate(Model((work, shim), EXACT), ["tier"], runs=1).results["tier"][0]
    assert run.start == ((2, 0, 0), 0.5)
    assert run.day_to_zero(0) == pytest.approx(3 / 6)  # after the first wave, not the shim's


def test_failed_validations_add_rework_and_another_validation():
    units = (unit("a.py"),)
    always_fails_once = SimulateSettings(effort_sigma=0.0, failure_probability=0.999999, rework_fraction=0.5,
                                         validation_hours=2.0, capacity_hours_per_day=1.0, runs=1)
    run = simulate(Model(units, always_fails_once), ["tier"], runs=1).results["tier"][0]
    failures = run.attempts - 1
    assert failures >= 1
    work = 1.0 + 2.0
    assert run.times[-1] == pytest.approx(work + failures * (0.5 * work + 2.0))


def test_the_same_seed_gives_the_same_simulation_and_another_seed_another():
    units = tuple(unit(f"m{i}.py", ("P0", "P1", "P2")[i % 3], violations=i + 1, score=0.05 * i) for i in range(9))
    model = Model(units, SimulateSettings(runs=20), {"m3.py": frozenset({"m1.py"})})
    first, again = simulate(model, seed=7).document(), simulate(model, seed=7).document()
    assert first == again
    assert simulate(model, seed=8).document() != first


def test_all_strategies_of_a_run_share_the_same_file_efforts():
    # one wave holds every file, so every ordering does the same work: with no failures the
    # finishing day can differ between strategies only if their efforts differ
    units = tuple(unit(f"m{i}.py", violations=i + 1, score=0.1 * i) for i in range(5))
    settings = SimulateSettings(effort_sigma=0.8, failure_probability=0.0, wave_files=10, runs=5)
    sim = simulate(Model(units, settings))
    for run in range(5):
        done = [runs[run].times[-1] for runs in sim.results.values()]
        assert done == pytest.approx([done[0]] * len(done), rel=1e-12)  # summed in another order
    # and the efforts are random: runs differ from each other
    assert sim.results["tier"][0].times[-1] != pytest.approx(sim.results["tier"][1].times[-1])


def test_your_own_strategy_is_run_beside_the_named_ones():
    units = (unit("a.py", score=0.1), unit("b.py", score=0.9))
    sim = simulate(Model(units, EXACT), {"reverse": lambda us, m, rng: sorted(us, key=lambda u: u.path)[::-1],
                                         "tier": STRATEGIES["tier"]}, runs=1)
    assert paths(sim.orders["reverse"]) == [["b.py", "a.py"]]
    assert [s["name"] for s in sim.document()["strategies"]] == ["reverse", "tier"]
