"""The whole-tree result of an audit (:class:`TreeResult`, what the engine's front door
:func:`wsaudit.engine.session.audit_tree` returns) and its stored form, kept so that a run on
an unchanged tree reads no source.

A stored result's key is a digest of everything the result depends on: wsaudit's and Python's
versions, the configuration, and the stat index of the tree (every file's path, size,
modification time and inode, and what discovery met on the way). A change to any file changes
its modification time or size, so the key; a file modified within the same clock tick as the
audit could keep both, so no result is stored while a file is that fresh ("racy", as git
calls it).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass, field, fields
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config
from wsaudit.engine.parse import FACTS_VERSION
from wsaudit.engine.modules import ModuleTable
from wsaudit.errors import UsageError
from wsaudit.model import (
    Definition,
    Diagnostic,
    DirectImport,
    FileFacts,
    Notice,
    SourceFile,
    Suppression,
    Violation,
)
from wsaudit.version import __version__

if TYPE_CHECKING:  # a warm run reads a stored result and never resolves a name
    from wsaudit.engine.resolve import Canon, Resolution

RESULT_VERSION = 6  # 2: the graph part one line per importer; 3: after the JSON line; 4: reads, broken;
# 5: the graph part stored apart; 6: suppressed rows and the suppression comments
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


class PartMissing(Exception):
    """The graph part of a stored result could not be read when it was asked for (forged, or
    pruned by another run since)."""


class GraphPart:
    """The import records and each path's lines of code of a result: what its graph is built
    from, and 85% of what a stored result holds. Made from the records of a fresh audit, from
    the :func:`graph_text` of lines kept from an earlier result, or read from a stored result
    when it is first asked for (``read``; if that raises :class:`PartMissing`, ``fallback``
    makes them again), or made when first asked for (``make``, with ``loc``: a scan that
    stores nothing never asks). Given nothing, it is the empty part of a run that made no records.

    >>> part = GraphPart(records=[DirectImport("a", "b", 1, "module", True)], loc={"a.py": 3, "b.py": 1})
    >>> GraphPart(text=part.text()).records() == part.records(), GraphPart().records()
    (True, [])
    """

    def __init__(self, *, records: list[DirectImport] | None = None, loc: dict[str, int] | None = None,
                 text: str | None = None, read: Callable[[], str] | None = None,
                 fallback: Callable[[], GraphPart] | None = None,
                 make: Callable[[], list[DirectImport]] | None = None):
        if records is None and text is None and read is None and make is None:  # a run that made no records
            records, loc = [], loc or {}
        self._records, self._loc, self._text = records, loc, text
        self._read, self._fallback, self._make = read, fallback, make
        self._released = False

    def _decoded(self) -> tuple[list[DirectImport], dict[str, int]]:
        if self._released:
            raise UsageError("the import records of this audit were let go (Audit.release_import_records): "
                             "audit again")
        if self._records is None and self._make is not None:
            self._records, self._make = self._make(), None  # (``loc`` was given with ``make``)
        if self._records is None or self._loc is None:
            try:
                self._records, self._loc = decode_graph(self.text())
            except PartMissing:
                if self._fallback is None:
                    raise
                again = self._fallback()
                self._records, self._loc = again.records(), again.loc()
            self._text = self._read = None  # decoded: the text is not needed again
        return self._records, self._loc

    def records(self) -> list[DirectImport]:
        """One record per (import statement, imported module), sorted by importer."""
        return self._decoded()[0]

    def loc(self) -> dict[str, int]:
        """Each readable path's lines of code."""
        return self._loc if self._loc is not None else self._decoded()[1]

    def text(self) -> str:
        """:func:`graph_text` of the records (read now if it is read when asked for)."""
        if self._text is None and self._read is not None:
            self._text = self._read()
        if self._text is not None:
            return self._text
        return "\n".join(self.pieces())

    def pieces(self) -> Iterator[str]:
        """:meth:`text` in pieces that join with line ends (see :func:`graph_pieces`)."""
        if self._text is None and self._read is not None:
            self._text = self._read()
        if self._text is not None:
            return text_pieces(self._text)
        return graph_pieces(group_lines(self.records()), self.loc())

    def release(self) -> None:
        """Let go of the records (and of what gives them): asking for them later is an error."""
        self._records = self._text = self._read = self._fallback = self._make = None
        self._released = True


@dataclass(frozen=True)
class TreeResult:
    """What the engine found in one tree (:func:`wsaudit.engine.session.audit_tree`).

    Attributes
    ----------
    files : tuple of SourceFile
        Every Python file of the tree, sorted by path.
    violations, suspects : tuple of Violation
        Sorted by position. Suspects are uses seen by the tokenizer in files that do not parse.
    diagnostics : tuple of Diagnostic
        Sorted (see :meth:`~wsaudit.model.Diagnostic.sort_key`).
    definitions : tuple of Definition
        Every definition of a deprecated symbol, sorted.
    targets : dict
        Rule id -> the objects a symbol rule's path resolves to.
    notices : tuple of Notice
        Warnings about the run: rules that match nothing, a cache that was refused.
    unreadable : tuple of str
        The paths that could not be read: not modules of the tree.
    graph : GraphPart
        The import records and lines of code (empty when the run made none).
    facts : Mapping
        Path -> the full facts of every readable file, parsed when first asked for.
    how : str
        How the run got its rows: ``stored`` (an unchanged tree's result), ``patched``
        (:func:`wsaudit.engine.patch.patch`), ``replayed`` (the candidate search again on the
        changed files), ``searched`` (the candidate search on every file), ``complete`` (every
        file parsed and detected) or ``given`` (facts given in memory).
    index, names, full, reads, broken
        What the next run on an edited tree reuses (:func:`encode_parts`); None where the run
        did not make them.
    sources : Mapping
        Path -> bytes of the files holding a row (a run that keeps them, for fingerprints).
    suppressed : tuple of (Violation, str)
        The rows a ``# wsaudit: ignore[RULE] -- reason`` comment takes out of ``violations``,
        with the reason (:mod:`wsaudit.engine.suppress`).
    suppressions : tuple of (str, Suppression)
        Every suppression comment of the tree, by path.
    resolver : Resolution or None
        The name resolution of a run over facts given in memory (None otherwise).
    modules : ModuleTable
        The module table of the tree's readable files.
    """

    files: tuple[SourceFile, ...]
    violations: tuple[Violation, ...]
    diagnostics: tuple[Diagnostic, ...]
    definitions: tuple[Definition, ...]
    suspects: tuple[Violation, ...]
    targets: Mapping[str, frozenset[Canon]]
    notices: tuple[Notice, ...]
    unreadable: tuple[str, ...]
    graph: GraphPart = field(default_factory=GraphPart, compare=False, repr=False)
    facts: Mapping[str, FileFacts] = field(default_factory=dict, compare=False, repr=False)
    how: str = "searched"
    index: list[list[Any]] | None = field(default=None, repr=False)
    names: tuple[str, ...] | None = field(default=None, repr=False)
    full: tuple[str, ...] | None = field(default=None, repr=False)
    reads: Mapping[str, list[int]] | None = field(default=None, repr=False)
    broken: tuple[str, ...] | None = field(default=None, repr=False)
    sources: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    # of the files in ``sources``: their lines that hold one simple statement alone (FileFacts.one_line)
    one_line: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    suppressed: tuple[tuple[Violation, str], ...] = ()
    suppressions: tuple[tuple[str, Suppression], ...] = field(default=(), repr=False)
    resolver: Resolution | None = field(default=None, compare=False, repr=False)
    table: ModuleTable | None = field(default=None, compare=False, repr=False)

    @cached_property
    def modules(self) -> ModuleTable:
        """The module table of the tree (its readable files), made on first use when the run
        did not make it: ``wsaudit scan`` on an unchanged tree never needs it."""
        if self.table is not None:
            return self.table
        return ModuleTable.of(self.files, {f.path for f in self.files} - set(self.unreadable))


def encode_result(result: TreeResult) -> str:
    """The records of ``result`` as one text (a snapshot's): the JSON of :func:`encode_parts`
    with the ``index`` in it, and the graph part after a line end (inside the JSON its every
    quote would be escaped, which doubled what is written and read)."""
    return "\n".join([_json({**_head_doc(result), "index": result.index}), *result.graph.pieces()])


def encode_parts(result: TreeResult) -> tuple[str, dict[str, Iterator[str]]]:
    """The records of ``result`` as one line of JSON, and the parts a stored result keeps
    apart, each in pieces that join with line ends: ``graph`` (:meth:`GraphPart.pieces`; 85%
    of the bytes, which ``wsaudit scan`` never reads) and ``index`` (the :func:`stat_index` of
    the tree it is the result of, a JSON row a line, which only a run on another tree reads).

    The JSON holds ``violations``, ``diagnostics``, ``targets`` (rule id -> objects),
    ``definitions``, ``suspects``, ``notices``, ``unreadable``, ``names`` (the deprecated
    names the candidates were found by; None for a run that parsed everything), ``full`` (the
    paths whose full facts the audit read), and for :func:`wsaudit.engine.patch.patch`,
    ``reads`` (path -> the positions in the file list of the modules its answers were read
    from) and ``broken`` (the paths detected that do not parse); both None where the audit
    did not track."""
    index = "\n".join(map(_json, result.index or ()))  # a row a line: cut into pieces between rows
    return _json(_head_doc(result)), {"graph": result.graph.pieces(), "index": text_pieces(index)}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _head_doc(result: TreeResult) -> dict[str, Any]:
    return {
        "violations": _rows(result.violations),
        "diagnostics": _rows(result.diagnostics),
        "targets": {k: sorted(map(list, v)) for k, v in result.targets.items()},
        "definitions": _rows(result.definitions),
        "suspects": _rows(result.suspects),
        "notices": _rows(result.notices),
        "unreadable": list(result.unreadable),
        "names": list(result.names) if result.names is not None else None,
        "full": list(result.full) if result.full is not None else None,
        "reads": dict(sorted(result.reads.items())) if result.reads is not None else None,
        "broken": list(result.broken) if result.broken is not None else None,
        "suppressed": [[*_rows([v])[0], reason] for v, reason in result.suppressed],
        "suppressions": [[path, *s[:3], list(s.rules), s.reason] for path, s in result.suppressions],
    }


def decode_graph(text: str) -> tuple[list[DirectImport], dict[str, int]]:
    """The import records and lines of code of a stored result (its ``graph`` part)."""
    head, _, body = text.partition("\n")
    groups = json.loads("[" + body.replace("\n", ",") + "]") if body else []  # JSON text holds no raw line end
    return [DirectImport(*row) for rows in groups for row in rows], {str(k): int(v) for k, v in json.loads(head).items()}


def decode_result(text: str) -> TreeResult | None:
    """The records of :func:`encode_result` (with no files: the caller knows them), or None
    when the text is not such a result."""
    head, newline, graph = text.partition("\n")
    return decode_parts(head, GraphPart(text=graph)) if newline else None  # no graph part: not such a result


def decode_parts(head: str, graph: GraphPart, index: str | None = None) -> TreeResult | None:
    """The records of :func:`encode_parts` (with no files: the caller knows them), or None when
    ``head`` is not such a result; ``graph``: its graph part; ``index``: the index part (else
    the ``index`` of the JSON, if any)."""
    try:
        doc = json.loads(head)
        if index is not None:
            doc["index"] = [json.loads(row) for row in index.split("\n")] if index else []
        violation_fields = len(fields(Violation))

        def paths(name: str) -> tuple[str, ...] | None:
            return tuple(map(str, doc[name])) if doc.get(name) is not None else None

        return TreeResult(
            files=(),
            violations=tuple(Violation(*row) for row in doc["violations"] if len(row) == violation_fields),
            diagnostics=tuple(Diagnostic(*row) for row in doc["diagnostics"]),
            definitions=tuple(Definition(*row) for row in doc["definitions"]),
            suspects=tuple(Violation(*row) for row in doc["suspects"]),
            targets={k: frozenset((a, b) for a, b in v) for k, v in doc["targets"].items()},
            notices=tuple(Notice(*row) for row in doc["notices"]),
            unreadable=tuple(str(p) for p in doc["unreadable"]),
            graph=graph, how="stored", index=doc.get("index"), names=paths("names"), full=paths("full"),
            reads=doc.get("reads"), broken=paths("broken"),
            suppressed=tuple((Violation(*row[:-1]), str(row[-1])) for row in doc["suppressed"]),
            suppressions=tuple((str(path), Suppression(line, first, last, tuple(rules), reason))
                               for path, line, first, last, rules, reason in doc["suppressions"]))
    except Exception:  # noqa: BLE001 - a damaged result is a miss, whatever it holds
        return None


def unchanged_files(previous: TreeResult | None, index: list[list[Any]]) -> set[str]:
    """The paths whose stat entry in ``index`` (the tree's :func:`stat_index`) is the same as
    when ``previous`` (a decoded result with its ``index``) was stored, when the tree holds the
    same files under the same module names (else none: the module table, and with it every
    import record, may differ). Such a file's bytes are those it had then, as far as a warm run
    trusts a stat entry; one that could not be read then is taken to be unreadable still."""
    if previous is None or previous.index is None:
        return set()
    before = {row[0]: row for row in previous.index if isinstance(row, list) and row}
    if len(before) != len(index) or any(
            (old := before.get(row[0])) is None or old[:4] != row[:4] or old[5:7] != row[5:7] for row in index):
        return set()
    return {row[0] for row in index if before[row[0]] == row}


def _importer(line: str) -> str:
    """The importer of a :func:`group_lines` line, ``[["importer",...],...]``, read without
    decoding the line (a module name holds nothing JSON escapes, but if one did: decoded)."""
    name = line[3:line.find('"', 3)]
    return json.loads(line)[0][0] if "\\" in name else name


def earlier_rows(previous: TreeResult, paths: set[str], files: Sequence[SourceFile], owns: Callable[[SourceFile], bool],
                 listing: Sequence[Diagnostic]) -> tuple[dict[str, str], dict[str, int], list[Diagnostic]]:
    """From ``previous``, what the files at ``paths`` (see :func:`unchanged_files`) contributed
    that depends on their bytes alone: the import records of those that ``owns`` (the module
    table's owner of their name), as :func:`group_lines` lines (never decoded: most go
    straight back into the next result), their lines of code, and their diagnostics less
    those of discovery (``listing`` has them again)."""
    head, _, body = previous.graph.text().partition("\n")
    loc = json.loads(head)
    modules = {f.module for f in files if f.path in paths and owns(f)}
    lines = {}
    for line in body.split("\n") if body else ():
        source = _importer(line)
        if source in modules:
            lines[source] = line
    listed = Counter(d for d in listing if d.path in paths)
    diagnostics = []
    for d in previous.diagnostics:
        if d.path in paths:
            if listed[d]:
                listed[d] -= 1
            else:
                diagnostics.append(d)
    return lines, {p: int(loc[p]) for p in paths if p in loc}, diagnostics
