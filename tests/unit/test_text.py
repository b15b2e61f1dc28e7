"""The renderers' JSON text is ``json.dumps(..., indent=2, ensure_ascii=False)``'s, byte for byte."""

from __future__ import annotations

import enum
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsaudit.render.text import dump_chunks, dumps


def reference(document) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text())
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                         | st.dictionaries(keys, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_any_document_is_written_as_json_writes_it(document):
    assert dumps(document) == reference(document)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), documents, max_size=4), st.lists(documents, max_size=5))
def test_a_streamed_document_is_the_whole_one(head, items):
    streamed = {**head, "rows": iter(items)}
    assert "".join(dump_chunks(streamed)) == reference({**head, "rows": items})


class Tier(enum.IntEnum):
    P0 = 0


def test_edge_values():
    document = {"nan": float("nan"), "-inf": float("-inf"), "zero": -0.0, "big": 1e300, "enum": Tier.P0,
                "surrogate": "\ud800", "control": "\x00\x1f\u2028", 1.5: [(), {}, [[]]], None: {"": ""}}
    assert dumps(document) == reference(document)


def test_what_json_cannot_write_is_refused_as_json_refuses_it():
    with pytest.raises(TypeError):
        dumps({"a": {1, 2}})
    with pytest.raises(TypeError):
        dumps({(1, 2): "tuple key"})
    with pytest.raises(TypeError):
        json.dumps({(1, 2): "tuple key"})
