"""detect over in-memory SourceFile/FileFacts: which rows a use of the deprecated API gives,
their category, name, context and ``via``, and what is not a violation."""

from __future__ import annotations

from wsaudit.model import Rule

from .memtree import MemTree

SYMBOL = Rule("S1", symbol="pkg.core.cwm", replacement="pkg.core.manager.Manager")
MODULE = Rule("M1", module="pkg.core.factory", replacement="pkg.core.manager")
RULES = (SYMBOL, MODULE)

BASE = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "from .impl import cwm\n",
    "pkg/core/impl.py": '"""Home of cwm."""\n\ndef cwm(ctx=None):\n    return ctx\n',
    "pkg/core/manager.py": "class Manager:\n    pass\n",
    "pkg/core/factory.py": "from .impl import cwm as build\n\n__all__ = ['build']\n",
}


def user(source: str, *, path: str = "pkg/user.py", rules=RULES, **more: str) -> list[tuple]:
    """The rows of ``path`` in BASE plus that file (and ``more`` files)."""
    t = MemTree({**BASE, path: source, **more})
    return t.rows(*rules, path=path)


def violations(source: str, path: str = "pkg/user.py", rules=RULES, tests=()):
    t = MemTree({**BASE, path: source}, tests=tests)
    return [v for v in t.detect(*rules) if v.path == path]


# ------------------------------------------------------------------------- categories


def test_the_definition_is_not_a_violation_but_each_reexport_is():
    rows = MemTree(BASE).rows(*RULES)
    assert rows == [
        ("pkg/core/__init__.py", 1, "S1", "deprecated-import", "cwm"),
        ("pkg/core/factory.py", 1, "S1", "deprecated-import", "build"),
    ]


def test_an_aliased_import_and_its_call():
    assert user("from pkg.core import cwm as make\n\ndef go():\n    return make(1)\n") == [
        ("pkg/user.py", 1, "S1", "deprecated-import", "make"),
        ("pkg/user.py", 4, "S1", "deprecated-call", "make"),
    ]


def test_every_form_of_importing_the_deprecated_module():
    assert user("""\
        import pkg.core.factory
        import pkg.core.factory as legacy
        from pkg.core import factory
        from pkg.core.factory import build
        from . import core
        """) == [
        ("pkg/user.py", 1, "M1", "deprecated-module", "pkg.core.factory"),
        ("pkg/user.py", 2, "M1", "deprecated-module", "legacy"),
        ("pkg/user.py", 3, "M1", "deprecated-module", "factory"),
        # one statement, two deprecated things: two rows
        ("pkg/user.py", 4, "S1", "deprecated-import", "build"),
        ("pkg/user.py", 4, "M1", "deprecated-module", "pkg.core.factory"),
    ]


def test_a_relative_import_of_the_deprecated_module_is_named_as_written():
    assert user("from .factory import build\nfrom . import factory as f\n", path="pkg/core/users.py") == [
        ("pkg/core/users.py", 1, "S1", "deprecated-import", "build"),
        ("pkg/core/users.py", 1, "M1", "deprecated-module", ".factory"),
        ("pkg/core/users.py", 2, "M1", "deprecated-module", "f"),
    ]


def test_a_module_rule_applies_to_submodules_and_to_modules_missing_from_the_tree():
    gone = Rule("G1", module="legacy.gone")
    assert user("import legacy.gone.sub\nfrom legacy import gone\nimport legacy.gone_v2\n", rules=(gone,)) == [
        ("pkg/user.py", 1, "G1", "deprecated-module", "legacy.gone.sub"),
        ("pkg/user.py", 2, "G1", "deprecated-module", "gone"),
    ]


def test_calls_through_a_module_alias_and_a_full_dotted_path():
    assert user("""\
        import pkg.core as core
        import pkg.core
        core.cwm()
        pkg.core.cwm(ctx=1)
        core.other()
        """) == [
        ("pkg/user.py", 3, "S1", "deprecated-call", "core.cwm"),
        ("pkg/user.py", 4, "S1", "deprecated-call", "pkg.core.cwm"),
    ]


def test_other_uses_are_references_named_up_to_the_deprecated_object():
    assert user("""\
        from pkg.core import cwm
        registry = {"default": cwm}
        register(cwm)
        import pkg.core as core
        core.cwm.__name__
        @cwm
        def f():
            pass
        """) == [
        ("pkg/user.py", 1, "S1", "deprecated-import", "cwm"),
        ("pkg/user.py", 2, "S1", "deprecated-reference", "cwm"),
        ("pkg/user.py", 3, "S1", "deprecated-reference", "cwm"),
        ("pkg/user.py", 5, "S1", "deprecated-reference", "core.cwm"),
        ("pkg/user.py", 6, "S1", "deprecated-reference", "cwm"),
    ]


def test_an_alias_assignment_is_a_reference_and_calling_the_alias_is_a_call():
    assert user("from pkg.core import cwm\nmk = cwm\nmk()\n") == [
        ("pkg/user.py", 1, "S1", "deprecated-import", "cwm"),
        ("pkg/user.py", 2, "S1", "deprecated-reference", "cwm"),
        ("pkg/user.py", 3, "S1", "deprecated-call", "mk"),
    ]


def test_an_alias_defined_in_another_module_is_deprecated_where_it_is_imported():
    rows = user("from pkg.aliases import mk\nmk()\n", **{"pkg/aliases.py": "from pkg.core import cwm\nmk = cwm\n"})
    assert rows == [("pkg/user.py", 1, "S1", "deprecated-import", "mk"),
                    ("pkg/user.py", 2, "S1", "deprecated-call", "mk")]


def test_a_star_import_that_brings_the_symbol_is_an_import_named_by_the_exported_name():
    assert user("from pkg.core.factory import *\nbuild()\n") == [
        ("pkg/user.py", 1, "S1", "deprecated-import", "build"),
        ("pkg/user.py", 1, "M1", "deprecated-module", "pkg.core.factory"),
        ("pkg/user.py", 2, "S1", "deprecated-call", "build"),
    ]


def test_a_star_import_whose_all_leaves_the_symbol_out_brings_nothing():
    rows = user("from pkg.safe import *\ncwm()\n", **{"pkg/safe.py": "from pkg.core import cwm\n__all__ = ['x']\n"})
    assert rows == []


def test_a_renamed_reexport_chain_is_followed_from_the_configured_reexport():
    rows = user("from pkg.compat import make\nmake()\n", **{
        "pkg/compat.py": "from pkg.core.factory import build as make\n"})
    assert rows == [("pkg/user.py", 1, "S1", "deprecated-import", "make"),
                    ("pkg/user.py", 2, "S1", "deprecated-call", "make")]


# ------------------------------------------------------------------------- not violations


def test_look_alikes_self_attributes_comments_docstrings_and_partial_strings_are_not_violations():
    assert user('''\
        """Do not call pkg.core.cwm any more."""
        from pkg.other import cwm  # another object with the same name
        cwm()
        # pkg.core.cwm()
        class C:
            def m(self):
                return self.cwm()
        text = "pkg.core.cwm()"
        formatted = f"pkg.core.cwm"
        ''', **{"pkg/other.py": "def cwm():\n    pass\n"}) == []


def test_scoping_hides_the_import_parameter_local_and_later_def():
    assert user("""\
        from pkg.core import cwm
        def a(cwm):
            return cwm()
        def b():
            cwm = object
            return cwm()
        def c():
            return cwm()
        def cwm():
            pass
        """) == [("pkg/user.py", 1, "S1", "deprecated-import", "cwm")]


def test_a_try_except_importerror_fallback_keeps_later_calls_violations():
    assert user("""\
        try:
            from pkg.core import cwm
        except ImportError:
            cwm = None
        def go():
            return cwm()
        """) == [("pkg/user.py", 2, "S1", "deprecated-import", "cwm"),
                 ("pkg/user.py", 6, "S1", "deprecated-call", "cwm")]


# ------------------------------------------------------------------------- strings


def test_a_whole_dotted_string_naming_the_symbol_or_into_the_deprecated_module_is_a_reference():
    assert user("""\
        patch("pkg.core.cwm")
        patch("pkg.core.impl.cwm")
        load("pkg.core.factory")
        patch("pkg.core.factory.build")
        patch("pkg.core.manager.Manager")
        """) == [
        ("pkg/user.py", 1, "S1", "deprecated-reference", "pkg.core.cwm"),
        ("pkg/user.py", 2, "S1", "deprecated-reference", "pkg.core.impl.cwm"),
        ("pkg/user.py", 3, "M1", "deprecated-reference", "pkg.core.factory"),
        # it is both: a path into the deprecated module, and one that resolves to the symbol
        ("pkg/user.py", 4, "M1", "deprecated-reference", "pkg.core.factory.build"),
        ("pkg/user.py", 4, "S1", "deprecated-reference", "pkg.core.factory.build"),
    ]


# ------------------------------------------------------------------------- via


def via(source: str, path: str = "pkg/user.py", **more: str) -> list[tuple[int, str, str | None]]:
    t = MemTree({**BASE, path: source, **more})
    return [(v.line, v.category, v.via) for v in t.detect(*RULES) if v.path == path]


def test_via_of_an_import_is_the_module_the_from_import_names_and_none_for_import_m():
    assert via("from pkg.core import cwm\nimport pkg.core.factory\n") == [
        (1, "deprecated-import", "pkg.core"), (2, "deprecated-module", None)]
    assert via("from . import cwm\n", path="pkg/core/users.py") == [(1, "deprecated-import", "pkg.core")]


def test_via_of_a_call_by_bare_name_is_none_because_the_import_row_carries_it():
    assert via("from pkg.core import cwm\ncwm()\n")[1] == (2, "deprecated-call", None)


def test_via_of_an_attribute_chain_is_the_module_owning_its_last_step():
    assert via("import pkg.core.factory as f\nimport pkg\nf.build()\npkg.core.cwm()\n") == [
        (1, "deprecated-module", None),
        (3, "deprecated-call", "pkg.core.factory"),
        (4, "deprecated-call", "pkg.core"),
    ]


def test_via_of_a_string_is_the_longest_module_of_the_tree_it_passes_through():
    assert via('patch("pkg.core.factory.build")\npatch("pkg.core.cwm")\n') == [
        (1, "deprecated-reference", "pkg.core.factory"), (1, "deprecated-reference", "pkg.core.factory"),
        (2, "deprecated-reference", "pkg.core"),
    ]


# ------------------------------------------------------------------------- row fields


def test_rows_carry_context_snippet_replacement_module_and_is_test():
    found = violations("""\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from pkg.core import cwm
        def f(x: cwm):
            try:
                import pkg.core.factory
            except ImportError:
                pass
        """, path="tests/test_user.py", tests={"tests/test_user.py"})
    assert [(v.line, v.category, v.context) for v in found] == [
        (3, "deprecated-import", "type-checking"),
        (4, "deprecated-reference", "module"),  # the annotation runs where the def runs
        (6, "deprecated-module", "try"),
    ]
    first = found[0]
    assert (first.module, first.snippet, first.replacement, first.is_test, first.symbol) == (
        "tests.test_user", "from pkg.core import cwm", "pkg.core.manager.Manager", True, "pkg.core.cwm")
    assert found[2].replacement == "pkg.core.manager" and found[2].symbol == "pkg.core.factory"


def test_rows_are_sorted_by_path_line_col_category_and_rule():
    t = MemTree({**BASE, "a.py": "from pkg.core import cwm; cwm()\n", "b.py": "import pkg.core.factory\n"})
    found = t.detect(*RULES)
    assert found == sorted(found, key=lambda v: (v.path, v.line, v.col, v.category, v.rule_id))
    assert [(v.path, v.col, v.category) for v in found if v.path == "a.py"] == [
        ("a.py", 0, "deprecated-import"), ("a.py", 26, "deprecated-call")]


def test_symbol_rule_configured_as_a_reexport_covers_the_definition_under_every_name():
    # the configured path is the package re-export; the definition's own path is the same object
    assert user("from pkg.core.impl import cwm\n", rules=(SYMBOL,)) == [
        ("pkg/user.py", 1, "S1", "deprecated-import", "cwm")]
    by_definition = Rule("D1", symbol="pkg.core.impl.cwm")
    assert user("from pkg.core import cwm\n", rules=(by_definition,)) == [
        ("pkg/user.py", 1, "D1", "deprecated-import", "cwm")]
