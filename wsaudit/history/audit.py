"""The use case of ``wsaudit history``: the audit of every commit of a range, read from git objects.

The use case composing the engine (:mod:`wsaudit.history.git` reads commits, trees and
blobs; :mod:`wsaudit.history.trees` discovers a commit's files and configuration;
:mod:`wsaudit.history.blobs` parses each distinct blob once; :mod:`wsaudit.history.commits`
audits commit after commit, incrementally where exact) with the analyses (tiers from
:mod:`wsaudit.analysis.rank`, steps and flags from :mod:`wsaudit.history.steps`).

It runs in three passes: (1) walk the commits: each tree is listed once (``ls-tree`` for the
first, ``diff-tree`` from one commit to the next) with its configuration and the files to audit;
(2) read every distinct blob needed, and parse in full, in one batch (on every core, or as Dask
tasks), the blobs that later commits bring (a changed file is always read in full); (3) audit
the commits in order and explain each step. The first commit's blobs are parsed as a scan
parses a tree: in full where a violation can be, for their imports only elsewhere. Nothing is checked out and nothing is
written into the repository but the facts cache (``--no-cache``: not even that).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.history.steps import (
    CommitView,
    Step,
    TierTracker,
    commit_counts,
    explain_step,
    pair_renames,
)
from wsaudit.config import Config, load
from wsaudit.history.blobs import BlobFacts, CommitFacts
from wsaudit.history.commits import TreeAudit, audit_commit_tree
from wsaudit.history.git import GITLINK_MODE, LINK_MODE, Change, Commit, Entry, Repository
from wsaudit.history.trees import LINK_TARGET_MAX, LINK_TOO_LONG, TreeDiscovery, missing_blob, tree_config
from wsaudit.engine.results import GraphPart, TreeResult
from wsaudit.errors import ConfigError, UsageError
from wsaudit.model import Diagnostic, Notice, SourceFile

if TYPE_CHECKING:
    from wsaudit.api import Audit

DEFAULT_MAX_COMMITS = 1000
_READ_BATCH = 4000  # blobs read and parsed per batch: bounds the bytes held at once
_READ_BYTES = 128_000_000  # and the bytes of a batch (a blob larger than that is a batch of its own)


@dataclass
class CommitRecord:
    """One commit of the history: its counts and step, or why it could not be audited."""

    commit: Commit
    config: str | None = None
    counts: dict[str, Any] | None = None
    step: Step | None = None
    compared_with: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    mode: str | None = field(default=None, repr=False)  # how the engine audited it: "full" or "incremental"

    def row(self) -> dict[str, Any]:
        """The commit's object in ``wsaudit history --format json`` (docs/json.md, "JSON of history")."""
        counts = self.counts or dict.fromkeys(("files", "parsed", "diagnostics", "violations", "by_category",
                                               "by_tier", "by_area", "by_rule", "definitions", "suspects"))
        return {"commit": self.commit.oid, "date": self.commit.date, "subject": self.commit.subject,
                "config": self.config, **counts, "step": self.step.row() if self.step else None,
                "compared_with": self.compared_with, "error": self.error, "warnings": list(self.warnings)}


@dataclass
class History:
    """The commits of a range, oldest first, each with its counts and the step from the one before."""

    range: str
    first_parent: bool
    config: str
    commits: list[CommitRecord]
    notices: list[Notice] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)  # work done (blobs parsed, rankings): not in the document

    def document(self) -> dict[str, Any]:
        return {"version": 1, "range": self.range, "first_parent": self.first_parent, "config": self.config,
                "commits": [c.row() for c in self.commits], "warnings": [n.row() for n in self.notices]}


# ---------------------------------------------------------------------------- walking the trees


@dataclass
class _Tree:
    """A commit's tree under the audited folder, with git's renames since the previous one."""

    commit: Commit
    entries: dict[str, Entry] | None  # None: unreadable
    renames: list[tuple[str, str]]
    problem: str | None = None


def _walk(repo: Repository, commits: list[Commit | None], oids: list[str], record: list | None = None,
          replay: list | None = None) -> Iterator[_Tree]:
    """Each commit's tree: ``ls-tree`` for the first, then ``diff-tree`` from the last readable
    one (``record`` keeps what git said, ``replay`` says it again without asking git)."""
    entries: dict[str, Entry] | None = None
    last: str | None = None
    for i, (oid, info) in enumerate(zip(oids, commits)):
        commit = info or Commit(oid, "", (), "", "")
        if info is None:
            if record is not None:
                record.append(None)
            yield _Tree(commit, None, [], "cannot read the commit object (damaged repository: run git fsck)")
            continue
        said = replay[i] if replay is not None else _ask(repo, last, oid)
        if record is not None:
            record.append(said)
        kind, payload = said
        if kind == "error":
            entries, last = None, None
            yield _Tree(commit, None, [], payload)
            continue
        if kind == "list":
            entries = dict(payload)
            renames: list[tuple[str, str]] = []
        else:
            entries = dict(entries or {})
            renames = _apply(entries, payload)
        last = oid
        yield _Tree(commit, entries, renames)


def _ask(repo: Repository, last: str | None, oid: str) -> tuple[str, Any]:
    if last is not None:
        for renames in (True, False):  # -M reads blobs: without them (a partial clone), exact pairs only
            changes = repo.diff_tree(last, oid, renames=renames)
            if not isinstance(changes, str):
                return ("diff", changes)
    listing = repo.list_tree(oid)
    return ("error", listing) if isinstance(listing, str) else ("list", listing)


def _apply(entries: dict[str, Entry], changes: list[Change]) -> list[tuple[str, str]]:
    renames = []
    for c in changes:
        if c.old_path is not None and c.status in ("D", "R"):
            entries.pop(c.old_path, None)
        if c.new_path is not None and c.status != "D":
            entries[c.new_path] = Entry(c.new_mode, c.new_oid)
        if c.status == "R":
            renames.append((c.old_path, c.new_path))
    return renames


# ---------------------------------------------------------------------------- one run


class _Reader:
    """Configurations, discoveries and blobs of one history run, each computed once."""

    def __init__(self, repo: Repository, fixed: Config | None, root_name: str, blobs: BlobFacts):
        self.repo, self.fixed, self.root_name, self.blobs = repo, fixed, root_name, blobs
        self.configs: dict[tuple, Config | ConfigError] = {}
        self.discoveries: dict[Config, TreeDiscovery] = {}
        self.sizes: dict[str, tuple[str, int] | None] = {}
        self.links: dict[str, str | None] = {}
        self.missing: set[str] = set()

    def config(self, entries: dict[str, Entry]) -> Config:
        if self.fixed is not None:
            return self.fixed
        which = tuple(entries.get(n) for n in ("wsaudit.toml", "pyproject.toml"))
        if which not in self.configs:
            try:
                self.configs[which] = tree_config(entries, self._read_one, self._blob_size)
            except ConfigError as exc:
                self.configs[which] = exc
        found = self.configs[which]
        if isinstance(found, ConfigError):
            raise found
        return found

    def _size(self, oid: str) -> int | None:
        known = self.sizes.get(oid)
        return known[1] if known is not None and known[0] == "blob" else None

    def _read_one(self, oid: str) -> bytes | None:
        return None if oid in self.missing else self.repo.read([oid]).get(oid)

    def _blob_size(self, oid: str) -> int | None:
        """A blob's size from ``cat-file --batch-check`` (nothing read), None when it is not a
        blob of this clone."""
        if oid not in self.sizes and oid not in self.missing:
            self.sizes.update(self.repo.sizes([oid]))
        return self._size(oid)

    def _link(self, oid: str) -> str | None:
        if oid not in self.links:
            size = self._blob_size(oid)
            if size is not None and size > LINK_TARGET_MAX:  # never read: a checkout cannot have it either
                self.links[oid] = LINK_TOO_LONG
            else:
                data = self._read_one(oid) if size is not None else None
                self.links[oid] = data.decode("utf-8", "surrogateescape") if data is not None else None
        return self.links[oid]

    def tree_files(self, entries: dict[str, Entry], config: Config
                   ) -> tuple[list[SourceFile], list[Diagnostic], dict[str, str]]:
        """The files a checkout's scan would audit, their read problems, and ``path -> blob id``."""
        discovery = self.discoveries.get(config)
        if discovery is None:
            discovery = self.discoveries[config] = TreeDiscovery(config, self.root_name)
        wanted = [e.oid for p, e in entries.items() if p.endswith(".py") and e.mode not in (LINK_MODE, GITLINK_MODE)
                  and e.oid not in self.sizes and e.oid not in self.missing]
        if wanted:
            self.sizes.update(self.repo.sizes(wanted))
        files, diagnostics, oids = discovery.discover(entries, self._size, self._link)
        limit = config.max_file_size
        for f in files:
            oid = oids[f.path]
            known = self.sizes.get(oid)
            if oid in self.missing or (known is None and oid in self.sizes):
                diagnostics.append(missing_blob(f.path, oid))
            elif known is not None and known[0] != "blob":
                diagnostics.append(Diagnostic(f.path, "read-error", None, f"cannot read: a {known[0]}, not a file"))
            elif f.size > limit:
                diagnostics.append(Diagnostic(f.path, "too-large", None, f"{f.size} bytes is over max_file_size "
                                              f"({limit})"))
        return files, diagnostics, oids

    def readable(self, files: list[SourceFile], oids: dict[str, str], config: Config) -> dict[str, str]:
        """``path -> blob id`` of the files whose bytes can be read (a blob, present, within the size limit)."""
        out = {}
        for f in files:
            oid = oids[f.path]
            known = self.sizes.get(oid)
            if oid not in self.missing and known is not None and known[0] == "blob" and f.size <= config.max_file_size:
                out[f.path] = oid
        return out

    def parse(self, oids: list[str], full: Iterable[str] = ()) -> None:
        """Read the blobs not read yet, and make the full facts of those of ``full``, in batches
        of at most :data:`_READ_BATCH` blobs and :data:`_READ_BYTES` bytes (each blob is within
        max_file_size already, but a commit's configuration may raise that, and thousands of
        large blobs compress to little)."""
        full = set(full)
        todo = [o for o in dict.fromkeys(oids) if o not in self.blobs]
        while todo:
            size = 0
            for count, oid in enumerate(todo[:_READ_BATCH]):
                size += self._size(oid) or 0
                if size > _READ_BYTES and count:
                    break
            else:
                count = len(todo[:_READ_BATCH])
            chunk, todo = todo[:count], todo[count:]
            data = self.repo.read(chunk)
            read = {o: b for o, b in data.items() if b is not None}
            self.blobs.add(read)
            self.blobs.load(o for o in read if o in full)
            for o in chunk:  # the clone lost it between the size check and the read
                if data.get(o) is None:
                    self.missing.add(o)


def _select(oids: list[str], every: int, max_commits: int) -> tuple[list[str], list[Notice]]:
    """Every ``every``-th commit counted from the newest (which is always kept), then the newest ``max_commits``.

    >>> _select(["a", "b", "c", "d", "e"], 2, 10)[0], _select(["a", "b", "c"], 1, 2)[0]
    (['a', 'c', 'e'], ['b', 'c'])
    """
    picked = [o for i, o in enumerate(oids) if (len(oids) - 1 - i) % every == 0]
    notices = []
    if len(picked) > max_commits:
        notices.append(Notice("truncated", None, f"{len(picked)} commits selected; the newest {max_commits} are "
                              "audited (raise --max-commits, or sample with --every N, --since, --rev-range)"))
        picked = picked[-max_commits:]
    return picked, notices


def _cache_folder(path: Path, fixed: Config | None, cache: bool, cache_dir: str | Path | None) -> Path | None:
    if not cache:
        return None
    # never a commit's own cache_dir: a commit's configuration is untrusted, and must not choose
    # where wsaudit writes
    return path / (cache_dir or (fixed.cache_dir if fixed is not None else Config().cache_dir))


@contextlib.contextmanager
def _dask(scheduler: Any, jobs: int | None):
    if scheduler is None:
        yield None
        return
    from wsaudit.engine.scaleout import connect

    with connect(scheduler, jobs) as client:
        yield client


def history(path: str | Path = ".", *, rev_range: str | None = None, first_parent: bool = False, every: int = 1,
            since: str | None = None, until: str | None = None, max_commits: int = DEFAULT_MAX_COMMITS,
            config: Config | str | Path | None = None, cache: bool = True, cache_dir: str | Path | None = None,
            jobs: int | None = None, progress: bool = False, scheduler: Any = None) -> History:
    """Audit every commit of ``rev_range`` (default: the first-parent history of ``HEAD``).

    Parameters
    ----------
    path : str or Path
        A folder of a git repository (its top, a sub-folder to audit only that, or a bare
        repository). The repository is read with git's plumbing; nothing is checked out.
    rev_range : str, optional
        What ``git rev-list`` takes: ``A..B``, a branch, a tag. Commits are audited oldest first.
    first_parent : bool
        Follow only the first parent of merges (implied without ``rev_range``).
    every, since, until, max_commits
        Keep every N-th commit (counted from the newest, which is always kept), commits in a
        date window (git's ``--since``/``--until``), and at most the newest ``max_commits``.
    config : Config, str, Path or None
        One configuration for every commit; None: each commit's own ``wsaudit.toml`` or
        ``[tool.wsaudit]``, else the built-in profile. A commit whose configuration is invalid
        is an error row; the others are still audited.
    cache, cache_dir, jobs, progress
        As for :func:`wsaudit.audit` (the progress bar counts commits).
    scheduler : str or distributed.Client, optional
        Audit on Dask (an address, ``"local"`` or a client): one task per range of commits, each
        read by its worker from the repository at ``path`` (a path every worker can see,
        :mod:`wsaudit.history.ranges`); the document is the same.
    """
    if every < 1 or max_commits < 1:
        raise UsageError("--every and --max-commits must be at least 1")
    root = Path(path)
    fixed = config if isinstance(config, Config) or config is None else load(root, config)
    shown = "per-commit (wsaudit.toml or [tool.wsaudit] of each commit)" if fixed is None else fixed.source
    with Repository.open(root) as repo:
        follow = first_parent or rev_range is None
        selected, notices = _select(repo.rev_list(rev_range, first_parent=follow, since=since, until=until),
                                    every, max_commits)
    if scheduler is not None:  # one Dask task per range of commits (wsaudit.history.ranges)
        from wsaudit.history.ranges import audit_ranges

        with _dask(scheduler, jobs) as client:
            where = str(Path(cache_dir).resolve()) if cache_dir is not None else None  # workers start elsewhere
            records, stats = audit_ranges(_audit_range, (str(root.resolve()), fixed, cache, where), selected, client,
                                          progress)
    else:
        records, stats = _audit_selected(root, fixed, selected, cache, cache_dir, jobs, progress)
    return History(rev_range or "HEAD", follow, shown, records, notices, stats)


def _audit_range(root: str, fixed: Config | None, cache: bool, cache_dir: str | Path | None, selected: list[str]
                 ) -> tuple[list[CommitRecord], dict[str, int]]:
    """A range of commits audited on a Dask worker, in one process (:mod:`wsaudit.history.ranges`)."""
    return _audit_selected(Path(root), fixed, selected, cache, cache_dir, 1, False)


def _audit_selected(root: Path, fixed: Config | None, selected: list[str], cache: bool, cache_dir: str | Path | None,
                    jobs: int | None, progress: bool) -> tuple[list[CommitRecord], dict[str, int]]:
    """The records of the ``selected`` commits, oldest first, and the work done."""
    with Repository.open(root) as repo:
        infos = repo.commits(selected)
        blobs = BlobFacts(_cache_folder(root, fixed, cache, cache_dir), jobs=jobs, progress=progress, root=root)
        try:
            reader = _Reader(repo, fixed, root.resolve().name, blobs)
            reader.missing = repo.missing_objects(selected)
            commits = [infos[o] for o in selected]
            said: list = []
            needed: list[str] = []
            first: set[str] | None = None  # the blobs of the first commit audited: searched as a scan searches
            for tree in _walk(repo, commits, selected, record=said):  # pass 1: trees, configurations, files
                if tree.entries is None:
                    continue
                try:
                    cfg = reader.config(tree.entries)
                except ConfigError:
                    continue
                files, _, oids = reader.tree_files(tree.entries, cfg)
                readable = reader.readable(files, oids, cfg).values()
                if first is None:
                    first = set(readable)
                needed += readable
            # pass 2: every distinct blob read once; those the first commit has not, parsed in full
            reader.parse(needed, full=(o for o in needed if first is not None and o not in first))
            records, tracker = _audit_commits(reader, commits, selected, said, progress)  # pass 3
        finally:
            blobs.close()
    return records, {"blobs_parsed": blobs.parsed, "blobs_parsed_imports": blobs.parsed_imports, "blobs": len(blobs),
                     "rankings": tracker.rankings,
                     "incremental": sum(1 for r in records if r.mode == "incremental")}


def _audit_commits(reader: _Reader, commits: list[Commit | None], selected: list[str], said: list, progress: bool
                   ) -> tuple[list[CommitRecord], TierTracker]:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(selected), desc="commits", unit="commit", leave=False)
    records: list[CommitRecord] = []
    previous: TreeAudit | None = None
    view: CommitView | None = None
    last_good: str | None = None
    tracker = TierTracker()
    pending: dict[str, str] = {}  # git's renames since the last audited commit, composed
    try:
        for tree in _walk(reader.repo, commits, selected, replay=said):
            if bar is not None:
                bar.update()
            record = CommitRecord(tree.commit)
            records.append(record)
            if tree.entries is None:
                record.error, pending = tree.problem, {}
                continue
            for old, new in tree.renames:
                source = next((a for a, b in pending.items() if b == old), old)
                pending.pop(source, None)
                pending[source] = new
            try:
                cfg = reader.config(tree.entries)
            except ConfigError as exc:
                record.error = "invalid configuration: " + "; ".join(exc.lines())
                continue
            record.config = cfg.source
            audited = _audit_one(reader, tree.entries, cfg, previous)
            record.mode = audited.mode
            tiers = None
            try:
                tiers = tracker.update(audited.graph, cfg, audited.graph_changed)
            except ConfigError as exc:  # e.g. the Golden Path does not exist yet in this commit
                tracker.key = None
                record.warnings.append("not ranked: " + "; ".join(exc.lines()))
            record.counts = commit_counts(cfg, len(audited.files), len(audited.parsed), len(audited.diagnostics),
                                          audited.violations, len(audited.definitions), len(audited.suspects), tiers)
            current = CommitView(audited.oids, audited.parsed, tuple(audited.violations), tuple(audited.definitions))
            if view is not None:
                record.step = explain_step(view, current, pair_renames(view.oids, current.oids, pending.items()))
                record.compared_with = last_good
            previous, view, last_good, pending = audited, current, tree.commit.oid, {}
    finally:
        if bar is not None:
            bar.close()
    return records, tracker


def _audit_one(reader: _Reader, entries: dict[str, Entry], config: Config, previous: TreeAudit | None) -> TreeAudit:
    files, diagnostics, oids = reader.tree_files(entries, config)
    readable = reader.readable(files, oids, config)
    reader.parse(list(readable.values()))  # anything pass 2 did not know (nothing, normally)
    facts = CommitFacts({p: o for p, o in readable.items() if o in reader.blobs}, reader.blobs)
    for f in files:  # read in pass 1, gone from the clone by now
        if f.path in readable and f.path not in facts:
            diagnostics.append(missing_blob(f.path, oids[f.path]))
    return audit_commit_tree(config, files, oids, facts, diagnostics, previous)


def audit_commit(path: str | Path, commit: str = "HEAD", config: Config | str | Path | None = None, *,
                 cache: bool = True, cache_dir: str | Path | None = None, jobs: int | None = None,
                 scheduler: Any = None) -> Audit:
    """The :class:`~wsaudit.api.Audit` of one commit's tree, read from git objects: what
    :func:`wsaudit.audit` gives for a checkout of it (the start of a plan, in the burndown)."""
    from wsaudit.api import Audit

    root = Path(path)
    fixed = config if isinstance(config, Config) or config is None else load(root, config)
    with Repository.open(root) as repo, _dask(scheduler, jobs) as client:
        oid = [repo.resolve(commit)]
        info = repo.commits(oid)[oid[0]]
        blobs = BlobFacts(_cache_folder(root, fixed, cache, cache_dir), jobs=jobs, scheduler=client, root=root)
        try:
            reader = _Reader(repo, fixed, root.resolve().name, blobs)
            reader.missing = repo.missing_objects(oid)
            tree = next(_walk(repo, [info], oid))
            if tree.entries is None:
                raise UsageError(f"{commit}: {tree.problem}")
            cfg = reader.config(tree.entries)
            audited = _audit_one(reader, tree.entries, cfg, None)
        finally:
            blobs.close()
    notices = list(audited.notices)
    result = TreeResult(tuple(audited.files), tuple(audited.violations), tuple(audited.diagnostics),
                        tuple(audited.definitions), tuple(audited.suspects), audited.targets, (),
                        tuple(f.path for f in audited.files if f.path not in audited.facts),
                        graph=GraphPart(records=audited.import_records(),
                                        loc=audited.loc()),
                        facts=audited.facts, how="given", table=audited.table)
    return Audit(root, cfg, result, notices, graph=audited.graph)
