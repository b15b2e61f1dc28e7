"""The scan behind ``wsaudit check``: the violations of a full audit, parsing only the files that
can hold one (the engine without import records, :func:`wsaudit.engine.session.audit_tree`).

A file whose bytes name none of the deprecated things (nor any name that a re-export binds to
them) cannot hold a violation, so it is never parsed; name resolution still knows every module
of the tree and parses, on demand, any module it has to look into. See :func:`collect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wsaudit.config import Config, Located, locate, within
from wsaudit.engine.golden import golden_path_notices
from wsaudit.engine.session import Reading, Tree, audit_tree
from wsaudit.model import Definition, Diagnostic, Notice, SourceFile, Violation

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
    scope: str = ""  # the audited folder inside the tree: the rows above are its own
    notices: list[Notice] = field(default_factory=list)  # the warnings a scan of the tree gives
    suppressed: list[tuple[Violation, str]] = field(default_factory=list)  # accepted by a comment, with why
    # of the files in ``sources``: the lines that hold one simple statement alone (FileFacts.one_line),
    # which the fingerprints parse alone
    one_line: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    @property
    def files_scanned(self) -> int:
        return len(self.files)


def collect(path: str | Path = ".", config: Config | str | Path | None = None, *, profile: str | None = None,
            cache: bool = True, cache_dir: str | Path | None = None, jobs: int | None = None) -> Collected:
    """Every violation under ``path``: the same rows as ``wsaudit.audit(path).violation_records``,
    parsing only the files that can hold one (:mod:`wsaudit.engine.candidates`). The
    configuration is found as :func:`wsaudit.audit` finds it (a sub-folder of a configured tree
    is audited in that tree, its own rows kept).

    Not parsed, so not reported: syntax errors in files that cannot hold a violation.
    """
    located = Located(config, Path(path)) if isinstance(config, Config) else locate(path, config, profile)
    cfg, scope = located.config, located.scope
    found = audit_tree(Tree.folder(located.root, cfg), cfg,
                       reading=Reading(cache=cache, cache_dir=cache_dir, jobs=jobs), imports=False)
    return Collected(located.root, cfg, [f for f in found.files if within(scope, f.path)],
                     [v for v in found.violations if within(scope, v.path)],
                     [d for d in found.diagnostics if within(scope, d.path)], len(found.full or ()),
                     frozenset(found.names or ()), dict(found.sources),
                     [d for d in found.definitions if within(scope, d.path)],
                     [v for v in found.suspects if within(scope, v.path)], scope,
                     [*golden_path_notices(cfg, lambda: found.modules), *found.notices],
                     [(v, why) for v, why in found.suppressed if within(scope, v.path)], dict(found.one_line))
