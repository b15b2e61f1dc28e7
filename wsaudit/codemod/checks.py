"""The named safety checks every rewritten file must pass before it is written.

- ``parses``: the new text encodes back in the file's own encoding and parses as Python;
- ``rescan-clean``: a re-scan of the migrated tree finds exactly what was there minus what
  the rewrite claims to have fixed (nothing new, nothing vanished unexplained);
- ``names-bound``: every use of a name that the new text binds by an import the old text did
  not have resolves to what that import names, and an attribute read from a newly imported
  module exists in it;
- ``replacement-resolves``: every import statement the new text holds that the old did not
  (added, or changed) resolves, by this file's own semantics (its package for relative
  imports), to a module or a name that exists in the migrated tree or in the environment
  (found statically: :mod:`wsaudit.codemod.environment`), and is not itself deprecated; so
  does every new ``mock.patch`` target;
- ``no-self-import``: none of those imports is of the file itself, directly or through a new
  import cycle (a load-time import of a module that imports this one back while it runs);
- ``bindings-kept``: the rewrite removes no binding that code still uses: no import that
  rebinds a name bound otherwise in its scope (a conditional rebinding), no name that
  pyflakes then finds undefined, no module-level name that another module reads.

The checks compare the old text with the new one; they do not trust what the rewrite parts
say they did, so a rewrite that does something else than it claims still fails them. The
last five run only when the file parses.
"""

from __future__ import annotations

from collections import Counter

from wsaudit.codemod.bindings import UncheckedNames, dropped_rebindings, undefined_names
from wsaudit.codemod.context import FileContext
from wsaudit.codemod.encoding import encode
from wsaudit.codemod.placement import Need
from wsaudit.codemod.records import Check
from wsaudit.codemod.targets import LOAD_TIME
from wsaudit.engine.modules import absolute_module
from wsaudit.engine.parse import parse_source
from wsaudit.engine.resolve import as_resolved, in_tree
from wsaudit.model import Binding, FileFacts, Violation

CHECKS = ("parses", "rescan-clean", "names-bound", "replacement-resolves", "no-self-import", "bindings-kept")


def check_file(ctx: FileContext, original: tuple[str, FileFacts], before: list[Violation], claimed: Counter,
               needs: list[Need], patched: list[tuple[str, str | None]]) -> tuple[list[Check], bytes | None]:
    """The checks of one migrated file, and its bytes (None when the text cannot be encoded).

    Parameters
    ----------
    ctx : FileContext
        The file as migrated, in the migrated tree.
    original : (str, FileFacts)
        The file's text and facts before the migration.
    before : list of Violation
        What the audit found in the original file.
    claimed : Counter
        ``(rule_id, category, name)`` of the violations the rewrite claims to have fixed.
    needs : list of Need
        The imports the rewrite parts say they introduced (two for one name is a conflict).
    patched : list of (str, str or None)
        The new ``mock.patch`` targets, each with the rule's replacement (None for a module).
    """
    try:
        data = encode(ctx.text, ctx.encoding)
    except UnicodeEncodeError as exc:
        return [Check("parses", False, f"cannot be written back as {ctx.encoding.name}: {exc.reason}")], None
    parses = _parses(ctx, data)
    if not parses.ok:
        return [parses], data
    text, facts = original
    resolves, self_import = _new_imports(ctx, facts, patched)
    return [parses, _rescan_clean(ctx, before, claimed), _names_bound(ctx, facts, needs), resolves, self_import,
            _bindings_kept(ctx, text, facts)], data


def _parses(ctx: FileContext, data: bytes) -> Check:
    facts = parse_source(data)
    if facts.problems:
        kind, line, message = facts.problems[0]
        return Check("parses", False, f"{kind} at line {line}: {message}")
    return Check("parses", True, f"parses as Python and round-trips through {ctx.encoding.name}"
                                 + (" with its BOM" if ctx.encoding.bom else ""))


def _rescan_clean(ctx: FileContext, before: list[Violation], claimed: Counter) -> Check:
    left = Counter((v.rule_id, v.category, v.name) for v in ctx.violations)
    expected = Counter((v.rule_id, v.category, v.name) for v in before) - claimed
    if left == expected:
        fixed = sum(claimed.values())
        return Check("rescan-clean", True, f"a re-scan finds none of the {fixed} rewritten violation(s)")
    extra = ", ".join(f"{r} {c} {n}" for (r, c, n) in (left - expected))
    missing = ", ".join(f"{r} {c} {n}" for (r, c, n) in (expected - left))
    return Check("rescan-clean", False, "; ".join(x for x in (
        f"still or newly found: {extra}" if extra else "", f"vanished without a rewrite: {missing}" if missing else "")
        if x))


def binding_target(ctx: FileContext, b: Binding) -> str | None:
    """The dotted path an import binding (``module`` or ``from``) names, by this file's semantics."""
    if b.kind == "module":
        return b.module_target()
    level, module, attr = b.from_target()
    base = absolute_module(ctx.module, ctx.source.is_package, level, module or None)
    return f"{base}.{attr}" if base else None


def _new_bindings(ctx: FileContext, before: FileFacts) -> dict[int, str]:
    """The import bindings of the new text that the old text lacks: index to the dotted path
    each names."""
    old = Counter(b for b in before.bindings if b.kind in ("module", "from"))
    out: dict[int, str] = {}
    for index, b in enumerate(ctx.facts.bindings):
        if b.kind not in ("module", "from"):
            continue
        if old[b] > 0:
            old[b] -= 1
            continue
        target = binding_target(ctx, b)
        if target is not None:
            out[index] = target
    return out


def _names_bound(ctx: FileContext, before: FileFacts, needs: list[Need]) -> Check:
    """The names the rewrite parts introduced (their new code uses them) must resolve, at
    every use, to what they imported; and every use that a new import binding reaches
    (re-pointed imports too) must find its attributes in the newly imported module."""
    resolver, ff, targets = ctx.tree.resolver, ctx.facts, ctx.targets
    problems = []
    introduced: dict[str, set[str]] = {}
    for need in needs:
        introduced.setdefault(need.bound, set()).add(need.target)
    for name, where in sorted(introduced.items()):
        if len(where) > 1:
            problems.append(f"{name!r} would be imported from {len(where)} places: {', '.join(sorted(where))}")
    new = _new_bindings(ctx, before)
    count = 0
    for u in ff.uses:
        reached = [new[i] for i in u.reaching if i in new]
        if u.chain[0] not in introduced and not reached:
            continue
        count += 1
        if u.chain[0] in introduced:
            got = as_resolved(resolver.chain(ctx.module, ff, u)[0])
            expected = set().union(*(resolver.resolve(t) for t in introduced[u.chain[0]]))
            if not got:
                problems.append(f"line {u.line}: {u.chain[0]!r} is not bound there")
                continue
            if not got <= expected:
                problems.append(f"line {u.line}: {u.chain[0]!r} is bound to something else there")
                continue
        for target in sorted(set(reached)):
            if len(u.chain) > 1 and targets.is_module(target):
                problem = targets.attribute_problem(target, u.chain[1:])
                if problem:
                    problems.append(f"line {u.line}: {'.'.join(u.chain)}: {problem}")
    names = sorted(set(introduced) | {ff.bindings[i].name for i in new})
    return Check("names-bound", not problems, "; ".join(dict.fromkeys(problems)) if problems else
                 f"{count} use(s) of {', '.join(names) or 'no new name'} resolve")


def _import_items(facts: FileFacts) -> Counter:
    return Counter((imp.level, imp.module, name, asname, imp.is_from, imp.context == "type-checking")
                   for imp in facts.imports for name, asname in imp.names)


def _deprecated(ctx: FileContext, dotted: str, module: bool) -> str | None:
    """The rule that deprecates what ``dotted`` names, if any."""
    for rule in ctx.rules.values():
        if rule.covers_module(dotted) or (module is False and rule.covers_module(dotted.rpartition(".")[0])):
            return rule.id
        if rule.symbol is not None and not module:
            objects = ctx.tree.resolver.resolve(dotted)
            if objects & ctx.tree.targets.get(rule.id, frozenset()) or (not in_tree(objects) and rule.matches(dotted)):
                return rule.id
    return None


def import_problems(ctx: FileContext, level: int, module: str | None, name: str, is_from: bool,
                    was_star: bool = False) -> tuple[str | None, str | None]:
    """``(why it does not resolve, why it is a self-import)`` of one imported name in this file;
    ``was_star``: the name came through a star import of the same module before (a star made
    explicit may name a deprecated thing: it imported it already)."""
    targets = ctx.targets
    if not is_from:
        shown = f"import {name}"
        if name == ctx.module:
            return None, f"{shown}: the file would import itself"
        if not targets.is_module(name):
            return f"{shown}: no module {name} in the tree or on the interpreter's import paths", None
        rule = _deprecated(ctx, name, True)
        return (f"{shown}: {name} is itself deprecated ({rule})" if rule else None), None
    base = absolute_module(ctx.module, ctx.source.is_package, level, module)
    shown = f"from {'.' * level}{module or ''} import {name}"
    if base is None:
        return f"{shown}: a relative import above the top-level package", None
    full = f"{base}.{name}"
    shown = f"{full} ({shown})"
    if full == ctx.module or (base == ctx.module and not (ctx.source.is_package and targets.is_module(full))):
        return None, f"{shown}: the file would import itself"
    if not targets.is_module(base):
        return f"{shown}: no module {base} in the tree or on the interpreter's import paths", None
    if name == "*":
        return None, None
    found = targets.has(base, name)
    if found is None:
        return f"{shown}: {base} cannot be read statically to find {name!r}", None
    if not found:
        return f"{shown}: {name!r} does not exist in {base}", None
    rule = None if was_star else _deprecated(ctx, full, targets.is_module(full))
    return (f"{shown}: {full} is itself deprecated ({rule})" if rule else None), None


def _new_imports(ctx: FileContext, before: FileFacts, patched: list[tuple[str, str | None]]) -> tuple[Check, Check]:
    """``replacement-resolves`` and ``no-self-import``, over the imports and ``mock.patch``
    targets the new text holds that the old did not."""
    tree, targets = ctx.tree, ctx.targets
    problems, selves, shown = [], [], []
    old_items, new_items = _import_items(before), _import_items(ctx.facts)
    stars = {(item[0], item[1]) for item in old_items - new_items if item[2] == "*"}
    for level, module, name, _asname, is_from, _tc in sorted(new_items - old_items, key=repr):
        problem, self_import = import_problems(ctx, level, module, name, is_from, (level, module) in stars)
        shown.append(f"{'.' * level}{module}.{name}" if is_from and module else
                     f"{'.' * level}{name}" if is_from else name)
        if problem:
            problems.append(problem)
        if self_import:
            selves.append(self_import)
    fresh = new_items - old_items
    for imp in ctx.facts.imports:  # a new load-time import must not close a new import cycle
        for name, asname in imp.names:
            item = (imp.level, imp.module, name, asname, imp.is_from, imp.context == "type-checking")
            if fresh[item] <= 0 or imp.context not in LOAD_TIME:
                continue
            fresh[item] -= 1
            if imp.is_from:
                base = absolute_module(ctx.module, ctx.source.is_package, imp.level, imp.module)
                target = f"{base}.{name}" if base and targets.is_module(f"{base}.{name}") else base
            else:
                target = name
            cycle = targets.new_cycle(ctx.module, target, before) if target else None
            if cycle:
                selves.append(f"line {imp.line}: importing {target} here closes a new import cycle ({cycle}): the "
                              "file would import itself while it is half-initialised")
    old_strings = Counter(s.value for s in before.strings if s.sink == "patch")
    new_strings = Counter(s.value for s in ctx.facts.strings if s.sink == "patch")
    for value in sorted(new_strings - old_strings):
        shown.append(value)
        found = targets.dotted(value)
        if not found:
            problems.append(f"mock.patch target {value} does not resolve" if found is False else
                            f"mock.patch target {value} cannot be checked statically")
    for target, replacement in patched:
        if replacement and not (tree.resolver.resolve(target) & tree.resolver.resolve(replacement)):
            problems.append(f"mock.patch target {target} is not the replacement")
    shown = sorted(set(shown))
    resolves = Check("replacement-resolves", not problems, "; ".join(problems) if problems else
                     (f"resolve: {', '.join(shown)}" if shown else "no new import"))
    self_check = Check("no-self-import", not selves, "; ".join(selves) if selves else
                       f"none of {len(shown)} new import(s) or target(s) is of {ctx.module} itself")
    return resolves, self_check


def _bindings_kept(ctx: FileContext, before_text: str, before: FileFacts) -> Check:
    try:
        problems = dropped_rebindings(before_text, ctx.text)
        undefined = undefined_names(ctx.text, ctx.path) - undefined_names(before_text, ctx.path)
    except UncheckedNames as exc:
        return Check("bindings-kept", False, str(exc))
    except RecursionError:  # the walk of the bindings: a tree as deep as the interpreter allows
        return Check("bindings-kept", False, "nested too deeply to compare the bindings before and after")
    for kind, name in sorted(undefined):
        what = "listed in __all__ but" if kind == "UndefinedExport" else "used but"
        problems.append(f"{name!r} is {what} no longer defined (pyflakes {kind})")
    for name in sorted(set(before.namespace) - set(ctx.facts.namespace)):
        if (ctx.module, name) in ctx.tree.importers:
            problems.append(f"{name!r} is no longer bound at module level, and other code reads it from {ctx.module}")
    return Check("bindings-kept", not problems, "; ".join(problems) if problems else
                 "no binding that code uses was removed")
