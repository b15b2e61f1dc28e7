"""In-memory trees for the unit tests: sources as strings, turned into the records the engine
reads (SourceFile, FileFacts, ModuleTable, Resolver) without touching the disk.

>>> t = MemTree({"pkg/__init__.py": "", "pkg/mod.py": "x = 1\\n"})
>>> [(f.path, f.module, f.is_package) for f in t.files]
[('pkg/__init__.py', 'pkg', True), ('pkg/mod.py', 'pkg.mod', False)]
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from wsaudit.engine.detect import detect
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.parse import parse_source
from wsaudit.engine.resolve import Resolver
from wsaudit.model import FileFacts, Rule, SourceFile, Violation


def facts(source: str) -> FileFacts:
    """The facts of one file given as (dedented) text."""
    return parse_source(textwrap.dedent(source).encode("utf-8"))


def source_file(path: str, is_test: bool = False) -> SourceFile:
    """The SourceFile discovery would make of ``path`` (a package's ``__init__.py`` is the package)."""
    parts = path.removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return SourceFile(path, ".".join(parts), is_package, is_test, 0)


class MemTree:
    """A tree of files held in memory; ``tests`` names the paths that are test files."""

    def __init__(self, sources: dict[str, str], tests: Iterable[str] = ()):
        tests = set(tests)
        self.files = [source_file(p, p in tests) for p in sorted(sources)]
        self.facts = {p: facts(s) for p, s in sources.items()}
        self.modules = ModuleTable.of(self.files, self.facts)
        self.resolver = Resolver(self.modules, self.facts.get)

    def resolve(self, dotted: str) -> set[tuple[str, str]]:
        return set(self.resolver.resolve(dotted))

    def detect(self, *rules: Rule, fresh: bool = False) -> list[Violation]:
        """Every violation; ``fresh``: with a resolver that has resolved nothing yet."""
        resolver = Resolver(self.modules, self.facts.get) if fresh else self.resolver
        return detect(self.files, self.facts, tuple(rules), resolver).violations

    def rows(self, *rules: Rule, path: str | None = None) -> list[tuple]:
        """Violations as ``(path, line, rule_id, category, name)``, optionally of one file."""
        return [(v.path, v.line, v.rule_id, v.category, v.name) for v in self.detect(*rules)
                if path is None or v.path == path]
