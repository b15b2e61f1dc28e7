"""The codemod's one-pass positions and parents equal what libcst's two providers give."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from wsaudit.codemod import syntax
from wsaudit.codemod.syntax import Syntax, positions_and_parents

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# real modules of many kinds of syntax, large and small (CONSTRUCTS has the rest)
MODULES = ("typing.py", "dataclasses.py", "asyncio/tasks.py", "re/_parser.py", "json/decoder.py", "pathlib.py",
           "tomllib/_parser.py")

CONSTRUCTS = '''\
# a comment
"""doc"""
from __future__ import annotations
import a.b as c; import d
from .e import (f,  # why
                g as h)


@decorator(1, *args, key=lambda x=1, *y, **z: x)
async def fn(p: int = 1, /, q: "str" = f"{a!r:>{w}}", *, r, **kw) -> list[int]:
    global z
    async with m as (n, o):
        async for i in range(3):
            yield (j := i)
    match p:
        case [1, *rest] | {"k": v, **other} if v > 0:
            pass
        case Point(x=0, y=_):
            ...
    try:
        raise E from None
    except* (A, B) as exc:
        del exc
    return [k for k in (yield_ for yield_ in x) if k] or {**d, "a": 1}


class C(Base, metaclass=M):
    x: int = 1; y = 2
    def __init__(self): super().__init__(); self.v = a.b.c[1:2, ::3]


if x: import y
else: z = b"bytes" b"joined" if q else 'x' 'y'
'''


def _providers(module: cst.Module):
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return dict(wrapper.resolve(PositionProvider)), dict(wrapper.resolve(ParentNodeProvider))


def _sources():
    yield "constructs", CONSTRUCTS
    for name in MODULES:
        path = STDLIB / name
        assert path.is_file(), path  # every CPython 3.11+ has them
        yield name, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, source", list(_sources()), ids=lambda v: v if len(v) < 40 else "")
def test_one_pass_gives_what_the_two_providers_give(name, source, monkeypatch):
    module = cst.parse_module(source)
    expected_positions, expected_parents = _providers(module)

    def no_fallback(*args, **kwargs):
        raise AssertionError("positions_and_parents fell back to the providers")

    monkeypatch.setattr(syntax, "MetadataWrapper", no_fallback)  # the one pass is what runs
    positions, parents = positions_and_parents(module)
    assert positions == expected_positions
    assert parents.keys() == expected_parents.keys()
    assert all(parents[node] is parent for node, parent in expected_parents.items())


def test_the_index_of_a_syntax_finds_names_statements_and_strings_by_position():
    found = Syntax(cst.parse_module(CONSTRUCTS))
    assert [n.value for n in found.names[(4, 7)]] == ["a"]  # import a.b as c: the chain's first name
    assert isinstance(found.stmts[(5, 0)], cst.ImportFrom)
    assert isinstance(found.strings[(33, 10)], cst.ConcatenatedString)  # joined pieces: one literal
    name = found.names[(33, 6)][0]  # z in the else branch
    assert isinstance(next(found.ancestors(name)), cst.AssignTarget)


NESTED = '''\
import os


def f():
    import q
    return os.path.join(q.x, "a")


class K:
    def g(self):
        if True:
            from m import (a,  # keep this comment
                           b)
        return a
'''


def _edits(found: Syntax):
    from wsaudit.codemod.edits import Edits

    module = found.module
    f_body = module.body[1].body.body
    g_body = module.body[2].body.body[0].body.body
    edits = Edits()
    edits.remove.add(id(f_body[0].body[0]))  # ``import q``: the line goes
    deep = f_body[1].body[0].value.func.value.value  # ``os`` in os.path.join
    edits.replace[id(deep)] = cst.Name("posix")
    edits.replace[id(g_body[0].body.body[0].body[0])] = cst.parse_statement("import m\n").body[0]
    edits.after[id(g_body[1])] = [cst.parse_statement("x = 1\n")]
    edits.top = [cst.parse_statement("import posix\n")]
    edits.top_anchor = id(module.body[0])
    return edits


def test_applying_edits_only_inside_the_nodes_that_hold_them_gives_the_same_module():
    from wsaudit.codemod.edits import ApplyEdits, holding

    found = Syntax(cst.parse_module(NESTED))
    edits = _edits(found)
    whole = found.module.visit(ApplyEdits(edits)).code
    applier = ApplyEdits(edits, found.parents)
    assert applier.wanted is not None and len(applier.wanted) < len(found.parents) // 4  # most of it skipped
    assert found.module.visit(applier).code == whole
    assert "posix.path.join" in whole and "import q" not in whole and "    x = 1\n" in whole
    assert whole.startswith("import os\nimport posix\n") and "import m\n" in whole
    # a node the tree does not hold: every node is visited, as without parents
    edits.replace[id(cst.Name("elsewhere"))] = cst.Name("other")
    assert holding(edits, found.parents) is None
