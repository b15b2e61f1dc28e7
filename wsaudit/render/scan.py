"""``wsaudit scan``: violations and diagnostics as a table, JSON, CSV or SARIF."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config
from wsaudit.errors import UsageError
from wsaudit.gate.fingerprint import fingerprint, reader
from wsaudit.model import (
    CATEGORIES,
    OUTSIDE_GRAPH,
    SUPPRESSION_PROBLEMS,
    VIOLATION_FIELDS,
    Definition,
    Diagnostic,
    Notice,
    Violation,
)
from wsaudit.render.positions import Positions, name_positions, where
from wsaudit.render.sarif import sarif
from wsaudit.render.text import dumps, printable_lines, rows_csv

if TYPE_CHECKING:
    from wsaudit.api import Audit


def scan_document(root: str, config: Config, files_scanned: int, violations: list[Violation],
                  diagnostics: list[Diagnostic], definitions: Sequence[Definition] = (),
                  suspects: Sequence[Violation] = (), notices: Sequence[Notice] = (),
                  suppressed: Sequence[tuple[Violation, str]] = ()) -> dict[str, Any]:
    """The ``wsaudit scan --format json`` document (docs/json.md, "JSON of scan")."""
    return {
        "version": 1,
        "root": root,
        "config": config.source,
        "files_scanned": files_scanned,
        "violations": [v.row() for v in violations],
        "diagnostics": [d.row() for d in diagnostics],
        "definitions": [d.row() for d in definitions],
        "suspects": [v.row() for v in suspects],
        "warnings": [n.row() for n in notices],
        "suppressed": [{**v.row(), "reason": reason} for v, reason in suppressed],
    }


def scan_table(violations: list[Violation], diagnostics: list[Diagnostic], files_scanned: int,
               definitions: Sequence[Definition] = (), suspects: Sequence[Violation] = (),
               positions: Positions | None = None, suppressed: Sequence[tuple[Violation, str]] = ()) -> str:
    """A human-readable listing and summary; every location is
    :func:`~wsaudit.render.positions.where`'s, and ``positions`` (from
    :func:`~wsaudit.render.positions.name_positions`) puts a multi-line import at its name."""
    lines = []
    for v in violations:
        extra = f"  [{v.resolution}]" if v.resolution != "exact" else ""
        lines.append(f"{where(v, positions)}  {v.rule_id}  {v.category:<20}  {v.name}{extra}  | {v.snippet}")
    files = len({v.path for v in violations})
    counts = Counter(v.category for v in violations)
    summary = ", ".join(f"{counts[c]} {c}" for c in CATEGORIES if counts[c])
    lines.append("")
    lines.append(f"{len(violations)} violations in {files} files ({files_scanned} files scanned)"
                 + (f": {summary}" if summary else ""))
    if definitions:
        lines.append(f"{len(definitions)} definitions of a deprecated symbol:")
        lines += [f"  {d.path}:{d.line}  {d.rule_id}  {d.name}" for d in definitions]
    if suspects:
        hidden = len({s.path for s in suspects})
        lines.append(f"{len(suspects)} uses hidden in {hidden} files that do not parse (not counted above):")
        lines += [f"  {where(s)}  {s.rule_id}  {s.category:<20}  {s.name}  | {s.snippet}"
                  for s in suspects]
    if suppressed:
        lines.append(f"{len(suppressed)} uses suppressed by a comment (not counted above):")
        lines += [f"  {where(v)}  {v.rule_id}  {v.category:<20}  {v.name}  -- {reason}" for v, reason in suppressed]
    comments = [d for d in diagnostics if d.kind in SUPPRESSION_PROBLEMS]
    if comments:
        lines.append(f"{len(comments)} suppression comments to fix:")
        lines += [f"  {d.path}:{d.line}  {d.kind}  {d.message}" for d in comments]
    outside = [d for d in diagnostics if d.kind in OUTSIDE_GRAPH]
    if outside:  # audited in full: their rows are above
        lines.append(f"{len(outside)} files audited but not modules of the import graph:")
        lines += [f"  {d.path}  {d.kind}  {d.message}" for d in outside]
    broken = [d for d in diagnostics if d.kind not in SUPPRESSION_PROBLEMS and d.kind not in OUTSIDE_GRAPH]
    if broken:
        lines.append(f"{len(broken)} files could not be fully audited:")
        for d in broken:
            at = f"{d.path}:{d.line}" if d.line else d.path
            lines.append(f"  {at}  {d.kind}  {d.message}")
    return printable_lines(lines)


def render_scan(fmt: str, root: str, result: Audit, version: str) -> str:
    """The scan of ``result`` in one of :data:`wsaudit.render.formats.SCAN_FORMATS`; ``root`` is shown in JSON only."""
    violations = result.violation_records
    if fmt == "table":
        return scan_table(violations, result.diagnostic_records, result.files_scanned, result.definition_records,
                          result.suspect_records, name_positions(Path(result.root), violations),
                          result.suppressed_records)
    if fmt == "json":
        return dumps(scan_document(root, result.config, result.files_scanned, violations, result.diagnostic_records,
                                   result.definition_records, result.suspect_records, result.notices,
                                   result.suppressed_records))
    if fmt == "csv":
        return rows_csv([v.row() for v in violations], VIOLATION_FIELDS)
    if fmt == "sarif":
        # the gate's fingerprints: a result keeps its identity for code scanning when lines move
        found = fingerprint(violations, reader(result.root, result.files))
        return dumps(sarif(violations, result.config, version, fingerprints=[f.fingerprint for f in found],
                           root=result.root, notices=result.notices))
    raise UsageError(f"unknown scan format {fmt!r}")
