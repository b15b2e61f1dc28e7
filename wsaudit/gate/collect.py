"""The scan behind ``wsaudit check``: the violations of a full audit, parsing only the files that
can hold one (the engine without import records, :func:`wsaudit.engine.session.audit_tree`).

A file whose bytes name none of the deprecated things (nor any name that a re-export binds to
them) cannot hold a violation, so it is never parsed; name resolution still knows every module
of the tree and parses, on demand, any module it has to look into. See :func:`collect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wsaudit.config import Config, load
from wsaudit.engine.session import Reading, Tree, audit_tree
from wsaudit.model import Definition, Diagnostic, SourceFile, Violation

__all__ = ["Collected", "collect"]


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
    parsing only the files that can hold one (:mod:`wsaudit.engine.candidates`).

    Not parsed, so not reported: syntax errors in files that cannot hold a violation.
    """
    root = Path(path)
    cfg = config if isinstance(config, Config) else load(root, config)
    found = audit_tree(Tree.folder(root, cfg), cfg, reading=Reading(cache=cache, cache_dir=cache_dir, jobs=jobs),
                       imports=False)
    return Collected(root, cfg, list(found.files), list(found.violations), list(found.diagnostics),
                     len(found.full or ()), frozenset(found.names or ()), dict(found.sources),
                     list(found.definitions), list(found.suspects))
