"""The one place facts come from: read every file once, parse through the cache, on all cores.

Two modes over the same store. ``load_all()`` parses every readable file (``wsaudit scan``,
the API); ``get(path)`` / ``load(paths)`` parse only what is asked for (``wsaudit check``
parses the files that can hold a violation, and what name resolution must look into).
Either way a file's facts are the same: they depend only on its bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wsaudit.config import Config
from wsaudit.engine.cache import FactsCache, key
from wsaudit.engine.parse import parse_source
from wsaudit.model import Diagnostic, FileFacts, SourceFile

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200


def read_file(root: str, f: SourceFile, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    """The bytes of ``f`` (``root``-relative), or the diagnostic saying why not."""
    if f.size > limit:
        return None, Diagnostic(f.path, "too-large", None, f"{f.size} bytes is over max_file_size ({limit})")
    try:
        with open(os.path.join(root, f.path), "rb") as handle:  # str paths: pathlib costs more than the read
            data = handle.read(limit + 1)
    except OSError as exc:
        return None, Diagnostic(f.path, "read-error", None, f"cannot read: {exc.strerror}")
    if len(data) > limit:  # grew since discovery
        return None, Diagnostic(f.path, "too-large", None, f"over max_file_size ({limit})")
    return data, None


def parse_many(blobs: list[bytes], jobs: int | None = None, progress: bool = False, *,
               scheduler: Any = None) -> list[FileFacts]:
    """:func:`~wsaudit.engine.parse.parse_source` of each blob, in order; on every core when
    there are enough of them; a progress bar on standard error when ``progress``.

    ``scheduler``: a Dask scheduler address, ``"local"`` or a ``distributed.Client``: the
    blobs are parsed as Dask tasks (:mod:`wsaudit.engine.scaleout`), however few they are, and
    the facts are the same.
    """
    if scheduler is not None:
        from wsaudit.engine.scaleout import parse_distributed

        return parse_distributed(blobs, scheduler, jobs=jobs, progress=progress)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(blobs), desc="parsing", unit="file", leave=False)
    try:
        if workers <= 1 or len(blobs) < PARALLEL_THRESHOLD:
            out = []
            for data in blobs:
                out.append(parse_source(data))
                if bar is not None:
                    bar.update()
            return out
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            out = []
            for facts in pool.map(parse_source, blobs, chunksize=32):
                out.append(facts)
                if bar is not None:
                    bar.update()
            return out
    finally:
        if bar is not None:
            bar.close()


class FactStore:
    """The bytes of every readable file of the tree and, as they are asked for, their facts.

    Use as a context manager (or call :meth:`close`): the cache stays open while it lives.
    ``scheduler`` (a Dask scheduler address, ``"local"`` or a client) parses on Dask.
    """

    def __init__(self, root: str | Path, files: Iterable[SourceFile], config: Config, *, cache: bool = True,
                 cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False,
                 scheduler: Any = None):
        self.root = Path(root)
        self.files = list(files)
        self.blobs: dict[str, bytes] = {}
        self.read_problems: list[Diagnostic] = []
        base = os.fspath(root)
        for f in self.files:
            data, problem = read_file(base, f, config.max_file_size)
            if problem is not None:
                self.read_problems.append(problem)
            else:
                self.blobs[f.path] = data  # type: ignore[assignment]
        self.facts: dict[str, FileFacts] = {}
        self.cache = FactsCache(self.root / (cache_dir or config.cache_dir)) if cache else None
        self.jobs = jobs
        self.progress = progress
        self.scheduler = scheduler

    def __enter__(self) -> FactStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def load(self, paths: Iterable[str]) -> None:
        """Facts for ``paths``, as one batch: one cache query, and parsing on all cores if many."""
        todo = [p for p in dict.fromkeys(paths) if p not in self.facts and p in self.blobs]
        if not todo:
            return
        keys = {p: key(self.blobs[p]) for p in todo}
        known = self.cache.get_many(keys.values()) if self.cache else {}
        missing = [p for p in todo if keys[p] not in known]
        fresh = dict(zip((keys[p] for p in missing),
                         parse_many([self.blobs[p] for p in missing], self.jobs, self.progress,
                                    scheduler=self.scheduler)))
        if self.cache:
            self.cache.put_many(fresh)
        known.update(fresh)
        for p in todo:
            self.facts[p] = known[keys[p]]

    def load_all(self) -> dict[str, FileFacts]:
        """Facts for every readable file (path -> facts, in path order)."""
        self.load(self.blobs)
        return self.facts

    def get(self, path: str) -> FileFacts | None:
        """The facts of ``path``, parsed now if needed; None when it could not be read."""
        if path not in self.facts:
            self.load([path])
        return self.facts.get(path)

    def diagnostics(self) -> list[Diagnostic]:
        """Files that could not be read, and problems of the files parsed so far (unsorted)."""
        out = list(self.read_problems)
        for path, facts in self.facts.items():
            out += [Diagnostic(path, kind, line, message) for kind, line, message in facts.problems]
        return out
