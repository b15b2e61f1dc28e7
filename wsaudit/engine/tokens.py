"""A token-level look at a file that does not parse: its imports and calls, as far as they go.

When a mass edit breaks a file, every use of the deprecated API inside it would vanish from
the audit and read as progress. The tokenizer still sees most of the file, so its imports
and dotted calls are kept (as :class:`~wsaudit.model.Unparsed` records) to be reported apart,
as ``suspects``: never resolved, never counted among the violations.
"""

from __future__ import annotations

import io
import tokenize

from wsaudit.model import Unparsed

_SKIP = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING})
_STARTERS = frozenset({"import", "from", "def", "class", "async", "if", "for", "while", "with", "try", "return"})
_MAX_RECORDS = 10_000  # a pathological file must not produce unbounded facts


def _dotted(toks: list[tokenize.TokenInfo], i: int) -> tuple[str, int]:
    """The dotted name starting at ``toks[i]`` and the index after it."""
    parts = [toks[i].string]
    j = i + 1
    while j + 1 < len(toks) and toks[j].string == "." and toks[j + 1].type == tokenize.NAME:
        parts.append(toks[j + 1].string)
        j += 2
    return ".".join(parts), j


def _statement(toks: list[tokenize.TokenInfo], lines: list[str], out: list[Unparsed]) -> None:
    if not toks:
        return
    first = toks[0]
    line, col = first.start
    snippet = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    words = [t.string for t in toks]
    if words[0] == "import":
        i = 1
        while i < len(toks) and toks[i].type == tokenize.NAME:
            name, i = _dotted(toks, i)
            out.append(Unparsed("import", line, col, name, (), snippet))
            if i < len(toks) and toks[i].string == "as":
                i += 2
            if i < len(toks) and toks[i].string == ",":
                i += 1
        return
    if words[0] == "from" and "import" in words:
        at = words.index("import")
        k = 1
        while k < at and toks[k].string in (".", "..."):  # the relative level
            k += 1
        module = "".join(t.string for t in toks[1:k]) + "".join(t.string for t in toks[k:at])
        imported: list[str] = []
        bound: list[str] = []
        expect_name = True
        for k in range(at + 1, len(toks)):
            t = toks[k]
            if t.string in ("(", ")"):
                continue
            if t.string == ",":
                expect_name = True
            elif t.string == "as":
                expect_name = False
                if k + 1 < len(toks) and bound:
                    bound[-1] = toks[k + 1].string
                    toks[k + 1] = toks[k + 1]._replace(string="")  # the alias: not an imported name
            elif expect_name and (t.type == tokenize.NAME or t.string == "*"):
                imported.append(t.string)
                bound.append(t.string)
                expect_name = False
            elif t.string == "":
                continue
            else:  # anything else ends the import list (the next statement, swallowed by the breakage)
                _statement(toks[k:], lines, out)
                break
        out.append(Unparsed("import", line, col, module, tuple(imported), snippet, tuple(bound)))
        return
    for i, t in enumerate(toks):
        if t.type != tokenize.NAME or (i and toks[i - 1].string in (".", "def", "class")):
            continue
        name, j = _dotted(toks, i)
        if j < len(toks) and toks[j].string == "(":
            at_line, at_col = t.start
            text = lines[at_line - 1].strip() if 0 < at_line <= len(lines) else ""
            out.append(Unparsed("call", at_line, at_col, name, (), text))


def scan_tokens(text: str) -> tuple[Unparsed, ...]:
    """The imports and dotted calls of ``text``, statement by statement, up to the first point
    where the tokenizer itself gives up.

    >>> [(u.kind, u.line, u.dotted, u.names) for u in scan_tokens("from a.b import c as d, e\\nx = (\\nd(1)\\n")]
    [('import', 1, 'a.b', ('c', 'e')), ('call', 3, 'd', ())]
    """
    out: list[Unparsed] = []
    lines = text.splitlines()
    statement: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in _SKIP:
                continue
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (tok.type == tokenize.OP and tok.string == ";"):
                _statement(statement, lines, out)
                statement = []
                continue
            # A bracket left open by the breakage swallows the rest of the file into one logical
            # line: a keyword that starts a physical line starts a statement again.
            if statement and tok.string in _STARTERS and tok.start[0] != statement[-1].end[0]:
                _statement(statement, lines, out)
                statement = []
            statement.append(tok)
            if len(out) > _MAX_RECORDS:
                break
    except (tokenize.TokenError, IndentationError, SyntaxError, RecursionError, MemoryError):
        pass
    _statement(statement, lines, out)  # what was left when the tokenizer stopped
    return tuple(out[:_MAX_RECORDS])
