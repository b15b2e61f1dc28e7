"""Suppression comments: one use accepted in the code itself, with its reason.

    client = make_client(ctx)  # wsaudit: ignore[WS001] -- the v1 API still serves old clients

A comment ``# wsaudit: ignore[RULE, ...] -- reason`` takes the rows of those rules on its own
line out of the violations (on the statement's first line: those of the whole statement; an
import spread over lines: from the line of the name), into ``suppressed`` with the reason, as
ruff's ``# noqa: TID251`` and tach's ``# tach-ignore`` do. The baseline accepts today's debt as
a whole; a suppression says why this one use stays.

A comment that says ``wsaudit: ignore`` but is not written so (no rule, no reason after
``--``) suppresses nothing and is a ``bad-suppression`` diagnostic: a reason is what makes a
suppression reviewable. One that suppresses nothing (the use went, or another rule is meant) is
an ``unused-suppression`` diagnostic, as ruff's RUF100. Comments are read with :mod:`tokenize`
(a ``#`` inside a string is not one), only in files whose text says ``wsaudit:`` at all.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterable, Sequence

from wsaudit.model import Diagnostic, Suppression, Violation

MARKER = "wsaudit:"  # a file whose text lacks it has no suppression (the cheap test first)
_SAID = re.compile(r"#\s*wsaudit:\s*ignore\b")
_WRITTEN = re.compile(r"#\s*wsaudit:\s*ignore\[\s*([A-Za-z0-9_.\-]+(?:\s*,\s*[A-Za-z0-9_.\-]+)*)\s*\]"
                      r"(?:\s*--\s*(?P<reason>\S.*?))?\s*$")

def read_suppressions(text: str, tree: ast.Module) -> tuple[Suppression, ...]:
    """The suppression comments of a parsed file; one that says ``wsaudit: ignore`` but is not
    written as one (no rule, no reason) is there too, with no rules (it suppresses nothing, and
    :func:`suppress` says so).

    >>> text = "import old  # wsaudit: ignore[R1] -- kept for v1\\nimport old2  # wsaudit: ignore[R1]\\n"
    >>> [(s.line, s.rules, s.reason) for s in read_suppressions(text, ast.parse(text))]
    [(1, ('R1',), 'kept for v1'), (2, (), '')]
    """
    if MARKER not in text:
        return ()
    spans = _statement_spans(tree)
    found: list[Suppression] = []
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):  # (the text parsed: this does not happen)
        return ()
    for token in tokens:
        if not _SAID.search(token.string):
            continue
        line = token.start[0]
        first, last = spans.get(line, (line, line))
        match = _WRITTEN.search(token.string)
        if match is None or match.group("reason") is None:
            found.append(Suppression(line, first, last, (), ""))
            continue
        rules = tuple(sorted({r.strip() for r in match.group(1).split(",")}))
        found.append(Suppression(line, first, last, rules, match.group("reason")))
    return tuple(found)


def _statement_spans(tree: ast.Module) -> dict[int, tuple[int, int]]:
    """Line -> the lines of the innermost statement holding it (of a compound statement, its
    header: a comment on ``def f():`` does not reach the body)."""
    spans: dict[int, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        first, last = node.lineno, node.end_lineno or node.lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            last = max(first, body[0].lineno - 1)  # the header alone
        for line in range(first, last + 1):
            held = spans.get(line)
            if held is None or held[1] - held[0] >= last - first:  # the innermost (smallest) wins
                spans[line] = (first, last)
    return spans


def suppress(rows: Iterable[Violation], suppressions: Sequence[tuple[str, Suppression]]
             ) -> tuple[list[Violation], list[tuple[Violation, str]], list[Diagnostic]]:
    """``rows`` split into those that stand and those a suppression (``(path, suppression)``)
    takes out, with its reason; and a diagnostic per comment that is not written as a
    suppression (``bad-suppression``: it takes out nothing) and per rule of a suppression that
    took out no row (``unused-suppression``).

    >>> row = Violation("R1", "deprecated-call", "a.py", 2, 0, "a", "x.old", "old", "module", "old()", None, False)
    >>> kept, out, unused = suppress([row], [("a.py", Suppression(2, 2, 2, ("R1", "R2"), "v1 clients"))])
    >>> kept, [reason for _, reason in out], [d.message for d in unused]
    ([], ['v1 clients'], ["'# wsaudit: ignore[R2]' suppresses nothing on this line (remove it)"])
    """
    by_path: dict[str, list[Suppression]] = {}
    for path, s in suppressions:
        by_path.setdefault(path, []).append(s)
    used: set[tuple[str, int, str]] = set()
    kept: list[Violation] = []
    out: list[tuple[Violation, str]] = []
    for v in rows:
        hit = next((s for s in by_path.get(v.path, ()) if v.rule_id in s.rules and s.covers(v.line)), None)
        if hit is None:
            kept.append(v)
            continue
        used.add((v.path, hit.line, v.rule_id))
        out.append((v, hit.reason))
    unused = [Diagnostic(path, "unused-suppression", s.line,
                         f"'# wsaudit: ignore[{rule}]' suppresses nothing on this line (remove it)")
              for path, s in suppressions for rule in s.rules if (path, s.line, rule) not in used]
    bad = [Diagnostic(path, "bad-suppression", s.line, "a suppression is '# wsaudit: ignore[RULE] -- reason' (the "
                      "reason says why this use stays): this one suppresses nothing")
           for path, s in suppressions if not s.rules]
    return kept, out, sorted(unused + bad, key=Diagnostic.sort_key)
