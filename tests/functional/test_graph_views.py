"""``wsaudit graph``'s views (around a module, near the Golden Path, only violations, collapsed
to packages), its node-link format, the rank on every format's nodes and on ``Audit.graph``."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest

import wsaudit
from wsaudit.api import audit

# A shop: the checkout view is the Golden Path; it reaches the cart (which uses the deprecated
# factory) and, through the payment gateway, the ledger (which imports the deprecated module).
# The admin report reaches the ledger too, but no Golden Path module reaches the admin.
SHOP = {
    "shop/__init__.py": "",
    "shop/checkout/__init__.py": "",
    "shop/checkout/views.py": "from shop.checkout import cart\nfrom shop.payments import gateway\n",
    "shop/checkout/cart.py": ("from pkg.core import create_websocket_manager\n\ndef open_cart():\n"
                              "    return create_websocket_manager()\n"),
    "shop/payments/__init__.py": "",
    "shop/payments/gateway.py": "from shop.payments import ledger\n",
    "shop/payments/ledger.py": "import requests\nimport pkg.core.factory\n",
    "shop/admin/__init__.py": "",
    "shop/admin/report.py": "from shop.payments import ledger\n",
    "tests/test_cart.py": "from shop.checkout.cart import open_cart\n",
}
GOLDEN = '\n[golden_path]\nmodules = ["shop.checkout.views"]\n'
RANKED = ("tier", "score", "violations", "hops", "is_test")


@pytest.fixture
def shop(tree):
    from tests.conftest import RULES

    return tree({**SHOP, "wsaudit.toml": RULES + GOLDEN})


def nodes_of(result) -> dict[str, dict]:
    return {n["module"]: n for n in result.json()["nodes"]}


def test_node_link_round_trips_through_networkx_with_the_same_nodes_and_edges(cli, shop):
    plain = cli("graph", shop, "--no-cache").json()
    out = cli("graph", shop, "--format", "node-link").out
    G = nx.node_link_graph(json.loads(out), edges="edges")
    assert sorted(G) == sorted(n["module"] for n in plain["nodes"])
    assert sorted(G.edges) == sorted((e["source"], e["target"]) for e in plain["edges"])
    assert G.is_directed() and not G.is_multigraph()
    assert G.nodes["shop.checkout.cart"]["tier"] == "P0" and G.nodes["shop.checkout.cart"]["hops"] == 1
    # the json format is not node-link (no ids): networkx would make other nodes of it
    assert "id" not in plain["nodes"][0]
    assert out == cli("graph", shop, "--format", "node-link").out  # deterministic


def test_every_format_carries_the_rank_on_its_nodes(cli, shop):
    for fmt in ("json", "node-link"):
        ledger = nodes_of(cli("graph", shop, "--format", fmt, "--no-cache"))["shop.payments.ledger"]
        assert {k: ledger[k] for k in RANKED} == {"tier": "P0", "score": ledger["score"], "violations": 1,
                                                   "hops": 2, "is_test": False}
        assert ledger["score"] > 0
    admin = nodes_of(cli("graph", shop))["shop.admin.report"]
    assert (admin["tier"], admin["hops"], admin["score"]) == ("P1", None, 0.0)
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        G = reader(io.BytesIO(cli("graph", shop, "--format", fmt).out.encode()))
        assert {k: G.nodes["shop.payments.ledger"][k] for k in RANKED} == {
            "tier": "P0", "score": G.nodes["shop.payments.ledger"]["score"], "violations": 1, "hops": 2,
            "is_test": False}
        assert "hops" not in G.nodes["shop.admin.report"]  # unreached: no hops (these formats hold no null)
    dot = cli("graph", shop, "--format", "dot").out
    line = next(x for x in dot.splitlines() if x.strip().startswith('"shop.payments.ledger" ['))
    assert 'tier="P0"' in line and 'violations="1"' in line and 'hops="2"' in line and 'is_test="false"' in line


def test_around_a_module_keeps_what_it_imports_and_what_imports_it(cli, shop):
    near = nodes_of(cli("graph", shop, "--around", "shop.payments.ledger", "--no-cache"))
    assert sorted(near) == ["pkg", "pkg.core", "pkg.core.factory", "shop.admin.report", "shop.payments.gateway",
                            "shop.payments.ledger"]
    far = cli("graph", shop, "--around", "shop.payments.ledger", "--depth", "2").json()
    assert "shop.checkout.views" in {n["module"] for n in far["nodes"]}
    assert ("shop.checkout.views", "shop.payments.gateway") in {(e["source"], e["target"]) for e in far["edges"]}
    # the imports of outside modules: only those of the modules shown
    assert [u["source"] for u in far["unresolved"]] == ["shop.payments.ledger"]
    assert cli("graph", shop, "--around", "shop.checkout.cart", "--depth", "0").json()["edges"] == []


def test_a_view_naming_a_module_not_in_the_graph_is_one_line_and_exit_2(cli, shop):
    missing = cli("graph", shop, "--around", "shop.payments.ledgr")
    assert missing.code == 2 and missing.out == ""
    assert missing.err.strip().splitlines() == [
        ("wsaudit: error: --around shop.payments.ledgr: no module 'shop.payments.ledgr' in the import graph "
         "(did you mean shop.payments.ledger, shop.payments, shop.payments.gateway?)")]
    for args in (("--depth", "2"), ("--golden-path-hops", "-1"), ("--collapse", "0"),
                 ("--format", "html", "--collapse", "2"), ("--format", "html", "--only-violations")):
        refused = cli("graph", shop, *args)
        assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1, args


def test_golden_path_hops_and_only_violations_filter_and_combine(cli, shop):
    within = nodes_of(cli("graph", shop, "--golden-path-hops", "1", "--no-cache"))
    assert all(n["hops"] is not None and n["hops"] <= 1 for n in within.values())
    assert {"shop.checkout.views", "shop.checkout.cart", "shop.payments.gateway"} <= set(within)
    assert "shop.payments.ledger" not in within and "shop.admin.report" not in within
    bad = nodes_of(cli("graph", shop, "--only-violations"))
    assert sorted(bad) == ["pkg.core", "pkg.core.factory", "shop.checkout.cart", "shop.payments.ledger"]
    both = nodes_of(cli("graph", shop, "--only-violations", "--golden-path-hops", "1"))
    assert sorted(both) == ["shop.checkout.cart"]


def test_collapse_makes_a_package_graph_with_aggregated_nodes_and_counted_edges(cli, shop):
    doc = cli("graph", shop, "--collapse", "2", "--no-cache").json()
    packages = {n["module"]: n for n in doc["nodes"]}
    assert sorted(packages) == ["pkg", "pkg.core", "shop", "shop.admin", "shop.checkout", "shop.payments",
                                "tests.test_cart"]
    checkout, payments = packages["shop.checkout"], packages["shop.payments"]
    assert (checkout["modules"], checkout["violations"], checkout["tier"], checkout["hops"]) == (3, 2, "P0", 0)
    assert (payments["modules"], payments["violations"], payments["hops"], payments["path"]) == (
        3, 1, 1, "shop/payments")
    edges = {(e["source"], e["target"]): e for e in doc["edges"]}
    assert edges["shop.checkout", "shop.payments"]["imports"] == 2  # views -> payments, views -> gateway
    assert ("shop.checkout", "shop.checkout") not in edges
    # the package shop.checkout itself is no hops from the Golden Path (views does not import it)
    dot = cli("graph", shop, "--collapse", "2", "--golden-path-hops", "2", "--format", "dot").out
    assert '"shop.checkout" [label="checkout\\n2 modules\\n2 violations"' in dot
    whole = cli("graph", shop, "--collapse", "2", "--format", "dot").out
    # the package shop's own __init__ is drawn in the cluster of shop, beside shop.checkout
    assert '  subgraph "cluster_shop" {\n    label="shop";\n    "shop" [label="__init__"' in whole
    G = nx.node_link_graph(json.loads(cli("graph", shop, "--collapse", "1", "--format", "node-link").out),
                           edges="edges")
    assert sorted(G) == ["pkg", "shop", "tests"]


def test_audit_graph_nodes_carry_the_rank_once_ranked_and_the_views_compose(shop):
    from wsaudit.analysis import views

    a = audit(shop, cache=False)
    assert "tier" not in a.graph.nodes["shop.checkout.cart"]  # not ranked yet: nothing computed for nothing
    a.module_ranks  # noqa: B018
    assert {k: a.graph.nodes["shop.checkout.cart"][k] for k in RANKED} == {
        "tier": "P0", "score": a.module_ranks["shop.checkout.cart"].score, "violations": 2, "hops": 1,
        "is_test": False}
    by_tier = views.collapse(views.within_hops(a.graph, 2), 2)
    assert by_tier.nodes["shop.payments"]["tier"] == "P0"
    # a ranking adopted (a report's snapshot) before the graph is built is on the graph too
    b = audit(shop)
    b.adopt_ranking(a.module_ranks, a.ranked)
    assert b.graph.nodes["shop.payments.ledger"]["hops"] == 2


def test_dir_of_the_package_offers_what_it_imports_on_first_use():
    names = dir(wsaudit)
    assert {"audit", "Audit", "load_audit", "save_audit", "Violation", "ModuleRank", "RankedViolation"} <= set(names)
    assert set(wsaudit.__all__) <= set(names)
    assert all(getattr(wsaudit, n) is not None for n in wsaudit.__all__)
