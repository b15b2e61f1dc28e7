"""``history --scheduler``: the commits audited as Dask tasks, one per range of commits.

A commit's audit needs the one before it (its step is explained against the last commit that
could be audited, and the engine works from it incrementally), so a range is handed to one
worker, which reads the repository's git objects itself (the path must be one every worker can
see) and audits its commits in order, as a local run does. Each range starts one commit early:
that commit is audited only so that the range's first step is explained against it, and its
record is dropped. When that commit could not be audited (unreadable, an invalid
configuration), the range is audited again from the last commit before it that could, which is
what the local run compares with. So the records are the local run's, byte for byte; only the
work counters (``stats``) add up the tasks' (overlaps included).

The client sends commit ids, never blobs: the graph is a few kilobytes per range, whatever the
size of the repository.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

MIN_RANGE = 25  # commits per task at least: each range audits its first tree in full
RANGES_PER_WORKER = 2  # a little slack, so that a worker with a fast range takes another

RangeTask = Callable[..., tuple[list, dict[str, int]]]  # (*args, oids) -> (records, stats)


def split(n: int, workers: int, min_range: int | None = None) -> list[tuple[int, int]]:
    """``n`` commits cut into consecutive ``(start, stop)`` ranges, about as many as
    ``RANGES_PER_WORKER`` per worker, none shorter than ``min_range`` (but a single one).

    >>> split(10, 2), split(100, 2, 25), split(101, 8, 25)
    ([(0, 10)], [(0, 25), (25, 50), (50, 75), (75, 100)], [(0, 25), (25, 50), (50, 76), (76, 101)])
    """
    if n <= 0:
        return []
    least = MIN_RANGE if min_range is None else min_range
    parts = max(1, min(n // max(least, 1), max(workers, 1) * RANGES_PER_WORKER))
    cuts = [round(i * n / parts) for i in range(parts + 1)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _good(record: Any) -> bool:
    """Whether a commit was audited (a step can be explained against it)."""
    return record.error is None and record.counts is not None


def audit_ranges(task: RangeTask, args: Sequence[Any], selected: list[str], client: Any,
                 progress: bool = False) -> tuple[list, dict[str, int]]:
    """The records of ``selected`` (oldest first) audited range by range on ``client``'s cluster.

    Parameters
    ----------
    task : callable
        ``task(*args, oids) -> (records, stats)``: the local audit of these commits in order
        (a module-level function, which the workers import by name).
    args : sequence
        Its first arguments (the repository's path, the configuration, the cache options).
    selected : list of str
        The commits to audit, oldest first.
    client : distributed.Client
        The cluster's client.
    progress : bool
        A progress bar of the commits done.
    """
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    ranges = split(len(selected), workers)

    def submit(start: int, stop: int):
        return client.submit(task, *args, selected[start:stop], key=f"wsaudit-history-{start}-{uuid.uuid4().hex}")

    futures = [submit(max(lo - 1, 0), hi) for lo, hi in ranges]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(selected), desc="commits (dask)", unit="commit", leave=False)
    try:
        for future in as_completed(futures):
            if bar is not None:
                lo, hi = ranges[futures.index(future)]
                bar.update(hi - lo)
        results = client.gather(futures)
    finally:
        if bar is not None:
            bar.close()
    records: list = []
    stats: dict[str, int] = {}
    for (lo, hi), (recs, got) in zip(ranges, results):
        if lo > 0:
            if not _good(recs[0]):
                earlier = [i for i, r in enumerate(records) if _good(r)]
                if earlier:  # the local run compares with that commit: audit from it
                    recs, more = submit(earlier[-1], hi).result()
                    got = {k: got.get(k, 0) + more.get(k, 0) for k in {*got, *more}}
                    recs = recs[lo - earlier[-1]:]
                else:
                    recs = recs[1:]
            else:
                recs = recs[1:]
        records += recs
        for key, value in got.items():
            stats[key] = stats.get(key, 0) + value
    stats["tasks"] = len(ranges)
    return records, stats
