"""Where a person looks for a violation: the line and 1-based column of the *name* it is about.

The records keep the statement's position (docs/json.md: ``line`` 1-based, ``col`` 0-based),
which for a parenthesised import spread over several lines is its first line, not the line of
the deprecated name. Text outputs point at the name instead, as editors and linters do; the source
is parsed again only for files holding a multi-line import row.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from wsaudit.engine.parse import decode_source
from wsaudit.model import Violation

IMPORT_CATEGORIES = ("deprecated-import", "deprecated-module")


def _aliases(tree: ast.AST) -> dict[tuple[int, int], list[ast.alias]]:
    """The names of every import statement, by the statement's (line, col)."""
    return {(node.lineno, node.col_offset): node.names for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))}


def _match(names: list[ast.alias], violation: Violation) -> ast.alias | None:
    """The one imported name the row is about (its bound name, or the module it names)."""
    found = [a for a in names if violation.name in (a.asname, a.name, a.name.split(".")[0])
             or violation.name.endswith("." + a.name)]
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


def name_positions(root: Path, violations: Iterable[Violation]) -> dict[Violation, tuple[int, int]]:
    """``{violation: (line, col)}``, 1-based both, for every row; an import row points at its name.

    Parameters
    ----------
    root : Path
        The audited root (the rows' paths are relative to it).
    violations : iterable of Violation
        The rows to place.

    Returns
    -------
    dict
        The statement's position (col + 1, as SARIF's ``startColumn``) unless the row is an
        import whose name sits on a later line of the statement (a parenthesised import): then
        the name's line and column.
    """
    rows = list(violations)
    out = {v: (v.line, v.col + 1) for v in rows}
    # only a multi-line statement can put the name on another line: its snippet (the first line)
    # opens a parenthesis it does not close, or ends with a backslash
    wanted = {v.path for v in rows if v.category in IMPORT_CATEGORIES and _continues(v.snippet)}
    for path in sorted(wanted):
        try:
            text, _ = decode_source((root / path).read_bytes())
            tree = ast.parse(text or "")
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = (text or "").splitlines()
        statements = _aliases(tree)
        for v in rows:
            if v.path == path and v.category in IMPORT_CATEGORIES and (v.line, v.col) in statements:
                alias = _match(statements[(v.line, v.col)], v)
                if alias is not None and alias.lineno != v.line:  # on one line: the statement, as in SARIF
                    out[v] = (alias.lineno, _chars(lines, alias.lineno, alias.col_offset) + 1)
    return out
