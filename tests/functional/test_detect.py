"""Detection by name resolution: each hard case is a small real tree, positive and negative."""

from __future__ import annotations

from conftest import rows


def scan(cli, root):
    result = cli("scan", root, "--format", "json", "--no-cache")
    assert result.code == 0, result.err
    return [r for r in rows(result) if r[0] == "pkg/user.py"]


def test_alias_import_and_call(cli, tree):
    root = tree({"pkg/user.py": """
        from pkg.core import create_websocket_manager as cwm

        def go(ctx):
            return cwm(ctx)
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 2, "R1", "deprecated-import", "cwm"),
        ("pkg/user.py", 5, "R1", "deprecated-call", "cwm"),
    ]


def test_reexport_chain_renamed_twice_is_found_from_the_configured_symbol(cli, tree):
    root = tree({
        "pkg/compat.py": "from pkg.core.factory import build_manager as make_manager\n",
        "pkg/user.py": "from pkg.compat import make_manager\nmake_manager()\n",
    })
    assert scan(cli, root) == [
        ("pkg/user.py", 1, "R1", "deprecated-import", "make_manager"),
        ("pkg/user.py", 2, "R1", "deprecated-call", "make_manager"),
    ]


def test_the_definition_is_not_a_violation_but_reexports_are(cli, tree):
    result = cli("scan", tree(), "--format", "json", "--no-cache")
    found = rows(result)
    assert not [r for r in found if r[0] == "pkg/core/impl.py"]
    assert ("pkg/core/__init__.py", 1, "R1", "deprecated-import", "create_websocket_manager") in found
    assert ("pkg/core/factory.py", 1, "R1", "deprecated-import", "build_manager") in found


def test_module_alias_attribute_call_and_full_dotted_call(cli, tree):
    root = tree({"pkg/user.py": """
        import pkg.core as core
        import pkg.core

        core.create_websocket_manager()
        pkg.core.create_websocket_manager(
            user_context=1,
        )
        core.something_else()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 5, "R1", "deprecated-call", "core.create_websocket_manager"),
        ("pkg/user.py", 6, "R1", "deprecated-call", "pkg.core.create_websocket_manager"),
    ]


def test_deprecated_module_every_form_and_two_rows_for_module_plus_symbol(cli, tree):
    root = tree({"pkg/user.py": """
        import pkg.core.factory
        import pkg.core.factory as legacy
        from pkg.core import factory
        from pkg.core.factory import build_manager
        legacy.unrelated()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 2, "R2", "deprecated-module", "pkg.core.factory"),
        ("pkg/user.py", 3, "R2", "deprecated-module", "legacy"),
        ("pkg/user.py", 4, "R2", "deprecated-module", "factory"),
        ("pkg/user.py", 5, "R1", "deprecated-import", "build_manager"),
        ("pkg/user.py", 5, "R2", "deprecated-module", "pkg.core.factory"),
    ]


def test_relative_imports_at_several_levels(cli, tree):
    root = tree({
        "pkg/core/handler.py": "from . import create_websocket_manager\nfrom .factory import build_manager\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "from ..core import factory\nfrom ..core.factory import build_manager as b\n",
    })
    found = [r for r in rows(cli("scan", root, "--format", "json", "--no-cache"))
             if r[0] in ("pkg/core/handler.py", "pkg/sub/deep.py")]
    assert found == [
        ("pkg/core/handler.py", 1, "R1", "deprecated-import", "create_websocket_manager"),
        ("pkg/core/handler.py", 2, "R1", "deprecated-import", "build_manager"),
        ("pkg/core/handler.py", 2, "R2", "deprecated-module", ".factory"),
        ("pkg/sub/deep.py", 1, "R2", "deprecated-module", "factory"),
        ("pkg/sub/deep.py", 2, "R1", "deprecated-import", "b"),
        ("pkg/sub/deep.py", 2, "R2", "deprecated-module", "..core.factory"),
    ]


def test_contexts_function_class_type_checking_try_conditional(cli, tree):
    root = tree({"pkg/user.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from pkg.core import create_websocket_manager as t
        try:
            from pkg.core import create_websocket_manager as c
        except ImportError:
            c = None
        if c:
            from pkg.core import create_websocket_manager as d
        class K:
            from pkg.core import create_websocket_manager as k
        def f():
            from pkg.core import create_websocket_manager as g
        """})
    result = cli("scan", root, "--format", "json", "--no-cache").json()["violations"]
    contexts = [(v["line"], v["context"]) for v in result
                if v["path"] == "pkg/user.py" and v["category"] == "deprecated-import"]
    assert contexts == [(4, "type-checking"), (6, "try"), (10, "conditional"), (12, "class"), (14, "function")]


def test_try_except_fallback_still_reaches_the_calls(cli, tree):
    root = tree({"pkg/user.py": """
        try:
            from pkg.core import create_websocket_manager as cwm
        except ImportError:
            cwm = None

        def f():
            return cwm()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 3, "R1", "deprecated-import", "cwm"),
        ("pkg/user.py", 8, "R1", "deprecated-call", "cwm"),
    ]


def test_shadowing_parameters_locals_redefinition_and_methods_are_not_violations(cli, tree):
    root = tree({"pkg/user.py": """
        from pkg.core import create_websocket_manager

        def by_param(create_websocket_manager):
            return create_websocket_manager()

        def by_local():
            create_websocket_manager = dict
            return create_websocket_manager()

        class Service:
            def create_websocket_manager(self):
                return 1

            def run(self):
                return self.create_websocket_manager()

        def still_bad():
            return create_websocket_manager()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 2, "R1", "deprecated-import", "create_websocket_manager"),
        ("pkg/user.py", 19, "R1", "deprecated-call", "create_websocket_manager"),
    ]


def test_a_module_defining_its_own_function_of_the_same_name_is_clean(cli, tree):
    root = tree({"pkg/user.py": """
        def create_websocket_manager():
            return None

        create_websocket_manager()
        VALUE = "pkg.user.create_websocket_manager"
        """})
    assert scan(cli, root) == []


def test_redefinition_after_import_hides_it_from_functions(cli, tree):
    root = tree({"pkg/user.py": """
        from pkg.core import create_websocket_manager
        create_websocket_manager()

        def create_websocket_manager():
            return None

        def later():
            return create_websocket_manager()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 2, "R1", "deprecated-import", "create_websocket_manager"),
        ("pkg/user.py", 3, "R1", "deprecated-call", "create_websocket_manager"),
    ]


def test_comments_docstrings_and_code_in_strings_are_not_violations(cli, tree):
    root = tree({"pkg/user.py": '''
        """Use create_websocket_manager() no more: pkg.core.create_websocket_manager."""
        # from pkg.core import create_websocket_manager
        CODE = "from pkg.core import create_websocket_manager"
        NAME = "create_websocket_manager"
        F = f"pkg.core.create_websocket_manager {NAME}"

        def f():
            """pkg.core.create_websocket_manager"""
        '''})
    assert scan(cli, root) == []


def test_string_references_by_dotted_path(cli, tree):
    root = tree({"pkg/user.py": """
        from unittest import mock
        from pkg.core import create_websocket_manager as cwm

        @mock.patch("pkg.user.cwm")
        def test_it(m):
            pass

        mock.patch("pkg.core.create_websocket_manager")
        mock.patch("pkg.core.manager.Manager")
        MOD = "pkg.core.factory.build_manager"
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 3, "R1", "deprecated-import", "cwm"),
        ("pkg/user.py", 5, "R1", "deprecated-reference", "pkg.user.cwm"),
        ("pkg/user.py", 9, "R1", "deprecated-reference", "pkg.core.create_websocket_manager"),
        ("pkg/user.py", 11, "R1", "deprecated-reference", "pkg.core.factory.build_manager"),
        ("pkg/user.py", 11, "R2", "deprecated-reference", "pkg.core.factory.build_manager"),
    ]


def test_star_imports_honour_all(cli, tree):
    root = tree({
        "pkg/hidden.py": "from pkg.core import create_websocket_manager\n__all__ = ['other']\nother = 1\n",
        "pkg/user.py": """
            from pkg.hidden import *
            from pkg.core.factory import *

            build_manager()
            other
            """,
    })
    assert scan(cli, root) == [
        ("pkg/user.py", 3, "R1", "deprecated-import", "build_manager"),
        ("pkg/user.py", 3, "R2", "deprecated-module", "pkg.core.factory"),
        ("pkg/user.py", 5, "R1", "deprecated-call", "build_manager"),
    ]


def test_star_import_without_all_brings_public_names(cli, tree):
    root = tree({
        "pkg/public.py": "from pkg.core import create_websocket_manager\n",
        "pkg/user.py": "from pkg.public import *\ncreate_websocket_manager()\n",
    })
    assert scan(cli, root) == [
        ("pkg/user.py", 1, "R1", "deprecated-import", "create_websocket_manager"),
        ("pkg/user.py", 2, "R1", "deprecated-call", "create_websocket_manager"),
    ]


def test_values_comprehensions_lambdas_and_assignment_aliases(cli, tree):
    root = tree({"pkg/user.py": """
        from pkg.core import create_websocket_manager as cwm

        HANDLERS = {"ws": cwm}
        managers = [cwm(i) for i in range(3)]
        lazy = lambda: cwm()
        make = cwm
        make()
        register(cwm)
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 2, "R1", "deprecated-import", "cwm"),
        ("pkg/user.py", 4, "R1", "deprecated-reference", "cwm"),
        ("pkg/user.py", 5, "R1", "deprecated-call", "cwm"),
        ("pkg/user.py", 6, "R1", "deprecated-call", "cwm"),
        ("pkg/user.py", 7, "R1", "deprecated-reference", "cwm"),
        ("pkg/user.py", 8, "R1", "deprecated-call", "make"),
        ("pkg/user.py", 9, "R1", "deprecated-reference", "cwm"),
    ]


def test_global_declaration_binds_module_scope(cli, tree):
    root = tree({"pkg/user.py": """
        manager_factory = None

        def setup():
            global manager_factory
            from pkg.core import create_websocket_manager as manager_factory

        def use():
            return manager_factory()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 6, "R1", "deprecated-import", "manager_factory"),
        ("pkg/user.py", 9, "R1", "deprecated-call", "manager_factory"),
    ]


def test_class_body_names_do_not_leak_into_methods(cli, tree):
    root = tree({"pkg/user.py": """
        class K:
            from pkg.core import create_websocket_manager as cwm
            default = cwm()

            def method(self):
                return cwm()
        """})
    assert scan(cli, root) == [
        ("pkg/user.py", 3, "R1", "deprecated-import", "cwm"),
        ("pkg/user.py", 4, "R1", "deprecated-call", "cwm"),
    ]


def test_a_deleted_deprecated_module_is_still_found(cli, tree):
    root = tree({
        "wsaudit.toml": '[[rule]]\nid = "GONE"\nmodule = "pkg.legacy"\n',
        "pkg/user.py": "import pkg.legacy.tools\nfrom pkg.legacy import thing\nfrom pkg import legacy\n",
    })
    assert [(r[1], r[3], r[4]) for r in scan(cli, root)] == [
        (1, "deprecated-module", "pkg.legacy.tools"),
        (2, "deprecated-module", "pkg.legacy"),
        (3, "deprecated-module", "legacy"),
    ]


def test_distinct_functions_sharing_a_name_are_distinct_objects(cli, tree):
    root = tree({
        "pkg/other.py": "def create_websocket_manager():\n    return 2\n",
        "pkg/user.py": "from pkg.other import create_websocket_manager\ncreate_websocket_manager()\n",
    })
    assert scan(cli, root) == []


def test_columns_count_characters_not_bytes(cli, tree):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager as c\nx = ('é', c())\n"})
    result = cli("scan", root, "--format", "json", "--no-cache").json()["violations"]
    call = [v for v in result if v["category"] == "deprecated-call"][0]
    assert (call["line"], call["col"], call["snippet"]) == (2, 10, "x = ('é', c())")
