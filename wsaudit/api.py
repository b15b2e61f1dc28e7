"""The Python API: ``wsaudit.audit(path) -> Audit``.

This module wires the pipeline stages together (discover -> parse -> detect/graph); it holds
no analysis of its own. DataFrames are built lazily so that the command line can render
records without importing pandas.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from wsaudit.cache import FactsCache, key
from wsaudit.config import Config, load
from wsaudit.detect import Resolver, detect
from wsaudit.discover import discover
from wsaudit.graph import build_graph, direct_imports
from wsaudit.model import Diagnostic, DirectImport, FileFacts, SourceFile, Violation
from wsaudit.parse import parse_source

if TYPE_CHECKING:
    import pandas as pd

# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 200


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
    violation_records, diagnostic_records, import_records : lists of records
        The rows behind the DataFrames below.
    graph : networkx.DiGraph
        The module import graph (see :func:`wsaudit.graph.build_graph`).
    """

    root: Path
    config: Config
    files: list[SourceFile]
    facts: dict[str, FileFacts] = field(repr=False)
    violation_records: list[Violation] = field(repr=False)
    diagnostic_records: list[Diagnostic] = field(repr=False)
    import_records: list[DirectImport] = field(repr=False)
    graph: nx.DiGraph = field(repr=False)

    @cached_property
    def violations(self) -> pd.DataFrame:
        """One row per violation: the columns of ``wsaudit scan --format json``."""
        import pandas as pd

        from wsaudit.render import VIOLATION_FIELDS

        return pd.DataFrame([v.__dict__ for v in self.violation_records], columns=list(VIOLATION_FIELDS))

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """One row per diagnostic: ``path, kind, line, message``."""
        import pandas as pd

        return pd.DataFrame([d.__dict__ for d in self.diagnostic_records],
                            columns=["path", "kind", "line", "message"]).astype({"line": "Int64"})

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

    @property
    def files_scanned(self) -> int:
        return len(self.files)

    @cached_property
    def module_ranks(self) -> dict:
        """:class:`wsaudit.rank.ModuleRank` of every module (computed once)."""
        from wsaudit.rank import rank_modules

        return rank_modules(self.graph, self.config)

    def rank_rows(self, by: str = "violation") -> list[dict]:
        """Ranked rows as plain dicts: per violation (the scan row plus ``tier, score,
        golden_distance, golden_chain, reason``) or per file (``by="file"``)."""
        from wsaudit.rank import rank_files, rank_violations

        rows = rank_violations(self, self.module_ranks)
        return rank_files(rows) if by == "file" else rows

    def rank(self, by: str = "violation") -> pd.DataFrame:
        """:meth:`rank_rows` as a DataFrame (columns: ``wsaudit.rank.RANK_FIELDS`` or ``FILE_FIELDS``)."""
        import pandas as pd

        from wsaudit.rank import FILE_FIELDS, RANK_FIELDS

        frame = pd.DataFrame(self.rank_rows(by), columns=list(FILE_FIELDS if by == "file" else RANK_FIELDS))
        return frame.astype({"golden_distance": "Int64"})

    def simulate(self, strategies=None, *, seed: int = 0, runs: int | None = None, settings=None):
        """Compare migration orderings (:func:`wsaudit.simulate.simulate`): ``strategies`` are
        names, or a mapping name -> your own ordering function ``f(units, model, rng)``."""
        from wsaudit.simulate import build_model, simulate

        return simulate(build_model(self, settings), strategies, seed=seed, runs=runs)

    def centrality(self) -> pd.DataFrame:
        """Per module: ``module, path, is_test, tier, score, golden_distance, reach_share,
        betweenness`` (Golden-Path-restricted), sorted by score, highest first."""
        import pandas as pd

        from wsaudit.rank import (
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


def _read(root: Path, f: SourceFile, limit: int) -> tuple[bytes | None, Diagnostic | None]:
    if f.size > limit:
        return None, Diagnostic(f.path, "too-large", None, f"{f.size} bytes is over max_file_size ({limit})")
    try:
        with open(root / f.path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        return None, Diagnostic(f.path, "read-error", None, f"cannot read: {exc.strerror}")
    if len(data) > limit:  # grew since discovery
        return None, Diagnostic(f.path, "too-large", None, f"over max_file_size ({limit})")
    return data, None


def _parse_all(blobs: list[bytes], jobs: int | None, progress: bool) -> list[FileFacts]:
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


def load_facts(root: Path, files: list[SourceFile], config: Config, *, cache: bool = True,
               cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False
               ) -> tuple[dict[str, FileFacts], list[Diagnostic]]:
    """Facts for every readable file (path -> facts) and the diagnostics of the others."""
    diagnostics: list[Diagnostic] = []
    blobs: dict[str, bytes] = {}
    for f in files:
        data, problem = _read(root, f, config.max_file_size)
        if problem is not None:
            diagnostics.append(problem)
        else:
            blobs[f.path] = data  # type: ignore[assignment]
    keys = {path: key(data) for path, data in blobs.items()}
    store = FactsCache(root / (cache_dir or config.cache_dir)) if cache else None
    try:
        known = store.get_many(keys.values()) if store else {}
        missing = [path for path in blobs if keys[path] not in known]
        fresh = dict(zip((keys[p] for p in missing), _parse_all([blobs[p] for p in missing], jobs, progress)))
        if store:
            store.put_many(fresh)
    finally:
        if store:
            store.close()
    known.update(fresh)
    facts = {path: known[keys[path]] for path in blobs}
    for path, file_facts in facts.items():
        diagnostics += [Diagnostic(path, kind, line, message) for kind, line, message in file_facts.problems]
    return facts, diagnostics


def audit(path: str | Path = ".", config: Config | str | Path | None = None, *, cache: bool = True,
          cache_dir: str | Path | None = None, jobs: int | None = None, progress: bool = False) -> Audit:
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
    facts, problems = load_facts(root, files, cfg, cache=cache, cache_dir=cache_dir, jobs=jobs, progress=progress)
    resolver = Resolver(files, facts)
    violations = detect(files, facts, cfg.rules, resolver)
    imports, import_problems = direct_imports(files, facts, resolver)
    diagnostics = sorted(diagnostics + problems + import_problems,
                         key=lambda d: (d.path, d.line or 0, d.kind, d.message))
    graph = build_graph(files, facts, imports, cfg.golden_path.modules)
    return Audit(root, cfg, files, facts, violations, diagnostics, imports, graph)

