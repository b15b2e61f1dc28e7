"""SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs): one result per violation.

What GitHub's code scanning needs beside the schema: every result has ``partialFingerprints``
(the gate's fingerprint, so that a result keeps its identity when lines move), every rule a
``helpUri``, and artifact paths relative to the top of the git repository (GitHub ignores
``uriBaseId``), which :func:`artifact_base` finds without running anything.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wsaudit.config import Config
from wsaudit.engine.discover import shown_name
from wsaudit.gate.fingerprint import SCHEME
from wsaudit.model import Notice, Rule, Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TIER_LEVELS = {"P0": "error", "P1": "warning", "P2": "note"}
# The README's section on violations, as GitHub anchors its heading "What counts as a violation"
VIOLATIONS_ANCHOR = "what-counts-as-a-violation"
# [project.urls] Documentation of pyproject.toml, for a wsaudit run from a source tree that was
# never installed (no metadata to read it from); a test keeps the two equal
DOCUMENTATION_URL = "https://example.invalid/wsaudit#readme"


def rule_summary(rule: Rule) -> str:
    """One sentence: the rule's own message, else what is deprecated and its replacement.

    >>> rule_summary(Rule("R", module="a.old", replacement="a.new"))
    'a.old is deprecated; use a.new'
    """
    if rule.message:
        return rule.message
    what = f"{rule.target} is deprecated"
    return f"{what}; use {rule.replacement}" if rule.replacement else what


def rule_description(rule: Rule) -> str:
    """What the rule finds, for a code-scanning tool's rule page (``fullDescription``).

    >>> print(rule_description(Rule("R", module="a.old")))
    Deprecated: the module a.old and its submodules. Every use is a result: an import of it (import M, from M import x, from P import M) and any dotted string naming it.
    """
    if rule.symbol is not None:
        what = f"the symbol {rule.symbol}" + (" (a pattern: every definition at a matching path)" if rule.is_pattern else "")
        uses = ("an import that binds it under any name (aliases and re-exports included), a call through such a "
                "name, and any other reference, mock.patch target strings included")
    else:
        what = (f"every module matching {rule.module} and its submodules" if rule.is_pattern else
                f"the module {rule.module} and its submodules")
        uses = "an import of it (import M, from M import x, from P import M) and any dotted string naming it"
    return f"Deprecated: {what}. Every use is a result: {uses}."


def rule_help(rule: Rule) -> str:
    """How to fix a result (``help``).

    >>> rule_help(Rule("R", symbol="a.make", replacement="a.Maker"))
    'Use a.Maker instead. `wsaudit migrate` rewrites the uses it can and lists the others.'
    """
    if not rule.replacement:
        return "No replacement is configured: remove the use. `wsaudit migrate` lists them."
    return f"Use {rule.replacement} instead. `wsaudit migrate` rewrites the uses it can and lists the others."


@lru_cache(maxsize=1)
def documentation_url() -> str:
    """The project's documentation: ``[project.urls] Documentation`` as installed.

    Returns
    -------
    str
        The URL from the installed distribution's metadata (``Project-URL: Documentation, ...``),
        else :data:`DOCUMENTATION_URL`.
    """
    from importlib import metadata  # only when a SARIF log is written

    try:
        urls = metadata.metadata("wsaudit").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return DOCUMENTATION_URL


def help_uri(rule: Rule) -> str:
    """Where a code-scanning tool links a rule (``helpUri``).

    Parameters
    ----------
    rule : Rule
        The configured rule.

    Returns
    -------
    str
        The rule's own ``url`` when it has one, else the README's section on violations: the
        project's documentation URL with the section's anchor.

    >>> help_uri(Rule("R", module="a.old")).endswith("#what-counts-as-a-violation")
    True
    """
    own = getattr(rule, "url", None)  # the [[rule]] key `url`, where the configuration has it
    if own:
        return own
    return documentation_url().partition("#")[0] + "#" + VIOLATIONS_ANCHOR


def _is_git_entry(path: Path) -> bool:
    """Whether ``path`` (a ``.git`` entry) is what git takes for one: a folder with a ``HEAD``,
    or a file (a linked worktree's, a submodule's) that says ``gitdir: ...``. Only a regular
    file is opened, and only its first bytes are read: the tree is untrusted."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return os.path.lexists(path / "HEAD")
        if stat.S_ISREG(info.st_mode):
            with open(path, "rb") as handle:
                return handle.read(4096).startswith(b"gitdir:")
    except (OSError, ValueError):
        pass
    return False


def repository_top(root: str | Path) -> Path | None:
    """The top level of the git work tree that holds ``root``, found as git finds it (the
    nearest folder, ``root`` included, with a ``.git`` entry), without running git nor
    anything of the tree (no hook, no configuration is read).

    Parameters
    ----------
    root : str or Path
        The audited root.

    Returns
    -------
    Path or None
        The resolved top level, or None outside a work tree.
    """
    try:
        here = Path(root).resolve()
    except (OSError, RuntimeError):
        return None
    for folder in (here, *here.parents):
        if _is_git_entry(folder / ".git"):
            return folder
    return None


def artifact_base(root: str | Path | None) -> tuple[str, str]:
    """How artifact paths are written: the prefix of every root-relative path, and what it is
    relative to.

    Parameters
    ----------
    root : str, Path or None
        The audited root; None: paths stay relative to it.

    Returns
    -------
    tuple of (str, str)
        ``("sub/dir/", description)`` when ``root`` is ``sub/dir`` of a git work tree (``""``
        at its top), else ``("", "The audited root")``. Code scanning (GitHub) reads a path as
        relative to the repository and ignores ``uriBaseId``.
    """
    top = repository_top(root) if root is not None else None
    if top is None:
        return "", "The audited root"
    # a folder name that is not UTF-8 is shown as the rows' paths show it (\xNN escapes)
    inside = shown_name(Path(root).resolve().relative_to(top).as_posix())
    return ("" if inside == "." else inside + "/"), "The top level of the git repository"


# What stays as it is in an artifact's URI besides letters, digits and -._~ (quote's own): the
# path's separator and RFC 3986's sub-delimiters and '@', which a path segment may hold. Everything
# else is percent-encoded: '%' (else %70resence.py would name presence.py), '#' and '?' (else a
# fragment or a query), ':' (else a first segment a:b.py would be a URI of scheme a), spaces,
# backslashes and every non-ASCII character (as UTF-8 bytes).
_URI_SAFE = "/!$&'()*+,;=@"


def artifact_uri(path: str) -> str:
    """A repository-relative POSIX path as SARIF's ``artifactLocation.uri``: a relative URI
    reference (RFC 3986) that a reader percent-decodes back to ``path``.

    Parameters
    ----------
    path : str
        The path as the rows show it (a name that is not UTF-8 with ``\\xNN`` escapes).

    Returns
    -------
    str
        The URI; ``path`` itself where it holds only letters, digits and ``-._~/``.

    >>> artifact_uri("pkg/mod.py"), artifact_uri("%70resence.py"), artifact_uri("a b#?:é.py")
    ('pkg/mod.py', '%2570resence.py', 'a%20b%23%3F%3A%C3%A9.py')
    """
    return quote(path, safe=_URI_SAFE, errors="surrogateescape")


def sarif(violations: list[Violation], config: Config, version: str,
          extra: list[dict[str, Any]] | None = None, *, fingerprints: Sequence[str] | None = None,
          root: str | Path | None = None, notices: Sequence[Notice] = ()) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one result per violation.

    Parameters
    ----------
    violations : list of Violation
        One result each, in this order.
    config : Config
        Its rules are the driver's rules.
    version : str
        wsaudit's version.
    extra : list of dict, optional
        ``extra[i]`` adds properties to result ``i``; its ``tier`` sets the level (P0 error,
        P1 warning, P2 note).
    fingerprints : sequence of str, optional
        ``fingerprints[i]`` is violation ``i``'s gate fingerprint
        (:func:`wsaudit.gate.fingerprint.fingerprint`), written as
        ``partialFingerprints["wsaudit/v1"]``.
    root : str or Path, optional
        The audited root: artifact paths are then relative to the top of the git repository
        that holds it (:func:`artifact_base`).
    notices : sequence of Notice
        The run's warnings (a rule that matches nothing, ...): the invocation's
        ``toolExecutionNotifications``, which code scanning shows beside the results.

    Returns
    -------
    dict
        The log, ready for :func:`wsaudit.render.text.dumps`.
    """
    rules = list(config.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    prefix, base = artifact_base(root)
    results = [_result(v, rules[index[v.rule_id]], index[v.rule_id], prefix, extra[i] if extra is not None else {},
                       fingerprints[i] if fingerprints is not None else None) for i, v in enumerate(violations)]
    run: dict[str, Any] = {}
    if notices:  # (none: no invocation, as before there were warnings to give)
        run["invocations"] = [{"executionSuccessful": True, "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": n.message}, "descriptor": {"id": n.kind}} for n in notices]}]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "wsaudit", "version": version, "rules": [_rule(r) for r in rules]}},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": base}}},
            "results": results,
            **run,
        }],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    """A rule as SARIF's ``reportingDescriptor``."""
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule_summary(rule)},
        "fullDescription": {"text": rule_description(rule)},
        "help": {"text": rule_help(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": "warning"},
        "properties": {"target": rule.target, "replacement": rule.replacement or ""},
    }


def _result(v: Violation, rule: Rule, rule_index: int, prefix: str, more: dict[str, Any],
            fingerprint: str | None) -> dict[str, Any]:
    """One violation as a SARIF ``result`` (``more``: its properties, whose ``tier`` sets the level)."""
    # the rule's sentence once (its help holds the rest); the result adds only what is its own
    text = f"{v.name} ({v.category.removeprefix('deprecated-')}): {rule_summary(rule)}"
    result: dict[str, Any] = {
        "ruleId": v.rule_id,
        "ruleIndex": rule_index,
        "level": TIER_LEVELS.get(more.get("tier"), "warning"),
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(prefix + v.path), "uriBaseId": "SRCROOT"},
                "region": {"startLine": v.line, "startColumn": v.col + 1, "snippet": {"text": v.snippet}},
            },
            "logicalLocations": [{"fullyQualifiedName": v.module, "kind": "module"}],
        }],
        "properties": {"category": v.category, "context": v.context, "is_test": v.is_test, **more},
    }
    if fingerprint is not None:
        result["partialFingerprints"] = {SCHEME: fingerprint}
    return result
