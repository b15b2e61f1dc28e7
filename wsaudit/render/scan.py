"""``wsaudit scan``: violations and diagnostics as a table, JSON, CSV or SARIF."""

from __future__ import annotations

from collections import Counter
from typing import Any

from wsaudit.config import Config
from wsaudit.errors import UsageError
from wsaudit.model import CATEGORIES, VIOLATION_FIELDS, Diagnostic, Violation
from wsaudit.render.sarif import sarif
from wsaudit.render.text import dumps, rows_csv

SCAN_FORMATS = ("table", "json", "csv", "sarif")


def scan_document(root: str, config: Config, files_scanned: int, violations: list[Violation],
                  diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """The ``wsaudit scan --format json`` document (DESIGN.md, "JSON of scan")."""
    return {
        "version": 1,
        "root": root,
        "config": config.source,
        "files_scanned": files_scanned,
        "violations": [v.row() for v in violations],
        "diagnostics": [d.row() for d in diagnostics],
    }


def scan_table(violations: list[Violation], diagnostics: list[Diagnostic], files_scanned: int) -> str:
    """A human-readable listing and summary."""
    lines = []
    for v in violations:
        where = f"{v.path}:{v.line}:{v.col}"
        lines.append(f"{where}  {v.rule_id}  {v.category:<20}  {v.name}  | {v.snippet}")
    files = len({v.path for v in violations})
    counts = Counter(v.category for v in violations)
    summary = ", ".join(f"{counts[c]} {c}" for c in CATEGORIES if counts[c])
    lines.append("")
    lines.append(f"{len(violations)} violations in {files} files ({files_scanned} files scanned)"
                 + (f": {summary}" if summary else ""))
    if diagnostics:
        lines.append(f"{len(diagnostics)} files could not be fully audited:")
        for d in diagnostics:
            where = f"{d.path}:{d.line}" if d.line else d.path
            lines.append(f"  {where}  {d.kind}  {d.message}")
    return "\n".join(lines) + "\n"


def render_scan(fmt: str, root: str, config: Config, files_scanned: int, violations: list[Violation],
                diagnostics: list[Diagnostic], version: str) -> str:
    """The scan in one of :data:`SCAN_FORMATS`; ``root`` is shown in JSON only."""
    if fmt == "table":
        return scan_table(violations, diagnostics, files_scanned)
    if fmt == "json":
        return dumps(scan_document(root, config, files_scanned, violations, diagnostics))
    if fmt == "csv":
        return rows_csv([v.row() for v in violations], VIOLATION_FIELDS)
    if fmt == "sarif":
        return dumps(sarif(violations, config, version))
    raise UsageError(f"unknown scan format {fmt!r}")
