"""A source file's text and syntax tree, as Python itself would read them.

Decoding honours the BOM and the PEP 263 coding cookie; lines split on the line ends the
tokenizer knows; the tree is parsed with :mod:`ast` (never compiled or run), independently of
the warnings filter. Every failure is a problem ``(kind, line, message)``, never an exception.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings

_CODE_LINE = re.compile(r"^[ \t\f]*[^ \t\f\n#]", re.MULTILINE)

Problem = tuple[str, "int | None", str]


def decode_source(data: bytes) -> tuple[str | None, tuple[str, int | None, str] | None]:
    """Decode file bytes as Python does (BOM, PEP 263 coding cookie, default UTF-8).

    Returns ``(text, None)`` or ``(None, (kind, line, message))``.

    >>> decode_source(b"# -*- coding: latin-1 -*-\\nx = '\\xe9'\\n")[0].splitlines()[1]
    "x = 'é'"
    >>> decode_source(b"x = 1\\ny = '\\xff'\\n")[1]
    ('decode-error', 2, 'byte 0xff is not valid utf-8')
    >>> decode_source(b"# coding: rot13\\nx = 1\\n")[1]
    ('decode-error', 1, "'rot13' is not a text encoding")
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown or inconsistent coding cookie
        return None, ("decode-error", getattr(exc, "lineno", None) or 1, str(exc))
    try:
        # a cookie may name any codec (hex, zlib, rot13...): only text encodings decode source
        if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):  # (CPython marks binary codecs)
            return None, ("decode-error", 1, f"{encoding!r} is not a text encoding")
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1]
        return None, ("decode-error", line, f"byte 0x{bad.hex()} is not valid {encoding}")
    except (UnicodeError, LookupError, ValueError, TypeError, MemoryError) as exc:  # codecs such as punycode
        return None, ("decode-error", 1, f"cannot decode as {encoding}: {type(exc).__name__}")
    text = text.removeprefix("\ufeff")
    return text, None


def split_lines(text: str) -> list[str]:
    """Split on the line ends Python's tokenizer knows (``\\r\\n``, ``\\r``, ``\\n``) only.

    >>> split_lines("a\\r\\nb\\x0cc\\rd")
    ['a', 'b\\x0cc', 'd']
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def count_loc(lines: list[str]) -> int:
    """Lines that hold code: not blank, not only a comment.

    >>> count_loc(["x = 1", "", "  # note", "def f():", "    pass"])
    3
    """
    return len(_CODE_LINE.findall("\n".join(lines)))


def parse_tree(text: str) -> tuple[ast.Module | None, Problem | None]:
    """The syntax tree of ``text``, or the problem that stops Python from parsing it.

    >>> parse_tree("def f(:\\n")[1][:2]
    ('syntax-error', 1)
    """
    try:
        with warnings.catch_warnings():
            # Facts must not depend on the warnings filter: under PYTHONWARNINGS=error an invalid
            # escape would make a valid file a SyntaxError, and a SyntaxWarning would print
            # "<unknown>:N" on standard error.
            warnings.simplefilter("ignore")
            return ast.parse(text), None
    except SyntaxError as exc:
        return None, ("syntax-error", exc.lineno, exc.msg)
    except ValueError as exc:  # e.g. null bytes on older 3.11 patch releases
        return None, ("syntax-error", None, str(exc))
    except RecursionError:
        return None, ("too-complex", None, "nesting too deep to parse (RecursionError)")
    except MemoryError:
        return None, ("too-complex", None, "file too complex to parse (MemoryError)")


def char_col(line_text: str, byte_col: int) -> int:
    """``ast`` columns count UTF-8 bytes; rows report characters.

    >>> char_col("é = 1", 3)
    2
    """
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def docstring_node(body: list[ast.stmt]) -> ast.stmt | None:
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return body[0]
    return None


def inner_context(context: str, new: str) -> str:
    """Code under ``if TYPE_CHECKING`` never runs: that context wins over any inner one."""
    return context if context == "type-checking" else new
