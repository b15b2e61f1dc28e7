"""Text outputs point where editors do; SARIF carries rule help once; graph exports carry
per-node violations, tier and score; DOT is drawn for a person."""

from __future__ import annotations

import io

import networkx as nx
from conftest import SAMPLE

MULTI = {"pkg/user.py": "import os\n\n\ndef f():\n    from pkg.core import (\n        os as _os,\n"
                        "        create_websocket_manager as cwm,\n    )\n    return cwm()\n"}


def test_scan_table_columns_are_1_based_and_a_multiline_import_points_at_its_name(cli, tree):
    root = tree(MULTI)
    doc = cli("scan", root, "--format", "json", "--no-cache").json()
    mine = [v for v in doc["violations"] if v["path"] == "pkg/user.py"]
    (imp,) = [v for v in mine if v["category"] == "deprecated-import"]
    (call,) = [v for v in mine if v["category"] == "deprecated-call"]
    assert (imp["line"], imp["col"]) == (5, 4) and (call["line"], call["col"]) == (9, 11)  # JSON: as docs/json.md says
    table = cli("scan", root, "--no-cache").out
    assert "pkg/user.py:7:9  R1  deprecated-import" in table  # the name's line, 1-based column
    assert "pkg/user.py:9:12  R1  deprecated-call" in table
    ranked = cli("rank", root, "--no-cache").out
    assert "pkg/user.py:7:9  R1  deprecated-import" in ranked and "pkg/user.py:9:12  R1" in ranked


def test_sarif_rules_have_help_and_results_do_not_repeat_it(cli):
    log = cli("scan", SAMPLE, "--format", "sarif", "--no-cache").json()
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["help"]["text"] and rule["fullDescription"]["text"]
        assert len({rule["shortDescription"]["text"], rule["fullDescription"]["text"], rule["help"]["text"]}) == 3
    for result in log["runs"][0]["results"]:
        text = result["message"]["text"]
        rule = rules[result["ruleIndex"]]
        assert text.endswith(": " + rule["shortDescription"]["text"]) and "(use " not in text  # the rule's words once


def test_graph_exports_carry_violations_tier_and_score(cli):
    doc = cli("graph", SAMPLE, "--no-cache").json()
    nodes = {n["module"]: n for n in doc["nodes"]}
    ssot = nodes["netra_backend.app.routes.websocket_ssot"]
    assert ssot["tier"] == "P0" and ssot["violations"] == 2 and ssot["score"] > 0
    assert sum(n["violations"] for n in doc["nodes"]) == len(cli("scan", SAMPLE, "--format", "json").json()["violations"])
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        G = reader(io.BytesIO(cli("graph", SAMPLE, "--format", fmt).out.encode()))
        node = G.nodes["netra_backend.app.routes.websocket_ssot"]
        assert (node["tier"], int(node["violations"])) == ("P0", 2) and float(node["score"]) == ssot["score"]


def test_dot_is_clustered_by_package_without_edge_labels_unless_asked(cli):
    dot = cli("graph", SAMPLE, "--format", "dot").out
    assert 'subgraph "cluster_netra_backend.app.routes" {' in dot
    assert '"netra_backend.app.routes.websocket_ssot" [label="websocket_ssot\\n2 violations"' in dot
    assert "label=\"" not in "".join(line for line in dot.splitlines() if "->" in line)
    labelled = cli("graph", SAMPLE, "--format", "dot", "--edge-labels").out
    assert all("label=" in line for line in labelled.splitlines() if "->" in line)
    assert dot.count("{") == dot.count("}")
