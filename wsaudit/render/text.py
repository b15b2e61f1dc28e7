"""Shared pieces of every renderer: JSON and CSV written the same way everywhere.

Every renderer is deterministic: rows come sorted from the pipeline, keys keep a fixed
order, and nothing depends on time or on the machine.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any


def dumps(document: Any) -> str:
    """JSON the same way everywhere: two-space indent, UTF-8 kept, one trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def dump_chunks(document: Mapping[str, Any]) -> Iterator[str]:
    """The text of :func:`dumps` of ``document`` in pieces, a top-level value that is an
    iterator written item by item: a 100,000-module graph never exists whole, neither as
    Python objects nor as one string (with an indent, ``json`` joins a list of millions of
    pieces into one string, several times the document's size in memory).

    >>> doc = {"a": iter([{"x": [1]}, 2]), "b": iter([]), "c": {"d": None}}
    >>> "".join(dump_chunks(doc)) == dumps({"a": [{"x": [1]}, 2], "b": [], "c": {"d": None}})
    True
    """
    if not document:
        yield "{}\n"
        return
    encode = json.JSONEncoder(indent=2, ensure_ascii=False).encode
    yield "{"
    for i, (name, value) in enumerate(document.items()):
        yield ("," if i else "") + "\n  " + encode(name) + ": "
        if isinstance(value, Iterator):
            # JSON text never holds a raw line end, so indenting every line nests an item
            opened = False
            for item in value:
                yield ("," if opened else "[") + "\n    " + encode(item).replace("\n", "\n    ")
                opened = True
            yield "\n  ]" if opened else "[]"
        else:
            yield encode(value).replace("\n", "\n  ")
    yield "\n}\n"


def rows_csv(rows: list[dict[str, Any]], fields: Iterable[str]) -> str:
    """CSV with a header row; booleans as ``true``/``false``, None as empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
    return out.getvalue()


def flat(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: a list value (an import chain) becomes ``a > b > c``.

    >>> flat([{"golden_chain": ["a", "b"], "tier": "P0"}])
    [{'golden_chain': 'a > b', 'tier': 'P0'}]
    """
    return [{k: (" > ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows]
