"""The one place facts come from: read every file once, parse through the cache, on all cores.

Two modes over the same store. ``load_all()`` parses every readable file (``wsaudit scan``,
the API); ``get(path)`` / ``load(paths)`` parse only what is asked for (``wsaudit check``
parses the files that can hold a violation, and what name resolution must look into).
Either way a file's facts are the same: they depend only on its bytes.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from wsaudit.config import Config
from wsaudit.engine.cache import FactsCache, key
from wsaudit.engine.collector import uncollected
from wsaudit.engine.imports_only import parse_imports
from wsaudit.engine.parse import decode_source, parse_source
from wsaudit.engine.tokens import scan_tokens
from wsaudit.model import Diagnostic, FileFacts, SourceFile

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200
# CPython's syntax tree takes about this many bytes per byte of source (measured on generated
# and real code: 240 to 300): what a parse is estimated to cost against ``max_parse_memory``.
PARSE_MEMORY_FACTOR = 300


def degraded(data: bytes, budget: int) -> FileFacts:
    """The facts of a file too big to parse within ``budget`` bytes of memory: a ``too-large``
    diagnostic, and what the tokenizer (which needs little memory) still sees, as suspects."""
    text, _ = decode_source(data)
    need = len(data) * PARSE_MEMORY_FACTOR
    return FileFacts(problems=(("too-large", None, f"parsing would take about {need // 1_000_000} MB, over "
                                f"max_parse_memory ({budget // 1_000_000} MB): only its tokens are read"),),
                     unparsed=scan_tokens(text if text is not None else data.decode("utf-8", "replace")))


def give_back_memory() -> None:
    """Hand freed heap pages back to the system (glibc only; elsewhere nothing happens).

    Source bytes are allocated by the C library, not by Python's small-object allocator, so
    once they are freed Python's own objects cannot reuse their pages, and the C library keeps
    them: without this the bytes of a 100,000-file tree stay in the process's memory after
    the audit has let go of them."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # another C library (musl): no such call
        pass


def read_file(root: str, f: SourceFile, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    """The bytes of ``f`` (``root``-relative), or the diagnostic saying why not.

    The file is opened without following a link and without blocking, and read only if it is
    still a regular file: the tree may change under the audit, and a FIFO must never hang it.
    """
    if f.size > limit:
        return None, Diagnostic(f.path, "too-large", None, f"{f.size} bytes is over max_file_size ({limit})")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(os.path.join(root, f.fs_path or f.path), flags)
    except OSError as exc:
        return None, Diagnostic(f.path, "read-error", None, f"cannot read: {exc.strerror}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, Diagnostic(f.path, "read-error", None, "not a regular file any more: not read")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # Ask for the size the file has (plus one byte, to see it grow), not for the limit: a
            # buffer of max_file_size per file would be its own memory mapping, and 100,000 of
            # them exhaust the kernel's map count.
            data = handle.read(min(info.st_size, limit) + 1)
            if len(data) > info.st_size and len(data) <= limit:  # it grew while read: read the rest
                data += handle.read(limit + 1 - len(data))
    except OSError as exc:
        return None, Diagnostic(f.path, "read-error", None, f"cannot read: {exc.strerror}")
    finally:
        os.close(fd)
    if len(data) > limit:  # grew since discovery
        return None, Diagnostic(f.path, "too-large", None, f"over max_file_size ({limit})")
    return data, None


# What the workers of each forked_map call inherit, by call: a worker holds it from the moment
# it is forked, so it never goes through the pool's pipes (the bytes of 10,000 files are 17 MB:
# pickled, written and read back, 50 ms of CPU of the parent and the workers).
_INHERITED: dict[int, Any] = {}
_CALLS = itertools.count()


def _inherited(function: Callable[[Any, Any], Any], call: int, item: Any) -> Any:
    return function(_INHERITED[call], item)


def forked_map(function: Callable[[Any, Any], Any], shared: Any, items: Iterable[Any], workers: int,
               chunksize: int = 1) -> Iterator[Any]:
    """``function(shared, item)`` for each of ``items``, in order, on ``workers`` processes forked
    once ``shared`` is registered: they inherit it, and only the items go through the pipes.
    ``function`` is a module-level function (a worker finds it by name). POSIX only (fork)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    call = next(_CALLS)
    _INHERITED[call] = shared
    # A forked worker's collections would walk every object it inherited, and writing their
    # headers copies the parent's pages into the worker: frozen, the collector leaves them be.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(functools.partial(_inherited, function, call), items, chunksize=chunksize)
    finally:
        _INHERITED.pop(call, None)
        gc.unfreeze()


def _parse_inherited(full: bool, blobs: list[bytes], index: int) -> FileFacts:
    return uncollected(parse_source if full else parse_imports, blobs[index])


def _advancing(results: Iterable[FileFacts], bar: Any) -> list[FileFacts]:
    """``results`` as a list, ``bar`` (a tqdm bar, or None) advanced one step per result."""
    out = []
    for facts in results:
        out.append(facts)
        if bar is not None:
            bar.update()
    return out


def parse_many(blobs: list[bytes], jobs: int | None = None, bar: Any = None, full: bool = True, *,
               scheduler: Any = None) -> list[FileFacts]:
    """:func:`~wsaudit.engine.parse.parse_source` (``full``) or
    :func:`~wsaudit.engine.imports_only.parse_imports` of each blob, in order; on every core
    when there are enough of them; ``bar`` (a tqdm bar) advances one step per blob.

    ``scheduler``: a Dask scheduler address, ``"local"`` or a ``distributed.Client``: the
    blobs are parsed as Dask tasks (:mod:`wsaudit.engine.scaleout`), however few they are, and
    the facts are the same.
    """
    if scheduler is not None:
        from wsaudit.engine.scaleout import parse_distributed

        out = parse_distributed(blobs, scheduler, jobs=jobs, full=full)
        if bar is not None:
            bar.update(len(out))
        return out
    parse = functools.partial(uncollected, parse_source if full else parse_imports)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(blobs) < PARALLEL_THRESHOLD:
        return _advancing(map(parse, blobs), bar)
    if os.name == "posix":  # forked workers parse the blobs they inherited, by index
        return _advancing(forked_map(functools.partial(_parse_inherited, full), blobs, range(len(blobs)), workers,
                                     chunksize=32), bar)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return _advancing(pool.map(parse, blobs, chunksize=32), bar)


class FactStore:
    """The bytes of every readable file of the tree and, as they are asked for, their facts.

    Use as a context manager (or call :meth:`close`): the cache stays open while it lives.
    ``scheduler`` (a Dask scheduler address, ``"local"`` or a client) parses on Dask.
    """

    def __init__(self, root: str | Path, files: Iterable[SourceFile], config: Config, *, cache: bool = True,
                 cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False,
                 lazy: bool = False, scheduler: Any = None):
        """``lazy``: read no file now; :meth:`get` reads one when its facts are asked for (an
        audit answered from the whole-tree result keeps such a store for ``Audit.facts``).
        ``scheduler``: parse as Dask tasks (see :func:`parse_many`)."""
        self.root = Path(root)
        self.files = list(files)
        self.blobs: dict[str, bytes] = {}
        self.read_problems: list[Diagnostic] = []
        self._limit = config.max_file_size
        self._lazy = {f.path: f for f in self.files} if lazy else {}
        base = os.fspath(root)
        for f in () if lazy else self.files:
            data, problem = read_file(base, f, config.max_file_size)
            if data is not None:
                self.blobs[f.path] = data
            elif problem is not None:  # (one of the two, always)
                self.read_problems.append(problem)
        self.read = set(self.blobs)  # the paths read (so far, in a lazy store), whether their bytes are kept or not
        self.facts: dict[str, FileFacts] = {}
        self.cache = FactsCache(self.root / (cache_dir or config.cache_dir), self.root) if cache else None
        self.notices = [self.cache.refused] if self.cache is not None and self.cache.refused else []
        self.jobs = jobs
        self.budget = config.max_parse_memory
        self.scheduler = scheduler
        self._stack = contextlib.ExitStack()  # the Dask client, opened once for the store's batches
        self._client: Any = None
        self.bar = None  # one bar for the whole tree, whichever pass reads a file
        if progress:
            from tqdm import tqdm

            self.bar = tqdm(total=len(self.blobs), desc="parsing", unit="file", leave=False)

    def __enter__(self) -> FactStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _dask(self) -> Any:
        """The Dask client for ``scheduler`` (None without one), started on first use."""
        if self.scheduler is None:
            return None
        if self._client is None:
            from wsaudit.engine.scaleout import connect

            self._client = self._stack.enter_context(connect(self.scheduler, self.jobs))
        return self._client

    def close(self) -> None:
        self._stack.close()
        self._client = None
        if self.cache is not None:
            self.cache.close()
            self.cache = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def load(self, paths: Iterable[str]) -> None:
        """Full facts for ``paths``, as one batch: one cache query, and parsing on all cores if many."""
        paths = [p for p in dict.fromkeys(paths) if not self.has_full(p)]
        self._read_again(paths)
        self._load([p for p in paths if p in self.blobs], True)

    def load_imports(self, paths: Iterable[str]) -> None:
        """At least the imports of ``paths`` (the cheap pass, for files that cannot hold a
        violation); files whose full facts are loaded keep them."""
        paths = [p for p in dict.fromkeys(paths) if p not in self.facts]
        self._read_again(paths)
        self._load([p for p in paths if p in self.blobs], False)

    def read_now(self, paths: Iterable[str]) -> bool:
        """Read ``paths`` now, in a lazy store (their bytes are searched, as an eager store's
        are): whether every one of them could be read."""
        paths = list(paths)
        self._read_again(paths)
        return all(p in self.blobs for p in paths)

    def _read_again(self, paths: Iterable[str]) -> None:
        """Read those of ``paths`` that are not read yet (a lazy store) or whose bytes were let go."""
        for path in paths:
            if path in self._lazy:
                data, _ = read_file(os.fspath(self.root), self._lazy.pop(path), self._limit)
                if data is not None:
                    self.blobs[path] = data
                    self.read.add(path)
                elif not self.has_full(path):  # gone since the audit read it: no full facts to give
                    self.facts.pop(path, None)
                    self.read.discard(path)

    def has_full(self, path: str) -> bool:
        """Whether the full facts of ``path`` are loaded."""
        facts = self.facts.get(path)
        return facts is not None and facts.complete

    def _load(self, todo: list[str], full: bool) -> None:
        if not todo:
            return
        first_time = sum(1 for p in todo if p not in self.facts)  # an upgrade to full facts is not progress
        big = [p for p in todo if len(self.blobs[p]) * PARSE_MEMORY_FACTOR > self.budget]
        for p in big:  # depends on the configuration, so never cached
            self.facts[p] = degraded(self.blobs[p], self.budget)
        todo = [p for p in todo if p not in big]
        keys = {p: key(self.blobs[p], full) for p in todo}
        known = self.cache.get_many(keys.values()) if self.cache else {}
        missing = [p for p in todo if keys[p] not in known]
        every_first = first_time == len(todo) + len(big)
        if self.bar is not None:  # the files parsed below advance it themselves, when all are new
            self.bar.update(first_time - len(missing) if every_first else first_time)
        bar = self.bar if every_first else None
        fresh = dict(zip((keys[p] for p in missing),
                         parse_many([self.blobs[p] for p in missing], self.jobs, bar, full,
                                    scheduler=self._dask() if missing else None)))
        if self.cache:
            self.cache.put_many(fresh)
        known.update(fresh)
        for p in todo:
            self.facts[p] = known[keys[p]]

    def load_all(self) -> dict[str, FileFacts]:
        """Facts for every readable file (path -> facts, in path order)."""
        self.load(self.blobs)
        return self.facts

    def forget_bytes(self) -> None:
        """Let go of the bytes read (a tree of 100,000 files holds about 200 MB of them) once
        every file has its facts: a file without full facts is read again, as a lazy store
        reads it, if they are asked for."""
        by_path = {f.path: f for f in self.files}
        self._lazy.update({p: by_path[p] for p in self.blobs if not self.has_full(p)})
        self.blobs = {}
        give_back_memory()

    def release(self) -> None:
        """Forget what only the audit needed: the bytes (see :meth:`forget_bytes`) and the
        facts of the files read only for their imports (their import records are made by then)."""
        self.forget_bytes()
        for path in self._lazy:
            facts = self.facts.get(path)
            if facts is not None and not facts.complete:
                del self.facts[path]

    def readable(self, path: str) -> bool:
        """Whether ``path`` was read (or, in a lazy store, has been read so far)."""
        return path in self.read

    def get(self, path: str) -> FileFacts | None:
        """The full facts of ``path``, parsed now if needed; None when it could not be read."""
        if not self.has_full(path):
            self.load([path])
        return self.facts.get(path)

    def full_view(self) -> FullFacts:
        """``path -> full facts`` of every readable file, parsing a file read only for its
        imports when it is first asked for (after :meth:`close`, without the cache)."""
        return FullFacts(self)

    def diagnostics(self) -> list[Diagnostic]:
        """Files that could not be read, and problems of the files parsed so far (unsorted)."""
        out = list(self.read_problems)
        for path, facts in self.facts.items():
            out += [Diagnostic(path, kind, line, message) for kind, line, message in facts.problems]
        return out


class FullFacts(Mapping[str, FileFacts]):
    """The full facts of every readable file of a store, parsed on first access where the
    audit read only a file's imports (see :meth:`FactStore.full_view`)."""

    def __init__(self, store: FactStore):
        self._store = store

    def __getitem__(self, path: str) -> FileFacts:
        facts = self._store.get(path)
        if facts is None:
            raise KeyError(path)
        return facts

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        if path in self._store._lazy:
            self._store.get(path)
        return self._store.readable(path)

    def __iter__(self) -> Iterator[str]:
        # a lazy store reads its files to know which can be read, and whoever iterates wants
        # every file's facts: parsed as one batch, on every core (one by one, a scan's 10,000
        # files read for their imports took 14 s to iterate under the codemod's plan)
        self._store.load(list(self._store._lazy))
        return iter([f.path for f in self._store.files if self._store.readable(f.path)])

    def __len__(self) -> int:
        return sum(1 for _ in self)
