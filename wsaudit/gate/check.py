"""``wsaudit check``: the CI gate that accepts today's debt and rejects any new violation.

:func:`run_check` is the use case: scan (:mod:`wsaudit.gate.collect`, or a full audit when
gating on ranking tiers), fingerprint (:mod:`wsaudit.gate.fingerprint`), compare with the
baseline (:mod:`wsaudit.gate.baseline`) and ratchet it (``update``: drop the stale entries; add
the new ones only with ``allow_new``). Its :class:`CheckResult` is rendered
below; the command line in :mod:`wsaudit.cli` only wires them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsaudit.config import Config
from wsaudit.errors import UsageError
from wsaudit.gate.baseline import Entry, load_baseline, write_baseline
from wsaudit.gate.collect import collect
from wsaudit.gate.fingerprint import SCHEME, Finding, fingerprint
from wsaudit.model import TIERS, Diagnostic

CHECK_FORMATS = ("text", "json", "sarif", "github")


def parse_tiers(text: str) -> tuple[str, ...]:
    """``"P0,P1"`` -> ``("P0", "P1")``.

    >>> parse_tiers("p1, P0")
    ('P0', 'P1')
    """
    tiers = {t.strip().upper() for t in text.split(",") if t.strip()}
    bad = sorted(tiers - set(TIERS))
    if bad or not tiers:
        raise UsageError(f"--fail-on: expected tiers among {', '.join(TIERS)} separated by commas, got {text!r}")
    return tuple(sorted(tiers))


@dataclass
class CheckResult:
    """What :func:`run_check` found and did.

    ``failures`` are the findings the gate fails on: new ones (when gating on newness) and
    those whose tier is in ``fail_on``. ``passed`` is true when there are none.
    """

    root: Path
    config: Config
    files_scanned: int
    files_parsed: int
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    baseline: str | None
    baseline_entries: int  # entries in the baseline read (0 when there was none)
    new: list[Finding]  # not in the baseline (every finding when there is no baseline)
    stale: list[Entry]  # baseline entries that no violation matches any more
    fail_on: tuple[str, ...]
    tiers: dict[str, str]  # fingerprint -> tier (only when fail_on is given)
    failing_new: set[str]  # fingerprints that fail the gate for being new
    written: dict[str, Any] | None = None  # {"path", "entries", "dropped", "added", "created"} after an update
    failures: list[Finding] = field(init=False)

    def __post_init__(self) -> None:
        self.new_fingerprints = {f.fingerprint for f in self.new}
        self.failures = [f for f in self.findings if self.reasons(f)]
        self.failing = {f.fingerprint for f in self.failures}

    @property
    def passed(self) -> bool:
        return not self.failures

    def reasons(self, finding: Finding) -> list[str]:
        """Why a finding fails the gate: ``["new"]``, ``["tier P0"]``, both, or none."""
        out = []
        if finding.fingerprint in self.failing_new:
            out.append("new")
        tier = self.tiers.get(finding.fingerprint)
        if tier in self.fail_on:
            out.append(f"tier {tier}")
        return out


def run_check(path: str | Path = ".", config: Config | str | Path | None = None, *, baseline: str | Path | None = None,
              update: bool = False, allow_new: bool = False, fail_on: Iterable[str] = (), cache: bool = True,
              cache_dir: str | Path | None = None, jobs: int | None = None) -> CheckResult:
    """Run the gate on the tree at ``path``.

    The gate fails on:

    =========================  ==========================================================
    options                    fails on
    =========================  ==========================================================
    ``baseline``               violations whose fingerprint is not in the baseline (new)
    ``fail_on``                violations in those tiers, baselined or not
    both                       either of the above
    neither                    any violation (as with an empty baseline)
    =========================  ==========================================================

    With ``update``, the baseline is rewritten: entries that no violation matches any more
    (stale: fixed) are dropped; new violations are added only with ``allow_new``, so that the
    baseline never grows otherwise (they still fail the gate). A missing baseline file is
    created with every current violation: that is how a project adopts the gate. A baseline
    that exists but is damaged or edited by hand is an error, with or without ``update``.
    """
    fail_on = tuple(sorted(set(fail_on)))
    if (update or allow_new) and baseline is None:
        raise UsageError("--update-baseline and --allow-new need --baseline FILE")
    if allow_new and not update:
        raise UsageError("--allow-new only makes sense with --update-baseline")
    bad = sorted(set(fail_on) - set(TIERS))
    if bad:
        raise UsageError(f"--fail-on: unknown tier(s) {', '.join(bad)} (known: {', '.join(TIERS)})")
    previous: list[Entry] | None = None
    if baseline is not None and not (update and not os.path.lexists(baseline)):
        previous = load_baseline(baseline)  # before the (slower) scan: a bad file fails fast

    tiers: dict[str, str] = {}
    if fail_on:  # tiers need the whole import graph: a full audit
        from wsaudit.api import audit

        full = audit(path, config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        root = full.root
        findings = fingerprint(full.violation_records, lambda p: _read_quietly(full.root / p))
        tier_of = {r.violation.sort_key(): r.tier for r in full.ranked}
        tiers = {f.fingerprint: tier_of[f.violation.sort_key()] for f in findings}
        cfg, diagnostics = full.config, full.diagnostic_records
        files_scanned, files_parsed = full.files_scanned, len(full.facts)
    else:
        got = collect(path, config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        root = got.root
        findings = fingerprint(got.violations, got.sources.get)
        cfg, diagnostics = got.config, got.diagnostics
        files_scanned, files_parsed = got.files_scanned, got.files_parsed

    accepted = {e.fingerprint: e for e in previous or ()}
    current = {f.fingerprint for f in findings}
    new = [f for f in findings if f.fingerprint not in accepted]
    stale = sorted((e for fp, e in accepted.items() if fp not in current), key=Entry.sort_key)
    gate_new = baseline is not None or not fail_on
    failing_new = {f.fingerprint for f in new} if gate_new else set()
    written = None
    if update:
        created = previous is None
        keep = [Entry.of(f) for f in findings if created or allow_new or f.fingerprint in accepted]
        write_baseline(baseline, keep)  # type: ignore[arg-type]
        written = {"path": str(baseline), "entries": len(keep), "dropped": len(stale),
                   "added": len(keep) - (len(accepted) - len(stale)), "created": created}
        if created or allow_new:
            failing_new = set()
    return CheckResult(root, cfg, files_scanned, files_parsed, findings, diagnostics,
                       str(baseline) if baseline is not None else None, len(accepted), new, stale, fail_on,
                       tiers, failing_new, written)


def _read_quietly(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# ============================================================================ outputs


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
        "summary": {"violations": len(result.findings), "new": len(result.new),
                    "baselined": len(result.findings) - len(result.new), "stale": len(result.stale),
                    "failures": len(result.failures)},
        "failures": [_row(result, f) for f in result.failures],
        "violations": [_row(result, f) for f in result.findings],
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
    new = len(result.new)
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
    verdict = "passed" if result.passed else f"FAILED ({_plural(len(result.failures), 'violation')})"
    return f"wsaudit check: {verdict}: " + "; ".join(parts)


def check_text(result: CheckResult) -> str:
    """The failing violations, the stale entries, and a summary line."""
    lines = []
    for f in result.failures:
        v = f.violation
        why = ", ".join(result.reasons(f))
        lines.append(f"{v.path}:{v.line}:{v.col}  {v.rule_id}  {v.category:<20}  {v.name}  [{why}]  | {v.snippet}")
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
    level ``error`` when it fails the gate."""
    from wsaudit.render.sarif import sarif

    findings = result.findings
    log = sarif([f.violation for f in findings], result.config, version)
    for f, res in zip(findings, log["runs"][0]["results"]):
        res["partialFingerprints"] = {SCHEME: f.fingerprint}
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
    """The result in one of :data:`CHECK_FORMATS`."""
    if fmt == "text":
        return check_text(result)
    if fmt == "github":
        return check_github(result, prefix)
    doc = check_document(result) if fmt == "json" else check_sarif(result, version)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
