"""Ranking over a hand-built networkx graph and hand-made Violation records: the centrality
measures, the Golden Path, tiers and their reasons, violation and file aggregation."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest

from wsaudit.analysis.rank import (
    golden_betweenness,
    golden_distance,
    golden_reach_share,
    golden_score,
    golden_sources,
    rank_files,
    rank_modules,
    rank_violations,
    runtime_graph,
)
from wsaudit.config import Config, GoldenPath, RankSettings
from wsaudit.errors import ConfigError
from wsaudit.model import RankedViolation, Violation


def graph(edges, tests=(), extra=()):
    """A graph like build_graph's: nodes named by module with path ``a/b.py``; edges
    ``(importer, imported)`` or ``(importer, imported, {attrs})``, line 1 in module context."""
    G = nx.DiGraph()
    for e in edges:
        a, b, attrs = (*e, {}) if len(e) == 2 else e
        for n in (a, b):
            G.add_node(n)
        G.add_edge(a, b, **{"line": 1, "context": "module", "implicit": False, **attrs})
    G.add_nodes_from(extra)
    for n in G:
        G.nodes[n].update(module=n, path=n.replace(".", "/") + ".py", is_test=n in tests)
    return G


def config(modules=(), tests=(), **rank) -> Config:
    return Config(golden_path=GoldenPath(tuple(modules), tuple(tests)), rank=RankSettings(**rank))


def violation(module: str, line: int = 1, category: str = "deprecated-call", is_test: bool = False,
              path: str | None = None) -> Violation:
    return Violation("R1", category, path or module.replace(".", "/") + ".py", line, 0, module, "pkg.cwm", "cwm",
                     "module", "cwm()", None, is_test)


# ------------------------------------------------------------------------- measures


def test_personalized_pagerank_matches_the_hand_computed_stationary_distribution():
    # gp -> a, gp -> b, a -> b; b is a dead end (restarts at gp); x is never reached.
    # With alpha = 1/2: a = s_gp/4, b = (s_gp/2 + a)/2 = 3 s_gp/8, s_gp = 1/2 + b/2,
    # so s_gp = 8/13, a = 2/13, b = 3/13, x = 0.
    G = graph([("gp", "a"), ("gp", "b"), ("a", "b"), ("x", "a")])
    scores = golden_score(G, ["gp"], alpha=0.5)
    assert scores == pytest.approx({"gp": 8 / 13, "a": 2 / 13, "b": 3 / 13, "x": 0.0}, abs=1e-9)
    assert sum(scores.values()) == pytest.approx(1.0)


def test_pagerank_restarts_uniformly_over_several_golden_modules():
    # two golden modules importing nothing: each is its own dead end, restarting half-half
    G = graph([("other", "g1")], extra=["g2"])
    assert golden_score(G, ["g1", "g2"], alpha=0.85) == pytest.approx({"g1": 0.5, "g2": 0.5, "other": 0.0})


def test_pagerank_without_a_golden_path_is_zero_everywhere():
    assert golden_score(graph([("a", "b")]), ["absent"]) == {"a": 0.0, "b": 0.0}


def test_golden_distance_is_bfs_from_the_nearest_golden_module_with_ties_broken_by_name():
    G = graph([("gp", "b"), ("gp", "a"), ("a", "c"), ("b", "c"), ("c", "d"), ("up", "gp")])
    distance, parent = golden_distance(G, ["gp"])
    assert distance == {"gp": 0, "a": 1, "b": 1, "c": 2, "d": 3}  # "up" imports gp: not reached
    assert parent["c"] == "a"  # two shortest paths; the name decides


def test_runtime_graph_drops_type_checking_imports_unless_asked():
    G = graph([("gp", "a", {"context": "type-checking"}), ("gp", "b", {"context": "function"})])
    assert sorted(runtime_graph(G).edges) == [("gp", "b")]
    assert runtime_graph(G, type_checking=True) is G


def test_reach_share_and_betweenness_count_only_the_golden_paths():
    G = graph([("g1", "hub"), ("g2", "hub"), ("hub", "leaf"), ("other", "leaf")])
    share = golden_reach_share(G, ["g1", "g2"])
    assert (share["hub"], share["leaf"], share["g1"], share["other"]) == (1.0, 1.0, 0.5, 0.0)
    # every golden shortest path to leaf passes through hub: one per golden module
    assert golden_betweenness(G, ["g1", "g2"])["hub"] == 2.0
    assert golden_betweenness(G, ["g1", "g2"])["other"] == 0.0


# ------------------------------------------------------------------------- the Golden Path


def test_golden_sources_take_names_globs_and_the_non_test_modules_golden_tests_import():
    G = graph([("tests.t_gold", "app.flow"), ("tests.t_gold", "tests.helpers"),
               ("tests.t_gold", "app", {"implicit": True}), ("app.routes.ws", "app.x")],
              tests={"tests.t_gold", "tests.helpers"})
    cfg = config(modules=["app.routes.*"], tests=["tests/t_gold.py"])
    # the test's helpers are tests, and an implicit parent package is not an import it names
    assert golden_sources(G, cfg) == ["app.flow", "app.routes.ws"]


def test_golden_patterns_that_match_nothing_are_one_configuration_error_naming_them():
    with pytest.raises(ConfigError) as err:
        golden_sources(graph([("a", "b")]), config(modules=["nope.*", "a"], tests=["missing/test_x.py"]))
    assert [key for _, key, _ in err.value.problems] == ["golden_path.modules", "golden_path.tests"]
    assert "'nope.*'" in str(err.value) and "'missing/test_x.py'" in str(err.value)


# ------------------------------------------------------------------------- tiers


def tiers(ranks):
    return {n: r.tier for n, r in ranks.items()}


def test_tiers_p0_reached_p1_unreached_p2_tests_that_do_not_touch_the_golden_path():
    G = graph([("gp", "a", {"line": 4}), ("a", "b", {"line": 7}), ("c", "d"),
               ("tests.t_gp", "gp"), ("tests.t_other", "c"), ("gp", "tests.fixtures")],
              tests={"tests.t_gp", "tests.t_other", "tests.fixtures"})
    ranks = rank_modules(G, config(modules=["gp"]))
    assert tiers(ranks) == {"gp": "P0", "a": "P0", "b": "P0", "c": "P1", "d": "P1",
                            "tests.t_gp": "P1", "tests.t_other": "P2", "tests.fixtures": "P2"}
    assert ranks["gp"].reason == "P0: gp.py is on the Golden Path"
    assert ranks["b"].reason == "P0: gp.py (Golden Path) imports a.py (line 4), which imports b.py (line 7)"
    assert (ranks["b"].golden_distance, ranks["b"].golden_chain) == (2, ("gp", "a", "b"))
    assert ranks["c"].reason == "P1: no Golden Path module imports c.py, directly or not"
    assert ranks["c"].golden_distance is None and ranks["c"].golden_chain == () and ranks["c"].score == 0.0
    assert ranks["tests.t_gp"].reason == "P1: test tests/t_gp.py imports Golden Path module gp.py (line 1)"
    assert ranks["tests.t_other"].reason == "P2: test tests/t_other.py does not import the Golden Path"


def test_p0_max_distance_limits_p0_to_that_many_hops():
    G = graph([("gp", "a"), ("a", "b"), ("b", "c")])
    ranks = rank_modules(G, config(modules=["gp"], p0_max_distance=1))
    assert tiers(ranks) == {"gp": "P0", "a": "P0", "b": "P1", "c": "P1"}
    assert ranks["b"].reason == "P1: b.py is 2 import hops from the Golden Path, beyond p0_max_distance"
    assert ranks["c"].golden_distance == 3  # the distance is still reported


def test_a_configured_golden_test_is_p0_and_the_tier_of_tests_importing_the_golden_path_is_configurable():
    G = graph([("tests.t_gold", "flow"), ("tests.t_uses", "flow"), ("tests.t_pkg", "pkg", {"implicit": True}),
               ("pkg", "x")], tests={"tests.t_gold", "tests.t_uses", "tests.t_pkg"}, extra=[])
    ranks = rank_modules(G, config(modules=["pkg"], tests=["tests/t_gold.py"], golden_test_imports_tier="P2"))
    assert ranks["tests.t_gold"].tier == "P0"
    assert ranks["tests.t_gold"].reason == "P0: tests/t_gold.py is a configured Golden Path test"
    assert ranks["flow"].golden_distance == 0  # imported by name by the golden test
    assert ranks["tests.t_uses"].tier == "P2"  # golden_test_imports_tier
    # an implicit edge (a submodule's parent package) is not importing the Golden Path
    assert ranks["tests.t_pkg"].reason == "P2: test tests/t_pkg.py does not import the Golden Path"


def test_type_checking_imports_reach_only_when_configured():
    G = graph([("gp", "typed", {"context": "type-checking"})])
    assert rank_modules(G, config(modules=["gp"]))["typed"].tier == "P1"
    assert rank_modules(G, config(modules=["gp"], type_checking=True))["typed"].tier == "P0"


def test_module_scores_are_the_pagerank_shown_to_six_digits():
    G = graph([("gp", "a"), ("gp", "b"), ("a", "b")])
    ranks = rank_modules(G, config(modules=["gp"], alpha=0.5))
    assert (ranks["gp"].score, ranks["a"].score, ranks["b"].score) == (0.615385, 0.153846, 0.230769)


# ------------------------------------------------------------------------- violations and files


def ranked_sample():
    G = graph([("gp", "a", {"line": 3}), ("gp", "b"), ("a", "b"), ("tests.t", "c")], tests={"tests.t"},
              extra=["c"])
    modules = rank_modules(G, config(modules=["gp"], alpha=0.5))
    found = [violation("c", 2), violation("b", 9), violation("a", 5), violation("a", 1, "deprecated-import"),
             violation("tests.t", 1, is_test=True), violation("gp", 3, "deprecated-reference")]
    return G, modules, found


def test_ranked_violations_take_their_modules_rank_and_are_ordered_by_tier_score_path_line():
    G, modules, found = ranked_sample()
    ranked = rank_violations(found, G, modules)
    assert [(r.tier, r.violation.module, r.violation.line) for r in ranked] == [
        ("P0", "gp", 3), ("P0", "b", 9), ("P0", "a", 1), ("P0", "a", 5), ("P1", "c", 2), ("P2", "tests.t", 1)]
    a = next(r for r in ranked if r.violation.module == "a")
    assert (a.score, a.golden_distance, a.golden_chain) == (modules["a"].score, 1, ("gp", "a"))


def test_a_reached_violation_says_where_it_sits_and_a_golden_one_does_not():
    G, modules, found = ranked_sample()
    by = {(r.violation.module, r.violation.line): r for r in rank_violations(found, G, modules)}
    assert by["a", 1].reason == "P0: gp.py (Golden Path) imports a.py (line 3), where the deprecated import sits"
    assert by["a", 5].reason.endswith("where the deprecated call sits")
    assert by["gp", 3].reason == "P0: gp.py is on the Golden Path"


def test_a_violation_whose_file_is_not_the_graph_node_of_its_module_is_ranked_as_unreached():
    G, modules, _ = ranked_sample()
    shadowed = [violation("gp", 1, path="gp/__init__.py"), violation("gp", 2, path="gp/__init__.py", is_test=True)]
    ranked = rank_violations(shadowed, G, modules)
    assert [(r.tier, r.score, r.golden_distance) for r in ranked] == [("P1", 0.0, None), ("P2", 0.0, None)]
    assert "module name shared with another file" in ranked[0].reason


def test_files_aggregate_their_worst_tier_summed_score_and_counts():
    G, modules, found = ranked_sample()
    files = rank_files(rank_violations(found, G, modules))
    by_path = {f.path: f for f in files}
    a = by_path["a.py"]
    assert (a.tier, a.violations, a.by_category, a.by_tier) == ("P0", 2, (1, 1, 0, 0), (2, 0, 0))
    assert a.score == pytest.approx(2 * modules["a"].score)
    # files in tier order, then by summed score: a's two violations outweigh b's one higher-scored
    assert [f.path for f in files] == ["gp.py", "a.py", "b.py", "c.py", "tests/t.py"]


def test_a_file_with_violations_in_several_tiers_takes_the_worst():
    first, second = violation("m"), replace(violation("m"), line=2)
    mixed = [RankedViolation(first, "P2", 0.0, None, (), "P2: x"), RankedViolation(second, "P1", 0.25, None, (), "P1: y")]
    (only,) = rank_files(mixed)
    assert (only.tier, only.violations, only.by_tier, only.score) == ("P1", 2, (0, 1, 1), 0.25)
