"""Import records and the import graph from in-memory facts: explicit and implicit edges,
unresolved imports, bad relative imports, and the one edge kept per importing pair."""

from __future__ import annotations

from wsaudit.engine.graph import build_graph
from wsaudit.engine.imports import direct_imports

from .memtree import MemTree

PACKAGES = {"a/__init__.py": "", "a/b/__init__.py": "", "a/b/c.py": "", "x.py": ""}


def records(source: str, path: str = "user.py", **more: str):
    t = MemTree({**PACKAGES, path: source, **more})
    found, problems = direct_imports(t.files, t.facts, t.modules)
    return [(r.source, r.target, r.line, r.resolved, r.implicit) for r in found if r.source != "a.b"], problems, t


def test_importing_a_submodule_also_depends_implicitly_on_its_packages():
    found, _, _ = records("import a.b.c\n")
    assert found == [("user", "a", 1, True, True), ("user", "a.b", 1, True, True), ("user", "a.b.c", 1, True, False)]


def test_from_package_import_submodule_names_both_the_package_and_the_submodule():
    found, _, _ = records("from a.b import c, not_a_module\n")
    assert found == [("user", "a", 1, True, True), ("user", "a.b", 1, True, False), ("user", "a.b.c", 1, True, False)]


def test_a_module_gets_no_implicit_edge_to_its_own_packages():
    found, _, _ = records("from . import c\nimport x\n", path="a/b/d.py")
    # a and a.b ran before a.b.d; "from . import c" imports the submodule a.b.c, not its package
    assert [(s, t, implicit) for s, t, _, _, implicit in found] == [("a.b.d", "a.b.c", False), ("a.b.d", "x", False)]


def test_imports_of_modules_outside_the_tree_are_unresolved_records():
    found, _, _ = records("import os.path\nfrom a.gone import thing\n")
    assert ("user", "os.path", 1, False, False) in found
    assert ("user", "a.gone", 2, False, False) in found
    assert ("user", "a", 2, True, True) in found  # the package that does exist still runs


def test_a_relative_import_above_the_top_package_is_a_diagnostic_not_a_record():
    found, problems, _ = records("from ... import nothing\n", path="a/b/d.py")
    assert found == []
    assert [(p.path, p.kind, p.line) for p in problems] == [("a/b/d.py", "bad-relative-import", 1)]


def test_the_graph_keeps_one_edge_per_pair_the_first_naming_statement_and_drops_unresolved():
    _, _, t = records("import a.b.c\nfrom a import b\ndef f():\n    import x\nimport os\n")
    found, _ = direct_imports(t.files, t.facts, t.modules)
    G = build_graph(t.files, t.facts, found, golden_modules=["a.*"])
    assert sorted(G.successors("user")) == ["a", "a.b", "a.b.c", "x"]
    # line 1 only implies a and a.b; line 2 names the submodule a.b (a only runs first): the
    # statement naming the target wins, and a stays implicit
    assert (G.edges["user", "a.b"]["line"], G.edges["user", "a.b"]["implicit"]) == (2, False)
    assert (G.edges["user", "a"]["line"], G.edges["user", "a"]["implicit"]) == (1, True)
    assert (G.edges["user", "a.b.c"]["line"], G.edges["user", "a.b.c"]["implicit"]) == (1, False)
    assert G.edges["user", "x"]["context"] == "function"
    assert "os" not in G
    assert [n for n in sorted(G) if G.nodes[n]["golden_path"]] == ["a.b"]  # "*" stays within one segment


def test_the_graphs_attributes_are_plain_dicts_that_take_new_keys_and_later_edges_are_networkxs():
    _, _, t = records("import a.b.c\nimport x\n")
    found, _ = direct_imports(t.files, t.facts, t.modules)
    G = build_graph(t.files, t.facts, found)
    edge, node = G.edges["user", "x"], G.nodes["user"]
    assert type(edge) is dict and type(node) is dict
    assert list(edge) == ["source", "target", "line", "context", "contexts", "implicit"]
    assert list(node) == ["module", "path", "is_test", "is_package", "loc", "golden_path"]
    edge["weight"] = 2.5
    node["colour"] = "red"
    assert (G.edges["user", "x"]["weight"], G.nodes["user"]["colour"]) == (2.5, "red")
    assert "weight" not in G.edges["user", "a.b.c"] and "colour" not in G.nodes["x"]
    G.add_edge("x", "new", line=1)
    assert G.edges["x", "new"] == {"line": 1} and G.nodes["new"] == {}
