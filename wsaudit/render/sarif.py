"""SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs): one result per violation."""

from __future__ import annotations

from typing import Any

from wsaudit.config import Config
from wsaudit.model import Violation

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TIER_LEVELS = {"P0": "error", "P1": "warning", "P2": "note"}


def sarif(violations: list[Violation], config: Config, version: str,
          extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one result per violation; ``extra[i]`` (optional) adds
    properties to result ``i``, and its ``tier`` sets the level (P0 error, P1 warning, P2 note)."""
    rules = list(config.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    results = []
    for i, v in enumerate(violations):
        more = extra[i] if extra is not None else {}
        rule = rules[index[v.rule_id]]
        text = rule.message or f"{v.symbol} is deprecated"
        if v.replacement:
            text += f" (use {v.replacement})"
        results.append({
            "ruleId": v.rule_id,
            "ruleIndex": index[v.rule_id],
            "level": TIER_LEVELS.get(more.get("tier"), "warning"),
            "message": {"text": f"{v.category}: {v.name}: {text}"},
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
                    "shortDescription": {"text": r.message or f"{r.target} is deprecated"},
                    "properties": {"target": r.target, "replacement": r.replacement or ""},
                } for r in rules],
            }},
            "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The audited root"}}},
            "results": results,
        }],
    }
