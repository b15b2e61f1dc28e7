"""The scan behind ``wsaudit check``: the violations of a full audit, parsing only the files that
can hold one.

A file whose bytes name none of the deprecated things (nor any name that a re-export binds to
them) cannot hold a violation, so it is never parsed; name resolution still knows every module
of the tree and parses, on demand, any module it has to look into. See :func:`collect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wsaudit.config import Config, load
from wsaudit.engine.candidates import Gate, mentions, select_candidates
from wsaudit.engine.detect import detect
from wsaudit.engine.discover import discover
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.resolve import Resolver
from wsaudit.engine.store import FactStore
from wsaudit.model import Definition, Diagnostic, SourceFile, Violation

__all__ = ["Collected", "collect", "mentions"]

@dataclass
class Collected:
    """Violations found by :func:`collect`, and what it took."""

    root: Path
    config: Config
    files: list[SourceFile]
    violations: list[Violation]
    diagnostics: list[Diagnostic]
    files_parsed: int
    names: frozenset[str]  # every name bound to a deprecated object somewhere, plus the rule names
    sources: dict[str, bytes] = field(repr=False)  # bytes of the files that hold violations or definitions
    definitions: list[Definition] = field(default_factory=list)
    suspects: list[Violation] = field(default_factory=list)

    @property
    def files_scanned(self) -> int:
        return len(self.files)


def collect(path: str | Path = ".", config: Config | str | Path | None = None, *, cache: bool = True,
            cache_dir: str | Path | None = None, jobs: int | None = None) -> Collected:
    """Every violation under ``path``: the same rows as ``wsaudit.audit(path).violation_records``,
    parsing only the files that can hold one.

    How: the candidate names are the last names of the rules' symbols and modules (and of the
    definitions the symbols resolve to). A file is parsed when its bytes contain one of them as
    a word, when it has a star import, or when it lies inside a deprecated module (its relative
    imports name it implicitly). Every module-level name that a parsed file binds to a
    deprecated object (an alias, a renamed re-export) becomes a candidate too, and the files
    not parsed yet are searched again, to a fixpoint: a re-export binds a new name only in a
    file that mentions an existing one. Name resolution still knows every module of the tree
    and parses, on demand, any module it has to look into.

    Not parsed, so not reported: syntax errors in files that cannot hold a violation.
    """
    root = Path(path)
    cfg = config if isinstance(config, Config) else load(root, config)
    files, diagnostics = discover(root, cfg)
    with FactStore(root, files, cfg, cache=cache, cache_dir=cache_dir, jobs=jobs) as store:
        # Every readable file is a module of the tree (``known`` is the full tree's), but its
        # facts are parsed only when resolution looks into it.
        resolver = Resolver(ModuleTable.of(files, store.blobs), store.get)
        names = select_candidates(files, store, cfg.rules, resolver)
        loaded = [f for f in files if f.path in store.facts]  # parsed: candidates and what resolution read
        gate = Gate(resolver, names)
        found = detect(loaded, store.facts, cfg.rules, gate)  # type: ignore[arg-type]
        violations = found.violations
        diagnostics = sorted(diagnostics + store.diagnostics(), key=lambda d: (d.path, d.line or 0, d.kind, d.message))
        sources = {v.path: store.blobs[v.path] for v in [*violations, *found.suspects]}
        sources.update({d.path: store.blobs[d.path] for d in found.definitions})
        return Collected(root, cfg, files, violations, diagnostics, len(loaded), frozenset(names), sources,
                         found.definitions, found.suspects)
