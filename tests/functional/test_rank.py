"""Ranking: measures on hand-drawn graphs, tiers pinned on the sample, invariants by hypothesis."""

from __future__ import annotations

import json
import os
import re

import networkx as nx
import pytest
from conftest import REPO, SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from wsaudit.analysis.rank import (
    golden_betweenness,
    golden_chain,
    golden_distance,
    golden_reach_share,
    golden_score,
    rank_modules,
    runtime_graph,
)
from wsaudit.api import audit
from wsaudit.config import Config, GoldenPath, RankSettings
from wsaudit.errors import ConfigError


def graph(edges, tests=(), paths=None):
    """A hand-drawn import graph with the node attributes the pipeline gives."""
    G = nx.DiGraph()
    for a, b, *line in edges:
        for n in (a, b):
            G.add_node(n, module=n, path=(paths or {}).get(n, n.replace(".", "/") + ".py"), is_test=n in tests)
        G.add_edge(a, b, line=line[0] if line else 1, context="module", implicit=False)
    return G


def config(modules=(), tests=(), **rank):
    return Config(source="test.toml", golden_path=GoldenPath(tuple(modules), tuple(tests)), rank=RankSettings(**rank))


# ------------------------------------------------------------------ measures by hand


def test_distance_and_chain_follow_imports_from_the_nearest_golden_module():
    G = graph([("gp", "a", 3), ("a", "b", 2), ("b", "c", 7), ("gp2", "c", 1), ("z", "gp", 1)])
    dist, parent = golden_distance(G, ["gp", "gp2"])
    assert dist == {"gp": 0, "gp2": 0, "a": 1, "b": 2, "c": 1}
    assert golden_chain(parent, "b") == ["gp", "a", "b"]
    assert golden_chain(parent, "c") == ["gp2", "c"]
    assert "z" not in dist  # importing the Golden Path is not being reached by it


def test_chain_ties_break_by_name():
    G = graph([("gp", "y"), ("gp", "x"), ("x", "t"), ("y", "t")])
    _, parent = golden_distance(G, ["gp"])
    assert golden_chain(parent, "t") == ["gp", "x", "t"]


def test_pagerank_on_a_cycle_by_hand():
    # gp -> a -> gp, a -> b (dead end). With alpha = 0.5 and restart at gp:
    # s_gp = 0.5 + 0.5 * s_a / 2 + 0.5 * s_b ; s_a = 0.5 * s_gp ; s_b = 0.5 * s_a / 2
    # => s_a = s_gp / 2, s_b = s_gp / 8, s_gp = 0.5 + s_gp / 8 + s_gp / 16 => s_gp = 8 / 13
    G = graph([("gp", "a"), ("a", "gp"), ("a", "b")])
    s = golden_score(G, ["gp"], alpha=0.5)
    assert s["gp"] == pytest.approx(8 / 13)
    assert s["a"] == pytest.approx(4 / 13)
    assert s["b"] == pytest.approx(1 / 13)


def test_pagerank_splits_restart_between_golden_modules_and_ignores_the_unreached():
    G = graph([("g1", "a"), ("g2", "a"), ("x", "y")])
    s = golden_score(G, ["g1", "g2"], alpha=0.5)
    # each g: 0.5 * 0.5 + 0.5 * 0.5 * s_a (a is a dead end) ; s_a = 0.5 * (s_g1 + s_g2)
    # => s_g = 0.25 + 0.25 * s_a, s_a = s_g => s_g = 1/3
    assert s["g1"] == pytest.approx(1 / 3) and s["a"] == pytest.approx(1 / 3)
    assert s["x"] == 0.0 and s["y"] == 0.0
    assert sum(s.values()) == pytest.approx(1.0)
    assert set(golden_score(G, []).values()) == {0.0}


def test_reach_share_and_restricted_betweenness():
    G = graph([("g1", "hub"), ("g2", "hub"), ("hub", "a"), ("hub", "b"), ("x", "hub")])
    share = golden_reach_share(G, ["g1", "g2"])
    assert share["hub"] == 1.0 and share["g1"] == 0.5 and share["x"] == 0.0
    between = golden_betweenness(G, ["g1", "g2"])
    assert between["hub"] == 4.0  # g1->a, g1->b, g2->a, g2->b all pass through hub
    assert between["x"] == 0.0


def test_type_checking_imports_reach_only_when_configured():
    G = graph([("gp", "a")])
    G.add_node("t", module="t", path="t.py", is_test=False)
    G.add_edge("a", "t", line=5, context="type-checking", implicit=False)
    assert rank_modules(G, config(["gp"]))["t"].tier == "P1"
    assert rank_modules(G, config(["gp"], type_checking=True))["t"].tier == "P0"
    assert "t" not in golden_distance(runtime_graph(G), ["gp"])[0]


def test_tier_rules_and_reasons():
    G = graph(
        [("gp", "mid", 3), ("mid", "leaf", 2), ("other", "leaf", 1), ("t_gp", "gp", 4), ("t_other", "other", 1),
         ("t_cfg", "fixture", 1)],
        tests={"t_gp", "t_other", "t_cfg"},
        paths={"t_cfg": "tests/test_cfg.py"},
    )
    ranks = rank_modules(G, config(["gp"], ["tests/test_cfg.py"]))
    assert {n: r.tier for n, r in ranks.items()} == {
        "gp": "P0", "mid": "P0", "leaf": "P0", "other": "P1", "t_gp": "P1", "t_other": "P2", "t_cfg": "P0",
        "fixture": "P0",  # the configured test's named imports join the Golden Path
    }
    assert ranks["fixture"].reason == "P0: fixture.py is on the Golden Path"
    assert ranks["t_cfg"].reason == "P0: tests/test_cfg.py is a configured Golden Path test"
    assert ranks["leaf"].reason == "P0: gp.py (Golden Path) imports mid.py (line 3), which imports leaf.py (line 2)"
    assert ranks["t_gp"].reason == "P1: test t_gp.py imports Golden Path module gp.py (line 4)"
    limited = rank_modules(G, config(["gp"], p0_max_distance=1))
    assert (limited["mid"].tier, limited["leaf"].tier) == ("P0", "P1")
    assert rank_modules(G, config(["gp"], golden_test_imports_tier="P2"))["t_gp"].tier == "P2"


def test_unknown_golden_path_modules_are_a_configuration_error_naming_them():
    G = graph([("gp", "a")])
    with pytest.raises(ConfigError) as info:
        rank_modules(G, config(["gp", "nope.*", "missing"], ["tests/none.py"]))
    assert [(key, msg) for _, key, msg in info.value.problems] == [
        ("golden_path.modules", "'nope.*' matches no module in the tree"),
        ("golden_path.modules", "'missing' matches no module in the tree"),
        ("golden_path.tests", "'tests/none.py' matches no file in the tree"),
    ]


def test_rank_cli_unknown_golden_module_exits_2(cli, tree):
    root = tree({"wsaudit.toml": '[golden_path]\nmodules = ["pkg.gone"]\n[[rule]]\nid = "R"\nmodule = "m"\n'})
    result = cli("rank", root, "--no-cache")
    assert result.code == 2
    assert result.err == "wsaudit: configuration error: wsaudit.toml: golden_path.modules: 'pkg.gone' matches no module in the tree\n"


# ------------------------------------------------------------------ invariants

names = st.lists(st.sampled_from([f"m{i}" for i in range(8)]), min_size=2, max_size=2, unique=True)


@settings(max_examples=60, deadline=None)
@given(edges=st.lists(names, max_size=20), target=st.sampled_from([f"m{i}" for i in range(8)]))
def test_an_import_from_the_golden_path_never_makes_a_tier_worse(edges, target):
    G = graph([(a, b) for a, b in edges] + [("gp", "m0")], tests={"m6", "m7"})
    G.add_node(target, module=target, path=target + ".py", is_test=target in {"m6", "m7"})
    before = rank_modules(G, config(["gp"]))[target].tier
    G.add_edge("gp", target, line=1, context="module", implicit=False)
    after = rank_modules(G, config(["gp"]))[target].tier
    assert after <= before


@settings(max_examples=40, deadline=None)
@given(edges=st.lists(names, min_size=1, max_size=20), seed=st.randoms(use_true_random=False))
def test_relabelling_modules_does_not_change_scores(edges, seed):
    G = graph([(a, b) for a, b in edges] + [("gp", "m0")])
    nodes = sorted(G)
    shuffled = nodes[:]
    seed.shuffle(shuffled)
    mapping = {old: f"renamed_{new}" for old, new in zip(nodes, shuffled)}
    H = nx.relabel_nodes(G, mapping)
    before = golden_score(G, ["gp"])
    after = golden_score(H, [mapping["gp"]])
    for old, new in mapping.items():
        assert after[new] == pytest.approx(before[old], abs=1e-9)
    dist_g, _ = golden_distance(G, ["gp"])
    dist_h, _ = golden_distance(H, [mapping["gp"]])
    assert {mapping[k]: v for k, v in dist_g.items()} == dist_h


# ------------------------------------------------------------------ the sample

SAMPLE_TIERS = {
    "netra_backend/app/routes/websocket_ssot.py": "P0",  # configured Golden Path module
    "netra_backend/app/websocket_core/agent_handler.py": "P0",  # configured Golden Path module
    "netra_backend/app/services/agent_bridge.py": "P0",  # agent_handler imports it
    "netra_backend/app/services/user_sessions.py": "P0",  # a Golden Path test imports it
    "netra_backend/app/services/compat.py": "P0",  # user_sessions imports it
    "netra_backend/app/websocket_core/__init__.py": "P0",  # every websocket_core import runs it
    "netra_backend/app/websocket_core/factory.py": "P0",  # a Golden Path test imports it
    "netra_backend/tests/e2e/thread_test_fixtures.py": "P0",  # the seed's three Golden Path tests
    "netra_backend/tests/integration/test_agent_execution_core.py": "P0",
    "netra_backend/tests/websocket_core/test_send_after_close_race_condition.py": "P0",
    "netra_backend/app/admin/maintenance.py": "P1",  # nothing on the Golden Path imports these
    "netra_backend/app/agents/supervisor.py": "P1",
    "netra_backend/app/routes/legacy_ws.py": "P1",
    "netra_backend/app/services/event_delivery.py": "P1",
    "netra_backend/app/services/health.py": "P1",
    "netra_backend/app/services/notifications.py": "P1",
    "netra_backend/app/services/notifications_fr.py": "P1",
    "netra_backend/app/services/windows_bridge.py": "P1",
    "netra_backend/app/services/ws_helpers.py": "P1",
    "netra_backend/app/services/legacy_notifier.py": "P1",  # the migration in motion: nothing on the
    "netra_backend/app/services/session_bridge.py": "P1",  # Golden Path imports these either
    "netra_backend/app/services/ws_shortcuts.py": "P1",
    "scripts/migrate_ws_factory.py": "P1",
    "conftest.py": "P1",  # tests that import a Golden Path module
    "netra_backend/app/websocket_core/factory_test.py": "P1",
    "tests/mission_critical/test_websocket_agent_events_suite.py": "P1",
    "scripts/test_migration_smoke.py": "P2",  # tests that do not touch the Golden Path
    "tests/unit/test_health.py": "P2",
    "tests/unit/test_ssot_import_compliance.py": "P2",
    "tests/unit/test_presence.py": "P2",  # its stale patch target: a test that does not touch the Golden Path
}


@pytest.fixture(scope="module")
def sample():
    return audit(SAMPLE, cache=False)


def test_every_sample_violation_has_its_pinned_tier(sample):
    rows = sample.rank_rows()
    assert len(rows) == len(sample.violation_records)
    assert {r["path"]: r["tier"] for r in rows} == SAMPLE_TIERS


def test_rows_are_ordered_by_tier_then_score_then_position(sample):
    rows = sample.rank_rows()
    keys = [(r["tier"], -r["score"], r["path"], r["line"], r["col"]) for r in rows]
    assert keys == sorted(keys)
    assert rows[0]["score"] > 0


def test_the_chain_explains_a_reached_module(sample):
    bridge = [r for r in sample.rank_rows() if r["path"] == "netra_backend/app/services/agent_bridge.py"]
    assert bridge[0]["golden_chain"] == ["netra_backend.app.websocket_core.agent_handler",
                                         "netra_backend.app.services.agent_bridge"]
    assert bridge[0]["golden_distance"] == 1
    assert "netra_backend/app/websocket_core/agent_handler.py (Golden Path) imports " \
           "netra_backend/app/services/agent_bridge.py (line 2)" in bridge[0]["reason"]


def test_file_view_counts_and_worst_tier(sample, cli):
    doc = cli("rank", SAMPLE, "--by", "file", "--format", "json", "--no-cache").json()
    files = {f["path"]: f for f in doc["files"]}
    assert set(files) == set(SAMPLE_TIERS)
    by_violation = sample.rank_rows()
    for path, f in files.items():
        mine = [r for r in by_violation if r["path"] == path]
        assert f["violations"] == len(mine)
        assert f["deprecated-call"] == sum(r["category"] == "deprecated-call" for r in mine)
        assert f["score"] == pytest.approx(sum(r["score"] for r in mine), rel=1e-5)
        assert f["tier"] == min(r["tier"] for r in mine)


def test_rank_formats(cli):
    doc = cli("rank", SAMPLE, "--format", "json", "--no-cache").json()
    assert doc["violations"][0]["tier"] == "P0" and "golden_chain" in doc["violations"][0]
    assert "netra_backend.app.routes.websocket_ssot" in doc["golden_path"]
    sarif = cli("rank", SAMPLE, "--format", "sarif").json()
    levels = {r["properties"]["tier"]: r["level"] for r in sarif["runs"][0]["results"]}
    assert levels == {"P0": "error", "P1": "warning", "P2": "note"}
    csv_text = cli("rank", SAMPLE, "--format", "csv").out
    assert csv_text.splitlines()[0].endswith("tier,score,golden_distance,golden_chain,reason")
    table = cli("rank", SAMPLE).out
    tiers = [r["tier"] for r in doc["violations"]]
    summary = f"{len(tiers)} violations: " + ", ".join(f"{tiers.count(t)} {t}" for t in ("P0", "P1", "P2"))
    assert table.rstrip().endswith(summary)
    assert cli("rank", SAMPLE, "--format", "json").out == cli("rank", SAMPLE, "--format", "json").out


# ------------------------------------------------------------------ the README's worked example

README = REPO / "README.md"
BEGIN, END = "<!-- worked-example:begin -->", "<!-- worked-example:end -->"


def worked_example(rows) -> str:
    """One P0 reached through imports, one P1, one P2: the rows the README shows."""
    p0 = max((r for r in rows if r["tier"] == "P0"), key=lambda r: r["golden_distance"] or 0)
    p1 = next(r for r in rows if r["tier"] == "P1" and not r["is_test"])
    p2 = next(r for r in rows if r["tier"] == "P2")
    out = ["```text"]
    for r in (p0, p1, p2):
        out.append(f"{r['tier']}  {r['path']}:{r['line']}  {r['category']}  {r['name']}")
        out.append(f"    score {r['score']}, golden_distance {json.dumps(r['golden_distance'])}, "
                   f"golden_chain {json.dumps(r['golden_chain'])}")
        out.append(f"    {r['reason']}")
    out.append("```")
    return "\n".join(out)


def test_readme_worked_example_is_produced_by_the_tool(sample):
    text = README.read_text(encoding="utf-8")
    expected = worked_example(sample.rank_rows())
    if os.environ.get("WSAUDIT_UPDATE_README"):
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda m: f"{BEGIN}\n{expected}\n{END}", text,
                      flags=re.DOTALL)
        README.write_text(text, encoding="utf-8")
    block = text.split(BEGIN)[1].split(END)[0].strip()
    assert block == expected


@pytest.mark.parametrize("by", ["violation", "file"])
@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_the_ranking_written_in_pieces_is_the_rendered_text(sample, by, fmt):
    from wsaudit.render.rank import rank_chunks, render_rank

    whole = render_rank(fmt, by, sample, root="/root", version="1")
    assert "".join(rank_chunks(fmt, by, sample, root="/root", version="1")) == whole
