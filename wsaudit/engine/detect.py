"""Find every use of the deprecated API by resolving names across modules.

An object is identified by where it is *defined*: ``("obj", "pkg.mod.name")`` for a name
defined in a module of the tree, ``("mod", "pkg.mod")`` for a module, ``("ext", "dotted")``
for anything outside the tree. A rule's configured path may be a re-export; it is resolved
to its definition, and every binding anywhere that resolves to the same definition (any
alias, any chain of re-exports, star imports honouring ``__all__``) is a deprecated binding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wsaudit.engine.modules import ModuleTable, absolute_module
from wsaudit.engine.resolve import Canon, Resolver
from wsaudit.model import FileFacts, ImportStmt, Rule, SourceFile, Violation


def deprecated_objects(resolver: Resolver, rules: Iterable[Rule]) -> dict[str, frozenset[Canon]]:
    """For each symbol rule, the definition(s) its configured path resolves to."""
    return {r.id: resolver.resolve(r.symbol) for r in rules if r.symbol is not None}


def _violation(f: SourceFile, rule: Rule, category: str, line: int, col: int, name: str, context: str,
               snippet: str, via: str | None) -> Violation:
    return Violation(rule.id, category, f.path, line, col, f.module, rule.target, name, context, snippet,
                     rule.replacement, f.is_test, via)


def _module_prefix(modules: ModuleTable, dotted: str) -> str | None:
    """The longest module of the tree that ``dotted`` lies strictly inside."""
    parts = dotted.split(".")
    return next((m for m in (".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)) if m in modules), None)


def _import_hits(f: SourceFile, imp: ImportStmt, resolver: Resolver, targets: dict[str, frozenset[Canon]],
                 module_rules: list[Rule], symbol_rules: list[Rule]) -> dict[tuple[Rule, str], str]:
    """What one import statement imports that is deprecated: ``(rule, category) -> name``,
    one row per (statement, deprecated thing), named after the first name that binds it."""
    hits: dict[tuple[Rule, str], str] = {}
    if not imp.is_from:
        for name, asname in imp.names:
            for rule in module_rules:
                if rule.covers_module(name):
                    hits.setdefault((rule, "deprecated-module"), asname or name)
        return hits
    base = absolute_module(f.module, f.is_package, imp.level, imp.module)
    if base is None:
        return hits
    for rule in module_rules:
        if rule.covers_module(base):
            hits.setdefault((rule, "deprecated-module"), "." * imp.level + (imp.module or ""))
    for name, asname in imp.names:
        if name == "*":
            for exported in sorted(resolver.exported(base)):
                objects = resolver.module_attribute(base, exported)
                for rule in symbol_rules:
                    if objects & targets[rule.id]:
                        hits.setdefault((rule, "deprecated-import"), exported)
            continue
        full = f"{base}.{name}"
        for rule in module_rules:
            if rule.covers_module(full):
                hits.setdefault((rule, "deprecated-module"), asname or name)
        objects = resolver.resolve(full)
        for rule in symbol_rules:
            if objects & targets[rule.id]:
                hits.setdefault((rule, "deprecated-import"), asname or name)
    return hits


def detect(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], rules: tuple[Rule, ...],
           resolver: Resolver | None = None) -> list[Violation]:
    """Every violation in ``files``, sorted by (path, line, col, category, rule)."""
    files = list(files)
    resolver = resolver or Resolver(ModuleTable.of(files, facts), facts.get)
    targets = deprecated_objects(resolver, rules)
    symbol_rules = [r for r in rules if r.symbol is not None]
    module_rules = [r for r in rules if r.module is not None]
    every_target = frozenset().union(*targets.values())
    rows: list[Violation] = []
    for f in files:
        file_facts = facts.get(f.path)
        if file_facts is None:
            continue
        for imp in file_facts.imports:
            hits = _import_hits(f, imp, resolver, targets, module_rules, symbol_rules)
            if not hits:
                continue
            via = absolute_module(f.module, f.is_package, imp.level, imp.module) if imp.is_from else None
            for (rule, category), name in hits.items():
                rows.append(_violation(f, rule, category, imp.line, imp.col, name, imp.context, imp.snippet, via))

        for use in file_facts.uses:
            prefixes = resolver.chain(f.module, file_facts, use) if symbol_rules else []
            if not any(objects & every_target for objects in prefixes):
                continue  # the common case: nothing deprecated anywhere along the chain
            for rule in symbol_rules:
                for k, objects in enumerate(prefixes, start=1):
                    if objects & targets[rule.id]:
                        category = "deprecated-call" if use.is_call and k == len(use.chain) else "deprecated-reference"
                        # through the module that owns the last step: ``m.factory.cwm`` reaches cwm through factory
                        owners = sorted(path for kind, path in prefixes[k - 2] if kind == "mod") if k > 1 else []
                        rows.append(_violation(f, rule, category, use.line, use.col, ".".join(use.chain[:k]),
                                               use.context, use.snippet, owners[0] if owners else None))
                        break

        for ref in file_facts.strings:
            objects = resolver.resolve(ref.value)
            for rule in rules:
                hit = rule.covers_module(ref.value) if rule.module else bool(objects & targets[rule.id])
                if hit:
                    rows.append(_violation(f, rule, "deprecated-reference", ref.line, ref.col, ref.value, ref.context,
                                           ref.snippet, _module_prefix(resolver.modules, ref.value)))
    rows.sort(key=Violation.sort_key)
    return rows
