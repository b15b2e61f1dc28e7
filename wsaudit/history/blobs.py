"""Facts by git blob id: each distinct blob of a history is parsed once.

A blob id names content, so facts keyed by it are the facts of that content. Within a run the
facts are kept by blob id; across runs they come from the content-addressed facts cache
(:class:`wsaudit.engine.cache.FactsCache`, used only through ``get_many``/``put_many`` and
keyed by :func:`wsaudit.engine.cache.key` of the bytes actually read), so a history re-run
parses nothing it parsed before and a scan of a checkout shares the same entries.

There is deliberately no persistent ``blob id -> facts`` index: the cache folder sits in the
audited repository, and such an index would let a planted file decide what a blob holds
without the blob being read. Reading a blob costs microseconds; parsing it is what is saved.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from wsaudit.engine.cache import FactsCache, key
from wsaudit.engine.store import parse_many
from wsaudit.model import FileFacts


class BlobFacts(Mapping[str, FileFacts]):
    """``blob id -> FileFacts`` for the blobs added so far (see :meth:`add`).

    Parameters
    ----------
    cache_folder : Path or None
        The facts cache's folder; None to parse everything afresh.
    jobs, progress, scheduler
        As for :func:`wsaudit.engine.store.parse_many`.
    root : Path, optional
        The repository holding ``cache_folder``: no folder between them may be a link.
    """

    def __init__(self, cache_folder: Path | None, *, jobs: int | None = None, progress: bool = False,
                 scheduler: Any = None, root: Path | None = None):
        self._facts: dict[str, FileFacts] = {}
        # ``root``: the repository the folder sits in, which the cache must not leave (links refused)
        self._cache = FactsCache(cache_folder, root) if cache_folder is not None else None
        self.jobs, self.progress, self.scheduler = jobs, progress, scheduler
        self.parsed = 0  # blobs parsed by this object (not found in the cache)

    def add(self, blobs: Mapping[str, bytes]) -> None:
        """Facts for every blob of ``blobs`` (``blob id -> bytes``) not known yet: from the cache,
        else parsed, all in one batch (on every core, or on the Dask scheduler)."""
        todo = {oid: data for oid, data in blobs.items() if oid not in self._facts}
        if not todo:
            return
        keys = {oid: key(data) for oid, data in todo.items()}
        known = self._cache.get_many(keys.values()) if self._cache is not None else {}
        fresh_oids = list(dict.fromkeys(oid for oid in todo if keys[oid] not in known))
        fresh = parse_many([todo[oid] for oid in fresh_oids], self.jobs, None, True, scheduler=self.scheduler)
        self.parsed += len(fresh)
        by_key = {keys[oid]: facts for oid, facts in zip(fresh_oids, fresh)}
        if self._cache is not None:
            self._cache.put_many(by_key)
        known.update(by_key)
        for oid in todo:
            self._facts[oid] = known[keys[oid]]

    def __getitem__(self, oid: str) -> FileFacts:
        return self._facts[oid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, oid: object) -> bool:
        return oid in self._facts

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
