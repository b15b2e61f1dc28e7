"""Tables for people: what a notebook cell shows and an HTML page prints.

The functions of :mod:`wsaudit.report.summary` return plain DataFrames (tested, reused by the
command line and the index page). :class:`Table` shows one the way a reader wants it: no
pandas index, column labels in words, counts as integers, one format per kind of number
(counts ``1,234``; days and hours ``12.5``; shares such as a score ``3.2 %``), blanks where a
value is missing, ``yes`` for a true flag. Its HTML and its plain text are deterministic, so
that nbval can compare them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

KINDS = ("count", "number", "share", "text")


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell(value: Any, kind: str) -> str:
    """One value as a reader sees it.

    >>> cell(1234.0, "count"), cell(2.345, "number"), cell(0.0321, "share"), cell(None, "count"), cell(True, "text")
    ('1,234', '2.3', '3.2 %', '', 'yes')
    >>> cell(False, "text"), cell(0.0, "share"), cell(0.00004, "share")
    ('', '0 %', '< 0.1 %')
    """
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, str):  # already written out
        return value
    if kind == "count":
        return f"{round(float(value)):,}"
    if kind == "number":
        return f"{float(value):,.1f}"
    if kind == "share":
        percent = 100 * float(value)
        if percent == 0:
            return "0 %"
        return "< 0.1 %" if abs(percent) < 0.05 else f"{percent:.1f} %"
    return str(value)


def _guess(series: pd.Series) -> str:
    """The kind of a column nobody named: integers are counts, other numbers are numbers."""
    values = [v for v in series if not _missing(v)]
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        if all(float(v).is_integer() for v in values) and pd.api.types.is_integer_dtype(series.dtype):
            return "count"
        return "number"
    return "text"


class Table:
    """A DataFrame shown for people (see the module's docstring).

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows; its index is not shown (put what matters in a column).
    labels : mapping, optional
        Column name -> label in words; columns not named keep their name.
    kinds : mapping, optional
        Column name -> ``count``, ``number``, ``share`` or ``text``; others are guessed
        (integer columns are counts, other numeric columns numbers).
    caption : str, optional
        One sentence shown above the table.
    empty : str
        What to say when there is no row.
    links : mapping, optional
        Column name -> the column holding each row's address for it: the cell links there on
        the page (an empty address: no link); the address columns are not shown.

    Examples
    --------
    >>> t = Table(pd.DataFrame({"tier": ["P0"], "violations": [3], "score": [0.25]}),
    ...           labels={"score": "module score"}, kinds={"score": "share"})
    >>> print(repr(t))
    tier  violations  module score
    P0             3        25.0 %
    """

    def __init__(self, frame: pd.DataFrame, labels: Mapping[str, str] | None = None,
                 kinds: Mapping[str, str] | None = None, caption: str | None = None,
                 empty: str = "Nothing to show.", links: Mapping[str, str] | None = None):
        frame = frame.reset_index(drop=True)
        self.links = {c: [str(u) if not _missing(u) else "" for u in frame[u_col]]
                      for c, u_col in (links or {}).items()}
        self.frame = frame.drop(columns=list((links or {}).values()))
        self.labels = dict(labels or {})
        self.kinds = {c: (kinds or {}).get(c) or _guess(self.frame[c]) for c in self.frame.columns}
        self.caption = caption
        self.empty = empty

    def header(self) -> list[str]:
        return [self.labels.get(c, str(c)) for c in self.frame.columns]

    def rows(self) -> list[list[str]]:
        """Every row as the strings a reader sees."""
        columns = list(self.frame.columns)
        return [[cell(v, self.kinds[c]) for c, v in zip(columns, row)]
                for row in self.frame.itertuples(index=False, name=None)]

    def _numeric(self) -> list[bool]:
        return [self.kinds[c] in ("count", "number", "share") for c in self.frame.columns]

    def _repr_html_(self) -> str:
        from wsaudit.report.templating import render

        numeric, columns = self._numeric(), list(self.frame.columns)
        header = [{"text": h, "num": n} for h, n in zip(self.header(), numeric)]
        rows = [[{"text": v, "num": n, "url": self.links[c][i] if c in self.links else ""}
                 for c, v, n in zip(columns, row, numeric)] for i, row in enumerate(self.rows())]
        return render("table.html.j2", header=header, rows=rows, caption=self.caption, empty=self.empty)

    def __repr__(self) -> str:
        if not len(self.frame):
            return self.empty
        header, rows, numeric = self.header(), self.rows(), self._numeric()
        widths = [max(len(x) for x in column) for column in zip(header, *rows)]

        def line(values: Iterable[str]) -> str:
            parts = [v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)]
            return "  ".join(parts).rstrip()

        text = [line(header), *(line(r) for r in rows)]
        if self.caption:
            text.insert(0, self.caption)
        return "\n".join(text)


def keyed(pairs: Iterable[tuple[str, Any]], kinds: Mapping[str, str] | None = None, *, what: str = "measure",
          value: str = "value") -> Table:
    """A two-column table (label, value) whose values have per-row kinds.

    >>> print(repr(keyed([("violations", 3), ("share reached", 0.5)], {"share reached": "share"})))
    measure         value
    violations          3
    share reached  50.0 %
    """
    kinds = dict(kinds or {})
    rows = [(label, cell(v, kinds.get(label) or ("count" if isinstance(v, int) else "number"
                                                 if isinstance(v, float) else "text"))) for label, v in pairs]
    frame = pd.DataFrame(rows, columns=[what, value])
    return _Keyed(frame)


class _Keyed(Table):
    """A two-column table whose values are already written out (numbers right-aligned)."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(frame, kinds={frame.columns[0]: "text", frame.columns[1]: "text"})

    def _numeric(self) -> list[bool]:
        return [False, True]
