"""Text outputs point where editors do; SARIF carries rule help once; graph exports carry
per-node violations, tier and score; DOT is drawn for a person."""

from __future__ import annotations

import io
from types import SimpleNamespace

import networkx as nx
from conftest import RULES, SAMPLE

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


def test_one_violation_has_the_same_place_in_every_text_output(cli, tree, tmp_path):
    """The deprecated name of a multi-line import, through every text renderer: scan's and
    rank's tables, check's text and JUnit report, migrate's summary (dry run and --apply) and the
    apply's validation listing all print :func:`wsaudit.render.positions.location`'s ``path:line:col``.
    (``history`` prints no location: its table is one line per commit.)"""
    from wsaudit.api import audit
    from wsaudit.codemod.plan import plan
    from wsaudit.codemod.records import Applied
    from wsaudit.codemod.validate_written import Validation
    from wsaudit.render.migrate import applied_summary

    root = tree(MULTI)
    (imp,) = [v for v in audit(root, cache=False).violation_records
              if v.path == "pkg/user.py" and v.category == "deprecated-import"]
    place = "pkg/user.py:7:9"  # the name's line, its 1-based column (the statement is at 5:4, 0-based)
    outputs = {
        "scan": cli("scan", root, "--no-cache").out,
        "rank": cli("rank", root, "--no-cache").out,
        "check": cli("check", root, "--no-cache").out,
        "check --format junit": cli("check", root, "--no-cache", "--format", "junit").out,
        "migrate": cli("migrate", root, "--no-cache").err,
        "migrate --apply": cli("migrate", root, "--no-cache", "--apply").err,
    }
    # a validation that finds the row again after an apply lists it the same way
    found = Validation(unexpected=[f"+{imp.path}:{imp.line}:{imp.col} R1 {imp.category} {imp.name}"],
                       mismatched=[("+", imp)])
    point = SimpleNamespace(id="0001-00000000")  # a rollback point, as far as the summary reads it
    m = plan(root, audit=audit(root, cache=False))
    outputs["apply's validation"] = applied_summary(Applied(point=point, written=[imp.path], validation=found), m)
    for name, text in outputs.items():
        mine = [ln for ln in text.splitlines() if "pkg/user.py:" in ln and imp.category in ln]
        assert mine, (name, text)
        assert all(place in ln for ln in mine), (name, mine)


def test_migrate_places_a_manual_item_in_the_file_as_migrated(cli, tree, tmp_path):
    """Before --apply the migrated text exists only in memory; its positions (the call above the
    import lost a line) are where a scan of the applied tree finds the row."""
    rules = RULES.replace('replacement = "pkg.core.manager.Manager"\n', 'replacement = "pkg.core.manager.Manager"\n\n'
                          '[[rule.rewrite]]\narguments = []\ncall = "Manager()"\n'
                          'imports = ["from pkg.core.manager import Manager"]\n', 1)
    root = tree({"wsaudit.toml": rules, "pkg/user.py": (
        "from pkg.core import create_websocket_manager as early\nx = early(\n)\n"
        "from pkg.core import (\n    os as _os,\n    create_websocket_manager as cwm,\n)\nkeep = [cwm]\n")})
    dry = [ln for ln in cli("migrate", root, "--no-cache").err.splitlines() if "pkg/user.py" in ln]
    assert cli("migrate", root, "--no-cache", "--apply").code == 0
    scanned = [ln.split()[0] for ln in cli("scan", root, "--no-cache").out.splitlines() if ln.startswith("pkg/user.py")]
    assert scanned == ["pkg/user.py:5:5", "pkg/user.py:7:9"]  # the import's name, one line up from the original's
    assert [ln.split()[1] for ln in dry] == scanned
