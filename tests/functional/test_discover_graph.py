"""Discovery (roots, excludes, test globs, module names) and the import graph."""

from __future__ import annotations

import io

import networkx as nx

from wsaudit.analysis.rank import runtime_graph
from wsaudit.api import audit
from wsaudit.config import Config
from wsaudit.engine.discover import discover
from wsaudit.model import Rule


def test_module_names_from_roots_packages_and_namespace_packages(tree):
    root = tree({
        "src/lib/__init__.py": "",
        "src/lib/util.py": "",
        "scripts/tool.py": "",
        "top.py": "",
        "wsaudit.toml": 'roots = ["src", "."]\n[[rule]]\nid = "R"\nmodule = "m"\n',
    }, base=False)
    cfg = Config(roots=("src", "."))
    files, _ = discover(root, cfg)
    assert [(f.path, f.module, f.is_package) for f in files] == [
        ("scripts/tool.py", "scripts.tool", False),
        ("src/lib/__init__.py", "lib", True),
        ("src/lib/util.py", "lib.util", False),
        ("top.py", "top", False),
    ]


def test_excludes_and_test_globs_are_gitignore_style(tree):
    root = tree({
        "app/x.py": "", "app/backup_old/y.py": "", ".venv/lib/z.py": "", "build/b.py": "",
        "tests/unit/test_a.py": "", "app/tests/helpers.py": "", "app/conftest.py": "", "app/thing_test.py": "",
        "app/test_data.txt": "", "app/__pycache__/x.cpython-311.py": "",
    }, base=False)
    files, _ = discover(root, Config())
    assert [(f.path, f.is_test) for f in files] == [
        ("app/conftest.py", True),
        ("app/tests/helpers.py", True),
        ("app/thing_test.py", True),
        ("app/x.py", False),
        ("tests/unit/test_a.py", True),
    ]


def test_a_file_matching_two_test_globs_is_counted_once(cli, tree):
    root = tree({"tests/test_x.py": "from pkg.core import create_websocket_manager\n"})
    doc = cli("scan", root, "--format", "json", "--no-cache").json()
    assert [v["path"] for v in doc["violations"]].count("tests/test_x.py") == 1


def test_graph_edges_packages_submodules_and_unresolved(tree):
    root = tree({
        "pkg/a.py": "import pkg.core.manager\nfrom pkg.core import factory, create_websocket_manager\nimport os\n",
        "pkg/b.py": "from pkg import a\nimport pkg.deleted.module\n",
        "pkg/c.py": "def f():\n    from . import b\n",
        "top.py": "import pkg.core.manager\n",
    })
    result = audit(root, cache=False)
    G = result.graph
    # pkg.a sits in pkg, which has run before it: no edge to its own package
    assert set(G.successors("pkg.a")) == {"pkg.core", "pkg.core.manager", "pkg.core.factory"}
    assert set(G.successors("top")) == {"pkg", "pkg.core", "pkg.core.manager"}
    # the first statement that names pkg.core is line 2; line 1 only implies it (its __init__ runs)
    assert (G.edges["pkg.a", "pkg.core"]["line"], G.edges["pkg.a", "pkg.core"]["implicit"]) == (2, False)
    assert (G.edges["top", "pkg"]["line"], G.edges["top", "pkg"]["implicit"]) == (1, True)
    assert G.edges["pkg.c", "pkg.b"]["context"] == "function"
    # `from pkg import a` imports the submodule pkg.a; pkg is b's own package, which ran before it
    assert set(G.successors("pkg.b")) == {"pkg.a"}
    unresolved = result.imports[~result.imports.resolved]
    assert sorted(zip(unresolved.source, unresolved.target)) == [("pkg.a", "os"), ("pkg.b", "pkg.deleted.module")]
    assert G.nodes["pkg.core"]["is_package"] and not G.nodes["pkg.a"]["is_package"]
    assert G.nodes["pkg.a"]["loc"] == 3


def test_an_edge_says_what_its_explicit_imports_say_when_an_implicit_one_comes_first(tree):
    # SQLAlchemy's engine/base.py: a submodule import makes the package an implicit target before
    # the one statement that names the package, which is for type checking only
    root = tree({
        "dbkit/__init__.py": "",
        "dbkit/sql/__init__.py": "class Select:\n    pass\n",
        "dbkit/sql/compiler.py": "",
        "dbkit/engine.py": ("from typing import TYPE_CHECKING\n"
                            "from .sql import compiler\n"
                            "\n"
                            "if TYPE_CHECKING:\n"
                            "    from .sql import Select\n"),
    }, base=False)
    G = audit(root, Config(rules=(Rule("R", module="no_such_module"),)), cache=False).graph
    edge = G.edges["dbkit.engine", "dbkit.sql"]
    assert (edge["line"], edge["context"], edge["implicit"]) == (5, "type-checking", False)
    assert edge["contexts"] == ("module", "type-checking")
    # the implicit import runs sql/__init__.py: ranking still follows the pair
    assert ("dbkit.engine", "dbkit.sql") in runtime_graph(G).edges


def test_files_that_only_import_module_can_load_are_modules_of_the_graph(tree, cli):
    # Django's migrations and locale packages: import_module("shop.migrations.0001_initial") and
    # import_module("shop.locale.is") load them, and python -m sync-stock runs the script
    root = tree({
        "shop/__init__.py": "",
        "shop/models.py": "class Order:\n    pass\n",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": "from shop.models import Order\n",
        "shop/migrations/0002_order_total.py": "from . import models_state\n",
        "shop/migrations/models_state.py": "",
        "shop/locale/__init__.py": "",
        "shop/locale/is/__init__.py": "",
        "shop/locale/is/formats.py": "from shop import models\n",
        "sync-stock.py": "import shop.models\n",
        "shop/orders.v2.py": "import shop.models\n",  # no name reaches it: shop.orders.v2 is shop/orders/v2.py
        "wsaudit.toml": '[[rule]]\nid = "R"\nmodule = "no_such_module"\n',
    }, base=False)
    result = audit(root, cache=False)
    G = result.graph
    assert {("shop.migrations.0001_initial", "shop.models"), ("shop.migrations.0002_order_total",
            "shop.migrations.models_state"), ("shop.locale.is.formats", "shop.models"),
            ("sync-stock", "shop.models")} <= set(G.edges)
    assert [(d.path, d.kind) for d in result.diagnostic_records] == [("shop/orders.v2.py", "bad-module-name")]
    assert "a dot in a file or folder name" in result.diagnostic_records[0].message
    # audited in full, so not among the files that could not be
    out = cli("scan", root, "--no-cache").out
    assert "could not be fully audited" not in out
    assert "1 files audited but not modules of the import graph:\n  shop/orders.v2.py  bad-module-name" in out
    assert "could not be fully audited" not in cli("check", root, "--no-cache").out


def test_released_import_records_leave_the_graph_and_the_ranking_and_are_an_error_when_asked_for(tree):
    import pytest

    from wsaudit.errors import UsageError

    files = {"pkg/a.py": "import pkg.b\nimport os\n", "pkg/b.py": "from pkg import a\n"}
    kept, let_go = audit(tree(files), cache=False), audit(tree(files), cache=False)
    let_go.release_import_records()  # before the graph was asked for: it is built first
    assert sorted(let_go.graph.edges(data=True)) == sorted(kept.graph.edges(data=True))
    assert let_go.rank_rows() == kept.rank_rows()
    with pytest.raises(UsageError, match="release_import_records"):
        let_go.import_records  # noqa: B018
    assert [r.target for r in kept.import_records if not r.resolved] == ["os"]


def test_golden_path_modules_accept_globs(tree):
    root = tree({"pkg/routes/__init__.py": "", "pkg/routes/ws.py": "", "wsaudit.toml":
                 '[golden_path]\nmodules = ["pkg.routes.*"]\n[[rule]]\nid = "R"\nmodule = "m"\n'})
    G = audit(root, cache=False).graph
    assert G.nodes["pkg.routes.ws"]["golden_path"] and not G.nodes["pkg.routes"]["golden_path"]


def test_bad_relative_import_is_a_diagnostic(tree):
    root = tree({"loose.py": "from . import x\n"})
    result = audit(root, cache=False)
    assert [(d.path, d.kind, d.line) for d in result.diagnostic_records] == [("loose.py", "bad-relative-import", 1)]


def test_graph_formats_round_trip(cli, tree):
    root = tree({"pkg/a.py": "import pkg.core.manager\n"})
    doc = cli("graph", root, "--no-cache").json()
    fields = ("source", "target", "line", "context", "implicit")
    assert {"source": "pkg.a", "target": "pkg.core.manager", "line": 1, "context": "module",
            "implicit": False} in [{k: e[k] for k in fields} for e in doc["edges"]]
    assert {n["module"] for n in doc["nodes"]} >= {"pkg", "pkg.a", "pkg.core"}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = cli("graph", root, "--format", fmt, "--no-cache").out
        G = reader(io.BytesIO(out.encode()))
        assert G.has_edge("pkg.a", "pkg.core.manager")
        assert out == cli("graph", root, "--format", fmt).out
    dot = cli("graph", root, "--format", "dot", "--no-cache", "--edge-labels").out
    assert '"pkg.a" -> "pkg.core.manager" [label="1"];' in dot


def test_api_dataframes_match_the_records(tree):
    result = audit(tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"}), cache=False)
    assert list(result.violations.columns[:4]) == ["rule_id", "category", "path", "line"]
    assert len(result.violations) == len(result.violation_records)
    assert set(result.modules.module) == set(result.graph.nodes)
    assert list(result.diagnostics.columns) == ["path", "kind", "line", "message"]
