"""A content-addressed cache of :class:`~wsaudit.model.FileFacts`.

Facts depend only on a file's bytes (and on wsaudit's and Python's versions, which are part
of the key), so a cached entry can never differ from a fresh parse. Entries are JSON in a
SQLite file: the cache lives inside the audited tree, so it must never hold anything that
runs when loaded (no pickle). A corrupt cache is ignored and rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path

from wsaudit.engine.parse import FACTS_VERSION
from wsaudit.model import Binding, FileFacts, ImportStmt, StringRef, Unparsed, Use

_SALT = f"{FACTS_VERSION}:{sys.version_info[0]}.{sys.version_info[1]}"


def key(data: bytes) -> str:
    """The cache key of a file's content.

    >>> len(key(b"x = 1\\n"))
    64
    """
    return hashlib.sha256(_SALT.encode() + b"\0" + data).hexdigest()


def encode(facts: FileFacts) -> str:
    """Facts as compact JSON.

    >>> decode(encode(FileFacts(loc=3, all_names=("a",)))) == FileFacts(loc=3, all_names=("a",))
    True
    """
    return json.dumps(
        [
            facts.loc,
            [[i.line, i.col, i.level, i.module, i.names, i.is_from, i.context, i.snippet] for i in facts.imports],
            [[b.name, b.kind, b.target, b.module_scope] for b in facts.bindings],
            facts.namespace,
            facts.stars,
            [[u.line, u.col, u.chain, u.is_call, u.context, u.snippet, u.reaching] for u in facts.uses],
            [[s.line, s.col, s.value, s.context, s.snippet, s.sink] for s in facts.strings],
            facts.all_names,
            facts.problems,
            facts.definitions,
            [list(u) for u in facts.unparsed],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _target(kind: str, target):
    return tuple(target) if kind in ("from", "star") else target


def decode(text: str) -> FileFacts:
    loc, imports, bindings, namespace, stars, uses, strings, all_names, problems, definitions, unparsed = json.loads(text)
    return FileFacts(
        loc=loc,
        imports=tuple(
            ImportStmt(line, col, level, module, tuple((n, a) for n, a in names), is_from, context, snippet)
            for line, col, level, module, names, is_from, context, snippet in imports
        ),
        bindings=tuple(Binding(n, k, _target(k, t), m) for n, k, t, m in bindings),
        namespace={name: tuple(v) for name, v in namespace.items()},
        stars=tuple(stars),
        uses=tuple(
            Use(line, col, tuple(chain), is_call, context, snippet, tuple(reaching))
            for line, col, chain, is_call, context, snippet, reaching in uses
        ),
        strings=tuple(StringRef(*s) for s in strings),
        all_names=tuple(all_names) if all_names is not None else None,
        problems=tuple((k, line, msg) for k, line, msg in problems),
        definitions=tuple((name, line) for name, line in definitions),
        unparsed=tuple(Unparsed(kind, line, col, dotted, tuple(names), snippet, tuple(bound))
                       for kind, line, col, dotted, names, snippet, bound in unparsed),
    )


class FactsCache:
    """``get``/``put`` facts by content key in ``folder/facts.sqlite3``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.db: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# wsaudit's cache: never commit it\n*\n", encoding="utf-8")
            self.db = sqlite3.connect(folder / "facts.sqlite3")
            self.db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        except (OSError, sqlite3.Error):
            self._reset()

    def _reset(self) -> None:
        """A cache that cannot be opened or read is dropped and rebuilt from scratch."""
        if self.db is not None:
            self.db.close()
        self.db = None
        try:
            (self.folder / "facts.sqlite3").unlink(missing_ok=True)
            self.db = sqlite3.connect(self.folder / "facts.sqlite3")
            self.db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, data TEXT NOT NULL)")
        except (OSError, sqlite3.Error):
            self.db = None  # read-only tree: run without a cache

    def get_many(self, keys: Iterable[str]) -> dict[str, FileFacts]:
        if self.db is None:
            return {}
        wanted = list(dict.fromkeys(keys))
        found: dict[str, FileFacts] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for k, data in self.db.execute(f"SELECT key, data FROM facts WHERE key IN ({marks})", chunk):
                    try:
                        found[k] = decode(data)
                    except (ValueError, TypeError):
                        pass  # a damaged entry is a miss
        except sqlite3.Error:
            self._reset()
            return {}
        return found

    def put_many(self, items: dict[str, FileFacts]) -> None:
        if self.db is None or not items:
            return
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO facts (key, data) VALUES (?, ?)",
                    [(k, encode(v)) for k, v in items.items()],
                )
        except sqlite3.Error:
            self._reset()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
