"""``wsaudit check``: the gate's result as text, JSON, SARIF, GitHub Actions annotations, JUnit XML
or GitLab Code Quality."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.gate.fingerprint import Finding
from wsaudit.model import DEFINITION, OUTSIDE_GRAPH, SUPPRESSION_PROBLEMS
from wsaudit.render.positions import location, name_positions, where
from wsaudit.gate.unverified import UNVERIFIED
from wsaudit.render.sarif import artifact_base, rule_summary, sarif
from wsaudit.render.text import dumps, printable, printable_lines

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
        "unverified": [_row(result, f) for f in result.unverified],
        "stale": [e.as_dict() for e in result.stale],
        "diagnostics": [{"path": d.path, "kind": d.kind, "line": d.line, "message": d.message}
                        for d in result.diagnostics],
        "baseline_written": result.written,
        "warnings": [n.row() for n in result.notices],  # as scan's: what makes the gate check less than meant
        "suppressed": [{**v.row(), "reason": reason} for v, reason in result.suppressed],
        "base": result.base.document() if result.base is not None else None,  # --base REV (null without)
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
    failing_files = [f for f in result.failures if f.violation.category == UNVERIFIED]
    if failing_files:
        parts.append(f"{_plural(len(failing_files), 'file')} that could use the deprecated API and could not be "
                     "audited in full (unverified: make it parse, or accept it in the baseline)")
    failing = len(result.failures) - len(failing_defs) - len(failing_files)
    verdict = ("passed" if result.passed else f"FAILED ({_plural(failing, 'violation')})" if failing
               else f"FAILED ({_plural(len(failing_defs), 'definition')})" if failing_defs
               else f"FAILED ({_plural(len(failing_files), 'unverified file')})")
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
    comments = sorted({d.path for d in result.diagnostics if d.kind in SUPPRESSION_PROBLEMS})
    # a file outside the import graph (shadowed-module, bad-module-name) was audited in full
    broken = sorted({d.path for d in result.diagnostics
                     if d.kind not in SUPPRESSION_PROBLEMS and d.kind not in OUTSIDE_GRAPH})
    if broken:
        lines.append(f"note: {_plural(len(broken), 'file')} could not be fully audited (see 'wsaudit scan'): "
                     + ", ".join(broken))
    if comments:
        lines.append(f"note: {_plural(len(comments), 'file')} with a suppression comment to fix (see 'wsaudit scan'): "
                     + ", ".join(comments))
    if result.suppressed:
        lines.append(f"note: {_plural(len(result.suppressed), 'use')} suppressed by a comment, each with its reason "
                     "(see 'wsaudit scan')")
    if result.base is not None:  # where what is checked came from, and what the tree's own would hide
        lines += [f"note: {n}" for n in result.base.notes()]
    lines.append(summary(result))
    return printable_lines(lines)


def _gh_escape(text: str, property_value: bool = False) -> str:
    r"""``text`` as one field of a GitHub Actions workflow command: first :func:`printable` (one
    line, no control character: what the tree wrote cannot start a command of its own, such as
    ``::stop-commands::``), then the escapes GitHub documents, ``%``, ``\r`` and ``\n`` (which
    :func:`printable` has already taken away) and, in a property's value, ``:`` and ``,``.

    >>> _gh_escape("50% done\n::error::x"), _gh_escape("a:b,c", True)
    ('50%25 done\\n::error::x', 'a%3Ab%2Cc')
    """
    text = printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
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
    for n in result.notices:  # a rule that matches nothing gates nothing: said where the run is read
        lines.append(f"::warning title={_gh_escape('wsaudit ' + n.kind, True)}::{_gh_escape(n.message)}")
    if result.base is not None and (note := result.base.note()) is not None:
        lines.append(f"::warning title=wsaudit --base::{_gh_escape(note)}")
    lines.append(printable(summary(result)))  # each field above is escaped once, by _gh_escape
    return "\n".join(lines) + "\n"


def check_sarif(result: CheckResult, version: str) -> dict[str, Any]:
    """SARIF 2.1.0 (from :func:`wsaudit.render.sarif`): every current violation, with its
    fingerprint in ``partialFingerprints``, ``baselineState`` ``new`` or ``unchanged``, and
    level ``error`` when it fails the gate; definitions of a deprecated symbol (category
    ``definition``) are results too."""
    findings = [*result.findings, *result.definitions, *result.unverified]
    log = sarif([f.violation for f in findings], result.config, version,
                fingerprints=[f.fingerprint for f in findings], root=result.root, notices=result.notices)
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
    if result.base is not None:
        log["runs"][0]["properties"]["base"] = result.base.document()
    return log


# JUnit XML is XML 1.0: a character it does not allow (a form feed or an escape in a source line,
# a lone surrogate) makes the whole report unreadable, so it is written as an escape instead
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    r"""``text`` with the characters XML 1.0 does not allow written as ``\xNN`` (``\uNNNN``).

    >>> _xml("a\x0cb\udce9")
    'a\\x0cb\\udce9'
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}", text)


def check_junit(result: CheckResult) -> str:
    """JUnit XML, as CI dashboards (GitLab's test reports, Jenkins' junit step) read it.

    One ``testsuites`` holding one ``testsuite`` named ``wsaudit check``, valid against the
    Jenkins xUnit plugin's ``junit-10.xsd``: one ``testcase`` per finding that fails the gate,
    each a ``failure`` with the rule, the message and the place; the run's figures as
    ``properties``; the stale entries and the summary line in ``system-out``. A passing gate
    is one passing testcase (``gate``): Jenkins' junit step fails a build on a report that
    holds no test at all.

    Parameters
    ----------
    result : CheckResult
        The gate's verdict.

    Returns
    -------
    str
        The XML document, UTF-8 declared, one trailing newline; no time, host or date in it, so
        the same tree gives the same bytes.
    """
    import xml.etree.ElementTree as ET  # only for this format

    prefix, _ = artifact_base(result.root)  # paths as the CI job sees them: from the repository's top
    failures = result.failures
    positions = name_positions(Path(result.root), [f.violation for f in failures])
    tests = str(max(len(failures), 1))
    counts = {"tests": tests, "failures": str(len(failures)), "errors": "0"}
    suites = ET.Element("testsuites", {"name": "wsaudit", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "wsaudit check", **counts, "skipped": "0"})
    properties = ET.SubElement(suite, "properties")
    for name, value in (("passed", "true" if result.passed else "false"), ("baseline", result.baseline or ""),
                        ("fail_on", ",".join(result.fail_on)), ("violations", str(len(result.findings))),
                        ("new", str(len(result.new_violations))), ("stale", str(len(result.stale)))):
        ET.SubElement(properties, "property", {"name": name, "value": _xml(value)})
    for f in failures:
        v = f.violation
        line, col = positions.get(v, (v.line, v.col))
        place = location(prefix + v.path, line, col)
        why = ", ".join(result.reasons(f))
        case = ET.SubElement(suite, "testcase", {"classname": _xml(v.module or v.path),
                                                 "name": _xml(f"{v.rule_id} {v.category} {v.name} at {place}")})
        failure = ET.SubElement(case, "failure", {"type": _xml(v.rule_id),
                                                  "message": _xml(f"{place}: {_message(result, f)} [{why}]")})
        failure.text = _xml("\n".join([f"{place}  {v.rule_id}  {v.category}  {v.name}  [{why}]",
                                        f"  | {v.snippet}", f"fingerprint {f.fingerprint}"]))
    if not failures:
        ET.SubElement(suite, "testcase", {"classname": "wsaudit.check", "name": "gate"})
    verb = "dropped" if result.written else "stale"
    out = [f"{verb}: {prefix}{e.path}  {e.rule_id}  {e.category}  {e.name}  | {e.statement}" for e in result.stale]
    ET.SubElement(suite, "system-out").text = _xml("\n".join([*out, summary(result)]))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


GITLAB_SEVERITY = {True: "major", False: "minor"}  # does the finding fail the gate?


def check_gitlab(result: CheckResult) -> list[dict[str, Any]]:
    """GitLab Code Quality (``artifacts:reports:codequality``): one issue per current violation
    and definition, as GitLab documents the report (a subset of Code Climate's issue).

    Parameters
    ----------
    result : CheckResult
        The gate's verdict.

    Returns
    -------
    list of dict
        Issues with ``description`` (the SARIF message, and why it fails the gate),
        ``check_name`` (the rule id), ``fingerprint`` (the gate's: GitLab compares a merge
        request's issues with its target branch's by it), ``severity`` (``major`` when it fails
        the gate, else ``minor``) and ``location`` (``path`` relative to the repository's top,
        ``lines.begin`` the line :func:`~wsaudit.render.positions.where` shows).
    """
    prefix, _ = artifact_base(result.root)
    findings = [*result.findings, *result.definitions, *result.unverified]
    positions = name_positions(Path(result.root), [f.violation for f in findings])
    rules = {r.id: r for r in result.config.rules}
    issues = []
    for f in findings:
        v = f.violation
        fails = f.fingerprint in result.failing
        text = f"{v.name} ({v.category.removeprefix('deprecated-')}): {rule_summary(rules[v.rule_id])}"
        if fails:
            text += f" [fails the gate: {', '.join(result.reasons(f))}]"
        issues.append({"description": text, "check_name": v.rule_id, "fingerprint": f.fingerprint,
                       "severity": GITLAB_SEVERITY[fails],
                       "location": {"path": prefix + v.path, "lines": {"begin": positions.get(v, (v.line, 0))[0]}}})
    return issues


def render(result: CheckResult, fmt: str, version: str, prefix: str = "") -> str:
    """The result in one of :data:`wsaudit.render.formats.CHECK_FORMATS`."""
    if fmt == "text":
        return check_text(result)
    if fmt == "github":
        return check_github(result, prefix)
    if fmt == "junit":
        return check_junit(result)
    if fmt == "gitlab":
        return dumps(check_gitlab(result))
    doc = check_document(result) if fmt == "json" else check_sarif(result, version)
    return dumps(doc)
