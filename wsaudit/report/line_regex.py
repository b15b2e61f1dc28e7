"""The line-regex comparison: what the seed's scanner (a regular expression per line) would count,
file by file, against what wsaudit finds, and why each difference is there. An appendix of the
report: it shows what a line scan misses (aliases, re-exports, dotted paths) and what it
counts wrongly (comments, strings, the deprecated module's own definitions).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from typing import TYPE_CHECKING

import pandas as pd

from wsaudit.engine.parse import decode_source
from wsaudit.model import Violation

if TYPE_CHECKING:
    from wsaudit.api import Audit


def naive_patterns(audit: Audit) -> list[re.Pattern[str]]:
    """Line patterns of a text search: the deprecated names where they are called or
    imported, and the deprecated modules' dotted paths."""
    return [pattern for _, pattern in _naive_rules(audit)]


def _naive_rules(audit: Audit) -> list[tuple[str, re.Pattern[str]]]:
    """Each of :func:`naive_patterns` with the literal text that any line it matches contains."""
    pats = []
    for rule in audit.config.rules:
        if rule.symbol:
            leaf = rule.symbol.rsplit(".", 1)[1]
            pats.append((leaf, re.compile(rf"\b{re.escape(leaf)}\s*\(|import\s+.*\b{re.escape(leaf)}\b")))
        if rule.module and rule.is_pattern:  # a grep for a pattern's modules looks for their own name
            pats.append((rule.name, re.compile(rf"\b{re.escape(rule.name)}\b")))
        elif rule.module:
            pats.append((rule.module, re.compile(rf"\b{re.escape(rule.module)}\b")))
    return pats


def _code_spans(text: str) -> tuple[set[int], set[int]]:
    """Lines holding a comment, and lines inside a string literal."""
    comments, strings = set(), set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                comments.add(tok.start[0])
            elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                strings.update(range(tok.start[0], tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return comments, strings


def _naive_hits(audit: Audit):
    """Per readable file: its text (None when no line can match) and the lines a line-regex
    scan matches. A line that lacks a pattern's literal text cannot match it: only the files,
    and then the lines, that hold one are searched (a tenth of a large tree's files)."""
    rules = _naive_rules(audit)
    words = [word for word, _ in rules]
    raw = [word.encode() for word in words] if all(word.isascii() for word in words) else None
    for f in audit.files:
        try:
            data = (audit.root / f.path).read_bytes()
        except OSError:
            continue
        if raw is not None and not any(word in data for word in raw):  # ASCII reads the same in any source encoding
            yield f, None, []
            continue
        text, _ = decode_source(data)
        if text is None:
            text = data.decode("utf-8", errors="replace")
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        yield f, text, [i for i, line in enumerate(lines, start=1)
                        if any(word in line and p.search(line) for word, p in rules)]


PARSE_PROBLEMS = ("syntax-error", "decode-error", "too-complex")  # the file's uses are the tokenizer's suspects
UNREAD_PROBLEMS = ("read-error", "too-large")  # the file was not read at all


def _missed_reason(v: Violation, leaves: dict[str, str]) -> str:
    """Why the line-regex search does not count violation ``v`` (on a line it does not match),
    from the violation itself: what was written there."""
    leaf = leaves.get(v.rule_id)
    written = v.name.rsplit(".", 1)[-1]
    if v.category == "deprecated-module":
        return "imports of the deprecated module that do not write its path out (relative, or through its package)"
    if leaf is not None and written != leaf:
        return "uses under another name (an alias)"
    if v.category == "deprecated-reference":
        return "uses that are neither a call nor an import (the name passed, stored or compared)"
    if v.category == "deprecated-import" and v.via is not None:
        return "imports through a module that re-exports it, on a line the search cannot match"
    return "uses on a line the search cannot match (another line of the statement)"


def naive_comparison(audit: Audit) -> pd.DataFrame:
    """Per file where they differ: what a line-regex count reports, what wsaudit finds, and why.

    The regex counts a line; wsaudit counts a use. ``regex only`` are the matched lines that
    hold no violation (a comment, a string or docstring, a look-alike name or the definition
    itself, or any line of a file that does not parse, whose uses are the tokenizer's suspects,
    or was not read); ``wsaudit only`` are the violations the regex does not count: on lines it
    does not match, each with what was written there (an alias, a use that is neither a call
    nor an import, an import of the deprecated module that does not write its path, an import
    through a re-export), or a second use on a line it matched once. So ``difference = wsaudit -
    naive = wsaudit only - regex only``, and the reasons in ``why`` add up to it.
    """
    exact = Counter(v.path for v in audit.violation_records)
    per_line: dict[str, Counter] = {}
    for v in audit.violation_records:
        per_line.setdefault(v.path, Counter())[v.line] += 1
    # only a file that does not parse in full has its uses as suspects; one that was not read has
    # none; any other diagnostic (a bad module name, a relative import above the top, a
    # suppression comment to fix) says nothing of the file's uses
    kinds = {d.path: d.kind for d in audit.diagnostic_records if d.kind in PARSE_PROBLEMS + UNREAD_PROBLEMS}
    suspects = Counter(v.path for v in audit.suspect_records)
    leaves = {r.id: r.symbol.rsplit(".", 1)[1] for r in audit.config.rules if r.symbol}
    rows = []
    for f, text, hits in _naive_hits(audit):
        if not hits and not exact[f.path]:
            continue
        real = per_line.get(f.path, Counter())
        extra = [i for i in hits if i not in real]
        several = sum(real[i] - 1 for i in hits if i in real)
        parts: list[tuple[int, str]] = []
        if f.path in kinds and not exact[f.path]:
            if kinds[f.path] in UNREAD_PROBLEMS:
                parts.append((len(extra), f"in a file wsaudit did not read ({kinds[f.path]})"))
            else:
                listed = f"{suspects[f.path]} uses listed as suspects" if suspects[f.path] else "no use listed as suspect"
                parts.append((len(extra), f"in a file that does not parse ({kinds[f.path]}, {listed})"))
        else:  # only the lines it matched need the tokenizer
            comments, strings = _code_spans(text) if extra and text is not None else (set(), set())
            parts.append((sum(1 for i in extra if i in comments and i not in strings), "in comments"))
            parts.append((sum(1 for i in extra if i in strings), "in strings or docstrings"))
            missed = Counter(_missed_reason(v, leaves) for v in audit.violation_records
                             if v.path == f.path and v.line not in hits)
            parts.extend((n, f"on lines it does not match: {why}") for why, n in sorted(missed.items()))
            parts.append((sum(1 for i in extra if i not in comments and i not in strings),
                          "look-alike names or the definition itself"))
            parts.append((several, "more on lines holding several violations"))
        missed_total = sum(n for line, n in real.items() if line not in hits)
        why = "; ".join(f"{n} {text}" for n, text in parts if n)
        rows.append({"path": f.path, "naive": len(hits), "wsaudit": exact[f.path],
                     "regex only": len(extra), "wsaudit only": missed_total + several,
                     "difference": exact[f.path] - len(hits), "why": why})
    rows = [r for r in rows if r["difference"] != 0 or r["regex only"]]
    rows.sort(key=lambda r: (-abs(r["difference"]), r["path"]))
    return pd.DataFrame(rows, columns=["path", "naive", "wsaudit", "regex only", "wsaudit only", "difference", "why"])


def naive_totals(audit: Audit) -> pd.DataFrame:
    """The line-regex count against wsaudit's, over the whole tree (the same lines as
    :func:`naive_comparison`)."""
    naive = sum(len(hits) for _, _, hits in _naive_hits(audit))
    return pd.DataFrame([("line-regex count (a text search for the deprecated names)", naive),
                         ("wsaudit, by name resolution", len(audit.violation_records))], columns=["count", "value"])


# ------------------------------------------------------------------ ranking and migration
