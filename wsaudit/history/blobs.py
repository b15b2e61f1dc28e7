"""Facts by git blob id: each distinct blob of a history is parsed at most once per pass.

A blob id names content, so facts keyed by it are the facts of that content. Within a run the
bytes and the facts are kept by blob id; across runs the facts come from the content-addressed
facts cache (:class:`wsaudit.engine.cache.FactsCache`, used only through
``get_many``/``put_many`` and keyed by :func:`wsaudit.engine.cache.key` of the bytes actually
read), so a history re-run parses nothing it parsed before and a scan of a checkout shares the
same entries.

As in a scan, a blob has its full facts (:func:`~wsaudit.engine.parse.parse_source`) only when
they are asked for (a file that can hold a violation, a module name resolution looks into, a
changed file); the others are parsed for their imports only
(:func:`~wsaudit.engine.imports_only.parse_imports`). :class:`CommitFacts` is one commit's view:
``path -> full facts``, parsed on first access.

There is deliberately no persistent ``blob id -> facts`` index: the cache folder sits in the
audited repository, and such an index would let a planted file decide what a blob holds
without the blob being read. Reading a blob costs microseconds; parsing it is what is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from wsaudit.engine.cache import FactsCache, key
from wsaudit.engine.store import parse_many
from wsaudit.model import FileFacts


class BlobFacts(Mapping[str, FileFacts]):
    """``blob id -> FileFacts`` (full) of the blobs read so far (see :meth:`add`), parsed when
    first asked for; :meth:`imports` gives the cheaper imports-only facts.

    Parameters
    ----------
    cache_folder : Path or None
        The facts cache's folder; None to parse everything afresh.
    jobs, progress, scheduler
        As for :func:`wsaudit.engine.store.parse_many`.
    root : Path, optional
        The repository holding ``cache_folder``: no folder between them may be a link.
    parse : callable, optional
        What parses a batch (``parse_many``'s signature), by default
        :func:`~wsaudit.engine.store.parse_many` (looked up when called: the tests count the
        parses by replacing it).
    """

    def __init__(self, cache_folder: Path | None, *, jobs: int | None = None, progress: bool = False,
                 scheduler: Any = None, root: Path | None = None, parse: Callable[..., list[FileFacts]] | None = None):
        self._data: dict[str, bytes] = {}
        self._full: dict[str, FileFacts] = {}
        self._imports: dict[str, FileFacts] = {}
        # ``root``: the repository the folder sits in, which the cache must not leave (links refused)
        self._cache = FactsCache(cache_folder, root) if cache_folder is not None else None
        self.jobs, self.progress, self.scheduler = jobs, progress, scheduler
        self._parse = parse
        self.parsed = 0  # blobs parsed in full by this object (not found in the cache)
        self.parsed_imports = 0  # blobs parsed for their imports only

    def add(self, blobs: Mapping[str, bytes], full: bool = False) -> None:
        """Keep the bytes of ``blobs`` (``blob id -> bytes``); ``full``: and make their full
        facts now, in one batch (on every core, or on the Dask scheduler)."""
        for oid, data in blobs.items():
            self._data.setdefault(oid, data)
        if full:
            self.load(blobs)

    def data(self, oid: str) -> bytes:
        return self._data[oid]

    def has_full(self, oid: str) -> bool:
        return oid in self._full

    def load(self, oids: Iterable[str], full: bool = True) -> None:
        """Full (else imports-only) facts for ``oids`` not known yet, as one batch: one cache
        query, and parsing on all cores if many. Imports-only facts are not made for a blob
        whose full facts are known (they say everything the imports-only ones say)."""
        done = self._full if full else self._imports
        todo = [o for o in dict.fromkeys(oids) if o not in done and (full or o not in self._full)]
        if not todo:
            return
        keys = {oid: key(self._data[oid], full) for oid in todo}
        known = self._cache.get_many(keys.values()) if self._cache is not None else {}
        fresh_oids = list(dict.fromkeys(oid for oid in todo if keys[oid] not in known))
        parse = self._parse if self._parse is not None else parse_many
        fresh = parse([self._data[oid] for oid in fresh_oids], self.jobs, None, full, scheduler=self.scheduler) \
            if fresh_oids else []
        if full:
            self.parsed += len(fresh)
        else:
            self.parsed_imports += len(fresh)
        by_key = {keys[oid]: facts for oid, facts in zip(fresh_oids, fresh)}
        if self._cache is not None and by_key:
            self._cache.put_many(by_key)
        known.update(by_key)
        for oid in todo:
            done[oid] = known[keys[oid]]

    def imports(self, oid: str) -> FileFacts:
        """The facts the audit reads a blob by without its full facts: the full ones when they
        were made first, else its imports-only facts (made now if need be). The same object for
        the same blob along the history, whatever is parsed in full later."""
        facts = self._imports.get(oid)
        if facts is None:
            facts = self._full.get(oid)
        if facts is None:
            self.load([oid], full=False)
            facts = self._imports[oid]
        return facts

    def __getitem__(self, oid: str) -> FileFacts:
        facts = self._full.get(oid)
        if facts is None:
            if oid not in self._data:
                raise KeyError(oid)
            self.load([oid])
            facts = self._full[oid]
        return facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, oid: object) -> bool:
        return oid in self._data

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


class CommitFacts(Mapping[str, FileFacts]):
    """One commit's ``path -> full facts`` of every readable file, each parsed in full when
    first asked for (as :meth:`wsaudit.engine.store.FactStore.full_view` does for a folder);
    :meth:`loaded` gives what the audit read a file by without parsing it in full."""

    def __init__(self, oids: Mapping[str, str], blobs: BlobFacts):
        self.oids = dict(oids)  # path -> blob id, of the readable files
        self.blobs = blobs

    def __getitem__(self, path: str) -> FileFacts:
        return self.blobs[self.oids[path]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.oids)

    def __len__(self) -> int:
        return len(self.oids)

    def __contains__(self, path: object) -> bool:
        return path in self.oids

    def keys(self):  # type: ignore[override]
        return self.oids.keys()

    def data(self, path: str) -> bytes:
        return self.blobs.data(self.oids[path])

    def has_full(self, path: str) -> bool:
        return self.blobs.has_full(self.oids[path])

    def load(self, paths: Iterable[str], full: bool = True) -> None:
        """Full (else imports-only) facts for ``paths``, as one batch."""
        self.blobs.load((self.oids[p] for p in paths), full)

    def loaded(self, path: str) -> FileFacts:
        """The facts the audit reads ``path``'s problems, lines of code and imports from
        (:meth:`BlobFacts.imports`): no full parse."""
        return self.blobs.imports(self.oids[path])
