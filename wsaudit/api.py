"""The Python API: ``wsaudit.audit(path) -> Audit``.

:func:`audit` runs the engine (discover -> facts -> resolve/detect -> imports -> graph);
:class:`Audit` composes the analyses over its records on first use (ranking, simulation) and
shows them as pandas DataFrames at the edge. It holds no analysis of its own. DataFrames are
built lazily, so that the command line can render records without importing pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config, SimulateSettings, load
from wsaudit.engine.cache import FactsCache
from wsaudit.engine.discover import discover
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.results import (
    decode_graph,
    decode_parts,
    earlier_rows,
    encode_parts,
    graph_of,
    graph_text,
    group_lines,
    latest_key,
    racy,
    stat_index,
    tree_key,
    unchanged_files,
)
from wsaudit.engine.store import FactStore
from wsaudit.errors import UsageError
from wsaudit.model import (
    DIAGNOSTIC_FIELDS,
    FILE_FIELDS,
    RANK_FIELDS,
    VIOLATION_FIELDS,
    Definition,
    Diagnostic,
    DirectImport,
    FileFacts,
    FileRank,
    ModuleRank,
    Notice,
    RankedViolation,
    SourceFile,
    Violation,
)

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from wsaudit.analysis.simulate import Simulation
    from wsaudit.analysis.work import Model
    from wsaudit.engine.candidates import Trace
    from wsaudit.engine.resolve import Canon, Resolver

RANK_BY = ("violation", "file")


def _pandas():
    """pandas, for the DataFrames: it comes with the ``notebooks`` extra, not with the core
    install that the command line (and a CI gate) needs."""
    try:
        import pandas
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError("the Audit DataFrames need pandas: pip install 'wsaudit[notebooks]' "
                                  "(the records, e.g. Audit.violation_records, need nothing more)",
                                  name=exc.name) from None
    return pandas


@dataclass
class Audit:
    """The result of auditing one tree.

    Attributes
    ----------
    root : Path
        The audited folder.
    config : Config
        The configuration used.
    files : list of SourceFile
        Every Python file found, sorted by path.
    facts : dict
        Path -> :class:`~wsaudit.model.FileFacts` of every readable file.
    violation_records, diagnostic_records, import_records : lists of records
        The rows behind the DataFrames below (the import records are decoded on first use).
    graph : networkx.DiGraph
        The module import graph (see :func:`wsaudit.engine.graph.build_graph`), built on first use.
    deprecated : dict
        Rule id -> the objects a symbol rule's path resolves to (its definitions).
    definition_records : list of Definition
        Every ``def``/``class`` of a deprecated symbol (a new one is a re-introduction).
    suspect_records : list of Violation
        Uses seen by the tokenizer in files that do not parse (``resolution == "unparsed"``);
        never counted among the violations.
    notices : list of Notice
        Warnings about the audit itself: rules that match nothing, no configuration found.
    """

    root: Path
    config: Config
    files: list[SourceFile]
    facts: dict[str, FileFacts] = field(repr=False)
    violation_records: list[Violation] = field(repr=False)
    diagnostic_records: list[Diagnostic] = field(repr=False)
    import_source: Callable[[], list[DirectImport]] = field(repr=False)  # gives :attr:`import_records`
    graph_source: Callable[[list[DirectImport]], nx.DiGraph] = field(repr=False)  # builds :attr:`graph` from them
    deprecated: dict[str, frozenset[Canon]] = field(default_factory=dict, repr=False)
    definition_records: list[Definition] = field(default_factory=list, repr=False)
    suspect_records: list[Violation] = field(default_factory=list, repr=False)
    notices: list[Notice] = field(default_factory=list, repr=False)
    unreadable: list[str] | None = field(default=None, repr=False)  # paths not read; None: those not in facts

    # -- records -------------------------------------------------------------------

    @cached_property
    def import_records(self) -> list[DirectImport]:
        """One record per (import statement, imported module), on first use."""
        return self.import_source()

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The module import graph (:func:`wsaudit.engine.graph.build_graph`), built on first use:
        ``wsaudit scan`` never needs it."""
        return self.graph_source(self.import_records)

    def release_import_records(self) -> None:
        """Build the graph if it is not built yet, then let go of the import records (and of what
        gives them): for a caller that needs nothing more of them, as ``wsaudit rank``. They
        are the largest thing an audit holds besides the graph, 100 MB on a 100,000-module
        tree. Asking for :attr:`import_records` afterwards is an error."""
        self.graph  # noqa: B018  # built from them first
        self.__dict__.pop("import_records", None)
        self.import_source = self.graph_source = _released  # their closures hold the records

    @property
    def files_scanned(self) -> int:
        return len(self.files)

    @cached_property
    def module_ranks(self) -> dict[str, ModuleRank]:
        """:class:`~wsaudit.model.ModuleRank` of every module (computed once)."""
        from wsaudit.analysis.rank import rank_modules

        return rank_modules(self.graph, self.config)

    def adopt_ranking(self, module_ranks: dict[str, ModuleRank], ranked: list[RankedViolation]) -> None:
        """Take the ranking made earlier of this very audit (a snapshot's, see
        :mod:`wsaudit.snapshot`) as :attr:`module_ranks` and :attr:`ranked`, instead of ranking
        again when they are first asked for."""
        self.__dict__.update(module_ranks=module_ranks, ranked=ranked)

    @cached_property
    def ranked(self) -> list[RankedViolation]:
        """Every violation with its tier, score and chain, in rank order."""
        from wsaudit.analysis.rank import rank_violations

        return rank_violations(self.violation_records, self.graph, self.module_ranks)

    @cached_property
    def file_ranks(self) -> list[FileRank]:
        """One :class:`~wsaudit.model.FileRank` per file with violations, in rank order."""
        from wsaudit.analysis.rank import rank_files

        return rank_files(self.ranked)

    @property
    def golden_path(self) -> list[str]:
        """The Golden Path modules (configured, and imported by the Golden Path tests), sorted."""
        return sorted(m.module for m in self.module_ranks.values() if m.golden_distance == 0)

    def rank_rows(self, by: str = "violation") -> list[dict[str, Any]]:
        """Ranked rows as plain dicts: per violation (the scan row plus ``tier, score,
        golden_distance, golden_chain, reason``) or per file (``by="file"``)."""
        return [r.row() for r in self._ranked_by(by)]

    def _ranked_by(self, by: str) -> list[RankedViolation] | list[FileRank]:
        if by not in RANK_BY:
            raise UsageError(f"rank by {by!r}: expected one of {', '.join(RANK_BY)}")
        return self.file_ranks if by == "file" else self.ranked

    def model(self, settings: SimulateSettings | None = None) -> Model:
        """The work to schedule (:func:`wsaudit.analysis.work.build_model`)."""
        from wsaudit.analysis.rank import golden_tests
        from wsaudit.analysis.work import build_model, shim_modules

        definitions = [dotted for objects in self.deprecated.values() for kind, dotted in objects if kind == "obj"]
        shim = shim_modules((f.module for f in self.files), self.config.rules, definitions)
        tests = [self.graph.nodes[m]["path"] for m in golden_tests(self.graph, self.config)]
        return build_model(self.ranked, self.file_ranks, self.graph, settings or self.config.simulate, shim=shim,
                           golden_tests=tests)

    def simulate(self, strategies=None, *, seed: int = 0, runs: int | None = None,
                 settings: SimulateSettings | None = None) -> Simulation:
        """Compare migration orderings (:func:`wsaudit.analysis.simulate.simulate`): ``strategies`` are
        names, or a mapping name -> your own ordering function ``f(units, model, rng)``."""
        from wsaudit.analysis.simulate import simulate

        return simulate(self.model(settings), strategies, seed=seed, runs=runs)

    # -- DataFrames ----------------------------------------------------------------

    @cached_property
    def violations(self) -> pd.DataFrame:
        """One row per violation: the columns of ``wsaudit scan --format json``."""
        pd = _pandas()

        return pd.DataFrame([v.row() for v in self.violation_records], columns=list(VIOLATION_FIELDS))

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """One row per diagnostic: ``path, kind, line, message``."""
        pd = _pandas()

        return pd.DataFrame([d.row() for d in self.diagnostic_records],
                            columns=list(DIAGNOSTIC_FIELDS)).astype({"line": "Int64"})

    @cached_property
    def modules(self) -> pd.DataFrame:
        """One row per module (graph node): ``module, path, is_test, is_package, loc, golden_path``."""
        pd = _pandas()

        columns = ["module", "path", "is_test", "is_package", "loc", "golden_path"]
        return pd.DataFrame([self.graph.nodes[n] for n in sorted(self.graph)], columns=columns)

    @cached_property
    def imports(self) -> pd.DataFrame:
        """One row per (import statement, imported module): ``source, target, line, context,
        resolved, implicit``; ``resolved`` is False for modules outside the tree (third-party,
        deleted); ``implicit`` marks a package imported only as the parent of a submodule."""
        pd = _pandas()

        return pd.DataFrame([r._asdict() for r in self.import_records],
                            columns=["source", "target", "line", "context", "resolved", "implicit"])

    def rank(self, by: str = "violation") -> pd.DataFrame:
        """:meth:`rank_rows` as a DataFrame (columns: ``wsaudit.model.RANK_FIELDS`` or ``FILE_FIELDS``)."""
        pd = _pandas()

        frame = pd.DataFrame(self.rank_rows(by), columns=list(FILE_FIELDS if by == "file" else RANK_FIELDS))
        return frame.astype({"golden_distance": "Int64"})

    def centrality(self) -> pd.DataFrame:
        """Per module: ``module, path, is_test, tier, score, golden_distance, reach_share,
        betweenness`` (Golden-Path-restricted), sorted by score, highest first."""
        pd = _pandas()

        from wsaudit.analysis.rank import (
            golden_betweenness,
            golden_reach_share,
            golden_sources,
            runtime_graph,
        )

        R = runtime_graph(self.graph, self.config.rank.type_checking)
        sources = golden_sources(self.graph, self.config)
        share, between = golden_reach_share(R, sources), golden_betweenness(R, sources)
        rows = [{"module": m.module, "path": self.graph.nodes[m.module]["path"],
                 "is_test": self.graph.nodes[m.module]["is_test"], "tier": m.tier, "score": m.score,
                 "golden_distance": m.golden_distance, "reach_share": round(share[m.module], 6),
                 "betweenness": float(f"{between[m.module]:.6g}")}
                for m in self.module_ranks.values()]
        frame = pd.DataFrame(rows).astype({"golden_distance": "Int64"})
        return frame.sort_values(["score", "module"], ascending=[False, True], ignore_index=True)


def _released(*args: Any) -> Any:
    raise UsageError("the import records of this audit were let go (Audit.release_import_records): audit again")


def _graph(*args: Any) -> nx.DiGraph:
    from wsaudit.engine.graph import build_graph  # networkx is imported where a graph is built

    return build_graph(*args)


def _once(make: Callable[[], Any]) -> Callable[[], Any]:
    """``make``, called at most once (its result kept)."""
    kept: list[Any] = []

    def get() -> Any:
        if not kept:
            kept.append(make())
        return kept[0]

    return get


def from_result(root: Path, cfg: Config, files: list[SourceFile], stored: dict[str, Any],
                notices: list[Notice], table: ModuleTable | None = None) -> Audit:
    """An :class:`Audit` from a stored result (a decoded :func:`~wsaudit.engine.results.encode_result`):
    facts are read and parsed only when asked for. ``table``: the module table of ``files``, if
    made already."""
    # the module table only for the graph: ``wsaudit scan`` on an unchanged tree never makes it
    modules = _once(lambda: table or ModuleTable.of(files, {f.path for f in files} - set(stored["unreadable"])))
    graph_part = _once(lambda: decode_graph(graph_of(stored)))
    # a graph part that cannot be read when asked for (forged, or pruned by another run since):
    # the import records and graph of an audit made now, which are the same
    again = _once(lambda: audit(root, cfg, cache=False))

    def import_records() -> list[DirectImport]:
        try:
            return graph_part()[0]
        except _GraphGone:
            return again().import_records

    def graph(imports: list[DirectImport]) -> nx.DiGraph:
        try:
            loc = graph_part()[1]
        except _GraphGone:
            return again().graph
        return _graph(files, loc, imports, cfg.golden_path.modules, modules())

    lazy = FactStore(root, files, cfg, cache=False, lazy=True)
    return Audit(root, cfg, files, lazy.full_view(), stored["violations"], stored["diagnostics"],  # type: ignore[arg-type]
                 import_records, graph, stored["targets"], stored["definitions"], stored["suspects"],
                 notices + stored["notices"], stored["unreadable"])


class _GraphGone(Exception):
    """The graph part of a stored result could not be read when it was asked for."""


def _stored_graph(folder: Path, root: Path, key: str) -> str:
    """The graph part of the result stored under ``key`` (read when the graph is asked for)."""
    cache = FactsCache(folder, root)
    try:
        graph = cache.get_part(key, "graph")
    finally:
        cache.close()
    if graph is None:
        raise _GraphGone(key)
    return graph


def default_profile_notices(root: Path, cfg: Config) -> list[Notice]:
    """The notice that ``cfg`` is the built-in profile because the tree at ``root`` has no
    configuration of its own (none otherwise)."""
    if not cfg.implicit:
        return []
    return [Notice("default-profile", None, f"no configuration found (wsaudit.toml, or [tool.wsaudit] in "
                   f"pyproject.toml, at {root}): using the built-in profile {cfg.source.removeprefix('profile:')!r}")]


def _lines_of_code(files: list[SourceFile], facts: dict[str, FileFacts], earlier: dict[str, int]) -> dict[str, int]:
    """Each readable file's lines of code, from its facts or, for a file not parsed, ``earlier``."""
    return {f.path: facts[f.path].loc if f.path in facts else earlier[f.path]
            for f in files if f.path in facts or f.path in earlier}


def _patch(root: Path, cfg: Config, files: list[SourceFile], listing: list[Diagnostic], earlier: dict[str, Any],
           unchanged: set[str], *, key: str, index: list[list[Any]], cache_dir: str | Path | None,
           jobs: int | None, notices: list[Notice]) -> Audit | None:
    """The audit of a tree that differs from the one of ``earlier`` (the latest stored result,
    for the same files) in some files' bytes, by :func:`wsaudit.engine.patch.patch`: only the
    edited files are read and parsed, and only they and the files whose answers read them are
    detected again; None when that cannot be done (a run that parsed everything, a new
    deprecated name, a file unreadable then or now). Import records, lines of code and
    diagnostics are made again for the edited files alone."""
    if earlier.get("reads") is None or any(n.kind == "unmatched-rule" for n in earlier["notices"]):
        return None  # a run that did not track, or a notice made from every file's imports
    from wsaudit.engine.imports import direct_imports  # (see _run)
    from wsaudit.engine.patch import patch
    from wsaudit.engine.resolve import Resolver

    edited = [f for f in files if f.path not in unchanged]
    was_unreadable = set(earlier["unreadable"])
    if any(f.path in was_unreadable for f in edited):
        return None  # the module table changes
    paths = {f.path for f in edited}
    with FactStore(root, files, cfg, cache_dir=cache_dir, jobs=jobs, lazy=True) as store:
        if not store.read_now(paths):
            return None
        modules = ModuleTable.of(files, {f.path for f in files} - was_unreadable)
        found = patch(earlier, files, edited, store, Resolver(modules, store.get, track=True), cfg.rules)
        if found is None:
            return None
        store.load_imports(paths)
        fresh, import_problems = direct_imports(edited, store.facts, modules)
        kept, kept_loc, kept_problems = earlier_rows(earlier, unchanged, files, modules.owns, listing)
        problems = [d for d in store.diagnostics() if d.path in paths]  # the others' come from ``earlier``
        diagnostics = sorted(listing + kept_problems + problems + import_problems, key=Diagnostic.sort_key)
        full = (set(earlier["full"]) - paths) | {p for p, f in store.facts.items() if f.complete}
        stored = {**earlier, "violations": found.violations, "definitions": found.definitions,
                  "suspects": found.suspects, "targets": found.targets, "notices": [], "reads": found.reads,
                  "broken": found.broken,
                  "diagnostics": diagnostics, "index": index, "full": sorted(full),  # one importer's rows: one side
                  "graph": graph_text({**kept, **group_lines(fresh)}, _lines_of_code(files, store.facts, kept_loc))}
        refused = [Notice("cache-refused", None, why) for why in store.notices]
        if store.cache is not None and not refused and not racy(files):  # ``key``: this tree's
            store.cache.put_result(key, *encode_parts(stored))
            store.cache.put_result(latest_key(cfg, False), key)
    return from_result(root, cfg, files, stored, notices + refused, modules)


def audit(path: str | Path = ".", config: Config | str | Path | None = None, *, cache: bool = True,
          cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False,
          complete: bool = False, scheduler: Any = None) -> Audit:
    """Audit the tree at ``path``.

    Parameters
    ----------
    path : str or Path
        The root of the code to audit. It is read, never imported or executed.
    config : Config, str, Path or None
        A configuration, a path to a TOML file, or None to look for ``wsaudit.toml`` /
        ``[tool.wsaudit]`` at the root and fall back to the ``netra-websocket`` profile.
    cache : bool
        Reuse facts parsed earlier (``.wsaudit/cache/`` under the root, or ``cache_dir``).
    jobs : int, optional
        Worker processes for parsing (default: all cores).
    complete : bool
        Parse every file in full up front. By default only the files that can hold a violation
        are (:mod:`wsaudit.engine.candidates`), the others only for their imports; the result
        is the same, and ``Audit.facts`` parses a file in full when it is asked for.
    scheduler : str or distributed.Client, optional
        Parse as Dask tasks: a scheduler address, ``"local"`` for a LocalCluster, or a client
        (:mod:`wsaudit.engine.scaleout`); the result is the same.

    Examples
    --------
    >>> from pathlib import Path
    >>> sample = Path(__file__).parent.parent / "data" / "sample_repo"
    >>> a = audit(sample, cache=False)
    >>> a.graph.has_edge("netra_backend.app.routes.websocket_ssot", "netra_backend.app.websocket_core.agent_handler")
    True
    >>> sorted(a.violations.category.unique())
    ['deprecated-call', 'deprecated-import', 'deprecated-module', 'deprecated-reference']
    """
    root = Path(path)
    cfg = config if isinstance(config, Config) else load(root, config)
    files, diagnostics = discover(root, cfg)
    default_profile = default_profile_notices(root, cfg)
    results = FactsCache(root / (cache_dir or cfg.cache_dir), root) if cache else None
    index = stat_index(files) if results is not None else []
    key = tree_key(cfg, index, diagnostics, complete) if results is not None else ""
    stored = earlier = None  # earlier: the latest result stored for this configuration, when this tree is another
    if results is not None:
        head = results.get_result(key)
        if head is not None and results.has_part(key, "graph"):  # its graph part read when the graph is asked for
            stored = decode_parts(head, partial(_stored_graph, results.folder, root, key))
        latest = results.get_result(latest_key(cfg, complete))
        if stored is None and latest is not None:
            parts = (results.get_result(latest), results.get_part(latest, "graph"), results.get_part(latest, "index"))
            earlier = decode_parts(*parts) if None not in parts else None  # type: ignore[arg-type]
        elif stored is not None and latest != key:  # back to a tree seen before: the next edit is one to this tree
            results.put_result(latest_key(cfg, complete), key)
        results.close()
    if stored is not None:  # an unchanged tree: nothing to read, parse or resolve
        return from_result(root, cfg, files, stored, default_profile)
    # files whose stat entry has not changed since that result: their import records, lines of
    # code and diagnostics are taken from it (see _run)
    unchanged = unchanged_files(earlier, index) if not complete else set()
    run = partial(_run, root, cfg, files, diagnostics, key=key, index=index, cache=cache, cache_dir=cache_dir,
                  jobs=jobs, progress=progress, scheduler=scheduler, complete=complete, notices=default_profile)
    if unchanged:
        patched = _patch(root, cfg, files, list(diagnostics), earlier, unchanged,  # type: ignore[arg-type]
                         key=key, index=index, cache_dir=cache_dir, jobs=jobs, notices=default_profile)
        if patched is not None:
            return patched
        if _can_replay(earlier, files, unchanged):  # type: ignore[arg-type]
            replayed = run(earlier, unchanged, replay=True)
            if replayed is not None:
                return replayed
        unchanged -= set(earlier["unreadable"])  # type: ignore[index]  # read again: it may be readable now
    return run(earlier, unchanged, replay=False)  # type: ignore[return-value]


def _can_replay(earlier: dict[str, Any], files: list[SourceFile], unchanged: set[str]) -> bool:
    """Whether the candidate search of ``earlier`` (the latest stored result) can be replayed
    on the files it parsed in full and the changed files alone (see :func:`_run`)."""
    if earlier.get("names") is None or earlier.get("full") is None:
        return False  # a run that parsed everything: no candidate search to replay
    was_unreadable = set(earlier["unreadable"])
    return not any(f.path not in unchanged and f.path in was_unreadable for f in files)


def _reads(trace: Trace, reads: dict[str, set[str]], files: list[SourceFile], resolver: Resolver
           ) -> dict[str, list[int]]:
    """Per file searched or detected: what the answers of the search and of detection read."""
    every = {p: set(r) for p, r in trace.read.items()}
    for p, r in reads.items():
        every.setdefault(p, set()).update(r)
    from wsaudit.engine.patch import encode_reads

    return encode_reads(every, files, resolver)


def _run(root: Path, cfg: Config, files: list[SourceFile], listing: list[Diagnostic], earlier: dict[str, Any] | None,
         unchanged: set[str], *, replay: bool, key: str, index: list[list[Any]], cache: bool,
         cache_dir: str | Path | None, jobs: int | None, progress: bool, scheduler: Any, complete: bool,
         notices: list[Notice]) -> Audit | None:
    """The audit of the tree (see :func:`audit`), taking from ``earlier`` what the files in
    ``unchanged`` contributed that depends on their bytes alone.

    ``replay``: read only the changed files and those ``earlier`` parsed in full, and search
    only them for the deprecated names. That finds what a search of every file finds as long
    as the names found are among ``earlier``'s: a file it did not parse in full mentioned none
    of those and is unchanged (nor did it need a full parse for a star import or a deprecated
    module's path, which are in its bytes too). Otherwise nothing is kept and None is returned:
    a new name has to be searched for in every file."""
    # resolution and detection are imported here: a run answered from the stored result (the
    # warm run of a command line, 0.2 s in all on 10,000 files) never needs them
    from wsaudit.engine.candidates import Gate, Trace, select_candidates
    from wsaudit.engine.detect import detect, quiet_rules, unmatched
    from wsaudit.engine.imports import direct_imports
    from wsaudit.engine.resolve import Resolver

    was_unreadable = set(earlier["unreadable"]) if replay else set()  # type: ignore[index]
    still_unreadable = unchanged & was_unreadable  # not read again, as the quicker path does
    unchanged = unchanged - was_unreadable
    diagnostics = list(listing)
    with FactStore(root, files, cfg, cache=cache, cache_dir=cache_dir, jobs=jobs, progress=progress,
                   scheduler=scheduler, lazy=replay) as store:
        if replay:
            full = set(earlier["full"])  # type: ignore[index]
            searched = [f.path for f in files if f.path not in unchanged or f.path in full]
            if not store.read_now(p for p in searched if p not in still_unreadable):
                return None  # an unchanged file that cannot be read now: it is not what it was
            readable: Any = {f.path for f in files} - still_unreadable
        else:
            readable = store.blobs
        modules = ModuleTable.of(files, readable)
        # what each file's answers were read from, for the next run's patch (a result stored)
        track = store.cache is not None and not complete
        resolver = Resolver(modules, store.get, track=track)
        trace, reads = Trace(), ({} if track else None)
        if complete:
            store.load_all()
            checked, gate = files, resolver
        else:  # full facts where a violation can be, the imports (for the graph) everywhere else
            names = select_candidates(files, store, cfg.rules, resolver, trace)
            if replay and not names <= set(earlier["names"]):  # type: ignore[index]
                return None
            checked = [f for f in files if store._full(f.path)]
            gate = Gate(resolver, names)  # type: ignore[assignment]
            store.load_imports(p for p in store.blobs if p not in unchanged)
        store.forget_bytes()  # every file has its facts now: before detection and the import records
        found = detect(checked, store.facts, cfg.rules, gate, reads)  # type: ignore[arg-type]
        facts = store.facts
        if not complete:  # the closest names of a rule that matches nothing: from the whole tree
            if unchanged and quiet_rules(cfg.rules, found, modules):  # they need every file's imports
                store.load_imports(unchanged)
            found.notices = unmatched(cfg.rules, found, modules, files, facts)
        # an unchanged file's import records, lines of code and problems depend on its bytes alone:
        # taken from that result also when its full facts were needed (a replay trusts the
        # unchanged files' stat entries for their being readable, as a warm run does)
        reused = {p for p in unchanged if replay or p in store.read}
        earlier_imports, earlier_loc, earlier_problems = (
            earlier_rows(earlier, reused | still_unreadable, files, modules.owns, listing)  # type: ignore[arg-type]
            if reused or still_unreadable else ({}, {}, []))
        earlier = None  # what was needed of it is taken: 100 MB and more on a large tree
        diagnostics += [d for d in store.diagnostics() if d.path not in reused] + earlier_problems
        refused = [Notice("cache-refused", None, why) for why in store.notices]
        fresh, import_problems = direct_imports([f for f in files if f.path not in reused], facts, modules)
        diagnostics = sorted(diagnostics + import_problems, key=Diagnostic.sort_key)
        loc = _lines_of_code(files, facts, earlier_loc)
        if reused:  # one importer's records come from one side
            graph = graph_text({**earlier_imports, **group_lines(fresh)}, loc)
            import_records = _once(lambda: decode_graph(graph)[0])
        else:
            graph, import_records = None, lambda: fresh
        unreadable = sorted({f.path for f in files} - store.read - reused)
        full = sorted(p for p, f in facts.items() if f.complete)
        store.release()  # before the result is written: the imports-only facts are done with
        if store.cache is not None and not refused and not racy(files):
            store.cache.put_result(key, *encode_parts({
                "violations": found.violations, "diagnostics": diagnostics,
                # the records in pieces as they are written (never one string of them all)
                **({"graph": graph} if graph is not None else {"imports": fresh, "loc": loc}),
                "targets": found.targets, "definitions": found.definitions, "suspects": found.suspects,
                "notices": found.notices, "unreadable": unreadable, "index": index,
                "names": None if complete else sorted(names),
                "full": full, "reads": _reads(trace, reads, files, resolver) if reads is not None else None,
                "broken": sorted(f.path for f in checked if facts[f.path].unparsed) if reads is not None else None}))
            store.cache.put_result(latest_key(cfg, complete), key)
    return Audit(root, cfg, files, store.full_view(), found.violations, diagnostics, import_records,  # type: ignore[arg-type]
                 lambda records: _graph(files, loc, records, cfg.golden_path.modules, modules),
                 found.targets, found.definitions, found.suspects, notices + refused + found.notices,
                 unreadable)
