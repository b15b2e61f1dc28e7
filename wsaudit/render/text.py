"""Shared pieces of every renderer: JSON and CSV written the same way everywhere, and the
escaping of every text output.

Every renderer is deterministic: rows come sorted from the pipeline, keys keep a fixed
order, and nothing depends on time or on the machine.

Much of what is printed comes from the audited tree (file names, source lines, comments, the
configuration's keys and messages, commit subjects), which is untrusted: a text output passes
every line through :func:`printable`, so that nothing in it moves the cursor, erases a row,
hides text or starts a new line (a CI log reads a line that starts with ``::error::`` as a
command). JSON keeps the exact text: it escapes control characters itself.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from json.encoder import encode_basestring as _string  # the C function
from typing import Any

from wsaudit.cells import not_a_formula

# What a text output never writes as it is: the C0 controls but tab (a newline included), DEL,
# the C1 controls, the line and paragraph separators, the bidirectional controls that reorder or
# hide text (U+202A-U+202E, U+2066-U+2069), lone surrogates (bytes of a name that are not UTF-8),
# and the backslash, which starts every escape: so the escaping is injective, two different texts
# never print the same (a file named with an escape character and one named with its escape).
_UNPRINTABLE = re.compile("[\\\\\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\\":
        return "\\\\"
    if char == "\n":
        return "\\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    r"""``text`` as one line a terminal or a CI log shows as it is: a backslash as ``\\``, a newline
    as ``\n``, the other control characters (C0 but tab, DEL, C1) as ``\xNN``, the line and
    paragraph separators, the bidirectional controls and lone surrogates as ``\uNNNN``.

    Every text output (the tables, the listings, the check's text and annotations, the messages on
    standard error) writes what it prints through this function, and only there: JSON, CSV and
    SARIF keep the exact text. The escaping is injective: the text can be read back, and two
    texts never print the same.

    Parameters
    ----------
    text : str
        Any text (a file name, a source line, a commit subject, a message).

    Returns
    -------
    str
        The same text where nothing needs escaping.

    Examples
    --------
    >>> printable("a.py:1  ok")
    'a.py:1  ok'
    >>> print(printable("x\n::error::y \x1b[2K \u202eevil \\x1b caf\udce9"))
    x\n::error::y \x1b[2K \u202eevil \\x1b caf\udce9
    """
    if text.isprintable() and "\\" not in text and text.isascii():  # the common case, without the pattern
        return text
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(lines: Iterable[str]) -> str:
    r"""The lines of a text output, each through :func:`printable`, each ending with a newline.

    >>> printable_lines(["a", "b\nc"])
    'a\nb\\nc\n'
    """
    return "".join(printable(line) + "\n" for line in lines)


def dumps(document: Any) -> str:
    r"""JSON the same way everywhere: two-space indent, UTF-8 kept, one trailing newline.

    The text is ``json.dumps(document, indent=2, ensure_ascii=False)``'s, made without its
    pure-Python indenting encoder (``json`` has a C encoder only for text without an indent),
    which took most of the time of writing a large graph or scan.

    >>> import json
    >>> doc = {"a": [1, 2.5, None, True], "é": {}, "c": [], 3: {"d": "x\ny"}}
    >>> dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    True
    """
    out: list[str] = []
    _encode(document, "\n", out)
    out.append("\n")
    return "".join(out)


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


_INFINITY = float("inf")
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _key(key: Any) -> str:
    """A key as ``json`` writes it: a string, or a number, boolean or null made one."""
    if isinstance(key, str):
        return _string(key)
    if key is True or key is False or key is None:
        return '"' + _CONSTANTS[key] + '"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    if isinstance(key, float):
        return '"' + _float(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, newline: str, out: list[str]) -> None:
    """Append the indented JSON text of ``value`` to ``out``; ``newline`` is a line end and
    the indent of the line ``value`` starts on."""
    if isinstance(value, str):
        out.append(_string(value))
    elif value is None or value is True or value is False:
        out.append(_CONSTANTS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            out.append(separator + _key(key) + ": ")
            separator = "," + inner
            if type(item) is str:  # the common case, without a call
                out.append(_string(item))
            else:
                _encode(item, inner, out)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _encode(item, inner, out)
        out.append(newline + "]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
    yield "{"
    for i, (name, value) in enumerate(document.items()):
        out = [("," if i else "") + "\n  " + _key(name) + ": "]
        if isinstance(value, Iterator):
            opened = False
            for item in value:
                out.append(("," if opened else "[") + "\n    ")
                _encode(item, "\n    ", out)
                opened = True
                if len(out) > 4096:  # pieces of a few hundred kilobytes
                    yield "".join(out)
                    out = []
            out.append("\n  ]" if opened else "[]")
        else:
            _encode(value, "\n  ", out)
        yield "".join(out)
    yield "\n}\n"


def csv_cell(value: Any) -> Any:
    r"""A value as a CSV cell of wsaudit's: booleans as ``true``/``false``, and a text that a
    spreadsheet would take for a formula with a single quote before it
    (:func:`wsaudit.cells.not_a_formula`; :func:`wsaudit.cells.cell_text` reads it back). Numbers stay numbers
    (``-3`` is a number, not a formula), None stays None (an empty cell).

    Parameters
    ----------
    value : Any
        A cell's value.

    Returns
    -------
    Any
        What the CSV writer gets.

    >>> [csv_cell(v) for v in ("=1+2", "-x", "@SUM(A1)", "\tx", "a-b", -3, -0.5, True, None)]
    ["'=1+2", "'-x", "'@SUM(A1)", "'\tx", 'a-b', -3, -0.5, 'true', None]
    """
    if value is True or value is False:
        return "true" if value else "false"
    return not_a_formula(value)


def rows_csv(rows: list[dict[str, Any]], fields: Iterable[str]) -> str:
    """CSV with a header row, each cell through :func:`csv_cell`: booleans as ``true``/``false``,
    None as empty, a text never a formula."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return out.getvalue()


def flat(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for CSV: a list value (an import chain) becomes ``a > b > c``.

    >>> flat([{"golden_chain": ["a", "b"], "tier": "P0"}])
    [{'golden_chain': 'a > b', 'tier': 'P0'}]
    """
    return [{k: (" > ".join(v) if isinstance(v, list) else v) for k, v in r.items()} for r in rows]
