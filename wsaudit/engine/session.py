"""The engine's front door: one call audits a tree, and every use case above the engine makes it.

:func:`audit_tree` runs the stages in the order data flows through them (the module table,
name resolution, the candidate search, detection, the import records) for a :class:`Tree`,
and returns a :class:`~wsaudit.engine.results.TreeResult`. A tree is either a folder, whose
files are read through :class:`~wsaudit.engine.store.FactStore`, or files whose facts are
given in memory (a commit's blobs, a tree that the codemod is rewriting).

A folder audited with the cache on costs what its changes since the last stored result ask for,
tried in this order (``TreeResult.how`` says which answered):

``stored``
    the tree's stat index is that of a stored result: that result, no file read;
``patched``
    the same files, some of them edited: only they, and the files whose answers read them,
    are detected again (:func:`wsaudit.engine.patch.patch`);
``replayed``
    the candidate search of the latest result, replayed on the files it parsed in full and
    the changed files alone: right as long as no new deprecated name turns up;
``searched``
    the candidate search over every file (what an unchanged file contributed by its bytes
    alone, its import records and problems, still comes from the latest result).

``complete`` parses and detects every file instead of searching; ``given`` is a tree of
facts in memory. Without import records (``imports=False``, the CI gate), a folder is searched
and only the files that can hold a violation, and what resolution reads, are parsed.

What the tree may and may not do to a run (it is untrusted input: its files, names,
configuration, a cache found in it) is ``docs/threat-model.md``; the shapes of what the
commands print from a result, ``docs/json.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config
from wsaudit.engine.cache import FactsCache
from wsaudit.engine.discover import discover
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.results import (
    GraphPart,
    PartMissing,
    TreeResult,
    decode_parts,
    earlier_rows,
    encode_parts,
    graph_text,
    group_lines,
    latest_key,
    racy,
    stat_index,
    tree_key,
    unchanged_files,
)
from wsaudit.engine.store import FactStore
from wsaudit.engine.suppress import suppress
from wsaudit.model import Diagnostic, FileFacts, Notice, SourceFile, Suppression, Violation

if TYPE_CHECKING:
    from wsaudit.engine.detect import Detection
    from wsaudit.engine.resolve import Resolver

__all__ = ["Reading", "Tree", "audit_tree"]


@dataclass(frozen=True)
class Tree:
    """What the engine audits: every Python file of a tree, what discovery met on the way
    (``listing``), and where the files' facts come from: the folder ``root``, or ``facts``
    (path -> facts of every readable file) given in memory."""

    files: tuple[SourceFile, ...]
    listing: tuple[Diagnostic, ...] = ()
    root: Path | None = None
    facts: Mapping[str, FileFacts] | None = None

    @classmethod
    def folder(cls, root: str | Path, config: Config) -> Tree:
        """The tree of the folder ``root``, as ``config`` discovers it."""
        files, listing = discover(Path(root), config)
        return cls(tuple(files), tuple(listing), Path(root))

    def read_later(self, config: Config) -> Mapping[str, FileFacts]:
        """Path -> the full facts of every readable file of the folder, each read and parsed
        when it is first asked for (a result stored earlier holds no facts)."""
        assert self.root is not None
        return FactStore(self.root, self.files, config, cache=False, lazy=True).full_view()


@dataclass(frozen=True)
class Reading:
    """How the files of a folder are read: through the cache (facts and stored results, in
    ``cache_dir``, by default the configuration's), on ``jobs`` processes or as Dask tasks
    (``scheduler``, see :mod:`wsaudit.engine.scaleout`), with a progress bar or not."""

    cache: bool = True
    cache_dir: str | Path | None = None
    jobs: int | None = None
    progress: bool = False
    scheduler: Any = None


def audit_tree(tree: Tree, config: Config, *, reading: Reading = Reading(), imports: bool = True,
               complete: bool = False) -> TreeResult:
    """Every violation, definition, suspect and diagnostic of ``tree``, and (with ``imports``)
    its import records: see the module's docstring for how.

    Parameters
    ----------
    tree : Tree
        A folder (``Tree.folder``) or facts in memory.
    config : Config
        The rules, and how a folder's files are read (sizes, the cache's folder).
    reading : Reading
        The cache, processes and scheduler a folder is read with.
    imports : bool
        Make the import records (the graph's edges) and store the result. Without them (the
        CI gate) only the files that can hold a violation are parsed, the diagnostics are
        those of the files parsed, and ``TreeResult.sources`` holds the bytes of the files
        with rows.
    complete : bool
        Parse every file in full up front and detect in every file; the rows are the same.

    Examples
    --------
    >>> from wsaudit.model import Rule
    >>> from wsaudit.engine.parse import parse_source
    >>> files = (SourceFile("old.py", "old", False, False, 0), SourceFile("app.py", "app", False, False, 0))
    >>> facts = {"old.py": parse_source(b"def make():\\n    pass\\n"),
    ...          "app.py": parse_source(b"from old import make\\nmake()\\n")}
    >>> found = audit_tree(Tree(files, facts=facts), Config(rules=(Rule("R1", symbol="old.make"),)))
    >>> [(v.path, v.line, v.category) for v in found.violations], found.how
    ([('app.py', 1, 'deprecated-import'), ('app.py', 2, 'deprecated-call')], 'given')
    """
    if tree.facts is not None:
        return _given(tree, tree.facts, config, imports)
    if not imports:
        found = _searched(tree, config, reading, None, set(), replay=False, key="", index=[], complete=complete,
                          imports=False)
        assert found is not None  # only a replay gives up
        return found
    return _folder(tree, config, reading, complete)


# ---------------------------------------------------------------------------- facts in memory


def _given(tree: Tree, facts: Mapping[str, FileFacts], config: Config, imports: bool) -> TreeResult:
    """Detection in every file of a tree whose facts are all given (nothing to read or store)."""
    from wsaudit.engine.detect import detect  # (see _searched)
    from wsaudit.engine.imports import direct_imports
    from wsaudit.engine.resolve import Resolver

    files = list(tree.files)
    modules = ModuleTable.of(files, facts)
    resolver = Resolver(modules, facts.get)
    found = detect(files, facts, config.rules, resolver)
    problems = [Diagnostic(path, kind, line, message) for path, ff in facts.items() for kind, line, message in ff.problems]
    records, import_problems = direct_imports(files, facts, modules) if imports else ([], [])
    diagnostics = sorted([*tree.listing, *problems, *import_problems, *found.problems], key=Diagnostic.sort_key)
    return _suppressed(TreeResult(
        tree.files, tuple(found.violations), tuple(diagnostics), tuple(found.definitions), tuple(found.suspects),
        found.targets, tuple(found.notices), tuple(f.path for f in files if f.path not in facts),
        graph=GraphPart(records=records, loc={p: ff.loc for p, ff in facts.items()}), facts=facts, how="given",
        full=tuple(p for p, ff in facts.items() if ff.complete), table=modules, resolver=resolver),
        suppressions_of(facts))


def suppressions_of(facts: Mapping[str, FileFacts]) -> list[tuple[str, Suppression]]:
    """The suppression comments of the files whose full facts these are."""
    return [(p, s) for p, ff in sorted(facts.items()) if ff.complete for s in ff.suppressions]


def _suppressed(result: TreeResult, suppressions: Sequence[tuple[str, Suppression]]) -> TreeResult:
    """``result``, whose ``violations`` are every row detection found, with the rows the tree's
    suppression comments take out moved to ``suppressed`` and an ``unused-suppression``
    diagnostic for each comment that took out nothing (:mod:`wsaudit.engine.suppress`)."""
    kept, out, unused = suppress(result.violations, suppressions)
    diagnostics = sorted([*(d for d in result.diagnostics if d.kind not in ("unused-suppression", "bad-suppression")),
                          *unused], key=Diagnostic.sort_key)
    return replace(result, violations=tuple(kept), suppressed=tuple(out), suppressions=tuple(suppressions),
                   diagnostics=tuple(diagnostics))


def _every_row(result: TreeResult) -> TreeResult:
    """``result`` with its suppressed rows back among its violations: what detection found,
    which a patch brings up to date (a comment is per file; a row's standing is not)."""
    rows = sorted([*result.violations, *(v for v, _ in result.suppressed)], key=Violation.sort_key)
    return replace(result, violations=tuple(rows), suppressed=())


# ---------------------------------------------------------------------------- a folder


def _folder(tree: Tree, config: Config, reading: Reading, complete: bool) -> TreeResult:
    """A folder's audit, with its import records, costing what its changes ask for."""
    assert tree.root is not None
    root, files = tree.root, tree.files
    results = FactsCache(root / (reading.cache_dir or config.cache_dir), root) if reading.cache else None
    index = stat_index(files) if results is not None else []
    key = tree_key(config, index, tree.listing, complete) if results is not None else ""
    stored = earlier = None  # earlier: the latest result stored for this configuration, when this tree is another
    if results is not None:
        head = results.get_result(key)
        if head is not None and results.has_part(key, "graph"):  # its graph part read when the graph is asked for
            # a graph part that cannot be read when asked for (forged, or pruned by another run
            # since): the import records of an audit made now, which are the same
            graph = GraphPart(read=partial(_stored_graph, results.folder, root, key),
                              fallback=lambda: audit_tree(tree, config, reading=replace(reading, cache=False)).graph)
            stored = decode_parts(head, graph)
        latest = results.get_result(latest_key(config, complete))
        if stored is None and latest is not None:
            head, graph_text_, index_text = (results.get_result(latest), results.get_part(latest, "graph"),
                                             results.get_part(latest, "index"))
            if head is not None and graph_text_ is not None and index_text is not None:
                earlier = decode_parts(head, GraphPart(text=graph_text_), index_text)
        elif stored is not None and latest != key:  # back to a tree seen before: the next edit is one to this tree
            results.put_result(latest_key(config, complete), key)
        results.close()
    if stored is not None:  # an unchanged tree: nothing to read, parse or resolve
        return replace(stored, files=files, facts=tree.read_later(config))
    # files whose stat entry has not changed since that result: their import records, lines of
    # code and diagnostics are taken from it (see _searched)
    unchanged = unchanged_files(earlier, index) if not complete else set()
    run = partial(_searched, tree, config, reading, earlier, key=key, index=index, complete=complete, imports=True)
    if earlier is not None and unchanged:
        patched = _patched(tree, config, reading, earlier, unchanged, key=key, index=index)
        if patched is not None:
            return patched
        if _can_replay(earlier, files, unchanged):
            replayed = run(unchanged, replay=True)
            if replayed is not None:
                return replayed
        unchanged -= set(earlier.unreadable)  # read again: it may be readable now
    found = run(unchanged, replay=False)
    assert found is not None  # only a replay gives up
    return found


def _stored_graph(folder: Path, root: Path, key: str) -> str:
    """The graph part of the result stored under ``key`` (read when the graph is asked for)."""
    cache = FactsCache(folder, root)
    try:
        graph = cache.get_part(key, "graph")
    finally:
        cache.close()
    if graph is None:
        raise PartMissing(key)
    return graph


def _lines_of_code(files: Sequence[SourceFile], facts: Mapping[str, FileFacts], earlier: Mapping[str, int]
                   ) -> dict[str, int]:
    """Each readable file's lines of code, from its facts or, for a file not parsed, ``earlier``."""
    return {f.path: facts[f.path].loc if f.path in facts else earlier[f.path]
            for f in files if f.path in facts or f.path in earlier}


def _stored(store: FactStore, config: Config, key: str, result: TreeResult, complete: bool) -> tuple[Notice, ...]:
    """Store ``result`` under ``key`` (and as the latest for ``config``) unless the cache was
    refused or a file is too fresh for its stat entry to prove it unchanged later; the notices
    of a refused cache."""
    refused = tuple(Notice("cache-refused", None, why) for why in store.notices)
    if store.cache is not None and not refused and not racy(result.files):
        head, parts = encode_parts(result)
        store.cache.put_result(key, head, parts)
        store.cache.put_result(latest_key(config, complete), key)
    return refused


def _patched(tree: Tree, config: Config, reading: Reading, earlier: TreeResult, unchanged: set[str], *,
             key: str, index: list[list[Any]]) -> TreeResult | None:
    """The audit of a tree that differs from the one of ``earlier`` (the latest stored result,
    for the same files) in some files' bytes, by :func:`wsaudit.engine.patch.patch`: only the
    edited files are read and parsed, and only they and the files whose answers read them are
    detected again; None when that cannot be done (a run that did not track, a new deprecated
    name, a file unreadable then or now). Import records, lines of code and diagnostics are
    made again for the edited files alone."""
    if earlier.reads is None or any(n.kind == "unmatched-rule" for n in earlier.notices):
        return None  # a run that did not track, or a notice made from every file's imports
    if any(d.kind == "too-deep" for d in earlier.diagnostics):
        return None  # rows cut for depth: which files' they are is only known by detecting all
    from wsaudit.engine.imports import direct_imports  # (see _searched)
    from wsaudit.engine.patch import patch
    from wsaudit.engine.resolve import Resolver

    assert tree.root is not None
    files, listing = tree.files, list(tree.listing)
    edited = [f for f in files if f.path not in unchanged]
    was_unreadable = set(earlier.unreadable)
    if any(f.path in was_unreadable for f in edited):
        return None  # the module table changes
    paths = {f.path for f in edited}
    with FactStore(tree.root, files, config, cache_dir=reading.cache_dir, jobs=reading.jobs, lazy=True) as store:
        if not store.read_now(paths):
            return None
        modules = ModuleTable.of(files, {f.path for f in files} - was_unreadable)
        found = patch(_every_row(earlier), files, edited, store, Resolver(modules, store.get, track=True),
                      config.rules)
        if found is None:
            return None
        store.load_imports(paths)
        fresh, import_problems = direct_imports(edited, store.facts, modules)
        kept, kept_loc, kept_problems = earlier_rows(earlier, unchanged, files, modules.owns, listing)
        problems = [d for d in store.diagnostics() if d.path in paths]  # the others' come from ``earlier``
        diagnostics = sorted(listing + kept_problems + problems + import_problems, key=Diagnostic.sort_key)
        full = (set(earlier.full or ()) - paths) | {p for p, f in store.facts.items() if f.complete}
        # one importer's records come from one side
        graph = graph_text({**kept, **group_lines(fresh)}, _lines_of_code(files, store.facts, kept_loc))
        result = TreeResult(
            files, tuple(found.violations), tuple(diagnostics), tuple(found.definitions), tuple(found.suspects),
            found.targets, (), earlier.unreadable, graph=GraphPart(text=graph), how="patched", index=index,
            names=earlier.names, full=tuple(sorted(full)), reads=found.reads, broken=tuple(found.broken),
            table=modules)
        suppressions = [(p, s) for p, s in earlier.suppressions if p not in paths]  # the edited files' are read now
        result = _suppressed(result, sorted(suppressions + suppressions_of(
            {p: f for p, f in store.facts.items() if p in paths})))
        refused = _stored(store, config, key, result, complete=False)
    return replace(result, notices=refused, facts=tree.read_later(config))


def _can_replay(earlier: TreeResult, files: Sequence[SourceFile], unchanged: set[str]) -> bool:
    """Whether the candidate search of ``earlier`` (the latest stored result) can be replayed
    on the files it parsed in full and the changed files alone (see :func:`_searched`)."""
    if earlier.names is None or earlier.full is None:
        return False  # a run that parsed everything: no candidate search to replay
    was_unreadable = set(earlier.unreadable)
    return not any(f.path not in unchanged and f.path in was_unreadable for f in files)


def _searched(tree: Tree, config: Config, reading: Reading, earlier: TreeResult | None, unchanged: set[str], *,
              replay: bool, key: str, index: list[list[Any]], complete: bool, imports: bool) -> TreeResult | None:
    """The audit of a folder by the candidate search (or, ``complete``, of every file), taking
    from ``earlier`` what the files in ``unchanged`` contributed that depends on their bytes
    alone.

    ``replay``: read only the changed files and those ``earlier`` parsed in full, and search
    only them for the deprecated names. That finds what a search of every file finds as long
    as the names found are among ``earlier``'s: a file it did not parse in full mentioned none
    of those and is unchanged (nor did it need a full parse for a star import or a deprecated
    module's path, which are in its bytes too). Otherwise nothing is kept and None is returned:
    a new name has to be searched for in every file.

    Without ``imports``: no file is parsed for its imports alone, nothing is stored, and the
    bytes of the files with rows are kept (``TreeResult.sources``)."""
    # resolution and detection are imported here: a run answered from the stored result (the
    # warm run of a command line, 0.2 s in all on 10,000 files) never needs them
    from wsaudit.engine.candidates import NameFilter, Trace, select_candidates
    from wsaudit.engine.detect import detect, quiet_rules, unmatched
    from wsaudit.engine.resolve import Resolution, Resolver

    assert tree.root is not None
    files = list(tree.files)
    was_unreadable = set(earlier.unreadable) if replay and earlier is not None else set()
    still_unreadable = unchanged & was_unreadable  # not read again, as the quicker path does
    unchanged = unchanged - was_unreadable
    with FactStore(tree.root, files, config, cache=reading.cache, cache_dir=reading.cache_dir, jobs=reading.jobs,
                   progress=reading.progress, scheduler=reading.scheduler, lazy=replay) as store:
        if replay:
            assert earlier is not None and earlier.full is not None
            full = set(earlier.full)
            searched = [f.path for f in files if f.path not in unchanged or f.path in full]
            if not store.read_now(p for p in searched if p not in still_unreadable):
                return None  # an unchanged file that cannot be read now: it is not what it was
            modules = ModuleTable.of(files, {f.path for f in files} - still_unreadable)
        else:
            modules = ModuleTable.of(files, store.blobs)
        # what each file's answers were read from, for the next run's patch (a result stored)
        track = imports and store.cache is not None and not complete
        resolver = Resolver(modules, store.get, track=track)
        trace = Trace()
        reads: dict[str, set[str]] | None = {} if track else None
        names: set[str] | None = None
        resolution: Resolution = resolver
        if complete:
            store.load_all()
            checked = files
        else:  # full facts where a violation can be, the imports (for the graph) everywhere else
            names = select_candidates(files, store, config.rules, resolver, trace)
            if replay and not names <= set(earlier.names if earlier is not None and earlier.names else ()):
                return None  # a new deprecated name: every file may mention it
            checked = [f for f in files if store.has_full(f.path)]
            resolution = NameFilter(resolver, names)
        if not imports:
            found = detect(checked, store.facts, config.rules, resolution)
            searched = [f.path for f in checked]
            if quiet_rules(config.rules, found, modules):  # the closest names, from every file's imports:
                store.load_imports(store.blobs)  # the same warning as a scan's (a typo gates nothing)
                found.notices = unmatched(config.rules, found, modules, files, store.facts)
            return _gate_result(tree, store, found, names, searched)
        store.load_imports(p for p in store.blobs if p not in unchanged)
        store.forget_bytes()  # every file has its facts now: before detection and the import records
        found = detect(checked, store.facts, config.rules, resolution, reads)
        if not complete:  # the closest names of a rule that matches nothing: from the whole tree
            if unchanged and quiet_rules(config.rules, found, modules):  # they need every file's imports
                store.load_imports(unchanged)
            found.notices = unmatched(config.rules, found, modules, files, store.facts)
        result = _suppressed(_with_imports(tree, store, modules, found, earlier, unchanged, still_unreadable, replay),
                             suppressions_of(store.facts))  # (a file with a suppression is parsed in full)
        store.release()  # before the result is written: the imports-only facts are done with
        result = replace(
            result, how="replayed" if replay else "complete" if complete else "searched", index=index,
            names=None if names is None else tuple(sorted(names)),
            reads=_reads(trace.read, reads, files, resolver) if reads is not None else None,
            broken=tuple(sorted(f.path for f in checked if store.facts[f.path].unparsed)) if reads is not None else None)
        refused = _stored(store, config, key, result, complete)
    return replace(result, notices=refused + result.notices, facts=store.full_view())


def _gate_result(tree: Tree, store: FactStore, found: Detection, names: set[str] | None, searched: list[str]
                 ) -> TreeResult:
    """The result of a search without import records: the rows, the problems of the files
    parsed, and the bytes of the files with rows. ``full``: the files the search parsed
    (``searched``; detection may parse a few more for resolution)."""
    diagnostics = sorted([*tree.listing, *store.diagnostics(), *found.problems], key=Diagnostic.sort_key)
    with_rows = {v.path for v in [*found.violations, *found.suspects]} | {d.path for d in found.definitions}
    refused = [Notice("cache-refused", None, why) for why in store.notices]  # the gate warns as a scan does
    return _suppressed(TreeResult(
        tree.files, tuple(found.violations), tuple(diagnostics), tuple(found.definitions), tuple(found.suspects),
        found.targets, (*refused, *found.notices), tuple(f.path for f in tree.files if f.path not in store.read),
        how="searched", names=None if names is None else tuple(sorted(names)),
        full=tuple(searched), sources={p: store.blobs[p] for p in sorted(with_rows)},
        one_line={p: ff.one_line for p in sorted(with_rows) if (ff := store.facts.get(p)) is not None and ff.complete}),
        suppressions_of(store.facts))


def _with_imports(tree: Tree, store: FactStore, modules: ModuleTable, found: Detection, earlier: TreeResult | None,
                  unchanged: set[str], still_unreadable: set[str], replay: bool) -> TreeResult:
    """The result of a search with its import records and diagnostics: those of an unchanged
    file taken from ``earlier`` (they depend on its bytes alone), the others made now."""
    from wsaudit.engine.imports import direct_imports, relative_problems

    files, facts = list(tree.files), store.facts
    # taken from that result also when its full facts were needed (a replay trusts the
    # unchanged files' stat entries for their being readable, as a warm run does)
    reused = {p for p in unchanged if replay or p in store.read}
    earlier_imports, earlier_loc, earlier_problems = (
        earlier_rows(earlier, reused | still_unreadable, files, modules.owns, tree.listing)
        if earlier is not None and (reused or still_unreadable) else ({}, {}, []))
    problems = [d for d in store.diagnostics() if d.path not in reused] + earlier_problems
    made = [f for f in files if f.path not in reused]
    loc = _lines_of_code(files, facts, earlier_loc)
    if reused:  # one importer's records come from one side
        fresh, import_problems = direct_imports(made, facts, modules)
        graph = GraphPart(text=graph_text({**earlier_imports, **group_lines(fresh)}, loc))
    else:
        # the records only when asked for (the graph, a stored result; a scan that stores
        # nothing prints none of them): their problems now, from the statements alone. The
        # facts are let go (FactStore.release): only the statements are kept for them.
        import_problems = relative_problems(made, facts, modules)
        statements = {f.path: ff for f in made if (ff := facts.get(f.path)) is not None and ff.imports}
        graph = GraphPart(make=lambda: direct_imports(made, statements, modules)[0], loc=loc)
    diagnostics = sorted([*tree.listing, *problems, *import_problems, *found.problems], key=Diagnostic.sort_key)
    return TreeResult(
        tree.files, tuple(found.violations), tuple(diagnostics), tuple(found.definitions), tuple(found.suspects),
        found.targets, tuple(found.notices), tuple(sorted({f.path for f in files} - store.read - reused)),
        graph=graph, full=tuple(sorted(p for p, f in facts.items() if f.complete)), table=modules)


def _reads(searched: Mapping[str, set[str]], detected: Mapping[str, set[str]], files: Sequence[SourceFile],
           resolver: Resolver) -> dict[str, list[int]]:
    """Per file searched or detected: what the answers of the search and of detection read."""
    from wsaudit.engine.patch import encode_reads

    every = {p: set(r) for p, r in searched.items()}
    for p, r in detected.items():
        every.setdefault(p, set()).update(r)
    return encode_reads(every, files, resolver)
