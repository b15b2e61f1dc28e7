"""The whole tree at one moment of the migration, in memory: every file's facts, the
resolver over them, what detection finds, and which names other modules read.

The migration rewrites files in passes; each pass works on a fresh snapshot of the tree
as the previous passes left it, so that what one file's rewrite changes (a re-export gone, a
new module attribute) is seen by the files that depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wsaudit.codemod.environment import Environment, environment_for, search_path
from wsaudit.config import Config
from wsaudit.engine.modules import absolute_module
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.engine.session import Tree, audit_tree
from wsaudit.model import FileFacts, Rule, SourceFile, Violation


@dataclass
class TreeSnapshot:
    """The whole tree at one moment of the migration (in memory).

    Attributes
    ----------
    files : list of SourceFile
        Every audited file (their texts may have changed; the records have not).
    facts : dict
        Path to the facts of the file's current text.
    resolver : Resolver
        Name resolution over ``facts``.
    violations : dict
        Path to what detection finds in the file now.
    targets : dict
        Rule ID to the definitions a symbol rule resolves to.
    importers : set of (str, str)
        Every ``(module, name)`` that some file reads from another module (:func:`importers`).
    env : Environment
        The modules outside the tree (the interpreter's import paths, searched statically).
    initial_importers : set of (str, str)
        :attr:`importers` of the tree before the migration (a re-export that code read then and
        reads no more was read only by files this run migrated).
    """

    files: list[SourceFile]
    facts: dict[str, FileFacts]
    resolver: Resolver
    violations: dict[str, list[Violation]]
    targets: dict[str, frozenset[Canon]]
    importers: set[tuple[str, str]]
    env: Environment
    initial_importers: set[tuple[str, str]]
    edge_cache: dict[str, set[str]] = field(default_factory=dict, repr=False)  # see Targets.load_edges

    @classmethod
    def build(cls, files: list[SourceFile], facts: dict[str, FileFacts], rules: tuple[Rule, ...],
              env: Environment | None = None, initial_importers: set[tuple[str, str]] | None = None) -> TreeSnapshot:
        found = audit_tree(Tree(tuple(files), facts=facts), Config(rules=rules), imports=False)
        assert isinstance(found.resolver, Resolver)  # a tree given in memory is resolved in full
        by_path: dict[str, list[Violation]] = {}
        for v in found.violations:
            by_path.setdefault(v.path, []).append(v)
        readers = importers(files, facts, found.resolver)
        return cls(files, facts, found.resolver, by_path, dict(found.targets), readers,
                   env if env is not None else environment_for(search_path()),
                   initial_importers if initial_importers is not None else readers)

    def bound_in_tree(self, dotted: str) -> bool:
        """Whether ``dotted`` is a module of the tree or a name that module binds."""
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            facts = self.resolver.facts(prefix)
            if facts is not None:
                if i == len(parts):
                    return True
                name = parts[i]
                if name in facts.namespace or f"{prefix}.{name}" in self.resolver.known:
                    return True
                return any(name in self.resolver.exported(self.resolver._star_module(prefix, facts.bindings[s]) or "")
                           for s in facts.stars)
        return False


def importers(files: list[SourceFile], facts: dict[str, FileFacts], resolver: Resolver) -> set[tuple[str, str]]:
    """Every ``(module, name)`` that some file reads from another module: ``from module import
    name``, a star import that exports it, ``module_alias.name``, a string ``"module.name"``."""
    out: set[tuple[str, str]] = set()
    for f in files:
        ff = facts.get(f.path)
        if ff is None:
            continue
        for imp in ff.imports:
            if not imp.is_from:
                continue
            base = absolute_module(f.module, f.is_package, imp.level, imp.module)
            if base is None:
                continue
            for name, _ in imp.names:
                if name == "*":
                    out |= {(base, n) for n in resolver.exported(base)}
                else:
                    out.add((base, name))
        for s in ff.strings:
            module, _, name = s.value.rpartition(".")
            out.add((module, name))
        for u in ff.uses:
            if len(u.chain) > 1:
                prefixes = resolver.chain(f.module, ff, u)
                for k in range(len(u.chain) - 1):
                    out |= {(path, u.chain[k + 1]) for kind, path in prefixes[k] if kind == "mod"}
    return out
