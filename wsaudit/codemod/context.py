"""The per-file context of a migration pass: everything the parts of one file's rewrite
(calls, mock.patch targets, imports, their placement) and its safety checks read, in one
record, like LibCST's ``CodemodContext``.

It holds no syntax tree: the libcst module of the text is :class:`wsaudit.codemod.syntax.Syntax`,
built once per pass by the rewriter.
"""

from __future__ import annotations

from dataclasses import dataclass

from wsaudit.codemod.encoding import Encoding
from wsaudit.codemod.snapshot import TreeSnapshot
from wsaudit.codemod.targets import Targets
from wsaudit.model import FileFacts, Rule, SourceFile, Violation


@dataclass(frozen=True)
class FileContext:
    """One file at one moment of the migration.

    Attributes
    ----------
    path : str
        Root-relative POSIX path.
    source : SourceFile
        The file's record (its module name, whether it is a package).
    text : str
        The file's current text (as the previous passes left it).
    encoding : Encoding
        The encoding its bytes are written back in.
    facts : FileFacts
        The facts of ``text``.
    violations : list of Violation
        What detection finds in ``text``.
    tree : TreeSnapshot
        The whole tree at the same moment.
    rules : dict
        Rule ID to rule.
    """

    path: str
    source: SourceFile
    text: str
    encoding: Encoding
    facts: FileFacts
    violations: list[Violation]
    tree: TreeSnapshot
    rules: dict[str, Rule]

    @classmethod
    def of(cls, tree: TreeSnapshot, source: SourceFile, text: str, encoding: Encoding,
           rules: dict[str, Rule]) -> FileContext:
        """The context of ``source`` in ``tree``, whose facts and violations are of ``text``."""
        return cls(source.path, source, text, encoding, tree.facts[source.path],
                   tree.violations.get(source.path, []), tree, rules)

    @property
    def module(self) -> str:
        return self.source.module

    @property
    def targets(self) -> Targets:
        """Whether the modules and names an import in this file names exist."""
        return Targets(self.tree, self.tree.env)

    @property
    def outside_graph(self) -> str | None:
        """Why Python never loads this file as its module, or None (it is a module of the
        graph): a name no module name reaches (``conf.d/settings.py``), or a file beside the
        same-named package that Python loads instead. Its absolute imports mean what they say;
        its relative imports have no package to start from."""
        found = self.tree.resolver.files.get(self.module)
        if not self.source.is_module or found is None:
            return f"no module name makes Python load {self.path} (it runs as a script)"
        if found.path != self.path:
            return f"Python loads {found.path} for {self.module}, never this file"
        return None

    @property
    def package(self) -> str:
        """The package relative imports in this file start from."""
        return self.source.module if self.source.is_package else self.source.module.rpartition(".")[0]


def violation_key(v: Violation) -> tuple:
    """What identifies a violation within one file: ``(line, col, rule_id, category)``."""
    return (v.line, v.col, v.rule_id, v.category)


def by_position(rows: list[Violation]) -> dict[tuple[int, int], list[Violation]]:
    """Violations grouped by (line, col): one statement or expression may carry several rules."""
    groups: dict[tuple[int, int], list[Violation]] = {}
    for v in rows:
        groups.setdefault((v.line, v.col), []).append(v)
    return groups


def unmapped(rule: Rule) -> str | None:
    """Why ``migrate`` cannot point a module rule's imports at a replacement, or None.

    A pattern (``**.compat``) stands for many modules, and one ``replacement`` cannot say
    where each of them went: its rows are left for a person, each saying so.

    >>> unmapped(Rule("R1", module="pkg.old", replacement="pkg.new")) is None
    True
    >>> unmapped(Rule("R2", module="**.compat", replacement="pkg.compat"))
    "R2's module '**.compat' is a pattern: migrate rewrites imports of a module rule that names one module; migrate this one by hand"
    """
    if rule.is_pattern:
        return (f"{rule.id}'s module {rule.target!r} is a pattern: migrate rewrites imports of a module rule that "
                "names one module; migrate this one by hand")
    if not rule.replacement:
        return f"{rule.id} has no replacement module"
    return None
