"""Find every use of the deprecated API by resolving names across modules.

A symbol rule's deprecated objects are what its configured path resolves to (a re-export is
followed to its definition) or, for a pattern (``pkg.ws.**.make``), every ``def``/``class``
defined at a matching path: a copy that a migration moves elsewhere is still the deprecated
API, and its definition is reported. A use is a violation when:

* it resolves to a deprecated object (``resolution`` ``exact``; ``pattern`` when the only
  match is a name its module no longer binds);
* or its *written* path matches the rule while it resolves to nothing in the tree (a deleted
  module, a name its module no longer defines): ``pattern``. A different object of the tree
  imported under the deprecated name is not a violation;
* or, for a string, it names a deprecated name in a module of the tree that no longer binds
  it (a stale ``mock.patch`` target): ``stale``.

A string that names something outside the tree counts only where Python itself takes it as a
path (``import_module``, ``patch``, ``sys.modules``, an entry point): a file name such as
``"distutils.cfg"`` is not a reference. Files that do not parse still show their imports and
calls to the tokenizer: those are ``suspects``, kept apart from the violations. The categories,
resolutions and what is not a violation are the contract's: ``docs/categories.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wsaudit.engine.modules import ModuleTable, absolute_module
from wsaudit.engine.resolve import MAX_DEPTH, Canon, Resolution, Resolver, in_tree
from wsaudit.model import (
    Definition,
    Diagnostic,
    FileFacts,
    ImportStmt,
    Notice,
    Rule,
    SourceFile,
    Unparsed,
    Use,
    Violation,
)

_EMPTY: frozenset[Canon] = frozenset()


def find_definitions(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], rules: Iterable[Rule],
                     modules: ModuleTable) -> list[Definition]:
    """Every ``def``/``class`` statement of a deprecated symbol in ``files``: for a pattern
    rule, those defined at a matching path; for a plain rule, the one its path resolves to."""
    rules = [r for r in rules if r.symbol is not None]
    out = []
    for f in files:
        ff = facts.get(f.path)
        if ff is None or not ff.definitions or not modules.owns(f):
            continue
        for name, line in ff.definitions:
            for rule in rules:
                if rule.is_pattern and name == rule.name and rule.matches(f"{f.module}.{name}"):
                    out.append(Definition(rule.id, f.path, line, f.module, name, f.is_test))
    return out


def deprecated_objects(resolver: Resolution, rules: Iterable[Rule], definitions: Iterable[Definition] = ()
                       ) -> dict[str, frozenset[Canon]]:
    """For each symbol rule, its deprecated objects: the definition(s) its configured path
    resolves to, and for a pattern the ``definitions`` found at matching paths."""
    found: dict[str, set[Canon]] = {r.id: set() for r in rules if r.symbol is not None}
    for d in definitions:
        found.setdefault(d.rule_id, set()).add(("obj", f"{d.module}.{d.name}"))
    for r in rules:
        if r.symbol is not None and not r.is_pattern:
            found[r.id] |= resolver.resolve(r.symbol)
    return {k: frozenset(v) for k, v in found.items()}


def literal_definitions(resolver: Resolution, rules: Iterable[Rule], targets: Mapping[str, frozenset[Canon]]
                        ) -> list[Definition]:
    """The ``def``/``class`` statements that a plain (non-pattern) rule's path resolves to."""
    out = []
    for r in rules:
        if r.symbol is None or r.is_pattern:
            continue
        for kind, dotted in sorted(targets.get(r.id, ())):
            module, _, name = dotted.rpartition(".")
            f = resolver.files.get(module)
            ff = resolver.facts(module) if kind == "obj" and f is not None else None
            for def_name, line in (ff.definitions if f is not None and ff is not None else ()):
                if def_name == name:
                    out.append(Definition(r.id, f.path, line, module, name, f.is_test))
    return out


@dataclass
class Detection:
    """What :func:`detect` found: violations, definitions, suspects, and what matched nothing."""

    violations: list[Violation]
    definitions: list[Definition]
    suspects: list[Violation]
    notices: list[Notice]
    targets: dict[str, frozenset[Canon]]
    problems: list[Diagnostic] = field(default_factory=list)  # the files whose rows resolution cut short


TOO_DEEP = ("a chain of re-exports or aliases deeper than {} (or a cycle that long) is not followed past that "
            "depth: this file's rows may be incomplete")


def too_deep(path: str) -> Diagnostic:
    """The diagnostic of a file whose rows name resolution cut for depth
    (:data:`wsaudit.engine.resolve.MAX_DEPTH`)."""
    return Diagnostic(path, "too-deep", None, TOO_DEEP.format(MAX_DEPTH))


class RuleTargets:
    """The rules, split by kind, with what each symbol rule's uses may be written as."""

    def __init__(self, rules: tuple[Rule, ...], targets: Mapping[str, frozenset[Canon]],
                 definitions: Iterable[Definition], modules: ModuleTable):
        self.all = rules
        self.symbol = [r for r in rules if r.symbol is not None]
        self.module = [r for r in rules if r.module is not None]
        self.targets = targets
        self.every_target = frozenset().union(*targets.values()) if targets else _EMPTY
        self.names: dict[str, set[str]] = {r.id: {r.name} for r in self.symbol}
        for d in definitions:
            self.names.setdefault(d.rule_id, set()).add(d.name)
        for r in self.symbol:  # a plain rule whose path is a renamed re-export: its definition's name
            self.names[r.id] |= {dotted.rpartition(".")[2] for kind, dotted in targets.get(r.id, ()) if kind == "obj"}
        self.written_names = set().union(*self.names.values()) if self.names else set()
        self.modules = modules
        self.patterns = [r for r in self.symbol if r.is_pattern]

    def deprecated(self, objects: frozenset[Canon]) -> bool:
        """Whether ``objects`` hold a deprecated object of some symbol rule, as they resolve (not
        as they are written)."""
        return bool(objects & self.every_target) or any(outside_hit(r, objects) for r in self.patterns)

    def module_resolution(self, rule: Rule, name: str) -> str:
        """A module rule's rows are ``pattern`` when the deprecated module that ``name`` is or
        lies inside belongs in the tree (its top package is there) but no longer exists: what
        imports it will fail."""
        module = rule.module_match(name) or rule.target
        top = module.split(".")[0]
        gone = top in self.modules.known and module not in self.modules.known
        return "pattern" if gone else "exact"

    def symbol_hit(self, rule: Rule, objects: frozenset[Canon], written: Iterable[str]) -> str | None:
        """How ``objects`` (resolved) written as ``written`` uses the symbol of ``rule``, if it does."""
        common = objects & self.targets[rule.id]
        if common:
            return "exact" if any(kind != "undef" for kind, _ in common) else "pattern"
        outside = outside_hit(rule, objects)
        if outside is not None:
            return outside
        if not in_tree(objects) and any(rule.matches(w) for w in written):
            return "pattern"
        return None


def _violation(f: SourceFile, rule: Rule, category: str, line: int, col: int, name: str, context: str,
               snippet: str, via: str | None, resolution: str = "exact") -> Violation:
    return Violation(rule.id, category, f.path, line, col, f.module, rule.target, name, context, snippet,
                     rule.replacement, f.is_test, via, resolution)


def _module_prefix(modules: ModuleTable, dotted: str) -> str | None:
    """The longest module of the tree that ``dotted`` lies strictly inside."""
    parts = dotted.split(".")
    return next((m for m in (".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)) if m in modules), None)


def outside_hit(rule: Rule, objects: frozenset[Canon]) -> str | None:
    """How ``objects`` hold a path outside the tree that the pattern ``rule`` matches, if they do:
    ``exact`` for an object outside the tree (``ext``), ``pattern`` for a name a module of the
    tree does not bind (``undef``). A plain rule's own path is among its targets already.

    What a re-export of a fallback import denotes, ``try: from psycopg import Jsonb`` /
    ``except ImportError: class Jsonb: ...`` then ``from .compat import Jsonb`` elsewhere, is
    known only by resolution: the importer writes ``.compat.Jsonb``, and a pattern has no
    definition outside the tree to be a target.

    >>> rule = Rule("R", symbol="psycopg.**.Jsonb")
    >>> outside_hit(rule, frozenset({("ext", "psycopg.types.json.Jsonb"), ("obj", "app.compat.Jsonb")}))
    'exact'
    >>> outside_hit(rule, frozenset({("obj", "psycopg.types.json.Jsonb")})) is None
    True
    """
    if not rule.is_pattern:
        return None
    kinds = {kind for kind, path in objects if kind in ("ext", "undef") and rule.matches(path)}
    return "exact" if "ext" in kinds else "pattern" if kinds else None


def holds_module(rule: Rule, objects: frozenset[Canon]) -> bool:
    """Whether ``objects`` (what a name denotes) hold a module that the module ``rule`` covers: a
    module of the tree (``mod``) or one that ``import`` binds (``imported``, see
    :mod:`wsaudit.engine.resolve`). An attribute of a module outside the tree (``ext``) is not:
    ``from six import text_type`` binds a function of ``six``, not the module.

    >>> rule = Rule("M", module="pkg.six")
    >>> holds_module(rule, frozenset({("imported", "pkg.six.moves.urllib.error")}))
    True
    >>> holds_module(rule, frozenset({("ext", "pkg.six.text_type")})), holds_module(rule, frozenset({("mod", "pkg.sixth")}))
    (False, False)
    """
    return any(kind in ("mod", "imported") and rule.covers_module(path) for kind, path in objects)


def _import_hits(f: SourceFile, imp: ImportStmt, resolver: Resolution, rules: RuleTargets
                 ) -> dict[tuple[Rule, str], tuple[str, str]]:
    """What one import statement imports that is deprecated: ``(rule, category) -> (name,
    resolution)``, one row per (statement, deprecated thing), named after the first name."""
    hits: dict[tuple[Rule, str], tuple[str, str]] = {}
    if not imp.is_from:
        for name, asname in imp.names:
            for rule in rules.module:
                if rule.covers_module(name):
                    hits.setdefault((rule, "deprecated-module"), (asname or name, rules.module_resolution(rule, name)))
        return hits
    base = absolute_module(f.module, f.is_package, imp.level, imp.module)
    if base is None:
        return hits
    for rule in rules.module:
        if rule.covers_module(base):
            hits.setdefault((rule, "deprecated-module"), ("." * imp.level + (imp.module or ""),
                                                          rules.module_resolution(rule, base)))
    for name, asname in imp.names:
        if name == "*":
            for exported in sorted(resolver.exported(base)):
                objects = resolver.module_attribute(base, exported)
                for rule in rules.symbol:
                    if objects & rules.targets[rule.id]:
                        hits.setdefault((rule, "deprecated-import"), (exported, "exact"))
                for rule in rules.module:
                    if holds_module(rule, objects):
                        hits.setdefault((rule, "deprecated-module"), (exported, "exact"))
            continue
        full = f"{base}.{name}"
        objects = resolver.resolve(full)
        for rule in rules.module:
            if rule.covers_module(full):
                hits.setdefault((rule, "deprecated-module"), (asname or name, rules.module_resolution(rule, full)))
            elif holds_module(rule, objects):  # the deprecated module, re-exported by ``base``
                hits.setdefault((rule, "deprecated-module"), (asname or name, "exact"))
        for rule in rules.symbol:
            resolution = rules.symbol_hit(rule, objects, (full,) if name in rules.names[rule.id] else ())
            if resolution is not None:
                hits.setdefault((rule, "deprecated-import"), (asname or name, resolution))
    return hits


def _use_rows(f: SourceFile, ff: FileFacts, resolver: Resolution, rules: RuleTargets) -> list[Violation]:
    out = []
    for use in ff.uses:
        prefixes = resolver.chain(f.module, ff, use)
        resolved = any(rules.deprecated(objects) for objects in prefixes)
        # A written path can match only through a deprecated name: skip the common case cheaply.
        maybe_written = not resolved and (rules.written_names.intersection(use.chain) or any(
            _source_name(ff, i) in rules.written_names for i in use.reaching))
        if not resolved and not maybe_written:
            continue
        views = _binding_views(f, ff, resolver, use, prefixes) if maybe_written else [(prefixes, [])]
        for rule in rules.symbol:
            for k, objects in enumerate(prefixes, start=1):
                resolution = _best(rules.symbol_hit(rule, seen[k - 1], written[k - 1] if written else ())
                                   for seen, written in views)
                if resolution is None:
                    continue
                category = "deprecated-call" if use.is_call and k == len(use.chain) else "deprecated-reference"
                # through the module that owns the last step: ``m.factory.cwm`` reaches cwm through factory
                owners = sorted(path for kind, path in prefixes[k - 2] if kind == "mod") if k > 1 else []
                out.append(_violation(f, rule, category, use.line, use.col, ".".join(use.chain[:k]), use.context,
                                      use.snippet, owners[0] if owners else None, resolution))
                break
    return out


def _binding_views(f: SourceFile, ff: FileFacts, resolver: Resolution, use: Use, prefixes: list[frozenset[Canon]]
                   ) -> list[tuple[list[frozenset[Canon]], list[frozenset[str]]]]:
    """What each binding that reaches ``use`` makes of it, apart: per binding, the objects each
    prefix of its chain denotes and the paths it is written as.

    A written path counts only when it resolves to nothing in the tree, and that is a property of
    the binding that writes it, not of the others that may reach the same use: in
    ``try: from pkg.gone import cwm`` / ``except ImportError: cwm = None`` (or ``def cwm``, a
    ``class``, under any ``except``), the import is what the name is whenever it succeeds, and the
    fallback, an object of the tree, must not hide it. With one binding (or none), the view is the
    use's own."""
    if len(use.reaching) <= 1:
        return [(prefixes, resolver.written(f.module, ff, use))]
    views = []
    for index in use.reaching:
        alone = use._replace(reaching=(index,))
        views.append((resolver.chain(f.module, ff, alone), resolver.written(f.module, ff, alone)))
    return views


_RANK = {"exact": 0, "pattern": 1}


def _best(resolutions: Iterable[str | None]) -> str | None:
    """The surest of some bindings' resolutions of one use: ``exact`` over ``pattern``."""
    found = [r for r in resolutions if r is not None]
    return min(found, key=_RANK.__getitem__) if found else None


def _source_name(ff: FileFacts, index: int) -> str | None:
    """The name binding ``index`` copies from elsewhere (the name its written path ends with;
    a definition copies nothing)."""
    b = ff.bindings[index]
    return b.source_name(ff.uses) if b.kind != "def" else None


def _string_rows(f: SourceFile, ff: FileFacts, resolver: Resolution, rules: RuleTargets) -> list[Violation]:
    out = []
    modules = resolver.modules
    for ref in ff.strings:
        objects = resolver.resolve(ref.value)
        prefix = _module_prefix(modules, ref.value)
        evidence = ref.sink is not None or in_tree(objects) or ref.value in modules
        if not evidence and any(rule.covers_module(ref.value) for rule in rules.module):
            # a path into a deprecated module ("pkg.auth.backends.Model" in a settings file) names a
            # thing of the tree whatever its last name: ask the unnarrowed resolution, which a
            # symbol rule's narrowing (names of deprecated objects only) would answer empty
            evidence = in_tree(resolver.resolve_whole(ref.value))
        for rule in rules.all:
            if rule.module is not None:
                hit = rules.module_resolution(rule, ref.value) if rule.covers_module(ref.value) and evidence else None
            else:
                hit = rules.symbol_hit(rule, objects, (ref.value,) if ref.sink is not None else ())
                last = ref.value.rpartition(".")[2]
                if hit == "pattern" and prefix is not None and in_tree(frozenset({("mod", prefix)})) \
                        and ref.value.rpartition(".")[0] == prefix:
                    hit = "stale"  # it names the symbol in a module of the tree that does not bind it
                elif hit is None and last in rules.names[rule.id] and ref.value.rpartition(".")[0] == prefix \
                        and objects and all(kind == "undef" for kind, _ in objects):
                    hit = "stale"
            if hit is not None:
                out.append(_violation(f, rule, "deprecated-reference", ref.line, ref.col, ref.value, ref.context,
                                      ref.snippet, prefix, hit))
    return out


def _suspects(f: SourceFile, ff: FileFacts, rules: RuleTargets, bound: Mapping[str, set[str]]) -> list[Violation]:
    """Rows for the imports and calls that the tokenizer sees in a file that does not parse."""
    out = []
    local: dict[str, set[str]] = {r.id: set() for r in rules.symbol}  # names this file binds to the symbol
    for u in sorted(ff.unparsed, key=lambda u: u.kind != "import"):  # its imports first
        context = "module" if u.col == 0 else "function"  # a guess from the indentation: nothing parsed
        if u.kind == "import":
            level = len(u.dotted) - len(u.dotted.lstrip("."))
            base = absolute_module(f.module, f.is_package, level, u.dotted[level:] or None) if u.names or level \
                else u.dotted
            if base is None:
                continue
            for rule in rules.module:
                if rule.covers_module(base) or any(rule.covers_module(f"{base}.{n}") for n in u.names):
                    out.append(_suspect(f, rule, "deprecated-module", u, base))
            for rule in rules.symbol:
                names = rules.names[rule.id] | bound.get(rule.id, set())
                hits = [k for k, n in enumerate(u.names) if n in names or rule.matches(f"{base}.{n}")]
                if hits:
                    out.append(_suspect(f, rule, "deprecated-import", u, u.names[hits[0]], context))
                    local[rule.id].update(u.bound[k] for k in hits if k < len(u.bound))
        else:
            last = u.dotted.rpartition(".")[2]
            for rule in rules.symbol:
                if last in rules.names[rule.id] | bound.get(rule.id, set()) | local[rule.id]:
                    out.append(_suspect(f, rule, "deprecated-call", u, u.dotted, context))
    return out


def _suspect(f: SourceFile, rule: Rule, category: str, u: Unparsed, name: str, context: str = "module"
             ) -> Violation:
    return _violation(f, rule, category, u.line, u.col, name, context, u.snippet, None, "unparsed")


def quiet_rules(rules: tuple[Rule, ...], detection: Detection, modules: ModuleTable) -> list[Rule]:
    """The rules that nothing in the tree defines, imports or uses (:func:`unmatched` looks for
    the names closest to theirs in every file's imports)."""
    used = {v.rule_id for v in detection.violations} | {d.rule_id for d in detection.definitions} | {
        s.rule_id for s in detection.suspects}
    return [r for r in rules if r.id not in used and not (
        r.module is not None and _module_known(r, modules)) and not (
        r.symbol is not None and in_tree(detection.targets.get(r.id, _EMPTY)))]


def _module_known(rule: Rule, modules: ModuleTable) -> bool:
    """Whether the tree holds a module rule's module (for a pattern: one that matches it)."""
    assert rule.module is not None
    if not rule.is_pattern:
        return rule.module in modules.known
    return any(rule.covers_module(m) for m in modules.known)


def unmatched(rules: tuple[Rule, ...], detection: Detection, modules: ModuleTable, files: Iterable[SourceFile],
              facts: Mapping[str, FileFacts]) -> list[Notice]:
    """A notice for each rule that nothing in the tree defines, imports or uses, naming the
    closest names that do exist (a typo in ``symbol`` or ``module`` finds nothing otherwise)."""
    quiet = quiet_rules(rules, detection, modules)
    if not quiet:
        return []
    names = set(modules.known)
    for f in files:
        ff = facts.get(f.path)
        if ff is None:
            continue
        names.update(f"{f.module}.{n}" for n in ff.namespace)
        for imp in ff.imports:
            base = absolute_module(f.module, f.is_package, imp.level, imp.module) if imp.is_from else None
            for n, _ in imp.names:
                names.add(f"{base}.{n}" if base else n)
    ordered = sorted(names)
    out = []
    for r in quiet:
        parent = r.target.rpartition(".")[0]
        near = [n for n in ordered if n.rpartition(".")[0] == parent] or ordered
        close = difflib.get_close_matches(r.target.replace("**.", "").replace("*.", ""), near, n=3, cutoff=0.6)
        what = "symbol" if r.symbol is not None else "module"
        hint = f"; closest existing names: {', '.join(close)}" if close else ""
        out.append(Notice("unmatched-rule", r.id, f"rule {r.id}: {what} {r.target!r} is neither defined nor "
                                                   f"imported anywhere in the tree{hint}"))
    return out


def file_rows(f: SourceFile, ff: FileFacts, resolver: Resolution, rules: RuleTargets) -> list[Violation]:
    """The violations in one file (unsorted): its imports, its uses, its strings."""
    rows: list[Violation] = []
    for imp in ff.imports:
        hits = _import_hits(f, imp, resolver, rules)
        if not hits:
            continue
        via = absolute_module(f.module, f.is_package, imp.level, imp.module) if imp.is_from else None
        for (rule, category), (name, resolution) in hits.items():
            rows.append(_violation(f, rule, category, imp.line, imp.col, name, imp.context, imp.snippet, via,
                                   resolution))
    if rules.symbol:
        rows += _use_rows(f, ff, resolver, rules)
    rows += _string_rows(f, ff, resolver, rules)
    return rows


def bound_names(rows: Iterable[Violation]) -> dict[str, set[str]]:
    """Rule id -> the names the tree binds to its symbol (aliases, renamed re-exports): what the
    suspects of a file that does not parse are looked for by."""
    bound: dict[str, set[str]] = {}
    for v in rows:
        if v.category == "deprecated-import":
            bound.setdefault(v.rule_id, set()).add(v.name)
    return bound


def suspects_in(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], rules: RuleTargets,
                bound: Mapping[str, set[str]]) -> list[Violation]:
    """The suspects of those of ``files`` that do not parse (unsorted)."""
    return [s for f in files if (ff := facts.get(f.path)) is not None and ff.unparsed
            for s in _suspects(f, ff, rules, bound)]


def rule_targets(files: list[SourceFile], facts: Mapping[str, FileFacts], rules: tuple[Rule, ...],
                 resolver: Resolution) -> tuple[RuleTargets, list[Definition]]:
    """The rules with their deprecated objects, and every definition of one (sorted)."""
    found = find_definitions(files, facts, rules, resolver.modules)
    targets = deprecated_objects(resolver, rules, found)
    definitions = sorted({*found, *literal_definitions(resolver, rules, targets)}, key=lambda d: d.sort_key())
    return RuleTargets(rules, targets, definitions, resolver.modules), definitions


def detect(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], rules: tuple[Rule, ...],
           resolver: Resolution | None = None, reads: dict[str, set[str]] | None = None) -> Detection:
    """Every violation, definition and suspect in ``files`` (each sorted by position), and a
    notice for each rule that matches nothing. ``reads``: filled with, per file, the modules
    whose facts resolving its rows read (see :meth:`Resolver.reading`)."""
    files = list(files)
    modules = resolver.modules if resolver is not None else ModuleTable.of(files, facts)
    resolver = resolver or Resolver(modules, facts.get)
    split, definitions = rule_targets(files, facts, rules, resolver)
    rows: list[Violation] = []
    problems: list[Diagnostic] = []
    for f in files:
        ff = facts.get(f.path)
        if ff is None:
            continue
        cuts = resolver.deep_cuts
        if reads is None:
            rows += file_rows(f, ff, resolver, split)
        else:
            with resolver.reading() as read:
                rows += file_rows(f, ff, resolver, split)
            reads[f.path] = read
        if resolver.deep_cuts != cuts:
            problems.append(too_deep(f.path))
    rows.sort(key=Violation.sort_key)
    suspects = sorted(suspects_in(files, facts, split, bound_names(rows)), key=Violation.sort_key)
    detection = Detection(rows, definitions, suspects, [], split.targets, problems)
    detection.notices = unmatched(rules, detection, modules, files, facts)
    return detection
