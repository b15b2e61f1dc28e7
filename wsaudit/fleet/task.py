"""One repository of the fleet audited into one row: the task a Dask worker runs.

The task is handed the repository's entry of ``FLEET.toml`` (a name, a path or URL, a
revision, owner and team) and its configuration, never its files: it reads the sources itself,
from a folder it can see or from the git objects it clones. What comes back is one small row of
counts. It never raises: a clone that fails, a revision that does not exist, an invalid
configuration or a Golden Path that the repository lacks is the row's ``error``, and the rest of
the fleet goes on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from wsaudit.errors import ConfigError, WsauditError
from wsaudit.fleet.fetch import Where, last_commit, obtain
from wsaudit.fleet.settings import FleetRepo
from wsaudit.model import CATEGORIES, TIERS

ROW_FIELDS = ("name", "source", "revision", "commit", "commit_date", "owner", "team", "files", "violations",
              "by_tier", "by_category", "by_rule", "p0_files", "definitions", "diagnostics", "suspects", "config",
              "error", "warnings")


@dataclass(frozen=True)
class TaskOptions:
    """How a task reads: ``cache_dir`` (clones and parsed facts kept there; None: a temporary
    clone, nothing cached) and ``jobs`` (parser processes; 1 on a Dask worker, whose processes
    cannot start their own)."""

    cache_dir: str | None = None
    jobs: int | None = 1


def empty_row(repo: FleetRepo) -> dict[str, Any]:
    """A repository's row before anything is known of it."""
    return {"name": repo.name, "source": repo.source, "revision": repo.revision, "commit": None, "commit_date": None,
            "owner": repo.owner, "team": repo.team, "files": None, "violations": None, "by_tier": None,
            "by_category": None, "by_rule": None, "p0_files": None, "definitions": None, "diagnostics": None,
            "suspects": None, "config": repo.config.source if repo.config is not None else None, "error": None,
            "warnings": []}


def _audit(where: Where, repo: FleetRepo, options: TaskOptions):
    cache = {"cache": options.cache_dir is not None,
             "cache_dir": f"{options.cache_dir}/fleet-facts" if options.cache_dir is not None else None}
    if where.folder is not None:
        from wsaudit.api import audit

        return audit(where.folder, repo.config, jobs=options.jobs, **cache)
    from wsaudit.history import audit_commit

    return audit_commit(where.git_dir, where.revision, repo.config, jobs=options.jobs, **cache)


def _counts(row: dict[str, Any], result) -> None:
    row["files"] = len(result.files)
    row["definitions"] = len(result.definition_records)
    row["diagnostics"] = len(result.diagnostic_records)
    row["suspects"] = len(result.suspect_records)
    row["warnings"] = sorted({n.message for n in result.notices})
    violations = result.violation_records
    row["violations"] = len(violations)
    categories = Counter(v.category for v in violations)
    row["by_category"] = {c: categories.get(c, 0) for c in CATEGORIES}
    rules = Counter(v.rule_id for v in violations)
    row["by_rule"] = {r: rules[r] for r in sorted(rules)}
    try:
        ranked = result.rank_rows()
    except ConfigError as exc:  # e.g. the shared Golden Path names modules this repository lacks
        row["error"] = "not ranked: " + "; ".join(exc.lines())
        return
    tiers = Counter(r["tier"] for r in ranked)
    row["by_tier"] = {t: tiers.get(t, 0) for t in TIERS}
    row["p0_files"] = sorted({r["path"] for r in ranked if r["tier"] == "P0"})


def audit_repository(repo: FleetRepo, options: TaskOptions = TaskOptions()) -> dict[str, Any]:
    """The row of one repository (``ROW_FIELDS``); its ``error`` says why it is incomplete.

    Parameters
    ----------
    repo : FleetRepo
        The repository's entry of the fleet file, with its configuration.
    options : TaskOptions
        Where clones and facts are kept, how many parser processes.
    """
    row = empty_row(repo)
    if repo.config is None:
        row["error"] = repo.problem
        return row
    try:
        with obtain(repo, options.cache_dir) as where:
            found = last_commit(where)
            if found is not None:
                row["commit"], row["commit_date"] = found
            _counts(row, _audit(where, repo, options))
    except WsauditError as exc:
        row["error"] = str(exc)
    except (OSError, RecursionError, MemoryError) as exc:  # one repository's trouble is its row, not the fleet's
        row["error"] = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bug that one repository's input hits must not lose the others' rows
        row["error"] = f"internal error ({type(exc).__name__}: {exc}); please report it with the repository's name"
    return row
