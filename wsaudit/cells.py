"""A text cell of the CSV files wsaudit writes: never a formula to a spreadsheet, read back exactly.

OWASP's rule against CSV injection: a spreadsheet takes a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return for a formula, and runs it (``=HYPERLINK(...)``,
``=cmd|...``): a file name, a snippet or a commit subject from the audited tree must not. Such a
cell gets a single quote first; so does one that starts with a quote itself, so that reading
takes exactly one quote off and every text comes back as it was (a wave plan's paths, read by
``migrate --plan`` and the burndown, are file names).
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTED = (*FORMULA_START, "'")


def not_a_formula(value: Any) -> Any:
    """``value``, with a single quote before it when it is a text a spreadsheet would take for a
    formula (it starts with one of :data:`FORMULA_START`) or that starts with a quote; anything
    else as it is.

    >>> not_a_formula("=HYPERLINK('http://x')"), not_a_formula("a=b"), not_a_formula(-1), not_a_formula("'x")
    ("'=HYPERLINK('http://x')", 'a=b', -1, "''x")
    """
    if isinstance(value, str) and value.startswith(_QUOTED):
        return "'" + value
    return value


def cell_text(cell: str) -> str:
    """The text a cell written through :func:`not_a_formula` holds: one leading quote taken off.

    >>> [cell_text(not_a_formula(t)) for t in ("=1+2", "'x", "a.py", "")]
    ['=1+2', "'x", 'a.py', '']
    """
    return cell[1:] if cell.startswith("'") else cell
