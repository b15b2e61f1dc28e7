"""The module table and relative-import arithmetic, over hand-built SourceFile records."""

from __future__ import annotations

import pytest

from wsaudit.engine.modules import ModuleTable, absolute_module, ancestors

from .memtree import source_file


@pytest.mark.parametrize(("module", "is_package", "level", "name", "expected"), [
    ("a.b.c", False, 0, "x.y", "x.y"),  # absolute: as written
    ("a.b.c", False, 1, "d", "a.b.d"),  # a module's "." is its package
    ("a.b.c", False, 1, None, "a.b"),
    ("a.b.c", False, 2, "d", "a.d"),
    ("a.b", True, 1, "d", "a.b.d"),  # a package's "." is itself
    ("a.b", True, 2, None, "a"),
    ("a", True, 1, "x", "a.x"),
    ("a.b.c", False, 3, None, None),  # above the top-level package
    ("top", False, 1, "x", None),  # a top-level module has no package
])
def test_absolute_module_resolves_relative_imports_at_package_and_module_level(module, is_package, level, name,
                                                                                  expected):
    assert absolute_module(module, is_package, level, name) == expected


def test_ancestors_are_the_enclosing_packages_outermost_first():
    assert ancestors("a.b.c.d") == ("a", "a.b", "a.b.c")
    assert ancestors("a") == ()


def test_the_table_knows_every_package_prefix_but_maps_only_files():
    table = ModuleTable.of([source_file("ns/pkg/__init__.py"), source_file("ns/pkg/mod.py")])
    assert sorted(table) == ["ns.pkg", "ns.pkg.mod"]
    assert "ns" in table.known and "ns" not in table  # a namespace folder without __init__.py


def test_unreadable_files_take_no_part_and_the_first_file_to_claim_a_name_wins():
    first, second = source_file("a/x.py"), source_file("b/x.py")
    second = type(second)(second.path, "a.x", False, False, 0)  # the same module name, e.g. via two roots
    table = ModuleTable.of([first, second])
    assert table["a.x"] is first and table.owns(first) and not table.owns(second)
    assert ModuleTable.of([first, second], readable={"b/x.py"})["a.x"] is second


def test_absolute_uses_whether_the_importer_is_a_package():
    table = ModuleTable.of([source_file("p/__init__.py"), source_file("p/m.py")])
    assert table.absolute("p", 1, "m") == "p.m"
    assert table.absolute("p.m", 1, None) == "p"
