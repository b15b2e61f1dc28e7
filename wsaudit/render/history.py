"""``wsaudit history``: violation counts across commits as a table, JSON or CSV.

Renders the document of :meth:`wsaudit.history.History.document` (docs/json.md, "JSON of
history"): one row per commit, oldest first. Nothing here depends on time or the machine: the
only dates are the commits' own.
"""

from __future__ import annotations

from typing import Any

from wsaudit.errors import UsageError
from wsaudit.model import CATEGORIES, TIERS
from wsaudit.render.formats import HISTORY_FORMATS
from wsaudit.render.text import dumps, printable_lines, rows_csv

STEP_COLUMNS = ("added_files", "deleted_files", "edited_files", "renamed_files", "stopped_parsing",
                "started_parsing", "fixed", "fixed_by_deletion", "hidden_by_breakage", "introduced",
                "revealed_by_parsing", "moved",
                "definitions_added", "definitions_removed")


def _rule_ids(doc: dict[str, Any]) -> list[str]:
    return sorted({r for c in doc["commits"] for r in (c.get("by_rule") or {})})


def flat_rows(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """One flat row per commit (counts per category, tier, area and rule as columns; the step's
    counts, flag and summary), and the column names."""
    rules = _rule_ids(doc)
    columns = ["commit", "date", "subject", "config", "files", "parsed", "diagnostics", "violations", *CATEGORIES,
               *TIERS, "production", "tests", *rules, "definitions", "suspects", *STEP_COLUMNS, "flag", "flags",
               "summary", "error"]
    rows = []
    for c in doc["commits"]:
        step = c.get("step") or {}
        row: dict[str, Any] = {k: c.get(k) for k in ("commit", "date", "subject", "config", "files", "parsed",
                                                      "diagnostics", "violations", "definitions", "suspects")}
        row.update({k: (c.get("by_category") or {}).get(k) for k in CATEGORIES})
        row.update({k: (c.get("by_tier") or {}).get(k) for k in TIERS})
        row.update({k: (c.get("by_area") or {}).get(k) for k in ("production", "tests")})
        row.update({k: (c.get("by_rule") or {}).get(k) for k in rules})
        row.update({k: step.get(k) for k in STEP_COLUMNS})
        row.update({"flag": step.get("flag"), "flags": " ".join(step.get("flags") or ()), "summary": step.get("summary"),
                    "error": c.get("error")})
        rows.append(row)
    return rows, columns


def history_table(doc: dict[str, Any]) -> str:
    """One line per commit, then what changed from the first audited commit to the last."""
    head = f"{'commit':<12} {'date':<10} {'viol':>5} {'P0':>4} {'P1':>4} {'P2':>4} {'prod':>5} {'tests':>5} " \
           f"{'defs':>4} {'hid':>4}  step"
    lines = [head]
    for c in doc["commits"]:
        short, day = c["commit"][:12], (c["date"] or "")[:10]
        if c.get("error"):
            lines.append(f"{short:<12} {day:<10} error: {c['error']}")
            continue
        tiers = c.get("by_tier") or {}
        area = c["by_area"]
        step = c.get("step")
        what = step["summary"] if step else "(first commit)"
        cells = [f"{tiers.get(t, '-'):>4}" for t in TIERS]
        lines.append(f"{short:<12} {day:<10} {c['violations']:>5} {' '.join(cells)} {area['production']:>5} "
                     f"{area['tests']:>5} {c['definitions']:>4} {c['suspects']:>4}  {what}")
        lines += [f"{'':<29}warning: {w}" for w in c.get("warnings") or ()]
    good = [c for c in doc["commits"] if not c.get("error")]
    flagged = [c for c in good if c.get("step") and c["step"]["flag"]]
    errors = len(doc["commits"]) - len(good)
    lines.append("")
    if good:
        first, last = good[0], good[-1]
        lines.append(f"{len(doc['commits'])} commits ({doc['range']}): violations {first['violations']} -> "
                     f"{last['violations']}" + (f", P0 {first['by_tier']['P0']} -> {last['by_tier']['P0']}"
                                                if first.get("by_tier") and last.get("by_tier") else "")
                     + f"; {len(flagged)} flagged step{'' if len(flagged) == 1 else 's'}"
                     + (f"; {errors} commits not audited" if errors else ""))
    else:
        lines.append(f"{len(doc['commits'])} commits ({doc['range']}); none could be audited")
    for c in flagged:
        subject = c["subject"] if len(c["subject"]) <= 80 else c["subject"][:77] + "..."
        lines.append(f"  {c['commit'][:12]} {c['step']['flag']}: {subject}")
    return printable_lines(lines)


def render_history(fmt: str, doc: dict[str, Any]) -> str:
    """The history in one of :data:`HISTORY_FORMATS`."""
    if fmt == "json":
        return dumps(doc)
    if fmt == "csv":
        rows, columns = flat_rows(doc)
        return rows_csv(rows, columns)
    if fmt == "table":
        return history_table(doc)
    raise UsageError(f"unknown history format {fmt!r} (choose from {', '.join(HISTORY_FORMATS)})")
