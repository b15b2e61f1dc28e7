"""A file's text encoding, kept across the migration: the bytes written back are in the
encoding the file declares (PEP 263), with its UTF-8 BOM when it had one.

Line ends need no special care: they are part of the decoded text, and libcst keeps them.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from dataclasses import dataclass

from wsaudit.engine.parse import decode_source


@dataclass(frozen=True)
class Encoding:
    """How one file's bytes encode its text.

    Attributes
    ----------
    name : str
        The codec (``utf-8`` also for a file with a BOM; the BOM is ``bom``).
    bom : bool
        Whether the file starts with the UTF-8 byte order mark.
    """

    name: str
    bom: bool


def encoding_of(data: bytes) -> Encoding:
    """The encoding ``data`` declares (a coding cookie, a BOM, else UTF-8).

    >>> encoding_of(b"# -*- coding: latin-1 -*-\\nx = 1\\n")
    Encoding(name='iso-8859-1', bom=False)
    >>> encoding_of(codecs.BOM_UTF8 + b"x = 1\\n")
    Encoding(name='utf-8', bom=True)
    """
    name, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(codecs.BOM_UTF8)
    return Encoding("utf-8" if name == "utf-8-sig" else name, bom)


def decode(data: bytes) -> str:
    """The text of a Python file; undecodable bytes are replaced rather than refused, since
    a file that does not decode is never rewritten (only shown)."""
    text, _ = decode_source(data)
    return text if text is not None else data.decode("utf-8", errors="replace")


def encode(text: str, enc: Encoding) -> bytes:
    """Text back to bytes in the file's own encoding, with its BOM (line ends are in the text).

    >>> encode("x = 'é'\\r\\n", Encoding("iso-8859-1", False))
    b"x = '\\xe9'\\r\\n"
    """
    return (codecs.BOM_UTF8 if enc.bom else b"") + text.encode(enc.name)
