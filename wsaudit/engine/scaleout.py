"""The per-file parse stage as Dask tasks, for trees and histories too big for one machine.

``--scheduler ADDRESS`` names a Dask distributed scheduler (``tcp://host:8786``), or ``local``
for a :class:`distributed.LocalCluster` on this machine (one worker process per ``--jobs``,
default every core). Parsing is a pure function of a file's bytes, so the facts that come back
are the ones a local parse gives and every output is byte-identical to a run without Dask;
only where the work runs changes. Dask and distributed are the ``scale`` extra
(``pip install 'wsaudit[scale]'``); nothing imports them unless a scheduler is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from wsaudit.engine.collector import uncollected
from wsaudit.engine.imports_only import parse_imports
from wsaudit.engine.parse import parse_source
from wsaudit.errors import InputError, UsageError
from wsaudit.model import FileFacts

# Files per task: enough to amortise a task's overhead (~1 ms), few enough to spread the work.
CHUNK = 64


def _parse_chunk(blobs: list[bytes], full: bool = True) -> list[FileFacts]:
    parse = parse_source if full else parse_imports
    return [uncollected(parse, data) for data in blobs]


def _client_type():
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - the extra is installed by make test
        raise UsageError("--scheduler needs Dask: pip install 'wsaudit[scale]' (dask and distributed)") from None
    return Client


@contextlib.contextmanager
def connect(scheduler: Any, jobs: int | None = None) -> Iterator[Any]:
    """A Dask client for ``scheduler``: an address, ``"local"``, or a client (used as it is,
    and left open)."""
    Client = _client_type()
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if not isinstance(scheduler, str) or not scheduler:
        raise UsageError(f"--scheduler {scheduler!r}: give a scheduler address (tcp://host:8786) or 'local'")
    if scheduler == "local":
        from distributed import LocalCluster

        workers = jobs if jobs is not None else (os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"--scheduler {scheduler!r}: cannot reach the Dask scheduler ({exc}); start one with "
                         "'dask scheduler' and 'dask worker ADDRESS', or use --scheduler local") from None
    try:
        yield client
    finally:
        client.close()


def parse_distributed(blobs: list[bytes], scheduler: Any, *, jobs: int | None = None,
                      progress: bool = False, full: bool = True) -> list[FileFacts]:
    """:func:`~wsaudit.engine.parse.parse_source` (``full``) or
    :func:`~wsaudit.engine.imports_only.parse_imports` of each blob, in order, as Dask tasks."""
    if not blobs:
        return []
    with connect(scheduler, jobs) as client:
        from distributed import as_completed

        chunks = [blobs[i : i + CHUNK] for i in range(0, len(blobs), CHUNK)]
        futures = client.map(_parse_chunk, chunks, full=full, pure=False)
        if progress:
            from tqdm import tqdm

            with tqdm(total=len(blobs), desc="parsing (dask)", unit="file", leave=False) as bar:
                for future in as_completed(futures):
                    bar.update(len(chunks[futures.index(future)]))
        results = client.gather(futures)
    return [facts for chunk in results for facts in chunk]
