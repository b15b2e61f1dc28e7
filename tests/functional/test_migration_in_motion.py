"""A migration in motion: the deprecated API moved, deleted, left stale or hidden in broken files,
and an import graph that matches what Python runs. One scenario per case, on small real trees."""

from __future__ import annotations

from conftest import RULES, write_tree
from wsaudit.api import audit

PATTERN = """
[[rule]]
id = "R1"
symbol = "pkg.core.**.create_websocket_manager"
replacement = "pkg.core.manager.Manager"
"""


def rows(result, path=None):
    return [(v.path, v.line, v.category, v.name, v.resolution) for v in result.violation_records
            if path is None or v.path == path]


# ---------------------------------------------------------------- moved definitions


def test_a_pattern_finds_a_moved_copy_and_its_uses_where_a_plain_rule_loses_them(tree):
    moved = {"pkg/core/compat.py": "def create_websocket_manager(user_context=None):\n    return None\n",
             "pkg/user.py": "from pkg.core.compat import create_websocket_manager\ncreate_websocket_manager()\n"}
    plain = audit(tree(moved), cache=False)
    assert rows(plain, "pkg/user.py") == []  # a plain rule names one object: the copy is another
    found = audit(tree({**moved, "wsaudit.toml": PATTERN}), cache=False)
    assert rows(found, "pkg/user.py") == [
        ("pkg/user.py", 1, "deprecated-import", "create_websocket_manager", "exact"),
        ("pkg/user.py", 2, "deprecated-call", "create_websocket_manager", "exact")]
    assert [(d.path, d.line, d.name) for d in found.definition_records] == [
        ("pkg/core/compat.py", 1, "create_websocket_manager"), ("pkg/core/impl.py", 3, "create_websocket_manager")]


def test_a_plain_rule_lists_the_definition_its_path_resolves_to(tree):
    result = audit(tree(), cache=False)
    assert [(d.rule_id, d.path, d.line, d.module) for d in result.definition_records] == [
        ("R1", "pkg/core/impl.py", 3, "pkg.core.impl")]


def test_a_new_definition_fails_the_gate_as_a_reintroduction(tree, cli, tmp_path):
    root = tree({"wsaudit.toml": PATTERN})
    baseline = tmp_path / "baseline.json"
    assert cli("check", root, "--baseline", baseline, "--update-baseline", "--no-cache").code == 0
    assert cli("check", root, "--baseline", baseline, "--no-cache").code == 0
    write_tree(root, {"pkg/core/canonical.py": "def create_websocket_manager():\n    return 1\n"})
    result = cli("check", root, "--baseline", baseline, "--no-cache", "--format", "json")
    assert result.code == 1
    doc = result.json()
    assert [(f["path"], f["category"], f["fails"]) for f in doc["failures"]] == [
        ("pkg/core/canonical.py", "definition", ["new"])]
    assert doc["summary"]["new_definitions"] == 1 and doc["summary"]["new"] == 0
    text = cli("check", root, "--baseline", baseline, "--no-cache").out
    assert "FAILED (1 definition)" in text and "re-introduced" in text


# ---------------------------------------------------------------- deleted modules, names no longer defined


def test_imports_and_calls_through_a_deleted_module_are_found_by_their_written_path(tree):
    result = audit(tree({"wsaudit.toml": PATTERN,
                         "pkg/a.py": "from pkg.core.gone import create_websocket_manager\n"
                                     "create_websocket_manager(user_context=1)\n",
                         "pkg/b.py": "import pkg.core.gone as g\ng.create_websocket_manager()\n"}), cache=False)
    assert rows(result, "pkg/a.py") == [
        ("pkg/a.py", 1, "deprecated-import", "create_websocket_manager", "pattern"),
        ("pkg/a.py", 2, "deprecated-call", "create_websocket_manager", "pattern")]
    assert rows(result, "pkg/b.py") == [("pkg/b.py", 2, "deprecated-call", "g.create_websocket_manager", "pattern")]


def test_a_name_its_module_no_longer_defines_is_an_import_error_waiting_to_happen(tree):
    result = audit(tree({"wsaudit.toml": PATTERN,
                         "pkg/a.py": "from pkg.core.manager import create_websocket_manager\n"}), cache=False)
    assert rows(result, "pkg/a.py") == [("pkg/a.py", 1, "deprecated-import", "create_websocket_manager", "pattern")]


def test_a_different_function_imported_under_the_deprecated_name_is_not_a_violation(tree):
    result = audit(tree({"wsaudit.toml": PATTERN,
                         "pkg/newapi.py": "def make():\n    return 2\n",
                         "pkg/core/shim.py": "from pkg.newapi import make as create_websocket_manager\n",
                         "pkg/a.py": "from pkg.core.shim import create_websocket_manager\n"
                                     "create_websocket_manager()\n"}), cache=False)
    assert rows(result, "pkg/a.py") == [] and rows(result, "pkg/core/shim.py") == []


# ---------------------------------------------------------------- stale patch targets


def test_a_patch_target_in_a_module_that_no_longer_binds_the_name_is_stale(tree):
    test = ('from unittest import mock\n\n'
            '@mock.patch("pkg.consumer.create_websocket_manager")\ndef test_it(m):\n    pass\n')
    migrated = audit(tree({"pkg/consumer.py": "from pkg.core.manager import Manager\n",
                           "tests/test_consumer.py": test}), cache=False)
    assert rows(migrated, "tests/test_consumer.py") == [
        ("tests/test_consumer.py", 3, "deprecated-reference", "pkg.consumer.create_websocket_manager", "stale")]
    not_yet = audit(tree({"pkg/consumer.py": "from pkg.core import create_websocket_manager\n",
                          "tests/test_consumer.py": test}), cache=False)
    assert rows(not_yet, "tests/test_consumer.py")[0][4] == "exact"


# ---------------------------------------------------------------- files that stop parsing


def test_uses_hidden_in_a_file_that_stopped_parsing_are_suspects_not_violations(tree, cli):
    broken = ("from pkg.core import create_websocket_manager as cwm\n\n"
              "def f(ctx:\n    return cwm(ctx)\n\nx = create_websocket_manager()\n")
    root = tree({"pkg/broken.py": broken})
    result = audit(root, cache=False)
    assert rows(result, "pkg/broken.py") == []
    assert [(s.line, s.category, s.name, s.resolution) for s in result.suspect_records] == [
        (1, "deprecated-import", "create_websocket_manager", "unparsed"),
        (4, "deprecated-call", "cwm", "unparsed"),
        (6, "deprecated-call", "create_websocket_manager", "unparsed")]
    doc = cli("scan", root, "--format", "json", "--no-cache").json()
    assert len(doc["suspects"]) == 3 and all(v["path"] != "pkg/broken.py" for v in doc["violations"])
    table = cli("scan", root, "--no-cache").out
    assert "3 uses hidden in 1 files that do not parse (not counted above):" in table


# ---------------------------------------------------------------- strings naming modules outside the tree


def test_strings_outside_the_tree_count_only_where_python_takes_them_as_paths(tree):
    setup = '''import importlib, sys
from unittest import mock
CONFIG = "distutils.cfg"
GROUP = "distutils.commands"
importlib.import_module("distutils.core")
sys.modules["distutils.util"] = None
ok = "distutils.errors" in sys.modules
patcher = mock.patch("distutils.core.setup")
ENTRY = {"distutils.commands": ["build = distutils.command.build:build"]}
'''
    result = audit(tree({"setup_tools.py": setup, "wsaudit.toml": '[[rule]]\nid = "D"\nmodule = "distutils"\n'},
                        base=False), cache=False)
    refs = [(v.line, v.name) for v in result.violation_records if v.category == "deprecated-reference"]
    assert refs == [(5, "distutils.core"), (6, "distutils.util"), (7, "distutils.errors"),
                    (8, "distutils.core.setup"), (9, "distutils.command.build.build")]


def test_a_string_naming_a_module_of_the_tree_needs_no_such_evidence(tree):
    result = audit(tree({"pkg/a.py": 'NAME = "pkg.core.factory"\n'}), cache=False)
    assert rows(result, "pkg/a.py") == [("pkg/a.py", 1, "deprecated-reference", "pkg.core.factory", "exact")]


# ---------------------------------------------------------------- saying what matched nothing


def test_a_mistyped_symbol_is_a_warning_naming_the_closest_existing_names(tree, cli):
    root = tree({"pkg/a.py": "from typing import Text\n",
                 "wsaudit.toml": '[[rule]]\nid = "T"\nsymbol = "typing.Txet"\n'
                                 '[[rule]]\nid = "M"\nsymbol = "pkg.core.create_websocket_managr"\n'})
    result = cli("scan", root, "--format", "json", "--no-cache")
    assert result.code == 0
    warnings = {w["rule_id"]: w["message"] for w in result.json()["warnings"]}
    assert set(warnings) == {"T", "M"}
    assert "typing.Text" in warnings["T"] and "pkg.core.create_websocket_manager" in warnings["M"]
    assert "wsaudit: warning: rule T: symbol 'typing.Txet' is neither defined nor imported" in result.err


def test_running_without_a_configuration_is_one_line_naming_init(tree, cli):
    root = tree({"pkg/a.py": "x = 1\n"}, base=False)
    for command in ("scan", "check", "rank", "graph", "simulate", "migrate"):
        result = cli(command, root, "--no-cache")
        assert result.code == 2 and result.out == "", command
        (line,) = result.err.splitlines()
        assert "no configuration found" in line and "wsaudit init" in line, command
    asked = cli("scan", root, "--no-cache", "--profile", "netra-websocket", "--format", "json")
    assert asked.code == 0 and asked.json()["config"] == "profile:netra-websocket"
    assert "rule WS001: symbol" in asked.err  # the sample's rules match nothing here, and say so


def test_a_rule_that_matches_something_is_no_warning(tree, cli):
    assert cli("scan", tree(), "--format", "json", "--no-cache").json()["warnings"] == []


# ---------------------------------------------------------------- the graph matches the runtime


GOLDEN = RULES + '[golden_path]\nmodules = ["pkg.flow"]\n'


def test_a_pair_imported_for_type_checking_and_again_at_run_time_is_a_runtime_edge(tree):
    flow = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import helpers\n\n"
            "def run():\n    from pkg import helpers\n    return helpers\n")
    result = audit(tree({"wsaudit.toml": GOLDEN, "pkg/flow.py": flow,
                         "pkg/helpers.py": "from pkg.core import create_websocket_manager\n"}), cache=False)
    edge = result.graph.edges["pkg.flow", "pkg.helpers"]
    assert (edge["context"], edge["line"], edge["contexts"]) == ("function", 6, ("type-checking", "function"))
    assert {r["tier"] for r in result.rank_rows() if r["path"] == "pkg/helpers.py"} == {"P0"}


def test_a_package_wins_over_a_same_named_module_beside_it(tree):
    result = audit(tree({"pkg/core.py": "x = 1\n",
                         "pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n"}),
                   cache=False)
    assert result.graph.nodes["pkg.core"]["path"] == "pkg/core/__init__.py"
    assert [(d.path, d.kind) for d in result.diagnostic_records] == [("pkg/core.py", "shadowed-module")]
    assert [(line, category) for _, line, category, _, _ in rows(result, "pkg/user.py")] == [
        (1, "deprecated-import"), (2, "deprecated-call")]


def test_from_package_import_submodule_is_an_edge_to_the_submodule_not_to_ones_own_package(tree):
    result = audit(tree({"pkg/sub/__init__.py": "from pkg.sub import b\n", "pkg/sub/a.py": "from pkg.sub import b\n",
                         "pkg/sub/b.py": "VALUE = 1\n", "pkg/c.py": "from pkg.sub import b, VALUE2\n"}), cache=False)
    G = result.graph
    assert set(G.successors("pkg.sub.a")) == {"pkg.sub.b"}  # no child -> parent edge, so no false cycle
    assert not G.has_edge("pkg.sub.a", "pkg.sub")
    # a name defined in a package's __init__ (VALUE2 is not a submodule) is an explicit edge to it
    assert G.has_edge("pkg.c", "pkg.sub") and not G.edges["pkg.c", "pkg.sub"]["implicit"]
    assert not G.edges["pkg.c", "pkg.sub.b"]["implicit"]


def test_a_file_whose_name_is_not_a_module_name_never_takes_over_a_module(tree):
    clean = rows(audit(tree(), cache=False))
    result = audit(tree({"pkg.core.py": "VALUE = 1\n", "my-tool.py": "from pkg.core import create_websocket_manager\n"}),
                   cache=False)
    # Python looks for pkg.core as pkg/core.py or pkg/core/: no name reaches pkg.core.py;
    # my-tool.py is the module 'my-tool' (python -m my-tool), no diagnostic
    assert [(d.path, d.kind) for d in result.diagnostic_records] == [("pkg.core.py", "bad-module-name")]
    assert result.graph.nodes["pkg.core"]["path"] == "pkg/core/__init__.py"
    assert "pkg.core.py" not in {result.graph.nodes[n]["path"] for n in result.graph}
    assert result.graph.has_edge("my-tool", "pkg.core")
    # the script is still audited; nothing else changed
    assert rows(result) == sorted(clean + [("my-tool.py", 1, "deprecated-import", "create_websocket_manager", "exact")])


def test_the_gate_reads_less_but_finds_exactly_what_the_scan_finds(tree, cli):
    from wsaudit.gate.collect import collect

    root = tree({"wsaudit.toml": PATTERN,
                 "pkg/core/compat.py": "def create_websocket_manager():\n    return 0\n",
                 "pkg/a.py": "from pkg.core.compat import create_websocket_manager as mk\nmk()\n",
                 "pkg/b.py": "from pkg.core.gone import create_websocket_manager\n",
                 "pkg/c.py": "from pkg.core import manager as m\nm.create_websocket_manager()\n",
                 "pkg/d.py": "def f(:\n    create_websocket_manager()\n",
                 "pkg/e.py": "VALUE = 1\n",
                 "tests/test_a.py": 'import mock\nmock.patch("pkg.e.create_websocket_manager")\n'})
    full = audit(root, cache=False)
    got = collect(root, cache=False)
    assert got.violations == full.violation_records and len(got.violations) == 7
    assert got.definitions == full.definition_records and got.suspects == full.suspect_records
    assert got.files_parsed < len(full.files)  # pkg/e.py and the package's own files are never read
