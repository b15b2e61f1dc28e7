"""The Python API: ``wsaudit.audit(path) -> Audit``.

:func:`audit` runs the engine through its front door (:func:`wsaudit.engine.session.audit_tree`);
:class:`Audit` composes the analyses over its records on first use (ranking, simulation) and
shows them as pandas DataFrames at the edge. It holds no analysis of its own. DataFrames are
built lazily, so that the command line can render records without importing pandas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.config import Config, Located, SimulateSettings, locate, within
from wsaudit.engine.golden import golden_path_notices
from wsaudit.engine.results import TreeResult
from wsaudit.engine.session import Reading, Tree, audit_tree
from wsaudit.errors import UsageError
from wsaudit.model import (
    DIAGNOSTIC_FIELDS,
    FILE_FIELDS,
    RANK_FIELDS,
    VIOLATION_FIELDS,
    DirectImport,
    FileRank,
    ModuleRank,
    Notice,
    RankedViolation,
)

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from wsaudit.analysis.simulate import Simulation
    from wsaudit.analysis.work import Automation, Model
    from wsaudit.explorer.widget import Explorer

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


class Audit:
    """The result of auditing one tree: the engine's records
    (:class:`~wsaudit.engine.results.TreeResult`), the analyses over them composed on first
    use, and both as pandas DataFrames.

    Attributes
    ----------
    root : Path
        The tree's root: the folder of its configuration (or the audited folder, given one).
    config : Config
        The configuration used.
    scope : str
        The audited folder inside the tree (``""``: all of it): name resolution and the graph
        see the whole tree, the rows are those of this folder.
    result : TreeResult
        What the engine found (the records below are its rows, as lists).
    files : list of SourceFile
        Every Python file of the tree, sorted by path (the graph's modules).
    facts : Mapping
        Path -> :class:`~wsaudit.model.FileFacts` of every readable file (parsed when asked for).
    violation_records, diagnostic_records, import_records : lists of records
        The rows behind the DataFrames below (the import records are decoded on first use).
    graph : networkx.DiGraph
        The module import graph (see :func:`wsaudit.engine.graph.build_graph`), built on first use.
        Once the ranking is made (:attr:`module_ranks`, which anything ranked asks for), its
        nodes also carry ``violations``, ``tier``, ``score`` and ``hops``
        (:func:`wsaudit.analysis.views.annotate`), which the views of
        :mod:`wsaudit.analysis.views` read.
    deprecated : dict
        Rule id -> the objects a symbol rule's path resolves to (its definitions).
    definition_records : list of Definition
        Every ``def``/``class`` of a deprecated symbol (a new one is a re-introduction).
    suspect_records : list of Violation
        Uses seen by the tokenizer in files that do not parse (``resolution == "unparsed"``);
        never counted among the violations.
    suppressed_records : list of (Violation, str)
        Uses a ``# wsaudit: ignore[RULE] -- reason`` comment accepts, with the reason; never
        counted among the violations (:mod:`wsaudit.engine.suppress`).
    notices : list of Notice
        Warnings about the audit itself: rules that match nothing, no configuration found.
    unreadable : list of str
        The paths that could not be read.
    """

    def __init__(self, root: Path, config: Config, result: TreeResult, notices: Sequence[Notice] = (),
                 graph: nx.DiGraph | None = None, scope: str = ""):
        """``notices``: about the audit, before the engine's; ``graph``: the import graph, if
        made already (else built from the import records when first asked for); ``scope``:
        the audited folder, whose rows alone are kept."""
        self.root, self.config, self.result, self.scope = root, config, result, scope
        self.files = list(result.files)
        self.facts = result.facts
        self.violation_records = [v for v in result.violations if within(scope, v.path)]
        self.diagnostic_records = [d for d in result.diagnostics if within(scope, d.path)]
        self.deprecated = dict(result.targets)
        self.definition_records = [d for d in result.definitions if within(scope, d.path)]
        self.suspect_records = [v for v in result.suspects if within(scope, v.path)]
        self.suppressed_records = [(v, why) for v, why in result.suppressed if within(scope, v.path)]
        self.notices = [*notices, *result.notices]
        self.unreadable = list(result.unreadable)
        if graph is not None:
            self.__dict__["graph"] = graph

    def __repr__(self) -> str:
        return f"Audit(root={self.root!r}, config={self.config.source!r}, files={len(self.files)})"

    # -- records -------------------------------------------------------------------

    @cached_property
    def import_records(self) -> list[DirectImport]:
        """One record per (import statement, imported module), on first use."""
        return self.result.graph.records()

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The module import graph (:func:`wsaudit.engine.graph.build_graph`), built on first use:
        ``wsaudit scan`` never needs it."""
        from wsaudit.engine.graph import build_graph  # networkx is imported where a graph is built

        G = build_graph(self.files, self.result.graph.loc(), self.import_records, self.config.golden_path.modules,
                        self.result.modules)
        if "module_ranks" in self.__dict__:  # a ranking adopted before the graph was built
            self._annotate(G)
        return G

    def _annotate(self, G: nx.DiGraph) -> None:
        """The ranking on the graph's nodes: ``violations``, ``tier``, ``score``, ``hops``."""
        from wsaudit.analysis.views import annotate

        annotate(G, self.module_ranks, self.violation_records)

    def release_import_records(self) -> None:
        """Build the graph if it is not built yet, then let go of the import records (and of what
        gives them): for a caller that needs nothing more of them, as ``wsaudit rank``. They
        are the largest thing an audit holds besides the graph, 100 MB on a 100,000-module
        tree. Asking for :attr:`import_records` afterwards is an error."""
        self.graph  # noqa: B018  # built from them first
        self.__dict__.pop("import_records", None)
        self.result.graph.release()

    @property
    def files_scanned(self) -> int:
        """The Python files of the audited folder."""
        return len(self.files) if not self.scope else sum(1 for f in self.files if within(self.scope, f.path))

    @cached_property
    def module_ranks(self) -> dict[str, ModuleRank]:
        """:class:`~wsaudit.model.ModuleRank` of every module (computed once)."""
        from wsaudit.analysis.rank import rank_modules

        ranks = rank_modules(self.graph, self.config)
        self.__dict__["module_ranks"] = ranks
        self._annotate(self.graph)  # once ranked, the graph's nodes carry their rank
        return ranks

    def adopt_ranking(self, module_ranks: dict[str, ModuleRank], ranked: list[RankedViolation]) -> None:
        """Take the ranking made earlier of this very audit (a snapshot's, see
        :mod:`wsaudit.audit_file`) as :attr:`module_ranks` and :attr:`ranked`, instead of ranking
        again when they are first asked for."""
        self.__dict__.update(module_ranks=module_ranks, ranked=ranked)
        if "graph" in self.__dict__:
            self._annotate(self.__dict__["graph"])

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

    def model(self, settings: SimulateSettings | None = None, *, automation: Mapping[str, Automation] | None = None,
              category_hours: Sequence[float] | None = None) -> Model:
        """The work to schedule (:func:`wsaudit.analysis.work.build_model`); ``automation``: what
        the codemod rewrites per file (``wsaudit.codemod.automation.automation(audit)``)."""
        from wsaudit.analysis.rank import golden_tests
        from wsaudit.analysis.work import build_model, shim_modules

        definitions = [dotted for objects in self.deprecated.values() for kind, dotted in objects if kind == "obj"]
        shim = shim_modules((f.module for f in self.files), self.config.rules, definitions)
        tests = [self.graph.nodes[m]["path"] for m in golden_tests(self.graph, self.config)]
        return build_model(self.ranked, self.file_ranks, self.graph, settings or self.config.simulate, shim=shim,
                           golden_tests=tests, automation=automation, category_hours=category_hours)

    def simulate(self, strategies=None, *, seed: int = 0, runs: int | None = None,
                 settings: SimulateSettings | None = None, automation: Mapping[str, Automation] | None = None,
                 category_hours: Sequence[float] | None = None) -> Simulation:
        """Compare migration orderings (:func:`wsaudit.analysis.simulate.simulate`): ``strategies`` are
        names, or a mapping name -> your own ordering function ``f(units, model, rng)``;
        ``automation`` and ``category_hours`` as :meth:`model` takes them."""
        from wsaudit.analysis.simulate import simulate

        return simulate(self.model(settings, automation=automation, category_hours=category_hours), strategies,
                        seed=seed, runs=runs)

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

    def explore(self, *, height: int = 640) -> Explorer:
        """The import-graph explorer inline in JupyterLab: the page of ``explorer.html``, offline.

        A click on a module highlights its chain from the Golden Path, and the widget's
        ``.selected`` is that chain as a DataFrame (``module, path, tier, score, violations, hops,
        is_test, chosen``), the module clicked last. Needs the ``notebooks`` extra (anywidget).
        Links to source lines are the report's (``explorer.html``), which reads the commit from git.
        """
        from wsaudit.explorer.data import explorer_data
        from wsaudit.explorer.widget import Explorer

        ranks = self.module_ranks  # (ranked: the graph's nodes carry tier, score, violations, hops)
        document = explorer_data(self.graph, ranks, self.violation_records,
                                 title=self.config.report.title or f"Deprecated API audit of {self.root.name}",
                                 type_checking=self.config.rank.type_checking)
        return Explorer(document, {m: self.graph.nodes[m] for m in sorted(self.graph)}, height=height)

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


def audit(path: str | Path = ".", config: Config | str | Path | None = None, *, profile: str | None = None,
          cache: bool = True, cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False,
          complete: bool = False, scheduler: Any = None) -> Audit:
    """Audit the code at ``path``.

    Parameters
    ----------
    path : str or Path
        The folder to audit. It is read, never imported or executed.
    config : Config, str, Path or None
        A configuration (for the tree at ``path``), a path to a TOML file, or None for the
        nearest ``wsaudit.toml`` / ``[tool.wsaudit]`` in ``path`` or its parents: its folder is
        then the tree's root (:func:`wsaudit.config.locate`), whose imports name resolution and
        the graph see, and the rows are those under ``path``.
    profile : str, optional
        A built-in profile by name (``"netra-websocket"``, the seed's example) instead.
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
    located = Located(config, Path(path)) if isinstance(config, Config) else locate(path, config, profile)
    cfg = located.config
    reading = Reading(cache=cache, cache_dir=cache_dir, jobs=jobs, progress=progress, scheduler=scheduler)
    found = audit_tree(Tree.folder(located.root, cfg), cfg, reading=reading, complete=complete)
    # a Golden Path pattern that matches nothing fails the ranking: a scan says it first
    return Audit(located.root, cfg, found, golden_path_notices(cfg, lambda: found.modules), scope=located.scope)
