"""parse_source on byte strings: the facts one file yields, before any other file is known.

The scoping tests read a use's ``reaching`` bindings: the bindings of its name that can be in
force where it runs. A use whose name can only be a local of the file is not kept at all (it can
never denote something of another module), so "hidden" shows as "no use at that line".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wsaudit.engine.parse import parse_source

from .memtree import facts


def reach(f, line: int, chain: tuple[str, ...] | str | None = None) -> list[tuple[str, object]] | None:
    """(kind, target) of the bindings the use at ``line`` reaches; None when no use is kept there."""
    if isinstance(chain, str):
        chain = tuple(chain.split("."))
    found = [u for u in f.uses if u.line == line and (chain is None or u.chain == chain)]
    if not found:
        return None
    assert len(found) == 1, found
    return [(f.bindings[i].kind, f.bindings[i].target) for i in found[0].reaching]


FROM_M = ("from", (0, "m", "cwm"))


# ------------------------------------------------------------------------- imports and bindings


def test_import_statements_are_recorded_as_written_with_relative_levels_unresolved():
    f = facts("""\
        import a.b.c
        import a.b as ab, os
        from . import x
        from ..pkg.mod import y as z, w
        from .star import *
        """)
    assert [(i.line, i.level, i.module, i.names, i.is_from) for i in f.imports] == [
        (1, 0, None, (("a.b.c", None),), False),
        (2, 0, None, (("a.b", "ab"), ("os", None)), False),
        (3, 1, None, (("x", None),), True),
        (4, 2, "pkg.mod", (("y", "z"), ("w", None)), True),
        (5, 1, "star", (("*", None),), True),
    ]


def test_import_a_b_c_binds_only_the_top_package_while_an_alias_binds_the_whole_module():
    f = facts("import a.b.c\nimport a.b.c as abc\n")
    assert [(b.name, b.kind, b.target) for b in f.bindings] == [("a", "module", "a"), ("abc", "module", "a.b.c")]


def test_a_star_import_is_a_module_level_star_binding_not_a_name():
    f = facts("from .x import *\n")
    assert [f.bindings[i].target for i in f.stars] == [(1, "x")]
    assert "*" not in f.namespace


def test_literal_all_is_collected_and_augmented_but_a_computed_all_is_not():
    assert facts("__all__ = ['a', 'b']\n__all__ += ('c',)\n").all_names == ("a", "b", "c")
    assert facts("__all__ = ['a'] + other.names\n").all_names is None
    # extending an __all__ that could not be read leaves it unread (django.db.models: the
    # fields' names come from ``__all__ = fields_all``, then ``__all__ += [...]``)
    assert facts("__all__ = fields_all\n__all__ += ['Manager']\n").all_names is None
    assert facts("__all__ = fields_all\n__all__ = ['a']\n__all__ += ['b']\n").all_names == ("a", "b")
    assert facts("__all__ = ['a']\n__all__ += more\n").all_names is None
    assert facts("x = 1\n").all_names is None


def test_namespace_keeps_bindings_back_to_the_last_unconditional_one():
    f = facts("""\
        from m import cwm
        cwm = None
        if flag:
            from n import cwm
        """)
    # the import on line 1 is overwritten unconditionally on line 2; line 4 may or may not run
    assert [(f.bindings[i].kind, f.bindings[i].target) for i in f.namespace["cwm"]] == [
        ("def", None), ("from", (0, "n", "cwm"))]


# ------------------------------------------------------------------------- LEGB and its exceptions


def test_a_function_sees_the_module_import_through_legb():
    f = facts("from m import cwm\ndef f():\n    return cwm()\n")
    assert reach(f, 3) == [FROM_M]
    assert f.uses[0].is_call and f.uses[0].context == "function"


def test_a_parameter_or_local_assignment_hides_the_import():
    f = facts("""\
        from m import cwm
        def f(cwm):
            return cwm()
        def g():
            cwm = make()
            return cwm()
        h = lambda cwm: cwm()
        """)
    assert reach(f, 3) is None
    assert reach(f, 6, "cwm") is None
    assert reach(f, 7, "cwm") is None


def test_a_local_bound_after_its_use_is_still_local_so_the_import_is_not_reached():
    # Python makes ``cwm`` local to f for the whole body (UnboundLocalError at run time)
    f = facts("from m import cwm\ndef f():\n    cwm()\n    cwm = 1\n")
    assert reach(f, 3) is None


def test_class_bodies_are_invisible_to_their_methods():
    f = facts("""\
        from m import cwm
        class C:
            cwm = None
            here = cwm
            def method(self):
                return cwm()
        """)
    assert reach(f, 4) is None  # the class body sees its own ``cwm = None``
    assert reach(f, 6) == [FROM_M]  # the method skips the class scope


def test_a_comprehension_inside_a_class_skips_the_class_but_its_first_iterable_does_not():
    f = facts("""\
        from m import cwm
        class C:
            cwm = None
            seen = [cwm for _ in range(2)]
            seen2 = [x for x in cwm]
        """)
    assert reach(f, 4, "cwm") == [FROM_M]  # the element runs in the comprehension's own scope
    assert reach(f, 5, "cwm") is None  # the first iterable runs in the class body


def test_a_comprehension_variable_hides_the_import_only_inside_the_comprehension():
    f = facts("""\
        from m import cwm
        a = [cwm for cwm in range(3)]
        b = [cwm() for x in range(3)]
        """)
    assert reach(f, 2, "cwm") is None
    assert reach(f, 3) == [FROM_M]


def test_a_walrus_in_a_comprehension_binds_in_the_enclosing_scope():
    f = facts("from m import cwm\n[(cwm := 1) for q in z]\ncwm()\n")
    # the comprehension may not run its element: the import and the walrus both reach
    assert reach(f, 3, "cwm") == [FROM_M, ("def", None)]


def test_global_declaration_makes_a_function_level_import_a_module_binding():
    f = facts("""\
        def setup():
            global cwm
            from m import cwm
        def use():
            return cwm()
        """)
    assert f.bindings[f.namespace["cwm"][0]] == ("cwm", "from", (0, "m", "cwm"), True)
    assert reach(f, 5) == [FROM_M]


def test_nonlocal_rebinds_the_enclosing_function_variable():
    f = facts("""\
        def outer():
            cwm = None
            def inner():
                nonlocal cwm
                from m import cwm
            inner()
            return cwm()
        """)
    # the import in inner lands in outer's scope, conditionally (inner may not have run)
    assert reach(f, 7) == [FROM_M]
    assert "cwm" not in f.namespace


# ------------------------------------------------------------------------- reaching bindings


def test_try_except_importerror_fallback_still_reaches_the_import():
    f = facts("""\
        try:
            from m import cwm
        except ImportError:
            cwm = None
        cwm()
        """)
    assert reach(f, 5) == [FROM_M, ("def", None)]


def test_an_unconditional_rebinding_cuts_off_earlier_bindings_at_module_level():
    f = facts("from m import cwm\ncwm = None\ncwm()\n")
    assert reach(f, 3, "cwm") == [("def", None)]


def test_a_use_before_a_rebinding_at_module_level_sees_the_import():
    f = facts("from m import cwm\ncwm()\ncwm = None\n")
    assert reach(f, 2) == [FROM_M]


def test_a_function_sees_bindings_to_the_end_of_the_enclosing_scope_so_a_later_def_hides_the_import():
    f = facts("""\
        from m import cwm
        def f():
            return cwm()
        def cwm():
            pass
        """)
    assert reach(f, 3) == [("def", None)]


def test_a_function_sees_a_later_conditional_rebinding_together_with_the_import():
    f = facts("""\
        from m import cwm
        def f():
            return cwm()
        if flag:
            cwm = None
        """)
    assert reach(f, 3) == [FROM_M, ("def", None)]


def test_with_is_not_conditional_but_for_while_match_and_except_are():
    f = facts("""\
        from m import cwm
        with ctx() as cwm:
            pass
        cwm()
        """)
    assert reach(f, 4, "cwm") == [("def", None)]
    for block in ("for cwm in xs:\n    pass", "while x:\n    cwm = 1",
                  "match v:\n    case cwm:\n        pass", "try:\n    pass\nexcept E as cwm:\n    pass"):
        g = facts(f"from m import cwm\n{block}\ncwm()\n")
        last = len(g.uses) and g.uses[-1]
        assert last and last.chain == ("cwm",), block
        assert FROM_M in [(g.bindings[i].kind, g.bindings[i].target) for i in last.reaching], block


# ------------------------------------------------------------------------- aliases


def test_alias_assignments_are_kept_and_point_at_their_right_hand_side_use():
    f = facts("from m import cwm\nmk = cwm\nmk2 = mk\nmk2()\nother = x.y\n")
    mk = f.bindings[f.namespace["mk"][0]]
    assert mk.kind == "alias" and f.uses[mk.target].chain == ("cwm",)
    mk2 = f.bindings[f.namespace["mk2"][0]]
    assert mk2.kind == "alias" and f.uses[mk2.target].chain == ("mk",)
    assert reach(f, 4) == [("alias", mk2.target)]
    # x is bound nowhere in the file: the right-hand side denotes nothing, so ``other`` is a plain name
    assert f.bindings[f.namespace["other"][0]].kind == "def"


def test_an_alias_of_a_local_is_local():
    f = facts("def f():\n    c = 1\n    d = c\n    return d()\n")
    assert f.uses == ()


# ------------------------------------------------------------------------- contexts


def test_context_is_the_innermost_block_and_type_checking_wins_over_everything_inside_it():
    f = facts("""\
        from typing import TYPE_CHECKING
        import m
        if TYPE_CHECKING:
            if x:
                def f():
                    m.a()
        else:
            m.b()
        try:
            m.c()
        except ImportError:
            pass
        class C:
            m.d()
            def g(self):
                m.e()
        for i in x:
            m.f()
        m.g()
        import typing
        if typing.TYPE_CHECKING:
            m.h()
        """)
    contexts = {u.chain[-1]: u.context for u in f.uses if u.chain[0] == "m"}
    assert contexts == {"a": "type-checking", "b": "conditional", "c": "try", "d": "class", "e": "function",
                        "f": "conditional", "g": "module", "h": "type-checking"}


def test_imports_carry_their_context():
    f = facts("""\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from m import a
        def f():
            import m
        try:
            import n
        except ImportError:
            n = None
        """)
    assert [i.context for i in f.imports] == ["module", "type-checking", "function", "try"]


# ------------------------------------------------------------------------- strings


def test_only_strings_whose_whole_value_is_a_dotted_path_are_kept():
    f = facts('''\
        """pkg.mod.cwm in the module docstring"""
        a = "pkg.mod.cwm"
        b = "pkg.mod.cwm()"
        c = "call pkg.mod.cwm"
        d = f"pkg.mod.cwm"
        e = "pkg"
        g = "pkg" ".mod.cwm"
        h = b"pkg.mod.cwm"
        # "pkg.mod.cwm" in a comment
        def fn():
            """pkg.mod.cwm in a function docstring"""
            return "pkg.mod.cwm"
        class C:
            """pkg.mod.cwm in a class docstring"""
        ''')
    assert [(s.line, s.value, s.context) for s in f.strings] == [
        (2, "pkg.mod.cwm", "module"), (7, "pkg.mod.cwm", "module"), (12, "pkg.mod.cwm", "function")]


def test_expressions_inside_an_f_string_are_still_uses():
    f = facts('import m\nx = f"{m.cwm()} and {m.other:>{m.width}}"\n')
    assert sorted(u.chain for u in f.uses) == [("m", "cwm"), ("m", "other"), ("m", "width")]


# ------------------------------------------------------------------------- positions and problems


def test_columns_count_characters_not_utf8_bytes():
    f = facts("import m\nname = 'é'; m.cwm()\n")
    assert [(u.line, u.col) for u in f.uses] == [(2, 12)]


def test_a_coding_cookie_is_honoured_and_bad_bytes_are_a_decode_error():
    assert parse_source("# coding: latin-1\nimport m\nx = 'é'; m.f()\n".encode("latin-1")).uses[0].col == 9
    assert parse_source(b"x = 1\ny = '\xff'\n").problems == (("decode-error", 2, "byte 0xff is not valid utf-8"),)


def test_broken_source_is_a_problem_with_no_facts_never_an_exception():
    f = parse_source(b"import m\ndef f(:\n")
    assert f.problems[0][:2] == ("syntax-error", 2)
    assert f.imports == () and f.uses == ()
    # a 60,000-term expression overflows the parser's recursion: reported, not raised
    assert parse_source(b"x = 1" + b" + 1" * 60_000 + b"\n").problems[0][0] == "too-complex"


def test_loc_counts_lines_with_code_only():
    assert parse_source(b"# comment\n\nx = 1\n  \ny = 2\n").loc == 2


def test_the_imports_only_pass_sees_exactly_the_imports_of_the_full_pass():
    """On real code (the sample, networkx, this package) and on statements spread over lines."""
    import networkx

    from wsaudit.engine.imports_only import parse_imports

    roots = [Path(__file__).parents[2] / "data" / "sample_repo", Path(networkx.__file__).parent,
             Path(__file__).parents[2] / "wsaudit"]
    blobs = [p.read_bytes() for root in roots for p in sorted(root.rglob("*.py"))]
    blobs.append(b"def f(\n    a,\n):\n    x = 1; import os\n    from a \\\n        import (\n  b)\n"
                 b"class C:\n    '''import'''\n    def g(self): pass\n")
    assert len(blobs) > 300
    for data in blobs:
        full, cheap = parse_source(data), parse_imports(data)
        assert cheap.imports == full.imports, data[:200]
        assert (cheap.loc, cheap.problems) == (full.loc, full.problems)


def test_collector_is_paused_for_a_parse_and_restored_as_it_was():
    """The parse runs without the cyclic collector (its tree is freed by reference counting),
    and the collector comes back as it was, also when the parse raises."""
    import gc

    from wsaudit.engine.collector import uncollected

    seen = []

    def parse(data: bytes):
        seen.append(gc.isenabled())
        if data == b"boom":
            raise RuntimeError("boom")
        return parse_source(data)

    assert gc.isenabled()
    assert uncollected(parse, b"import a\n") == parse_source(b"import a\n")
    with pytest.raises(RuntimeError):
        uncollected(parse, b"boom")
    assert gc.isenabled()
    gc.disable()
    try:
        uncollected(parse, b"x = 1\n")
        assert not gc.isenabled()  # a collector the caller turned off stays off
    finally:
        gc.enable()
    assert seen == [False, False, False]


def test_cycles_made_during_a_paused_parse_are_collected_when_it_ends():
    """A loop of parses that allocates nothing between them must not pile up their cycles: the
    collection that is due runs as the pause ends."""
    import gc
    import weakref

    from wsaudit.engine.collector import uncollected

    class Node:
        pass

    refs: list[weakref.ref] = []

    def parse(data: bytes):
        for _ in range(2 * gc.get_threshold()[0]):
            node = Node()
            node.itself = node  # garbage only the collector can free
            refs.append(weakref.ref(node))
        return None

    assert gc.isenabled()
    uncollected(parse, b"")
    due = gc.get_count()[0]  # read before anything else allocates (and collects)
    assert due <= gc.get_threshold()[0]
    assert all(r() is None for r in refs)


def test_a_module_level_assignment_of_a_value_of_its_own_is_a_definition():
    f = facts("""\
        from m import cwm, helper
        text_type = str
        binary_type: type = bytes
        make = helper("make")
        a = b = wrap()
        nothing = None
        answer = 42
        copied = cwm
        first, second = pair()
        if PY2:
            string_types = basestring,
        class K:
            inner = make()
        def f():
            local = make()
        def g():
            pass
        """)
    assert f.definitions == (
        ("text_type", 2), ("binary_type", 3), ("make", 4), ("a", 5), ("b", 5), ("string_types", 11), ("K", 12),
        ("f", 14), ("g", 16))
