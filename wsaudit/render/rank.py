"""``wsaudit rank``: ranked violations (or files) as a table, JSON, CSV or SARIF."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.errors import UsageError
from wsaudit.gate.fingerprint import fingerprint, reader
from wsaudit.model import CATEGORIES, FILE_FIELDS, RANK_FIELDS, TIERS, FileRank, RankedViolation
from wsaudit.render.positions import location, name_positions, where
from wsaudit.render.sarif import sarif
from wsaudit.render.scan import scan_document
from wsaudit.render.text import dump_chunks, dumps, flat, printable_lines, rows_csv

if TYPE_CHECKING:
    from wsaudit.api import Audit


def rank_table(rows: list[dict[str, Any]], by: str = "violation", places: Sequence[str] | None = None) -> str:
    """A human-readable ranking: one line per row, its reason below it, and tier counts;
    ``places[i]`` (``path:line:col``, 1-based) is where row ``i`` is shown to be."""
    lines = []
    for i, r in enumerate(rows):
        if by == "file":
            counts = " ".join(f"{r[c]} {c.split('-')[1]}" for c in CATEGORIES if r[c])
            lines.append(f"{r['tier']}  {r['score']:<9.4g} {r['path']}  {r['violations']} violations ({counts})")
        else:
            place = places[i] if places is not None else location(r["path"], r["line"], r["col"])
            lines.append(f"{r['tier']}  {r['score']:<9.4g} {place}  {r['rule_id']}  "
                         f"{r['category']}  {r['name']}")
        lines.append(f"      {r['reason']}")
    tiers = Counter(r["tier"] for r in rows)
    unit = "files" if by == "file" else "violations"
    lines.append("")
    lines.append(f"{len(rows)} {unit}: " + ", ".join(f"{tiers[t]} {t}" for t in TIERS))
    return printable_lines(lines)


def _rank_document(result: Audit, by: str, rows: Iterable[dict[str, Any]], root: str) -> dict[str, Any]:
    """The ``wsaudit rank --format json`` document: the scan document's fields, the Golden Path,
    and ``rows`` as ``violations`` or ``files``."""
    doc = scan_document(root, result.config, result.files_scanned, [], result.diagnostic_records,
                        result.definition_records, result.suspect_records, result.notices, result.suppressed_records)
    golden_path = result.golden_path
    doc.pop("violations")
    doc["golden_path"] = golden_path
    doc["files" if by == "file" else "violations"] = rows
    return doc


def rank_chunks(fmt: str, by: str, result: Audit, *, root: str, version: str) -> Iterator[str]:
    """:func:`render_rank` in pieces; JSON is made row by row as it is written (with an indent,
    ``json`` makes the whole text from a list of a piece per key and value: 50 MB for the
    13,000 violations of a 100,000-module tree, at the command's peak)."""
    if fmt == "json":
        records = result.file_ranks if by == "file" else result.ranked
        return dump_chunks(_rank_document(result, by, (r.row() for r in records), root))
    return iter([render_rank(fmt, by, result, root=root, version=version)])


def render_rank(fmt: str, by: str, result: Audit, *, root: str, version: str) -> str:
    """The ranking of ``result`` in ``fmt`` (table, json, csv, sarif); ``by`` is ``violation`` or ``file``."""
    records: Sequence[RankedViolation] | Sequence[FileRank] = result.file_ranks if by == "file" else result.ranked
    config = result.config
    rows = [r.row() for r in records]
    if fmt == "table":
        if by == "file":
            return rank_table(rows, by)
        ranked = [r.violation for r in records if isinstance(r, RankedViolation)]
        positions = name_positions(Path(result.root), ranked)
        return rank_table(rows, by, [where(v, positions) for v in ranked])
    if fmt == "json":
        return dumps(_rank_document(result, by, rows, root))
    if fmt == "csv":
        return rows_csv(flat(rows), FILE_FIELDS if by == "file" else RANK_FIELDS)
    if fmt == "sarif":
        if by == "file":
            raise UsageError("--format sarif needs --by violation (SARIF results are locations)")
        ranked = [r for r in records if isinstance(r, RankedViolation)]
        extra = [{"tier": r.tier, "score": r.score, "golden_distance": r.golden_distance, "reason": r.reason}
                 for r in ranked]
        violations = [r.violation for r in ranked]
        found = fingerprint(violations, reader(result.root, result.files))  # the same as scan's and check's
        return dumps(sarif(violations, config, version, extra, fingerprints=[f.fingerprint for f in found],
                           root=result.root, notices=result.notices))
    raise UsageError(f"unknown rank format {fmt!r}")
