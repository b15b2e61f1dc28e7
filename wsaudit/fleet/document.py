"""The fleet result: the rows of every repository, the teams' totals, the suggested order
across repositories and, when runs are kept, the trend; as JSON and CSV (``docs/json.md``,
"JSON of fleet").

Everything here is a function of the rows (and of the kept runs' documents), so the same
repositories give the same bytes: no time, no absolute path of this machine, rows in the fleet
file's order, teams and the order sorted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wsaudit.fleet.settings import Fleet
from wsaudit.model import CATEGORIES, TIERS
from wsaudit.render.text import dumps, rows_csv

CSV_FIELDS = ("name", "source", "revision", "commit", "commit_date", "owner", "team", "files", "violations", *TIERS,
              *CATEGORIES, "definitions", "diagnostics", "suspects", "error")
NO_TEAM = "(no team)"
_RUN = re.compile(r"(\d{4,})\.json\Z")


def _tier(row: dict[str, Any], tier: str) -> int:
    return (row.get("by_tier") or {}).get(tier, 0)


def teams(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per team (``(no team)`` for repositories without one): its repositories, and its
    violations by tier; the team with the most P0s first."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        team = out.setdefault(row["team"] or NO_TEAM, {"team": row["team"] or NO_TEAM, "repositories": 0,
                                                       "failed": 0, "violations": 0, **dict.fromkeys(TIERS, 0)})
        team["repositories"] += 1
        team["failed"] += row["error"] is not None
        team["violations"] += row["violations"] or 0
        for tier in TIERS:
            team[tier] += _tier(row, tier)
    return sorted(out.values(), key=lambda t: (-t["P0"], -t["P1"], -t["violations"], t["team"]))


def suggested_order(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The repositories to migrate first: most P0 violations (uses the Golden Path reaches),
    then most P1, then most violations, then by name; repositories with nothing to migrate, or
    that could not be audited, are not in it."""
    todo = [r for r in rows if r["error"] is None and r["violations"]]
    todo.sort(key=lambda r: (-_tier(r, "P0"), -_tier(r, "P1"), -r["violations"], r["name"]))
    out = []
    for n, row in enumerate(todo, 1):
        p0, p1 = _tier(row, "P0"), _tier(row, "P1")
        reason = (f"{p0} P0 use(s) in {len(row['p0_files'] or [])} file(s) on or reached from the Golden Path"
                  if p0 else f"no P0; {p1} P1 use(s) in code outside the tests" if p1
                  else f"only P2 uses (tests): {row['violations']}")
        out.append({"rank": n, "name": row["name"], "team": row["team"], "owner": row["owner"],
                    **{t: _tier(row, t) for t in TIERS}, "violations": row["violations"], "reason": reason})
    return out


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"repositories": len(rows), "audited": sum(r["error"] is None for r in rows),
            "failed": sum(r["error"] is not None for r in rows),
            "files": sum(r["files"] or 0 for r in rows), "violations": sum(r["violations"] or 0 for r in rows),
            **{t: sum(_tier(r, t) for r in rows) for t in TIERS},
            "repositories_with_p0": sum(1 for r in rows if _tier(r, "P0"))}


def fleet_document(fleet: Fleet, rows: list[dict[str, Any]], trend: list[dict[str, Any]] | None = None
                   ) -> dict[str, Any]:
    """The fleet result (``docs/json.md``, "JSON of fleet")."""
    return {"version": 1, "kind": "wsaudit-fleet", "title": fleet.title, "fleet": fleet.file,
            "config": fleet.config_source, "totals": totals(rows), "teams": teams(rows),
            "order": suggested_order(rows), "repositories": rows, "trend": trend}


def fleet_csv(rows: list[dict[str, Any]]) -> str:
    """One CSV row per repository (``CSV_FIELDS``)."""
    flat = []
    for row in rows:
        out = {k: row[k] for k in CSV_FIELDS if k in row}
        out.update({t: (row["by_tier"] or {}).get(t) for t in TIERS})
        out.update({c: (row["by_category"] or {}).get(c) for c in CATEGORIES})
        flat.append({k: out.get(k) for k in CSV_FIELDS})
    return rows_csv(flat, CSV_FIELDS)


def _summary(run: str, document: dict[str, Any]) -> dict[str, Any]:
    t = document["totals"]
    return {"run": run, "repositories": t["repositories"], "failed": t["failed"], "violations": t["violations"],
            **{tier: t[tier] for tier in TIERS},
            "teams": {team["team"]: team["P0"] for team in document["teams"]}}


def kept_runs(folder: str | Path) -> list[dict[str, Any]]:
    """The summaries of the runs kept in ``folder/runs/`` (``NNNN.json``), oldest first; a file
    that is not a fleet result is left out."""
    runs = Path(folder) / "runs"
    out = []
    for path in sorted(runs.glob("*.json")) if runs.is_dir() else ():
        if not _RUN.match(path.name):
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("kind") == "wsaudit-fleet":
                out.append(_summary(path.stem, document))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return out


def keep_run(folder: str | Path, fleet: Fleet, rows: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Keep this run as ``folder/runs/NNNN.json`` (the next number); its name and the trend, this run last."""
    from wsaudit.iorw import write_text

    before = kept_runs(folder)
    name = f"{int(before[-1]['run']) + 1 if before else 1:04d}"
    document = fleet_document(fleet, rows)
    (Path(folder) / "runs").mkdir(parents=True, exist_ok=True)
    write_text(Path(folder) / "runs" / f"{name}.json", dumps(document))
    return name, [*before, _summary(name, document)]


def render_table(document: dict[str, Any]) -> str:
    """The text of ``wsaudit fleet --format table``: the order, then the failures, then totals."""
    from wsaudit.render.text import printable

    lines = [f"{'#':>3}  {'repository':<28} {'team':<16} {'P0':>5} {'P1':>5} {'P2':>5} {'total':>6}"]
    for o in document["order"]:
        lines.append(f"{o['rank']:>3}  {printable(o['name']):<28} {printable(o['team'] or '-'):<16} {o['P0']:>5} "
                     f"{o['P1']:>5} {o['P2']:>5} {o['violations']:>6}")
    for row in document["repositories"]:
        if row["error"] is not None:
            lines.append(f"  !  {printable(row['name'])}: {printable(row['error'])}")
    t = document["totals"]
    lines.append(f"{t['repositories']} repositories ({t['failed']} failed), {t['files']} files, "
                 f"{t['violations']} violations: P0 {t['P0']} in {t['repositories_with_p0']} repositories, "
                 f"P1 {t['P1']}, P2 {t['P2']}")
    return "\n".join(lines) + "\n"
