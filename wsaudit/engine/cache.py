"""A content-addressed cache of :class:`~wsaudit.model.FileFacts`.

Facts depend only on a file's bytes (and on wsaudit's and Python's versions, which are part
of the key), so a cached entry can never differ from a fresh parse. Entries are JSON in a
SQLite file: the cache lives inside the audited tree, so it must never hold anything that
runs when loaded (no pickle), and an entry counts only with this user's HMAC on it. A corrupt
cache is ignored and rebuilt, never fatal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import stat
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from wsaudit.engine.collector import collection_paused
from wsaudit.engine.parse import FACTS_VERSION
from wsaudit.secret import key_problem, mac_of, user_key
from wsaudit.model import Binding, FileFacts, ImportStmt, StringRef, Suppression, Unparsed, Use

_SALT = f"{FACTS_VERSION}:{sys.version_info[0]}.{sys.version_info[1]}"


def key(data: bytes, full: bool = True) -> str:
    """The cache key of a file's content, for its full facts or its imports only.

    >>> len(key(b"x = 1\\n")), key(b"x = 1\\n") != key(b"x = 1\\n", full=False)
    (64, True)
    """
    return hashlib.sha256(_SALT.encode() + (b"\0" if full else b"\1") + data).hexdigest()


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
            facts.complete,
            [list(s) for s in facts.suppressions],
            facts.one_line,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _target(kind: str, target):
    return tuple(target) if kind in ("from", "star") else target


def decode(text: str) -> FileFacts:
    (loc, imports, bindings, namespace, stars, uses, strings, all_names, problems, definitions, unparsed,
     complete, suppressions, one_line) = json.loads(text)
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
        complete=bool(complete),
        suppressions=tuple(Suppression(line, first, last, tuple(rules), reason)
                           for line, first, last, rules, reason in suppressions),
        one_line=tuple(int(line) for line in one_line),
    )


_SCHEMA = ("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL);"
           "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL);"
           # the parts of a result kept apart (its graph, 85% of its bytes, which a scan never reads;
           # its stat index), in pieces of about a megabyte: never one string of 100 MB and its
           # copies to sign and store
           "CREATE TABLE IF NOT EXISTS result_parts (key TEXT NOT NULL, kind TEXT NOT NULL, piece INTEGER NOT NULL, "
           "data TEXT NOT NULL, mac TEXT NOT NULL, PRIMARY KEY (key, kind, piece))")
KEPT_RESULTS = 4  # whole-tree results kept (one per configuration and tree state recently audited)
DATABASE = "facts.sqlite3"
COMPANIONS = ("-journal", "-wal", "-shm")  # the files SQLite keeps beside a database, by name

# The tables earlier versions of wsaudit wrote and this one no longer has (as they were): a
# database holding them is an older cache of ours, whose tables are dropped and made afresh.
_OLD_SCHEMA = ("CREATE TABLE facts (key TEXT PRIMARY KEY, data TEXT NOT NULL)",
               "CREATE TABLE graphs (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL)")


def _connect(path: Path | str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    # nothing a database's schema says may call a function with side effects (on top of
    # reading nothing but sqlite_master before the schema is known to be ours)
    db.execute("PRAGMA trusted_schema = OFF")
    return db


def _schema(db: sqlite3.Connection) -> list[tuple]:
    """``(type, name, tbl_name, sql)`` of every entry of a database's schema. Reading
    sqlite_master runs nothing: no view is evaluated, no trigger fires."""
    return db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()


def _entries(*scripts: str) -> frozenset[tuple]:
    """The schema entries ``scripts`` make, as SQLite records them (each in a database of its own)."""
    out: set[tuple] = set()
    for script in scripts:
        memory = sqlite3.connect(":memory:")
        try:
            memory.executescript(script)
            out.update(tuple(row) for row in _schema(memory))
        finally:
            memory.close()
    return frozenset(out)


_OLD = _entries(*_OLD_SCHEMA)
_OURS = _entries(_SCHEMA) | _OLD  # every entry a wsaudit cache may hold


def schema_problem(entries: list[tuple]) -> str | None:
    """What makes a schema other than one wsaudit writes, or None: every entry must be one of
    its tables (this version's or an older one's, column for column), or the index SQLite makes
    for such a table's primary key; no view, no trigger, no other table or index.

    >>> schema_problem(_schema(sqlite3.connect(":memory:"))) is None
    True
    >>> schema_problem([("view", "facts", "facts", "CREATE VIEW facts AS SELECT 1")])
    "view 'facts'"
    """
    for entry in entries:
        if tuple(entry) not in _OURS:
            kind, name = entry[0], entry[1]  # the file's own words: cut short, quoted
            return f"{str(kind)[:20]} {str(name)[:60]!r}"
    return None


def safe_folder(root: Path, folder: Path) -> Path | None:
    """``folder``, created if needed, when it can hold wsaudit's records, else None.

    Inside ``root`` (the untrusted tree) no component below ``root`` may be a link or anything
    but a folder: a link would send writes elsewhere. A folder outside ``root`` was given by the
    user (``--cache-dir``; a tree's own configuration cannot name one), so it is trusted.
    """
    base = Path(os.path.abspath(root))
    target = Path(os.path.abspath(folder))
    try:
        if target != base and base not in target.parents:
            target.mkdir(parents=True, exist_ok=True)
            return target
        current = base
        for part in target.relative_to(base).parts:
            current = current / part
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                os.mkdir(current, 0o755)
                continue
            if not stat.S_ISDIR(info.st_mode):  # a link, or a file where a folder should be
                return None
        return current
    except (OSError, ValueError):
        return None


def _piece(key: str, kind: str, piece: int, last: bool) -> str:
    """What piece ``piece`` of part ``kind`` of result ``key`` is signed under (never a result's key)."""
    return f"part:{kind}:{piece}:{'last' if last else 'more'}:{key}"


class FactsCache:
    """``get``/``put`` facts by content key in ``folder/facts.sqlite3``.

    The cache usually lives in the audited tree, which is untrusted: every entry carries an
    HMAC made with the user's key (:mod:`wsaudit.secret`, kept outside the tree), and an entry
    without a valid one is a miss, so a planted entry can neither hide a violation nor crash the
    audit. A folder or database that is a link is not used, nor a database whose schema is not
    exactly one wsaudit writes (a view or a trigger would run its own SQL when a table is read
    or written); ``refused`` then says why.
    """

    def __init__(self, folder: Path, root: Path | None = None):
        self.folder = folder
        self.db: sqlite3.Connection | None = None
        self.refused: str | None = None
        self.key = user_key()
        if self.key is None:
            self.refused = f"no user key ({key_problem()}): the cache is not used"
            return
        safe = safe_folder(root if root is not None else folder, folder)
        if safe is None:
            self.refused = f"{folder}: a link or not a folder: the cache is not used"
            return
        self.folder = safe
        try:
            ignore = safe / ".gitignore"
            if not os.path.lexists(ignore):
                fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write("# wsaudit's cache: never commit it\n*\n")
        except OSError:
            pass
        self._open()

    def _database(self) -> Path | None:
        """The database's path, or None (and ``refused`` says why) when it, or a file SQLite
        keeps beside it, is a link or not a regular file: SQLite would write through a link,
        and opening a FIFO named like its journal blocks forever."""
        path = self.folder / DATABASE
        for name in (DATABASE, *(DATABASE + s for s in COMPANIONS)):
            beside = self.folder / name
            if os.path.islink(beside) or (os.path.lexists(beside) and not os.path.isfile(beside)):
                self.refused = f"{beside}: a link or not a file: the cache is not used"
                return None
        return path

    def _open(self) -> None:
        path = self._database()
        if path is None:
            return
        try:
            self.db = _connect(path)
            found = _schema(self.db)
        except (OSError, sqlite3.Error):  # not a database, or a damaged one
            self._reset()
            return
        try:
            problem = schema_problem(found)
            if problem is not None:
                # never queried beyond its sqlite_master, never changed: whatever its views and
                # triggers would run, they do not (a recursive view hangs any query that reads it)
                self.db.close()
                self.db = None
                self.refused = (f"{path}: not a cache wsaudit wrote ({problem}): the cache is not used; move or "
                                "delete the file to let wsaudit start a new one")
                return
            for kind, name, _, _ in {tuple(row) for row in found} & _OLD:  # an older wsaudit's: start afresh
                if kind == "table":
                    self.db.execute(f"DROP TABLE {name}")  # a name of _OLD_SCHEMA, none of the file's
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error):
            self._reset()

    def _reset(self) -> None:
        """A cache that cannot be opened or read is set aside (as ``facts.sqlite3.damaged``,
        replacing an earlier one) and rebuilt from scratch."""
        if self.db is not None:
            self.db.close()
        self.db = None
        path = self._database()
        if path is None:
            return
        try:
            for suffix in ("", *COMPANIONS):  # its journal goes with it: SQLite would replay it into the new one
                if os.path.lexists(f"{path}{suffix}"):
                    os.replace(f"{path}{suffix}", f"{path}.damaged{suffix}")
            self.db = _connect(path)
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error):
            if self.db is not None:
                self.db.close()
            self.db = None  # read-only tree: run without a cache

    def _mac(self, key: str, data: str) -> str:
        assert self.key is not None  # without a key there is no database, and nothing to sign
        return mac_of(self.key, key.encode(), data.encode("utf-8", "surrogatepass"))

    def get_many(self, keys: Iterable[str]) -> dict[str, FileFacts]:
        if self.db is None:
            return {}
        wanted = list(dict.fromkeys(keys))
        with collection_paused():  # the facts decoded: many tuples, in no cycle
            return self._get_many(wanted)

    def _get_many(self, wanted: list[str]) -> dict[str, FileFacts]:
        assert self.db is not None
        found: dict[str, FileFacts] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for k, data, mac in self.db.execute(f"SELECT key, data, mac FROM facts WHERE key IN ({marks})", chunk):
                    if not isinstance(data, str) or not hmac.compare_digest(str(mac), self._mac(k, data)):
                        continue  # not written by this user: planted, or from another machine
                    try:
                        found[k] = decode(data)
                    except Exception:  # noqa: BLE001 - a damaged entry is a miss, whatever it breaks
                        pass
        except sqlite3.Error:
            self._reset()
            return {}
        return found

    def put_many(self, items: dict[str, FileFacts]) -> None:
        if self.db is None or not items:
            return
        try:
            rows = []
            for k, v in items.items():
                data = encode(v)
                rows.append((k, data, self._mac(k, data)))
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO facts (key, data, mac) VALUES (?, ?, ?)", rows)
        except sqlite3.Error:
            self._reset()

    def get_result(self, key: str) -> str | None:
        """A whole-tree result stored by :meth:`put_result`, if this user wrote it."""
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT data, mac FROM results WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            self._reset()
            return None
        if row is None or not isinstance(row[0], str) or not hmac.compare_digest(str(row[1]), self._mac(key, row[0])):
            return None
        return row[0]

    def get_part(self, key: str, kind: str) -> str | None:
        """Part ``kind`` stored with the result of ``key`` by :meth:`put_result` (its pieces
        joined by line ends), if this user wrote every piece of it."""
        if self.db is None:
            return None
        try:
            rows = self.db.execute("SELECT piece, data, mac FROM result_parts WHERE key = ? AND kind = ? "
                                   "ORDER BY piece", (key, kind)).fetchall()
        except sqlite3.Error:
            self._reset()
            return None
        # each piece is signed with its place and with whether it is the last: none can be
        # dropped, reordered, added or taken from another result or part
        for i, (piece, data, mac) in enumerate(rows):
            if piece != i or not isinstance(data, str) or not hmac.compare_digest(
                    str(mac), self._mac(_piece(key, kind, i, i == len(rows) - 1), data)):
                return None
        return "\n".join(data for _, data, _ in rows) if rows else None

    def has_part(self, key: str, kind: str) -> bool:
        """Whether part ``kind`` is stored with the result of ``key`` (not read, not checked)."""
        if self.db is None:
            return False
        try:
            return self.db.execute("SELECT 1 FROM result_parts WHERE key = ? AND kind = ?",
                                   (key, kind)).fetchone() is not None
        except sqlite3.Error:
            self._reset()
            return False

    def put_result(self, key: str, data: str, parts: Mapping[str, Iterable[str]] | None = None) -> None:
        """Store a whole-tree result and the parts kept apart from it (kind -> pieces that join
        with line ends; read by :meth:`get_part`); only the latest :data:`KEPT_RESULTS` stay."""
        if self.db is None:
            return
        try:
            with self.db:  # one transaction: a result is never stored without its parts
                self.db.execute("INSERT OR REPLACE INTO results (key, data, mac) VALUES (?, ?, ?)",
                                (key, data, self._mac(key, data)))
                self.db.execute("DELETE FROM result_parts WHERE key = ?", (key,))
                for kind, pieces in (parts or {}).items():
                    pieces = iter(pieces)
                    piece, i = next(pieces, None), 0
                    while piece is not None:  # one piece in memory at a time: the next tells if it is the last
                        after = next(pieces, None)
                        self.db.execute("INSERT INTO result_parts (key, kind, piece, data, mac) VALUES (?, ?, ?, ?, ?)",
                                        (key, kind, i, piece, self._mac(_piece(key, kind, i, after is None), piece)))
                        piece, i = after, i + 1
                # the "latest:" pointers (a key each, one per configuration) do not count
                self.db.execute("DELETE FROM results WHERE key NOT LIKE 'latest:%' AND rowid NOT IN (SELECT rowid "
                                "FROM results WHERE key NOT LIKE 'latest:%' ORDER BY rowid DESC LIMIT ?)",
                                (KEPT_RESULTS,))
                self.db.execute("DELETE FROM result_parts WHERE key NOT IN (SELECT key FROM results)")
        except sqlite3.Error:
            self._reset()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
