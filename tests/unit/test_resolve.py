"""The Resolver over a hand-built ModuleTable, with facts from parse_source: what dotted paths
and bindings denote across modules (definitions, re-exports, star imports, aliases, cycles)."""

from __future__ import annotations

from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.resolve import Resolver

from wsaudit.model import Rule

from .memtree import MemTree, facts, source_file

CWM = ("obj", "pkg.core.impl.cwm")

TREE = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "from .impl import cwm\nfrom . import impl as I\n",
    "pkg/core/impl.py": "def cwm():\n    pass\ndef other():\n    pass\n_private = 1\n",
    "pkg/core/factory.py": "from .impl import cwm as build\n__all__ = ['build']\n",
}


def tree(**more: str) -> MemTree:
    """TREE plus files given as ``dotted__path="source"`` (``__`` stands for ``/``)."""
    return MemTree({**TREE, **{k.replace("__", "/") + ".py": v for k, v in more.items()}})


def test_objects_are_named_by_where_they_are_defined():
    t = tree()
    assert t.resolve("pkg.core.impl.cwm") == {CWM}
    assert t.resolve("pkg.core.impl") == {("mod", "pkg.core.impl")}
    assert t.resolve("pkg") == {("mod", "pkg")}


def test_a_package_reexport_and_a_renamed_reexport_resolve_to_the_definition():
    t = tree()
    assert t.resolve("pkg.core.cwm") == {CWM}
    assert t.resolve("pkg.core.factory.build") == {CWM}


def test_a_chain_of_renamed_reexports_resolves_to_the_definition():
    t = tree(pkg__compat="from pkg.core.factory import build as make\n",
             pkg__compat2="from .compat import make as make_again\n")
    assert t.resolve("pkg.compat2.make_again") == {CWM}


def test_a_module_alias_bound_in_a_package_is_followed():
    assert tree().resolve("pkg.core.I.other") == {("obj", "pkg.core.impl.other")}


def test_alias_assignments_through_module_aliases_are_followed():
    t = tree(pkg__alias="import pkg.core as core\nmk = core.cwm\nmk2 = mk\n")
    assert t.resolve("pkg.alias.mk") == t.resolve("pkg.alias.mk2") == {CWM}


def test_relative_imports_resolve_against_the_package_of_a_module_and_the_package_itself():
    t = MemTree({**TREE, "pkg/sub/__init__.py": "",
                 "pkg/sub/mod.py": "from .. import core\nfrom ..core import cwm as c\n",
                 "pkg/sub/pack/__init__.py": "from .. import mod\nfrom ..mod import c\n"})
    assert t.resolve("pkg.sub.mod.core") == {("mod", "pkg.core")}
    assert t.resolve("pkg.sub.mod.c") == {CWM}
    # in a package's __init__, "." is the package: ".." of pkg.sub.pack is pkg.sub
    assert t.resolve("pkg.sub.pack.mod") == {("mod", "pkg.sub.mod")}
    assert t.resolve("pkg.sub.pack.c") == {CWM}


def test_star_imports_bring_public_names_without_all():
    t = tree(pkg__star="from pkg.core.impl import *\n")
    assert t.resolver.exported("pkg.core.impl") == {"cwm", "other"}
    assert t.resolve("pkg.star.cwm") == {CWM}
    # a private name is not brought: the star module merely has an attribute of its own
    assert t.resolve("pkg.star._private") == {("undef", "pkg.star._private")}


def test_star_imports_honour_a_literal_all():
    t = tree(pkg__star="from pkg.core.factory import *\n",
             pkg__hiding="from pkg.core.impl import *\n", pkg__core__impl="def cwm(): pass\n__all__ = ['other']\n")
    assert t.resolve("pkg.star.build") == {CWM}
    assert t.resolve("pkg.star.cwm") == {("undef", "pkg.star.cwm")}  # factory binds cwm only as ``build``
    assert t.resolve("pkg.hiding.cwm") == {("undef", "pkg.hiding.cwm")}


def test_star_imports_chain():
    t = tree(pkg__one="from pkg.core import *\n", pkg__two="from pkg.one import *\n")
    assert "cwm" in t.resolver.exported("pkg.two")
    assert t.resolve("pkg.two.cwm") == {CWM}


def test_a_module_binding_wins_over_a_star_import():
    t = tree(pkg__mine="from pkg.core import *\ndef cwm():\n    pass\n")
    assert t.resolve("pkg.mine.cwm") == {("obj", "pkg.mine.cwm")}


def test_conditional_bindings_denote_every_object_they_may_bind():
    t = tree(pkg__cond="try:\n    from pkg.core import cwm\nexcept ImportError:\n    from legacy import cwm\n")
    assert t.resolve("pkg.cond.cwm") == {CWM, ("ext", "legacy.cwm")}


def test_an_unconditional_rebinding_replaces_the_reexport():
    t = tree(pkg__rebound="from pkg.core import cwm\ncwm = None\n")
    assert t.resolve("pkg.rebound.cwm") == {("obj", "pkg.rebound.cwm")}


def test_names_outside_the_tree_are_external_and_stay_dotted():
    t = tree(pkg__uses="import os.path as osp\n")
    assert t.resolve("os.path.join") == {("ext", "os.path.join")}
    assert t.resolve("pkg.uses.osp.join") == {("ext", "os.path.join")}


def test_a_name_a_module_does_not_bind_is_an_attribute_of_that_module_and_a_submodule_is_a_module():
    t = tree()
    assert t.resolve("pkg.core.missing") == {("undef", "pkg.core.missing")}
    assert t.resolve("pkg.core.factory") == {("mod", "pkg.core.factory")}  # not bound in pkg/core/__init__


def test_a_cycle_of_reexports_terminates_without_reaching_any_definition():
    t = tree(pkg__cyc_a="from pkg.cyc_b import x\n", pkg__cyc_b="from pkg.cyc_a import x\n",
             pkg__cyc_user="from .cyc_a import x as y\n")
    every = t.resolve("pkg.cyc_user.y") | t.resolve("pkg.cyc_a.x") | t.resolve("pkg.cyc_b.x")
    # neither module defines x: whatever the cycle yields stays inside it
    assert every and every <= {("undef", "pkg.cyc_a.x"), ("undef", "pkg.cyc_b.x")}


def test_a_cycle_of_star_imports_terminates():
    t = tree(pkg__s1="from pkg.s2 import *\nA = 1\n", pkg__s2="from pkg.s1 import *\nB = 2\n")
    assert "A" in t.resolver.exported("pkg.s1") and "B" in t.resolver.exported("pkg.s1")
    assert t.resolve("pkg.s1.A") == {("obj", "pkg.s1.A")}


def test_an_alias_cycle_terminates():
    t = tree(pkg__loop="a = b\nb = a\n")
    assert t.resolve("pkg.loop.a") <= {("obj", "pkg.loop.a"), ("obj", "pkg.loop.b")}


def test_chain_gives_the_objects_of_every_prefix_of_a_use():
    t = tree(pkg__user="import pkg.core\npkg.core.cwm()\n")
    f = t.facts["pkg/user.py"]
    use = next(u for u in f.uses if u.chain == ("pkg", "core", "cwm"))
    assert t.resolver.chain("pkg.user", f, use) == [{("mod", "pkg")}, {("mod", "pkg.core")}, {CWM}]


def test_facts_are_asked_for_only_the_modules_resolution_has_to_look_into():
    sources = {**TREE, "pkg/unrelated.py": "import os\n"}
    files = [source_file(p) for p in sorted(sources)]
    parsed = {p: facts(s) for p, s in sources.items()}
    asked: list[str] = []

    def facts_of(path):
        asked.append(path)
        return parsed.get(path)

    resolver = Resolver(ModuleTable.of(files), facts_of)
    assert resolver.resolve("pkg.core.factory.build") == {CWM}
    assert "pkg/unrelated.py" not in asked
    assert set(asked) <= {"pkg/core/factory.py", "pkg/core/impl.py", "pkg/core/__init__.py", "pkg/__init__.py"}


def test_answers_do_not_depend_on_the_order_questions_are_asked_in_a_cycle_of_reexports():
    # a re-exports from b, which re-exports from a; a also falls back on impl: cutting the cycle
    # must not leave a partial answer behind for a later question
    sources = {"a.py": "try:\n    from b import cwm\nexcept ImportError:\n    from impl import cwm\n",
               "b.py": "from a import cwm\n", "impl.py": "def cwm():\n    pass\n", "z.py": "from a import cwm\n"}
    rule = Rule("R", symbol="impl.cwm")
    forward = MemTree(sources)
    backward = MemTree(sources)
    backward.files.reverse()
    rows = [(v.path, v.line) for v in forward.detect(rule, fresh=True)]
    assert rows == [("a.py", 2), ("a.py", 4), ("b.py", 1), ("z.py", 1)]
    assert sorted((v.path, v.line) for v in backward.detect(rule, fresh=True)) == rows
    for first in ("b.cwm", "a.cwm", "z.cwm"):
        t = MemTree(sources)
        t.resolve(first)
        assert t.resolve("a.cwm") == t.resolve("b.cwm") == t.resolve("z.cwm") == {("obj", "impl.cwm")}


def test_a_star_import_cycle_gives_the_same_rows_whatever_the_importer_is_named():
    base = {"a.py": "from b import *\n", "b.py": "from a import *\ndef cwm():\n    pass\n"}
    rule = Rule("R", symbol="b.cwm")
    for user in ("c.py", "_c.py"):
        t = MemTree({**base, user: "from a import *\ncwm()\n"})
        assert [(v.category, v.name) for v in t.detect(rule, fresh=True) if v.path == user] == [
            ("deprecated-import", "cwm"), ("deprecated-call", "cwm")]


def reads(t: MemTree, *questions) -> list[str]:
    """The modules a tracking resolver says ``questions`` (called on it) read, sorted."""
    with t.resolver.reading() as read:
        for ask in questions:
            ask(t.resolver)
    return sorted(read)


def tracking(t: MemTree) -> MemTree:
    t.resolver = Resolver(t.modules, t.facts.get, track=True)
    return t


def test_a_tracking_resolver_knows_every_module_an_answer_was_read_from_also_when_memoised():
    t = tracking(tree(pkg__compat="from pkg.core.factory import build as make\n", app="x = 1\n"))
    chain = ["pkg.compat", "pkg.core.factory", "pkg.core.impl"]
    assert reads(t, lambda r: r.resolve("pkg.compat.make")) == chain
    assert reads(t, lambda r: r.resolve("pkg.compat.make")) == chain  # the memoised answer brings them
    assert reads(t, lambda r: r.module_attribute("pkg.compat", "make")) == chain  # asked inside the first
    assert reads(t, lambda r: r.resolve("pkg.core.factory.build")) == chain[1:]
    assert reads(t, lambda r: r.resolve("os.path")) == []  # outside the tree: nothing of it read


def test_a_tracking_resolver_knows_the_whole_cycle_whichever_side_is_asked_first():
    for first, second in (("a", "b"), ("b", "a")):
        t = tracking(tree(pkg__a="from pkg.b import x\n", pkg__b="from pkg.a import x\n"))
        assert reads(t, lambda r: r.resolve(f"pkg.{first}.x")) == ["pkg.a", "pkg.b"]
        assert reads(t, lambda r: r.resolve(f"pkg.{second}.x")) == ["pkg.a", "pkg.b"]


def test_star_imports_and_aliases_are_read_through():
    t = tracking(tree(pkg__star="from pkg.core.impl import *\n", pkg__al="from pkg import star\nm = star.cwm\n"))
    assert reads(t, lambda r: r.exported("pkg.star")) == ["pkg.core.impl", "pkg.star"]
    assert reads(t, lambda r: r.resolve("pkg.al.m")) == ["pkg.al", "pkg.core.impl", "pkg.star"]


def test_a_resolver_that_does_not_track_reads_nothing_into_the_set():
    assert reads(tree(), lambda r: r.resolve("pkg.core.cwm")) == []
