"""The fleet's tasks run here, one repository after another, or one task per repository on Dask.

On Dask the client sends each task its repository's entry and configuration (a few kilobytes),
never a file: the worker reads the sources itself (:mod:`wsaudit.fleet.task`), so the graph
stays small whatever the size of the repositories, and the scheduler holds one small row per
repository. A task is a pure function of the repository's sources and its entry, so the rows
are the ones a local run gives; they are put back in the fleet file's order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from wsaudit.fleet.settings import Fleet, FleetRepo
from wsaudit.fleet.task import TaskOptions, audit_repository, empty_row

Progress = Callable[[int, int, dict[str, Any]], None]  # (done, total, the row just finished)


def run_fleet(fleet: Fleet, *, scheduler: Any = None, jobs: int | None = None, cache_dir: str | None = None,
              progress: Progress | None = None) -> list[dict[str, Any]]:
    """Every repository's row, in the fleet file's order.

    Parameters
    ----------
    fleet : Fleet
        The fleet file read (:func:`wsaudit.fleet.settings.load_fleet`).
    scheduler : str or distributed.Client, optional
        One Dask task per repository: a scheduler address (``tcp://host:8786``), ``"local"``
        (a LocalCluster of ``jobs`` worker processes) or a client. None: here, in turn.
    jobs : int, optional
        Here: parser processes per repository (default every core).
    cache_dir : str, optional
        Where clones and parsed facts are kept between runs (None: temporary clones, no cache);
        on Dask a folder every worker can write.
    progress : callable, optional
        Called with ``(done, total, row)`` as each repository finishes.
    """
    total = len(fleet.repos)
    if scheduler is None:
        rows = []
        for i, repo in enumerate(fleet.repos, 1):
            rows.append(audit_repository(repo, TaskOptions(cache_dir, jobs)))
            if progress is not None:
                progress(i, total, rows[-1])
        return rows
    from wsaudit.engine.scaleout import connect

    with connect(scheduler, jobs) as client:
        from distributed import as_completed

        options = TaskOptions(cache_dir, 1)
        futures = [client.submit(audit_repository, repo, options, key=f"wsaudit-fleet-{repo.name}-{uuid.uuid4().hex}")
                   for repo in fleet.repos]
        index = {future.key: i for i, future in enumerate(futures)}
        got: list[dict[str, Any] | None] = [None] * total
        for done, future in enumerate(as_completed(futures), 1):
            i = index[future.key]
            got[i] = _row_of(future, fleet.repos[i])
            if progress is not None:
                progress(done, total, got[i])
        return [row for row in got if row is not None]


def _row_of(future: Any, repo: FleetRepo) -> dict[str, Any]:
    """The task's row; a task that did not return one (its worker died, e.g. out of memory, as
    many times as Dask allows) is the repository's row with that error."""
    if future.status == "finished":
        return future.result()
    row = empty_row(repo)
    exc = future.exception()
    row["error"] = f"the task failed on the cluster ({type(exc).__name__}: {exc})"
    return row
