"""The Python API: ``wsaudit.audit(path) -> Audit``.

:func:`audit` runs the engine (discover -> facts -> resolve/detect -> imports -> graph);
:class:`Audit` composes the analyses over its records on first use (ranking, simulation) and
shows them as pandas DataFrames at the edge. It holds no analysis of its own. DataFrames are
built lazily, so that the command line can render records without importing pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from wsaudit.config import Config, SimulateSettings, load
from wsaudit.engine.detect import detect
from wsaudit.engine.discover import discover
from wsaudit.engine.graph import build_graph
from wsaudit.engine.imports import direct_imports
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.resolve import Canon, Resolver
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
    import pandas as pd

    from wsaudit.analysis.simulate import Simulation
    from wsaudit.analysis.work import Model

RANK_BY = ("violation", "file")


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
        The rows behind the DataFrames below.
    graph : networkx.DiGraph
        The module import graph (see :func:`wsaudit.engine.graph.build_graph`).
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
    import_records: list[DirectImport] = field(repr=False)
    graph: nx.DiGraph = field(repr=False)
    deprecated: dict[str, frozenset[Canon]] = field(default_factory=dict, repr=False)
    definition_records: list[Definition] = field(default_factory=list, repr=False)
    suspect_records: list[Violation] = field(default_factory=list, repr=False)
    notices: list[Notice] = field(default_factory=list, repr=False)

    # -- records -------------------------------------------------------------------

    @property
    def files_scanned(self) -> int:
        return len(self.files)

    @cached_property
    def module_ranks(self) -> dict[str, ModuleRank]:
        """:class:`~wsaudit.model.ModuleRank` of every module (computed once)."""
        from wsaudit.analysis.rank import rank_modules

        return rank_modules(self.graph, self.config)

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
        import pandas as pd

        return pd.DataFrame([v.row() for v in self.violation_records], columns=list(VIOLATION_FIELDS))

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """One row per diagnostic: ``path, kind, line, message``."""
        import pandas as pd

        return pd.DataFrame([d.row() for d in self.diagnostic_records],
                            columns=list(DIAGNOSTIC_FIELDS)).astype({"line": "Int64"})

    @cached_property
    def modules(self) -> pd.DataFrame:
        """One row per module (graph node): ``module, path, is_test, is_package, loc, golden_path``."""
        import pandas as pd

        columns = ["module", "path", "is_test", "is_package", "loc", "golden_path"]
        return pd.DataFrame([self.graph.nodes[n] for n in sorted(self.graph)], columns=columns)

    @cached_property
    def imports(self) -> pd.DataFrame:
        """One row per (import statement, imported module): ``source, target, line, context,
        resolved, implicit``; ``resolved`` is False for modules outside the tree (third-party,
        deleted); ``implicit`` marks a package imported only as the parent of a submodule."""
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self.import_records],
                            columns=["source", "target", "line", "context", "resolved", "implicit"])

    def rank(self, by: str = "violation") -> pd.DataFrame:
        """:meth:`rank_rows` as a DataFrame (columns: ``wsaudit.model.RANK_FIELDS`` or ``FILE_FIELDS``)."""
        import pandas as pd

        frame = pd.DataFrame(self.rank_rows(by), columns=list(FILE_FIELDS if by == "file" else RANK_FIELDS))
        return frame.astype({"golden_distance": "Int64"})

    def centrality(self) -> pd.DataFrame:
        """Per module: ``module, path, is_test, tier, score, golden_distance, reach_share,
        betweenness`` (Golden-Path-restricted), sorted by score, highest first."""
        import pandas as pd

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


def audit(path: str | Path = ".", config: Config | str | Path | None = None, *, cache: bool = True,
          cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False,
          scheduler: Any = None) -> Audit:
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
    with FactStore(root, files, cfg, cache=cache, cache_dir=cache_dir, jobs=jobs, progress=progress,
                   scheduler=scheduler) as store:
        facts = store.load_all()
        diagnostics += store.diagnostics()
    modules = ModuleTable.of(files, facts)
    resolver = Resolver(modules, facts.get)
    found = detect(files, facts, cfg.rules, resolver)
    imports, import_problems = direct_imports(files, facts, modules)
    diagnostics = sorted(diagnostics + import_problems, key=Diagnostic.sort_key)
    graph = build_graph(files, facts, imports, cfg.golden_path.modules, modules)
    notices = ([Notice("default-profile", None, f"no configuration found (wsaudit.toml, or [tool.wsaudit] in "
                       f"pyproject.toml, at {root}): using the built-in profile {cfg.source.removeprefix('profile:')!r}")] if cfg.implicit else [])
    return Audit(root, cfg, files, facts, found.violations, diagnostics, imports, graph, found.targets,
                 found.definitions, found.suspects, notices + found.notices)
