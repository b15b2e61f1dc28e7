"""Find every use of the deprecated API by resolving names across modules.

An object is identified by where it is *defined*: ``("obj", "pkg.mod.name")`` for a name
defined in a module of the tree, ``("mod", "pkg.mod")`` for a module, ``("ext", "dotted")``
for anything outside the tree. A rule's configured path may be a re-export; it is resolved
to its definition, and every binding anywhere that resolves to the same definition (any
alias, any chain of re-exports, star imports honouring ``__all__``) is a deprecated binding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from wsaudit.model import Binding, FileFacts, ImportStmt, Rule, SourceFile, Use, Violation

Canon = tuple[str, str]
_EMPTY: frozenset[Canon] = frozenset()


def absolute_module(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    """Resolve a (possibly relative) ``from`` import's module; None when it leaves the top package.

    >>> absolute_module("a.b.c", False, 1, "d")
    'a.b.d'
    >>> absolute_module("a.b", True, 1, None)
    'a.b'
    >>> absolute_module("a.b.c", False, 2, None)
    'a'
    >>> absolute_module("top", False, 1, "x") is None
    True
    """
    if level == 0:
        return name
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([name] if name else []))


class Resolver:
    """Resolves dotted names and bindings to the objects they denote, across the whole tree."""

    def __init__(self, files: Iterable[SourceFile], facts: Mapping[str, FileFacts]):
        self.files: dict[str, SourceFile] = {}
        self.facts: dict[str, FileFacts] = {}
        for f in files:  # the first file to claim a module name wins (a package over a module)
            if f.module not in self.files and f.path in facts:
                self.files[f.module] = f
                self.facts[f.module] = facts[f.path]
        self.known: set[str] = set()
        for name in self.files:
            parts = name.split(".")
            self.known.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        self._resolved: dict[str, frozenset[Canon]] = {}
        self._attrs: dict[tuple[str, str], frozenset[Canon]] = {}
        self._exports: dict[str, frozenset[str]] = {}
        self._chains: dict[tuple, list[frozenset[Canon]]] = {}
        self._busy: set[object] = set()

    # -- modules -----------------------------------------------------------------

    def absolute(self, module: str, level: int, name: str | None) -> str | None:
        f = self.files.get(module)
        return absolute_module(module, f.is_package if f else False, level, name)

    def exported(self, module: str) -> frozenset[str]:
        """Names ``from module import *`` binds: ``__all__`` if literal, else the public names."""
        if module in self._exports:
            return self._exports[module]
        key = ("exports", module)
        facts = self.facts.get(module)
        if facts is None or key in self._busy:
            return frozenset()
        if facts.all_names is not None:
            result = frozenset(facts.all_names)
        else:
            self._busy.add(key)
            names = {n for n in facts.namespace if not n.startswith("_")}
            for index in facts.stars:
                target = self._star_module(module, facts.bindings[index])
                if target:
                    names |= self.exported(target)
            self._busy.discard(key)
            result = frozenset(names)
        self._exports[module] = result
        return result

    def _star_module(self, module: str, binding: Binding) -> str | None:
        level, name = binding.target  # type: ignore[misc]
        return self.absolute(module, level, name or None)

    # -- objects -----------------------------------------------------------------

    def resolve(self, dotted: str) -> frozenset[Canon]:
        """The objects a dotted path denotes (usually one; more when bindings are conditional)."""
        if dotted in self._resolved:
            return self._resolved[dotted]
        if dotted in self._busy:
            return _EMPTY
        self._busy.add(dotted)
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if prefix in self.known:
                break
        else:
            self._busy.discard(dotted)
            self._resolved[dotted] = result = frozenset({("ext", dotted)})
            return result
        rest = parts[i:]
        found = frozenset({("mod", prefix)})
        for attr in rest:
            found = self.attribute(found, attr)
        self._busy.discard(dotted)
        self._resolved[dotted] = found
        return found

    def attribute(self, objects: frozenset[Canon], attr: str) -> frozenset[Canon]:
        """The objects ``x.attr`` denotes for each ``x`` in ``objects``."""
        out: set[Canon] = set()
        for kind, path in objects:
            if kind == "mod":
                out |= self.module_attribute(path, attr)
            else:
                out.add((kind, f"{path}.{attr}"))
        return frozenset(out)

    def module_attribute(self, module: str, name: str) -> frozenset[Canon]:
        key = (module, name)
        if key in self._attrs:
            return self._attrs[key]
        if key in self._busy:
            return _EMPTY
        self._busy.add(key)
        out: set[Canon] = set()
        facts = self.facts.get(module)
        if facts is not None:
            for index in facts.namespace.get(name, ()):
                out |= self.binding(module, facts, index, name)
            if not out:
                for index in facts.stars:
                    target = self._star_module(module, facts.bindings[index])
                    if target and name in self.exported(target):
                        out |= self.module_attribute(target, name)
        if not out:
            sub = f"{module}.{name}"
            out.add(("mod", sub) if sub in self.known else ("obj", sub))
        self._busy.discard(key)
        result = self._attrs[key] = frozenset(out)
        return result

    def binding(self, module: str, facts: FileFacts, index: int, name: str) -> frozenset[Canon]:
        """What binding ``index`` of ``module`` binds ``name`` to."""
        b = facts.bindings[index]
        if b.kind == "module":
            return self.resolve(b.target)  # type: ignore[arg-type]
        if b.kind == "from":
            level, source, attr = b.target  # type: ignore[misc]
            base = self.absolute(module, level, source or None)
            return self.resolve(f"{base}.{attr}") if base else _EMPTY
        if b.kind == "star":
            target = self._star_module(module, b)
            if target and name in self.exported(target):
                return self.module_attribute(target, name)
            return _EMPTY
        if b.kind == "alias":
            return self.chain(module, facts, facts.uses[b.target])[-1]  # type: ignore[index]
        if b.kind == "def":
            return frozenset({("obj", f"{module}.{b.name}")})
        return _EMPTY

    def chain(self, module: str, facts: FileFacts, use: Use) -> list[frozenset[Canon]]:
        """The objects denoted by each prefix of a use's chain: ``a``, ``a.b``, ``a.b.c``."""
        # Uses with the same bindings and chain denote the same objects: resolve them once.
        key = ("use", module, use.reaching, use.chain)
        if key in self._chains:
            return self._chains[key]
        if key in self._busy:
            return [_EMPTY] * len(use.chain)
        self._busy.add(key)
        root: set[Canon] = set()
        for index in use.reaching:
            root |= self.binding(module, facts, index, use.chain[0])
        prefixes = [frozenset(root)]
        for attr in use.chain[1:]:
            prefixes.append(self.attribute(prefixes[-1], attr))
        self._busy.discard(key)
        self._chains[key] = prefixes
        return prefixes


def deprecated_objects(resolver: Resolver, rules: Iterable[Rule]) -> dict[str, frozenset[Canon]]:
    """For each symbol rule, the definition(s) its configured path resolves to."""
    return {r.id: resolver.resolve(r.symbol) for r in rules if r.symbol is not None}


def _violation(f: SourceFile, rule: Rule, category: str, line: int, col: int, name: str, context: str,
               snippet: str) -> Violation:
    return Violation(rule.id, category, f.path, line, col, f.module, rule.target, name, context, snippet,
                     rule.replacement, f.is_test)


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
    resolver = resolver or Resolver(files, facts)
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
            for (rule, category), name in _import_hits(f, imp, resolver, targets, module_rules, symbol_rules).items():
                rows.append(_violation(f, rule, category, imp.line, imp.col, name, imp.context, imp.snippet))

        for use in file_facts.uses:
            prefixes = resolver.chain(f.module, file_facts, use) if symbol_rules else []
            if not any(objects & every_target for objects in prefixes):
                continue  # the common case: nothing deprecated anywhere along the chain
            for rule in symbol_rules:
                for k, objects in enumerate(prefixes, start=1):
                    if objects & targets[rule.id]:
                        category = "deprecated-call" if use.is_call and k == len(use.chain) else "deprecated-reference"
                        rows.append(_violation(f, rule, category, use.line, use.col, ".".join(use.chain[:k]),
                                               use.context, use.snippet))
                        break

        for ref in file_facts.strings:
            objects = resolver.resolve(ref.value)
            for rule in rules:
                hit = rule.covers_module(ref.value) if rule.module else bool(objects & targets[rule.id])
                if hit:
                    rows.append(_violation(f, rule, "deprecated-reference", ref.line, ref.col, ref.value, ref.context,
                                           ref.snippet))
    rows.sort(key=Violation.sort_key)
    return rows
