"""``wsaudit check``: the gate's result as text, JSON, SARIF or GitHub Actions annotations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.gate.fingerprint import Finding
from wsaudit.model import DEFINITION
from wsaudit.render.positions import name_positions, where
from wsaudit.render.sarif import sarif
from wsaudit.render.text import dumps

if TYPE_CHECKING:  # the command line lists the formats without loading the gate
    from wsaudit.gate.check import CheckResult



def _row(result: CheckResult, f: Finding) -> dict[str, Any]:
    v = f.violation
    row = v.row()
    row["fingerprint"] = f.fingerprint
    row["statement"] = f.statement
    row["occurrence"] = f.occurrence
    if result.baseline is not None:
        row["baseline"] = "new" if f.fingerprint in result.new_fingerprints else "unchanged"
    if result.tiers:
        row["tier"] = result.tiers.get(f.fingerprint)
    row["fails"] = result.reasons(f)
    return row


def check_document(result: CheckResult) -> dict[str, Any]:
    """The ``wsaudit check --format json`` document (no absolute paths: deterministic)."""
    return {
        "version": 1,
        "passed": result.passed,
        "config": result.config.source,
        "baseline": result.baseline,
        "fail_on": list(result.fail_on),
        "files_scanned": result.files_scanned,
        "files_parsed": result.files_parsed,
        "summary": {"violations": len(result.findings), "new": len(result.new_violations),
                    "baselined": len(result.findings) - len(result.new_violations), "stale": len(result.stale),
                    "failures": len(result.failures), "definitions": len(result.definitions),
                    "new_definitions": len(result.new_definitions)},
        "failures": [_row(result, f) for f in result.failures],
        "violations": [_row(result, f) for f in result.findings],
        "definitions": [_row(result, f) for f in result.definitions],
        "stale": [e.as_dict() for e in result.stale],
        "diagnostics": [{"path": d.path, "kind": d.kind, "line": d.line, "message": d.message}
                        for d in result.diagnostics],
        "baseline_written": result.written,
    }


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    """A count and a noun.

    >>> _plural(1, "entry", "entries"), _plural(2, "entry", "entries"), _plural(0, "file")
    ('1 entry', '2 entries', '0 files')
    """
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def summary(result: CheckResult) -> str:
    """One line: the verdict and the counts."""
    parts = []
    new = len(result.new_violations)
    if result.written:
        w = result.written
        parts.append(f"{w['path']} {'created' if w['created'] else 'updated'}: "
                     f"{_plural(w['entries'], 'entry', 'entries')} ({w['dropped']} dropped, {w['added']} added)")
        if result.failing_new:
            parts.append(f"{_plural(new, 'new violation')} not added (fix, or accept with --allow-new)")
    elif result.baseline is not None:
        parts.append(f"{_plural(new, 'new violation')}, {len(result.findings) - new} in the baseline {result.baseline}")
        if result.stale:
            parts.append(f"{_plural(len(result.stale), 'stale entry', 'stale entries')} "
                         f"(fixed: run with --update-baseline to drop {'it' if len(result.stale) == 1 else 'them'})")
    else:
        parts.append(_plural(len(result.findings), "violation") + ("" if result.fail_on else " (no baseline)"))
    if result.fail_on:
        hit = sum(1 for f in result.findings if result.tiers.get(f.fingerprint) in result.fail_on)
        parts.append(f"{hit} in {'/'.join(result.fail_on)}")
    failing_defs = [f for f in result.failures if f.violation.category == DEFINITION]
    if failing_defs:
        parts.append(f"{_plural(len(failing_defs), 'definition')} of a deprecated symbol not in the baseline "
                     "(the deprecated API re-introduced, or never baselined)")
    failing = len(result.failures) - len(failing_defs)
    verdict = ("passed" if result.passed else f"FAILED ({_plural(failing, 'violation')})" if failing
               else f"FAILED ({_plural(len(failing_defs), 'definition')})")
    return f"wsaudit check: {verdict}: " + "; ".join(parts)


def check_text(result: CheckResult) -> str:
    """The failing violations (each at :func:`~wsaudit.render.positions.where`'s
    ``path:line:col``, as ``scan`` shows it), the stale entries, and a summary line."""
    lines = []
    positions = name_positions(Path(result.root), [f.violation for f in result.failures])
    for f in result.failures:
        v = f.violation
        why = ", ".join(result.reasons(f))
        lines.append(f"{where(v, positions)}  {v.rule_id}  {v.category:<20}  {v.name}  [{why}]  | {v.snippet}")
    for e in result.stale:
        verb = "dropped" if result.written else "stale"
        lines.append(f"{verb}: {e.path}  {e.rule_id}  {e.category:<20}  {e.name}  | {e.statement}")
    if result.diagnostics:
        lines.append(f"note: {_plural(len({d.path for d in result.diagnostics}), 'file')} could not be fully "
                     f"audited (see 'wsaudit scan'): " + ", ".join(sorted({d.path for d in result.diagnostics})))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _message(result: CheckResult, f: Finding) -> str:
    v = f.violation
    rule = next((r for r in result.config.rules if r.id == v.rule_id), None)
    text = (rule.message if rule and rule.message else f"{v.symbol} is deprecated")
    if v.replacement:
        text += f" (use {v.replacement})"
    return f"{v.category}: {v.name}: {text}"


def check_github(result: CheckResult, prefix: str = "") -> str:
    """GitHub Actions workflow commands: one ``::error`` per failing violation (``prefix`` is
    put before the root-relative paths, so that they are relative to the repository), one
    ``::warning`` per stale entry, and the summary line."""
    def where(path: str) -> str:
        return f"{prefix.rstrip('/')}/{path}" if prefix and prefix != "." else path

    lines = []
    for f in result.failures:
        v = f.violation
        title = f"wsaudit {v.rule_id} ({', '.join(result.reasons(f))})"
        lines.append(f"::error file={_gh_escape(where(v.path), True)},line={v.line},col={v.col + 1},"
                     f"title={_gh_escape(title, True)}::{_gh_escape(_message(result, f))}")
    for e in result.stale:
        verb = "dropped from" if result.written else "no longer matches anything; drop it from"
        lines.append(f"::warning file={_gh_escape(where(e.path), True)},title=wsaudit stale baseline entry::"
                     + _gh_escape(f"{e.rule_id} {e.category} {e.name} `{e.statement}` {verb} the baseline "
                                  f"(--update-baseline)"))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def check_sarif(result: CheckResult, version: str) -> dict[str, Any]:
    """SARIF 2.1.0 (from :func:`wsaudit.render.sarif`): every current violation, with its
    fingerprint in ``partialFingerprints``, ``baselineState`` ``new`` or ``unchanged``, and
    level ``error`` when it fails the gate; definitions of a deprecated symbol (category
    ``definition``) are results too."""
    findings = [*result.findings, *result.definitions]
    log = sarif([f.violation for f in findings], result.config, version,
                fingerprints=[f.fingerprint for f in findings], root=result.root)
    for f, res in zip(findings, log["runs"][0]["results"]):
        if result.baseline is not None:
            res["baselineState"] = "new" if f.fingerprint in result.new_fingerprints else "unchanged"
        res["level"] = "error" if f.fingerprint in result.failing else "warning"
        if result.tiers:
            res["properties"]["tier"] = result.tiers.get(f.fingerprint)
        if f.fingerprint in result.failing:
            res["properties"]["fails"] = result.reasons(f)
    log["runs"][0]["properties"] = {"passed": result.passed, "new": len(result.new), "stale": len(result.stale),
                                    "baseline": result.baseline}
    return log


def render(result: CheckResult, fmt: str, version: str, prefix: str = "") -> str:
    """The result in one of :data:`wsaudit.render.formats.CHECK_FORMATS`."""
    if fmt == "text":
        return check_text(result)
    if fmt == "github":
        return check_github(result, prefix)
    doc = check_document(result) if fmt == "json" else check_sarif(result, version)
    return dumps(doc)
