"""What the gate cannot verify it does not pass: a file that cannot be audited in full (it does not
parse, cannot be decoded, is over a size limit, or its names resolve through a chain too deep to
follow) and whose text could name the deprecated API.

Such a file's uses are suspects at best (what the tokenizer sees), at worst nothing: a pull
request that adds a new use and one line of syntax this Python does not know, or pads the file
past ``max_file_size``, would otherwise pass. Each one is a finding of category ``unverified``
that fails ``wsaudit check`` unless its baseline holds it; its fingerprint names the file's
content, so the baseline holds that content only: any edit to the file makes it new again.

"Could name" is the candidate search's own test (:func:`wsaudit.engine.mentions.searchable`:
the text as Python reads it, decoded and NFKC-folded), on the whole file, read in pieces when it
is over the size limit; a file that cannot be decoded, or declares a codec the pieces cannot be
read with, could name anything.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tokenize
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from wsaudit.config import Config
from wsaudit.engine.mentions import has_word, searchable, words
from wsaudit.gate.fingerprint import Finding, fingerprint_of
from wsaudit.model import Diagnostic, SourceFile, Violation

UNVERIFIED = "unverified"  # the category of such a finding (beside a violation's and "definition")
# what makes a file not fully audited, in its own diagnostics (a read error or a link outside the
# root is nothing the tree's Python would run from there)
DEGRADED = ("syntax-error", "decode-error", "too-large", "too-complex", "too-deep")
_PIECE = 1 << 20  # bytes read at a time from a file over the size limit (bounded memory)


def unverified_findings(root: str | Path, files: Sequence[SourceFile], diagnostics: Iterable[Diagnostic],
                        names: Iterable[str], config: Config) -> list[Finding]:
    """A finding per file that ``diagnostics`` say was not fully audited and whose text could
    name one of ``names`` (the deprecated names the candidate search ended with), sorted by path."""
    by_path = {f.path: f for f in files}
    why: dict[str, Diagnostic] = {}
    for d in diagnostics:
        if d.kind in DEGRADED and d.path in by_path:
            why.setdefault(d.path, d)
    wanted = sorted(set(names) | {r.name for r in config.rules})
    out = []
    for path in sorted(why):
        f, d = by_path[path], why[path]
        read = _read(Path(root), f, wanted, config.max_file_size)
        if read is None:
            continue  # it names nothing deprecated: nothing hides in it
        name, digest = read
        rule = next((r for r in config.rules if r.name == name), config.rules[0])
        snippet = f"{d.kind}: {d.message}"
        v = Violation(rule.id, UNVERIFIED, path, d.line or 1, 0, f.module, rule.target, name or "?", "module",
                      snippet, rule.replacement, f.is_test)
        statement = f"{d.kind} sha256:{digest}"  # the content: an edit makes it new again
        out.append(Finding(v, statement, 0, fingerprint_of(path, rule.id, UNVERIFIED, v.name, statement, 0)))
    return out


def _read(root: Path, f: SourceFile, names: list[str], limit: int) -> tuple[str, str] | None:
    """``(the first of names the file could name, "" when it cannot tell; its SHA-256)``, or None
    when it names none of them (or cannot be read: then it is not the tree's Python either)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(root / (f.fs_path or f.path), flags)
    except OSError:
        return None
    wanted = list(zip(names, words(names)))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_size <= limit:
            data = os.read(fd, limit + 1)
            text = searchable(data)
            found = "" if text is None else _first(text, wanted)
            digest = hashlib.sha256(data).hexdigest()
        else:
            found, digest = _streamed(fd, wanted)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if found is None else (found, digest)


def _first(text: bytes, wanted: list[tuple[str, bytes]]) -> str | None:
    return next((name for name, word in wanted if has_word(text, word)), None)


def _streamed(fd: int, wanted: list[tuple[str, bytes]]) -> tuple[str | None, str]:
    """The search of a file over the size limit, a piece at a time (bounded memory): each piece
    as the search reads it (ASCII as it is; else decoded as UTF-8, a cut character replaced,
    and NFKC-folded), with the end of the last one before it (a name cut in two is found). A
    file that declares another codec cannot be read so: it could name anything (``""``)."""
    digest = hashlib.sha256()
    found: str | None = None
    overlap = max((len(w) for _, w in wanted), default=0)
    tail = b""
    first = True
    while piece := os.read(fd, _PIECE):
        digest.update(piece)
        if first:
            try:
                codec, _ = tokenize.detect_encoding(io.BytesIO(piece).readline)
            except SyntaxError:
                codec = "?"
            if codec not in ("utf-8", "utf-8-sig"):
                found = ""
            first = False
        if found is None:
            text = piece if piece.isascii() else unicodedata.normalize(
                "NFKC", piece.decode("utf-8", "replace")).encode("utf-8")
            found = _first(tail + text, wanted)
            tail = text[-overlap:] if overlap else b""
    return found, digest.hexdigest()
