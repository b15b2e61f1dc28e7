"""``wsaudit check``: the CI gate that accepts today's debt and rejects any new violation.

:func:`run_check` is the use case: scan (:mod:`wsaudit.gate.collect`, or a full audit when
gating on ranking tiers), fingerprint (:mod:`wsaudit.gate.fingerprint`), compare with the
baseline (:mod:`wsaudit.gate.baseline`) and ratchet it (``update``: drop the stale entries; add
the new ones only with ``allow_new``). Its :class:`CheckResult` is rendered by
:mod:`wsaudit.render.check`; the command line in :mod:`wsaudit.cli` only wires them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsaudit.config import Config
from wsaudit.errors import UsageError
from wsaudit.gate.baseline import Entry, load_baseline, write_baseline
from wsaudit.gate.collect import collect
from wsaudit.gate.unverified import UNVERIFIED, unverified_findings
from wsaudit.gate.fingerprint import Finding, fingerprint
from wsaudit.gate.trusted import Trusted, TrustedCheck, read_base
from wsaudit.model import DEFINITION, TIERS, Definition, Diagnostic, Notice, Violation


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
    definitions: list[Finding] = field(default_factory=list)  # definitions of a deprecated symbol (category "definition")
    scope: str = ""  # the audited folder inside the tree (its rows are the ones checked)
    notices: list[Notice] = field(default_factory=list)  # the warnings a scan of the tree gives
    suppressed: list[tuple[Violation, str]] = field(default_factory=list)  # accepted by a comment: never gated
    # files not fully audited whose text could name the API (wsaudit.gate.unverified): failing
    # unless the baseline holds them, with --fail-on alone too (what cannot be checked is not passed)
    unverified: list[Finding] = field(default_factory=list)
    failures: list[Finding] = field(init=False)
    base: TrustedCheck | None = None  # with --base REV: what was read from REV, and what the tree's own would hide

    def __post_init__(self) -> None:
        self.new_fingerprints = {f.fingerprint for f in self.new}
        self.failures = [f for f in [*self.findings, *self.definitions, *self.unverified] if self.reasons(f)]
        self.failing = {f.fingerprint for f in self.failures}

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def new_violations(self) -> list[Finding]:
        return [f for f in self.new if f.violation.category not in (DEFINITION, UNVERIFIED)]

    @property
    def new_definitions(self) -> list[Finding]:
        """Definitions of a deprecated symbol that the baseline does not hold: re-introductions."""
        return [f for f in self.new if f.violation.category == DEFINITION]

    def reasons(self, finding: Finding) -> list[str]:
        """Why a finding fails the gate: ``["new"]``, ``["tier P0"]``, both, or none."""
        out = []
        if finding.fingerprint in self.failing_new:
            out.append("new")
        tier = self.tiers.get(finding.fingerprint)
        if tier in self.fail_on:
            out.append(f"tier {tier}")
        return out


def run_check(path: str | Path = ".", config: Config | str | Path | None = None, *, profile: str | None = None,
              baseline: str | Path | None = None, update: bool = False, allow_new: bool = False,
              fail_on: Iterable[str] = (), cache: bool = True, cache_dir: str | Path | None = None,
              jobs: int | None = None, base: str | None = None) -> CheckResult:
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

    With ``base`` (a commit, branch or tag), the configuration, and the baseline when it is a
    file of the repository, are read from that commit's git objects instead of the tree
    (:mod:`wsaudit.gate.trusted`); ``result.base`` says whether the tree's own differ and which
    failing findings they would hide.
    """
    fail_on = _check_options(fail_on, baseline, update, allow_new)
    trusted = read_base(path, base, config, profile, baseline, update) if base is not None else None
    previous: list[Entry] | None = trusted.entries if trusted is not None else None
    if trusted is None and baseline is not None and not (update and not os.path.lexists(baseline)):
        previous = load_baseline(baseline)  # before the (slower) scan: a bad file fails fast

    scan = _scan_audited if fail_on else _scan_collected  # tiers need the whole import graph: a full audit
    (root, cfg, findings, definitions, diagnostics, tiers, files_scanned, files_parsed, scope, notices, suppressed,
     files, names) = scan(path, config, trusted, profile=profile, cache=cache, cache_dir=cache_dir, jobs=jobs)
    unverified = unverified_findings(root, files, diagnostics, names, cfg)

    accepted = {e.fingerprint: e for e in previous or ()}
    # the baseline holds all three: a new definition re-introduces the API; an unverified file is
    # accepted for its content (an edit makes it new again)
    everything = [*findings, *definitions, *unverified]
    current = {f.fingerprint for f in everything}
    new = [f for f in everything if f.fingerprint not in accepted]
    stale = sorted((e for fp, e in accepted.items() if fp not in current), key=Entry.sort_key)
    gate_new = baseline is not None or not fail_on
    # --fail-on alone gates no new violation: but what could not be checked is never passed
    failing_new = {f.fingerprint for f in new if gate_new or f.violation.category == UNVERIFIED}
    written = None
    if update:
        created = previous is None
        keep = [Entry.of(f) for f in everything if created or allow_new or f.fingerprint in accepted]
        assert baseline is not None  # --update-baseline without --baseline was refused above
        write_baseline(baseline, keep)
        written = {"path": str(baseline), "entries": len(keep), "dropped": len(stale),
                   "added": len(keep) - (len(accepted) - len(stale)), "created": created}
        if created or allow_new:
            failing_new = set()
    result = CheckResult(root, cfg, files_scanned, files_parsed, findings, diagnostics,
                         str(baseline) if baseline is not None else None, len(accepted), new, stale, fail_on,
                         tiers, failing_new, written, definitions, scope, list(notices), list(suppressed),
                         unverified)
    if trusted is not None:  # the gate as the tree's own configuration and baseline would run it (see compare)
        result.base = trusted.compare(result, path, baseline, lambda: run_check(
            path, baseline=baseline, fail_on=fail_on, cache=cache, cache_dir=cache_dir, jobs=jobs))
    return result


def _check_options(fail_on: Iterable[str], baseline: str | Path | None, update: bool,
                   allow_new: bool) -> tuple[str, ...]:
    """Refuse inconsistent gate options; return the ``fail_on`` tiers sorted, without repeats."""
    tiers = tuple(sorted(set(fail_on)))
    if (update or allow_new) and baseline is None:
        raise UsageError("--update-baseline and --allow-new need --baseline FILE")
    if allow_new and not update:
        raise UsageError("--allow-new only makes sense with --update-baseline")
    bad = sorted(set(tiers) - set(TIERS))
    if bad:
        raise UsageError(f"--fail-on: unknown tier(s) {', '.join(bad)} (known: {', '.join(TIERS)})")
    return tiers


def _scan_audited(path: str | Path, config: Config | str | Path | None, trusted: Trusted | None, *,
                  profile: str | None, cache: bool, cache_dir: str | Path | None,
                  jobs: int | None) -> tuple[Any, ...]:
    """Scan the tree with a full audit, for the violations' tiers: what :func:`run_check` gates on."""
    from wsaudit.api import audit

    full = audit(path, config, profile=profile, cache=cache, cache_dir=cache_dir, jobs=jobs) if trusted is None \
        else trusted.audit(cache=cache, cache_dir=cache_dir, jobs=jobs)
    read = lambda p: _read_quietly(full.root / p)  # noqa: E731
    defined = definition_findings(full.definition_records, full.config, read)
    findings = fingerprint(full.violation_records, read)
    definitions = fingerprint(defined, read)
    tier_of = {r.violation.sort_key(): r.tier for r in full.ranked}
    # tiers are the violations' (a definition fails the gate only for being new)
    tiers = {f.fingerprint: tier_of[f.violation.sort_key()] for f in findings}
    return (full.root, full.config, findings, definitions, full.diagnostic_records, tiers, full.files_scanned,
            len(full.facts), full.scope, full.notices, full.suppressed_records, full.files, full.result.names or ())


def _scan_collected(path: str | Path, config: Config | str | Path | None, trusted: Trusted | None, *,
                    profile: str | None, cache: bool, cache_dir: str | Path | None,
                    jobs: int | None) -> tuple[Any, ...]:
    """Scan the tree with the gate's quick collection (no tiers): what :func:`run_check` gates on."""
    got = collect(path, config, profile=profile, cache=cache, cache_dir=cache_dir, jobs=jobs) if trusted is None \
        else trusted.collect(cache=cache, cache_dir=cache_dir, jobs=jobs)
    defined = definition_findings(got.definitions, got.config, got.sources.get)
    findings = fingerprint(got.violations, got.sources.get, got.one_line)
    definitions = fingerprint(defined, got.sources.get, got.one_line)
    tiers: dict[str, str] = {}
    return (got.root, got.config, findings, definitions, got.diagnostics, tiers, got.files_scanned, got.files_parsed,
            got.scope, got.notices, got.suppressed, got.files, got.names)


def definition_findings(definitions: Iterable[Definition], config: Config,
                        read: Callable[[str], bytes | None]) -> list[Violation]:
    """Each definition of a deprecated symbol as a finding of category ``definition``: the
    gate fails on one that its baseline does not hold, because a new definition (a copy moved
    into a compat module) re-introduces the deprecated API."""
    rules = {r.id: r for r in config.rules}
    out = []
    for d in definitions:
        rule = rules[d.rule_id]
        data = read(d.path) or b""
        lines = data.decode("utf-8", errors="replace").splitlines()
        snippet = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else ""
        col = len(lines[d.line - 1]) - len(lines[d.line - 1].lstrip()) if 0 < d.line <= len(lines) else 0
        out.append(Violation(d.rule_id, DEFINITION, d.path, d.line, col, d.module, rule.target, d.name, "module",
                             snippet, rule.replacement, d.is_test))
    return out


def _read_quietly(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
