"""Where a person looks for a violation: ``path:line:col`` with a 1-based column, at the *name*
it is about.

The records keep the statement's position (docs/json.md: ``line`` 1-based, ``col`` 0-based),
which for a parenthesised import spread over several lines is its first line, not the line of
the deprecated name. Text outputs point at the name instead, as editors and linters do; the source
is parsed again only for files holding a multi-line import row. :func:`location` is the one place
that writes a position for a person: every text output (``scan`` and ``rank`` tables, ``check``'s
text, ``migrate``'s listings) goes through it, so they all show the same ``path:line:col``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from wsaudit.engine.parse import decode_source

IMPORT_CATEGORIES = ("deprecated-import", "deprecated-module")


class Located(Protocol):
    """What a row needs to be placed: a violation, a check finding's violation, a migration's
    manual item."""

    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def col(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def snippet(self) -> str: ...


Positions = Mapping[Located, tuple[int, int]]


def location(path: str, line: int, col: int) -> str:
    """``path:line:col`` as editors, compilers and SARIF read it: ``col`` is given 0-based (as
    the records and the JSON keep it) and written 1-based.

    Parameters
    ----------
    path : str
        The file, as the output names it (root-relative, or prefixed by the caller).
    line : int
        1-based line.
    col : int
        0-based column, in characters.

    Returns
    -------
    str
        The location, e.g. ``"a.py:3:1"`` for the first character of line 3.

    >>> location("a.py", 3, 0)
    'a.py:3:1'
    """
    return f"{path}:{line}:{col + 1}"


def where(row: Located, positions: Positions | None = None) -> str:
    """:func:`location` of a row: at its name when ``positions`` (from :func:`name_positions`)
    places it, else at its statement.

    Parameters
    ----------
    row : Located
        A violation or anything with ``path``, ``line`` and a 0-based ``col``.
    positions : mapping, optional
        ``{row: (line, col)}``, ``col`` 0-based, as :func:`name_positions` returns.

    Returns
    -------
    str
        ``path:line:col`` with a 1-based column.

    >>> from wsaudit.model import Violation
    >>> v = Violation("R", "deprecated-call", "a.py", 3, 0, "a", "s", "f", "module", "f()", None, False)
    >>> where(v), where(v, {v: (4, 8)})
    ('a.py:3:1', 'a.py:4:9')
    """
    line, col = (positions or {}).get(row, (row.line, row.col))
    return location(row.path, line, col)


def _aliases(tree: ast.AST) -> dict[tuple[int, int], list[ast.alias]]:
    """The names of every import statement, by the statement's (line, col)."""
    return {(node.lineno, node.col_offset): node.names for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))}


def _match(names: list[ast.alias], row: Located) -> ast.alias | None:
    """The one imported name the row is about (its bound name, or the module it names)."""
    found = [a for a in names if row.name in (a.asname, a.name, a.name.split(".")[0])
             or row.name.endswith("." + a.name)]
    return found[0] if len(found) == 1 else None


def _continues(snippet: str) -> bool:
    """Whether a statement's first line is not all of it.

    >>> _continues("from a import ("), _continues("from a import (b,"), _continues("from a import (b)")
    (True, True, False)
    """
    return snippet.count("(") > snippet.count(")") or snippet.rstrip().endswith("\\")


def _chars(lines: list[str], line: int, offset: int) -> int:
    """A column in characters: ``ast`` gives UTF-8 byte offsets."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))


def name_positions(root: Path, rows: Iterable[Located],
                   read: Callable[[str], bytes | None] | None = None) -> dict[Located, tuple[int, int]]:
    """``{row: (line, col)}`` for every row (``col`` 0-based, as in the records); an import row
    points at its name.

    Parameters
    ----------
    root : Path
        The audited root (the rows' paths are relative to it).
    rows : iterable of Located
        The rows to place: violations, or anything with their ``path``, ``line``, ``col``,
        ``category``, ``name`` and ``snippet``.
    read : callable, optional
        ``read(path)``: the bytes the rows' positions refer to, or None to read the file under
        ``root`` (``migrate`` passes the text as migrated, which is not on disk before ``--apply``).

    Returns
    -------
    dict
        The statement's position unless the row is an import whose name sits on a later line
        of the statement (a parenthesised import): then the name's line and column.
    """
    rows = list(rows)
    out = {v: (v.line, v.col) for v in rows}
    # only a multi-line statement can put the name on another line: its snippet (the first line)
    # opens a parenthesis it does not close, or ends with a backslash
    wanted = {v.path for v in rows if v.category in IMPORT_CATEGORIES and _continues(v.snippet)}
    for path in sorted(wanted):
        try:
            data = read(path) if read is not None else None
            text, _ = decode_source(data if data is not None else (root / path).read_bytes())
            tree = ast.parse(text or "")
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = (text or "").splitlines()
        statements = _aliases(tree)
        for v in rows:
            if v.path == path and v.category in IMPORT_CATEGORIES and (v.line, v.col) in statements:
                alias = _match(statements[(v.line, v.col)], v)
                if alias is not None and alias.lineno != v.line:  # on one line: the statement, as in SARIF
                    out[v] = (alias.lineno, _chars(lines, alias.lineno, alias.col_offset))
    return out
