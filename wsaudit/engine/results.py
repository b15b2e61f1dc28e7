"""The whole-tree result of an audit, stored so that a run on an unchanged tree reads no source.

Its key is a digest of everything the result depends on: wsaudit's and Python's versions, the
configuration, and the stat index of the tree (every file's path, size, modification time and
inode, and what discovery met on the way). A change to any file changes its modification time
or size, so the key; a file modified within the same clock tick as the audit could keep both,
so no result is stored while a file is that fresh ("racy", as git calls it).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import astuple, fields
from itertools import groupby
from operator import itemgetter
from typing import Any

from wsaudit.config import Config
from wsaudit.engine.parse import FACTS_VERSION
from wsaudit.model import Definition, Diagnostic, DirectImport, Notice, SourceFile, Violation
from wsaudit.version import __version__

RESULT_VERSION = 5  # 2: the graph part one line per importer; 3: after the JSON line; 4: reads, broken;
# 5: the graph part stored apart
RACY_SECONDS = 2.0  # a file younger than this may change without changing its stat entry


def _head(config: Config, complete: bool) -> bytes:
    head = [RESULT_VERSION, FACTS_VERSION, _installed_version(), list(sys.version_info[:2]), repr(config), complete]
    return json.dumps(head, ensure_ascii=False).encode("utf-8", "surrogatepass")


def stat_index(files: Sequence[SourceFile]) -> list[list[Any]]:
    """Each file's path, module naming and stat entry (size, modification time, inode)."""
    return [[f.path, f.module, f.is_package, f.is_test, f.size, f.is_module, f.fs_path, f.mtime_ns, f.inode]
            for f in files]


def tree_key(config: Config, index: list[list[Any]], listing: Sequence[Diagnostic], complete: bool) -> str:
    """The digest a stored result is found by (see the module's docstring); ``index`` is the
    tree's :func:`stat_index`."""
    digest = hashlib.sha256(_head(config, complete))
    # one document for the whole index: json's C encoder, not 100,000 calls into it
    digest.update(json.dumps(index, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    digest.update(json.dumps([list(astuple(d)) for d in listing], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def latest_key(config: Config, complete: bool) -> str:
    """Where the key of the latest result stored for this configuration is kept."""
    return "latest:" + hashlib.sha256(_head(config, complete)).hexdigest()


def _installed_version() -> str:
    """wsaudit's version (a new release never reads an older release's results), from the
    module the packaging reads it from: asking ``importlib.metadata`` costs 50 ms, a sixth of
    a warm run."""
    return __version__


def racy(files: Iterable[SourceFile], now: float | None = None) -> bool:
    """Whether a file is too fresh for its stat entry to prove it unchanged later."""
    limit = int(((now if now is not None else time.time()) - RACY_SECONDS) * 1e9)
    return any(f.mtime_ns >= limit for f in files)


def _rows(records: Iterable[Any]) -> list[list[Any]]:
    # a dataclass record's fields hold plain values and tuples of them: JSON writes them as
    # ``dataclasses.astuple`` would have them, without its deep copy
    return [r if isinstance(r, list) else list(r) if isinstance(r, tuple)
            else [getattr(r, f.name) for f in fields(r)] for r in records]


_ROW_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def group_lines(imports: Iterable[Any]) -> dict[str, str]:
    """Import records (or their rows), one JSON line per importer (``source``): its rows in
    their order. The lines of unchanged importers go from one stored result into the next as
    they are, never decoded (:func:`earlier_rows`).

    >>> group_lines([("a", "x", 1), ("b", "y", 2), ("a", "z", 3)])
    {'a': '[["a","x",1],["a","z",3]]', 'b': '[["b","y",2]]'}
    """
    lines: dict[str, str] = {}
    # one importer's rows at a time (they come together): not a list per record of the whole tree
    for source, group in groupby(imports, key=itemgetter(0)):
        rows = _rows(group)
        if source in lines:  # apart from its first rows: the two parts, in their order
            rows = json.loads(lines[source]) + rows
        lines[source] = _ROW_TEXT(rows)
    return lines


def graph_text(lines: dict[str, str], loc: dict[str, int]) -> str:
    """The ``graph`` part of a stored result: each path's lines of code, then the
    :func:`group_lines` of every importer, in importer order (so are the records decoded)."""
    # one join over the lines themselves: no line copied with its line end first
    return "\n".join([_ROW_TEXT(loc), *(lines[source] for source in sorted(lines))])


PIECE = 1 << 20  # characters of the graph part stored in one piece (see FactsCache.put_result)


def graph_pieces(lines: dict[str, str], loc: dict[str, int], size: int | None = None) -> Iterator[str]:
    """:func:`graph_text` in pieces of about ``size`` characters, cut at line ends, made one at
    a time: joined with line ends, they are that text.

    >>> list(graph_pieces({"b": "[2]", "a": "[1]"}, {"x.py": 3}, size=8))
    ['{"x.py":3}', '[1]\\n[2]']
    """
    size = size or PIECE
    batch = [_ROW_TEXT(loc)]
    length = len(batch[0])
    for source in sorted(lines):
        if length >= size:
            yield "\n".join(batch)
            batch, length = [], 0
        batch.append(lines[source])
        length += len(lines[source]) + 1
    yield "\n".join(batch)


def text_pieces(text: str, size: int | None = None) -> Iterator[str]:
    """``text`` in pieces of at least ``size`` characters (but the last), cut at line ends (which
    they leave out), made one at a time: joined with line ends, they are ``text``.

    >>> list(text_pieces("ab\\ncd\\nef", size=1))
    ['ab', 'cd', 'ef']
    """
    size = size or PIECE
    start = 0
    while True:
        cut = text.find("\n", start + size)
        if cut < 0:
            yield text[start:]
            return
        yield text[start:cut]
        start = cut + 1


def encode_result(result: dict[str, Any]) -> str:
    """The audit's records as one text (a snapshot's): the JSON of :func:`encode_parts` with the
    ``index`` in it, and the graph part after a line end (inside the JSON its every quote would
    be escaped, which doubled what is written and read)."""
    return "\n".join([_json({**_head_doc(result), "index": result.get("index")}), *_graph_pieces(result)])


def encode_parts(result: dict[str, Any]) -> tuple[str, dict[str, Iterator[str]]]:
    """The audit's records as one line of JSON, and the parts a stored result keeps apart, each
    in pieces that join with line ends: ``graph`` (:func:`graph_text`, by :func:`graph_pieces`;
    85% of the bytes, which ``wsaudit scan`` never reads) and ``index`` (the :func:`stat_index`
    of the tree it is the result of, a JSON row a line, which only a run on another tree reads).

    The JSON holds ``violations``, ``diagnostics``, ``targets`` (rule id -> objects),
    ``definitions``, ``suspects``, ``notices``, ``unreadable`` (the paths that could not be
    read: not modules of the tree), ``names`` (the deprecated names the candidates were found
    by; None for a run that parsed everything), ``full`` (the paths whose full facts the audit
    read), and for :func:`wsaudit.engine.patch.patch`, ``reads`` (path -> the positions in the
    file list of the modules its answers were read from) and ``broken`` (the paths detected
    that do not parse); both None where the audit did not track. The graph part is ``graph``
    (the import records and each path's lines of code, see :func:`decode_graph`), made from
    ``imports`` and ``loc`` unless given already encoded."""
    index = "\n".join(map(_json, result.get("index") or ()))  # a row a line: cut into pieces between rows
    return _json(_head_doc(result)), {"graph": _graph_pieces(result), "index": text_pieces(index)}


def _graph_pieces(result: dict[str, Any]) -> Iterator[str]:
    return (text_pieces(graph_of(result)) if "graph" in result
            else graph_pieces(group_lines(result["imports"]), result["loc"]))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _head_doc(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "violations": _rows(result["violations"]),
        "diagnostics": _rows(result["diagnostics"]),
        "targets": {k: sorted(map(list, v)) for k, v in result["targets"].items()},
        "definitions": _rows(result["definitions"]),
        "suspects": _rows(result["suspects"]),
        "notices": _rows(result["notices"]),
        "unreadable": result["unreadable"],
        "names": result.get("names"),
        "full": result.get("full"),
        "reads": dict(sorted(result["reads"].items())) if result.get("reads") is not None else None,
        "broken": result.get("broken"),
    }


def graph_of(result: dict[str, Any]) -> str:
    """The graph part of a decoded result, read now if it was left to be read when asked for."""
    graph = result["graph"]
    return graph() if callable(graph) else graph


def decode_graph(text: str) -> tuple[list[DirectImport], dict[str, int]]:
    """The import records and lines of code of a stored result (its ``graph`` part)."""
    head, _, body = text.partition("\n")
    groups = json.loads("[" + body.replace("\n", ",") + "]") if body else []  # JSON text holds no raw line end
    return [DirectImport(*row) for rows in groups for row in rows], {str(k): int(v) for k, v in json.loads(head).items()}


def decode_result(text: str) -> dict[str, Any] | None:
    """The records of :func:`encode_result`, or None when the text is not such a result."""
    head, newline, graph = text.partition("\n")
    return decode_parts(head, graph) if newline else None  # no graph part: not such a result


def decode_parts(head: str, graph: str | Callable[[], str], index: str | None = None) -> dict[str, Any] | None:
    """The records of :func:`encode_parts`, or None when ``head`` is not such a result; ``graph``:
    the graph part, or what reads it when it is asked for (:func:`graph_of`); ``index``: the
    index part (else the ``index`` of the JSON, if any)."""
    try:
        doc = json.loads(head)
        if index is not None:
            doc["index"] = [json.loads(row) for row in index.split("\n")] if index else []
        violation_fields = len(fields(Violation))
        return {
            "violations": [Violation(*row) for row in doc["violations"] if len(row) == violation_fields],
            "diagnostics": [Diagnostic(*row) for row in doc["diagnostics"]],
            "graph": graph,
            "targets": {k: frozenset((a, b) for a, b in v) for k, v in doc["targets"].items()},
            "definitions": [Definition(*row) for row in doc["definitions"]],
            "suspects": [Violation(*row) for row in doc["suspects"]],
            "notices": [Notice(*row) for row in doc["notices"]],
            "unreadable": [str(p) for p in doc["unreadable"]],
            "index": doc.get("index"),
            "names": doc.get("names"),
            "full": doc.get("full"),
            "reads": doc.get("reads"),
            "broken": doc.get("broken"),
        }
    except Exception:  # noqa: BLE001 - a damaged result is a miss, whatever it holds
        return None


def unchanged_files(previous: dict[str, Any] | None, index: list[list[Any]]) -> set[str]:
    """The paths whose stat entry in ``index`` (the tree's :func:`stat_index`) is the same as
    when ``previous`` (a decoded result with its ``index``) was stored, when the tree holds the
    same files under the same module names (else none: the module table, and with it every
    import record, may differ). Such a file's bytes are those it had then, as far as a warm run
    trusts a stat entry; one that could not be read then is taken to be unreadable still."""
    if previous is None or previous.get("index") is None:
        return set()
    before = {row[0]: row for row in previous["index"] if isinstance(row, list) and row}
    if len(before) != len(index) or any(
            (old := before.get(row[0])) is None or old[:4] != row[:4] or old[5:7] != row[5:7] for row in index):
        return set()
    return {row[0] for row in index if before[row[0]] == row}


def _importer(line: str) -> str:
    """The importer of a :func:`group_lines` line, ``[["importer",...],...]``, read without
    decoding the line (a module name holds nothing JSON escapes, but if one did: decoded)."""
    name = line[3:line.find('"', 3)]
    return json.loads(line)[0][0] if "\\" in name else name


def earlier_rows(previous: dict[str, Any], paths: set[str], files: Sequence[SourceFile], owns: Callable[[SourceFile], bool],
                 listing: Sequence[Diagnostic]) -> tuple[dict[str, str], dict[str, int], list[Diagnostic]]:
    """From ``previous``, what the files at ``paths`` (see :func:`unchanged_files`) contributed
    that depends on their bytes alone: the import records of those that ``owns`` (the module
    table's owner of their name), as :func:`group_lines` lines (never decoded: most go
    straight back into the next result), their lines of code, and their diagnostics less
    those of discovery (``listing`` has them again)."""
    head, _, body = graph_of(previous).partition("\n")
    loc = json.loads(head)
    modules = {f.module for f in files if f.path in paths and owns(f)}
    lines = {}
    for line in body.split("\n") if body else ():
        source = _importer(line)
        if source in modules:
            lines[source] = line
    listed = Counter(d for d in listing if d.path in paths)
    diagnostics = []
    for d in previous["diagnostics"]:
        if d.path in paths:
            if listed[d]:
                listed[d] -= 1
            else:
                diagnostics.append(d)
    return lines, {p: int(loc[p]) for p in paths if p in loc}, diagnostics
