"""SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs): one result per violation."""

from __future__ import annotations

from typing import Any

from wsaudit.config import Config
from wsaudit.model import Rule, Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TIER_LEVELS = {"P0": "error", "P1": "warning", "P2": "note"}


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
        what = f"the module {rule.module} and its submodules"
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


def sarif(violations: list[Violation], config: Config, version: str,
          extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one result per violation; ``extra[i]`` (optional) adds
    properties to result ``i``, and its ``tier`` sets the level (P0 error, P1 warning, P2 note)."""
    rules = list(config.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for i, v in enumerate(violations):
        more = extra[i] if extra is not None else {}
        # the rule's sentence once (its help holds the rest); the result adds only what is its own
        text = f"{v.name} ({v.category.removeprefix('deprecated-')}): {rule_summary(rules[index[v.rule_id]])}"
        results.append({
            "ruleId": v.rule_id,
            "ruleIndex": index[v.rule_id],
            "level": TIER_LEVELS.get(more.get("tier"), "warning"),
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": v.path, "uriBaseId": "SRCROOT"},
                    "region": {"startLine": v.line, "startColumn": v.col + 1, "snippet": {"text": v.snippet}},
                },
                "logicalLocations": [{"fullyQualifiedName": v.module, "kind": "module"}],
            }],
            "properties": {"category": v.category, "context": v.context, "is_test": v.is_test, **more},
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wsaudit",
                "version": version,
                "rules": [{
                    "id": r.id,
                    "name": r.id,
                    "shortDescription": {"text": rule_summary(r)},
                    "fullDescription": {"text": rule_description(r)},
                    "help": {"text": rule_help(r)},
                    "defaultConfiguration": {"level": "warning"},
                    "properties": {"target": r.target, "replacement": r.replacement or ""},
                } for r in rules],
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The audited root"}}},
            "results": results,
        }],
    }
