"""Whether a file's text, as Python reads it, mentions a name: the candidate search's test,
and the gate's for a file it could not audit in full (:mod:`wsaudit.gate.unverified`).

A name is looked for as a whole word in what Python reads: the bytes of an ASCII file without a
coding cookie (most files, searched as they are), else the text decoded with its declared codec
and NFKC-folded, as Python folds identifiers. Over-including costs a file parsed more, never a
row; under-including would let a use pass unseen, so every doubt includes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from wsaudit.engine.source import decode_source

_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
_COOKIE_SPAN = 400  # bytes: a coding cookie is on the first or second line (PEP 263)
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def has_word(data: bytes, word: bytes) -> bool:
    """Whether ``word`` occurs in ``data`` as a whole word (not inside a longer identifier).

    >>> has_word(b"x = manager_factory()", b"factory"), has_word(b"from . import factory", b"factory")
    (False, True)
    """
    at = data.find(word)
    end = len(word)
    while at >= 0:
        before = data[at - 1] if at else 32
        after = data[at + end] if at + end < len(data) else 32
        if before not in _WORD and after not in _WORD:  # a non-ASCII neighbour counts as a boundary:
            return True  # over-including only means parsing one file more
        at = data.find(word, at + 1)
    return False


def searchable(data: bytes) -> bytes | None:
    """What the name search reads of a file: what Python reads of it. Most files are ASCII with
    no coding cookie: their bytes. Another is decoded with its declared codec (a ``# coding:
    utf-7`` file spells a name differently in bytes) and NFKC-folded, as Python folds
    identifiers (a fullwidth ``ｃreate`` is ``create`` to Python), then encoded as UTF-8. None
    when it cannot be decoded: such a file is parsed in full, which says why (a
    ``decode-error``, with its suspects).

    >>> searchable(b"x = 1") == b"x = 1", searchable("ｍake()".encode())
    (True, b'make()')
    >>> searchable(b"# coding: utf-7" + bytes([10]) + b"+AG0-ake()").splitlines()[1]
    b'make()'
    """
    if data.isascii() and not _COOKIE.search(data, 0, _COOKIE_SPAN):
        return data
    text, _ = decode_source(data)
    if text is None:
        return None
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).encode("utf-8", "surrogatepass")


def words(names: Iterable[str]) -> list[bytes]:
    """``names`` as the search looks for them: NFKC-folded (as Python reads an identifier), UTF-8."""
    return [unicodedata.normalize("NFKC", n).encode("utf-8", "surrogatepass") for n in sorted(names)]
