"""Rewrite the deprecated API with a concrete syntax tree, prove each file, write it safely.

What is rewritten, always at the exact positions the audit found (nothing is re-detected by
text), with libcst so that formatting and comments stay as they were:

- a **call** of the deprecated symbol becomes the rule's first call template
  (``[[rule.rewrite]]``) whose ``arguments`` are exactly the parameters the call passes; the
  template's ``imports`` are added next to the import that bound the called name (same block,
  so lazy, conditional and function-level imports stay what they were), or at the top of
  the module when the name came from elsewhere;
- an **import of the symbol** (``from M import old as x``) becomes an import of the
  replacement, merged into an existing ``from R import ...`` of the same block; the old name
  is removed once nothing in the file uses it and nothing else imports it from here;
- an **import of a deprecated module** is removed when nothing uses it any more, or points at
  the replacement module when every remaining use (``alias.attr``) exists there;
- a ``mock.patch("...")`` **target** naming the symbol or a deprecated module is renamed to
  the replacement, when the new target resolves in the migrated tree.

Anything else (the symbol stored or passed as a value, star imports, calls with ``*args``,
calls no template fits, re-exports, comments that a rewrite would move, ...) is listed for a
person with the reason, never guessed. Each changed file must pass four named checks:
``parses``, ``rescan-clean``, ``names-bound`` and ``replacement-resolves``; a file that fails
one is not written. The migration is computed in memory until it reaches a fixed point, so
applying it twice changes nothing the second time.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wsaudit.api import Audit
from wsaudit.api import audit as run_audit
from wsaudit.codemod.context import FileContext, violation_key
from wsaudit.codemod.encoding import Encoding, decode, encode, encoding_of
from wsaudit.codemod.placement import Need, needs_of
from wsaudit.codemod.records import Check, FileResult, ManualItem, Migration
from wsaudit.codemod.rewrite import FileRewriter
from wsaudit.codemod.select import root_relative
from wsaudit.codemod.snapshot import TreeSnapshot
from wsaudit.config import Config
from wsaudit.engine.parse import parse_source
from wsaudit.errors import InputError, UsageError
from wsaudit.model import FileFacts, Rule, SourceFile, Violation

CHECKS = ("parses", "rescan-clean", "names-bound", "replacement-resolves")
MAX_PASSES = 8


# ------------------------------------------------------------------------ the fixed point


@dataclass
class _Run:
    texts: dict[str, str]
    claimed: dict[str, Counter]
    needs: dict[str, list[Need]]
    patched: dict[str, list[tuple[str, str | None]]]
    reasons: dict[str, dict[tuple, str]]
    tree: TreeSnapshot
    passes: int


def _migrate_in_memory(files: list[SourceFile], base_facts: dict[str, FileFacts], originals: dict[str, str],
                       encodings: dict[str, Encoding], selected: list[str], rules: tuple[Rule, ...]) -> _Run:
    texts = dict(originals)
    facts = dict(base_facts)
    claimed: dict[str, Counter] = {p: Counter() for p in selected}
    needs: dict[str, list[Need]] = {p: [] for p in selected}
    patched: dict[str, list] = {p: [] for p in selected}
    by_id = {r.id: r for r in rules}
    by_path = {f.path: f for f in files}
    reasons: dict[str, dict[tuple, str]] = {}
    for number in range(1, MAX_PASSES + 1):
        tree = TreeSnapshot.build(files, facts, rules)
        changed = False
        reasons = {}
        for path in selected:
            if path not in tree.violations:
                continue
            outcome = FileRewriter(FileContext.of(tree, by_path[path], texts[path], encodings[path], by_id)).run()
            reasons[path] = outcome.reasons
            if outcome.text != texts[path]:
                changed = True
                texts[path] = outcome.text
                claimed[path] += outcome.claimed
                needs[path] += outcome.needs
                patched[path] += outcome.patched
                try:
                    facts[path] = parse_source(encode(outcome.text, encodings[path]))
                except UnicodeEncodeError as exc:
                    facts[path] = FileFacts(problems=(("decode-error", None, str(exc)),))
        if not changed:
            return _Run(texts, claimed, needs, patched, reasons, tree, number)
    tree = TreeSnapshot.build(files, facts, rules)
    return _Run(texts, claimed, needs, patched, reasons, tree, MAX_PASSES)


def _checks(path: str, f: SourceFile, before: list[Violation], run: _Run, encoding: Encoding,
            rules: dict[str, Rule]) -> tuple[list[Check], bytes | None]:
    text = run.texts[path]
    tree = run.tree
    try:
        data = encode(text, encoding)
    except UnicodeEncodeError as exc:
        return [Check("parses", False, f"cannot be written back as {encoding.name}: {exc.reason}")], None
    facts = parse_source(data)
    if facts.problems:
        kind, line, message = facts.problems[0]
        return [Check("parses", False, f"{kind} at line {line}: {message}")], data
    checks = [Check("parses", True, f"parses as Python and round-trips through {encoding.name}"
                                    + (" with its BOM" if encoding.bom else ""))]
    # rescan-clean: what is left is exactly what was there minus what the rewrite claims to have fixed
    left = Counter((v.rule_id, v.category, v.name) for v in tree.violations.get(path, []))
    expected = Counter((v.rule_id, v.category, v.name) for v in before) - run.claimed[path]
    if left == expected:
        fixed = sum(run.claimed[path].values())
        checks.append(Check("rescan-clean", True, f"a re-scan finds none of the {fixed} rewritten violation(s)"))
    else:
        extra = ", ".join(f"{r} {c} {n}" for (r, c, n) in (left - expected))
        missing = ", ".join(f"{r} {c} {n}" for (r, c, n) in (expected - left))
        checks.append(Check("rescan-clean", False, "; ".join(x for x in (
            f"still or newly found: {extra}" if extra else "", f"vanished without a rewrite: {missing}" if missing else "")
            if x)))
    # names-bound: every use of a name the rewrite introduced resolves to what it imported
    ff = tree.facts[path]
    problems = []
    introduced = {}
    for need in run.needs[path]:
        introduced.setdefault(need.bound, set()).add(need.target)
    for name, targets in sorted(introduced.items()):
        if len(targets) > 1:
            problems.append(f"{name!r} would be imported from {len(targets)} places: {', '.join(sorted(targets))}")
    for u in ff.uses:
        if u.chain[0] not in introduced:
            continue
        got = tree.resolver.chain(f.module, ff, u)[0]
        expected_objs = set().union(*(tree.resolver.resolve(t) for t in introduced[u.chain[0]]))
        if not got:
            problems.append(f"line {u.line}: {u.chain[0]!r} is not bound there")
        elif not got <= expected_objs:
            problems.append(f"line {u.line}: {u.chain[0]!r} is bound to something else there")
    count = sum(1 for u in ff.uses if u.chain[0] in introduced)
    checks.append(Check("names-bound", not problems, "; ".join(problems) if problems else
                        f"{count} use(s) of {', '.join(sorted(introduced)) or 'no new name'} resolve"))
    # replacement-resolves: what the new imports and patch targets name exists in the tree
    problems = []
    for need in run.needs[path]:
        top = (need.module or need.name).split(".")[0]
        dotted = need.target if need.module else need.name
        deprecated = next((r for r in rules.values() if r.module and (r.covers_module(need.module or need.name))), None)
        if deprecated is not None:
            problems.append(f"{dotted} is itself deprecated ({deprecated.id})")
        elif top in tree.resolver.known:
            if not tree.bound_in_tree(dotted):
                problems.append(f"{dotted} does not resolve in the import graph")
        elif top not in sys.stdlib_module_names:
            problems.append(f"{dotted} is neither in the tree nor in the standard library")
    for target, replacement in run.patched[path]:
        if not tree.bound_in_tree(target):
            problems.append(f"mock.patch target {target} does not resolve")
        elif replacement and not (tree.resolver.resolve(target) & tree.resolver.resolve(replacement)):
            problems.append(f"mock.patch target {target} is not the replacement")
    shown = sorted({n.target for n in run.needs[path]} | {t for t, _ in run.patched[path]})
    checks.append(Check("replacement-resolves", not problems, "; ".join(problems) if problems else
                        (f"resolve: {', '.join(shown)}" if shown else "no new import")))
    return checks, data


def plan(root: str | Path, config: Config | str | Path | None = None, files: Iterable[str] | None = None, *,
         audit: Audit | None = None, cache: bool = True) -> Migration:
    """Compute the migration of ``files`` (root-relative paths; default: every file with a
    violation) in memory, with the checks of each file. Nothing is written.

    >>> from pathlib import Path
    >>> from wsaudit.render.migrate import migration_diff
    >>> m = plan(Path(__file__).parents[2] / "data" / "sample_repo", cache=False,
    ...          files=["netra_backend/app/websocket_core/agent_handler.py"])
    >>> "-from . import create_websocket_manager" in migration_diff(m).splitlines()
    True
    >>> [c.name for c in m.files[0].checks if c.ok]
    ['parses', 'rescan-clean', 'names-bound', 'replacement-resolves']
    """
    root = Path(root)
    a = audit if audit is not None else run_audit(root, config, cache=cache)
    by_path = {f.path: f for f in a.files}
    diagnosed = {d.path: d for d in a.diagnostic_records}
    with_violations = sorted({v.path for v in a.violation_records})
    if files is None:
        selected = with_violations
    else:
        selected = []
        for p in files:
            rel = root_relative(root, p)
            if rel not in by_path:
                raise InputError(f"{p}: not a Python file audited under {root} (excluded, missing or not .py)")
            selected.append(rel)
        selected = sorted(set(selected))
    skipped = [(p, f"{diagnosed[p].kind}: {diagnosed[p].message}") for p in selected if p in diagnosed]
    candidates = [p for p in selected if p in a.facts and p not in diagnosed]
    originals: dict[str, bytes] = {p: (root / p).read_bytes() for p in candidates}
    encodings = {p: encoding_of(data) for p, data in originals.items()}
    texts = {p: decode(data) for p, data in originals.items()}
    before = {p: [v for v in a.violation_records if v.path == p] for p in candidates}
    rules = {r.id: r for r in a.config.rules}
    excluded: dict[str, tuple[list[Check], bytes]] = {}
    while True:
        active = [p for p in candidates if p not in excluded]
        run = _migrate_in_memory(a.files, a.facts, texts, encodings, active, a.config.rules)
        results: dict[str, FileResult] = {}
        newly = False
        for p in active:
            if run.texts[p] == texts[p]:
                results[p] = FileResult(p, originals[p], originals[p])
                continue
            checks, data = _checks(p, by_path[p], before[p], run, encodings[p], rules)
            result = FileResult(p, originals[p], data if data is not None else originals[p],
                                sum(run.claimed[p].values()), checks)
            results[p] = result
            if not result.ok:
                excluded[p] = (checks, result.proposed)
                newly = True
        if not newly:
            break
    manual = []
    for p in active:
        reasons = run.reasons.get(p, {})
        for v in run.tree.violations.get(p, []):
            manual.append(ManualItem(p, v.line, v.col, v.rule_id, v.category, v.name, v.snippet,
                                     reasons.get(violation_key(v), "no rewrite applies to this use")))
    for p, (checks, proposed) in excluded.items():
        failed = ", ".join(c.name for c in checks if not c.ok)
        for v in before[p]:
            manual.append(ManualItem(p, v.line, v.col, v.rule_id, v.category, v.name, v.snippet,
                                     f"the rewrite of this file failed a safety check ({failed}); not written"))
        results[p] = FileResult(p, originals[p], proposed, 0, checks)
    manual.sort(key=lambda m: (m.path, m.line, m.col, m.category, m.rule_id))
    ordered = [results[p] for p in sorted(results) if results[p].proposed != results[p].before or not results[p].ok]
    return Migration(root, a.config, selected, ordered, manual, skipped)


# ------------------------------------------------------------------------ the compatibility shim


def shim(rule: Rule) -> str:
    """The seed's "Temporary Compatibility Bridge" for a symbol rule: the deprecated function
    as a wrapper that warns and builds the replacement with the rule's own call templates.

    >>> from wsaudit.config import profile
    >>> code = shim(profile().rules[0])
    >>> [line for line in code.splitlines() if line.startswith(("def", "    if"))]
    ['def create_websocket_manager(user_context=None):', '    if user_context is not None:', '    if user_context is None:']
    """
    if rule.symbol is None or not rule.replacement:
        raise UsageError(f"{rule.id}: a shim needs a symbol rule with a replacement")
    if not rule.rewrites:
        raise UsageError(f"{rule.id}: a shim needs call templates ([[rule.rewrite]]) to build the replacement")
    name = rule.symbol.rpartition(".")[2]
    module, _, cls = rule.replacement.rpartition(".")
    parameters = list(rule.parameters or sorted({a for rw in rule.rewrites for a in rw.arguments}))
    plain: list[str] = ["warnings"]
    names: dict[str, list[str]] = {}
    for need in needs_of(s for rw in rule.rewrites for s in rw.imports):
        spelled = need.name + (f" as {need.asname}" if need.asname else "")
        if need.module is None and spelled not in plain:
            plain.append(spelled)
        elif need.module is not None and spelled not in names.setdefault(need.module, []):
            names[need.module].append(spelled)
    imports = [f"import {n}" for n in plain] + [f"from {m} import {', '.join(n)}" for m, n in names.items()]
    signature = ", ".join(f"{p}=None" for p in parameters)
    lines = [
        f'"""Temporary compatibility bridge for {rule.symbol} ({rule.id}).',
        "",
        "Generated by `wsaudit migrate --emit-shim`: remove it in the last migration wave.",
        '"""',
        *imports,
        "",
        "",
        f"def {name}({signature}):",
        f'    """DEPRECATED: use {cls} directly ({rule.message or "see " + rule.id})."""',
        "    warnings.warn(",
        f'        "{name} is deprecated. Use \'from {module} import {cls}\' instead.",',
        "        DeprecationWarning,",
        "        stacklevel=2,",
        "    )",
    ]
    for rw in rule.rewrites:
        given = [f"{p} is not None" for p in parameters if p in rw.arguments]
        missing = [f"{p} is None" for p in parameters if p not in rw.arguments]
        condition = " and ".join(given + missing) or "True"
        lines.append(f"    if {condition}:")
        lines.append(f"        return {rw.call.format(**{a: a for a in rw.arguments})}")
    lines.append(f'    raise TypeError("{name}(): no replacement for these arguments; call {cls} directly")')
    return "\n".join(lines) + "\n"


def shim_rule(config: Config, rule_id: str | None = None) -> Rule:
    """The rule ``--emit-shim`` writes a shim for: ``rule_id``, else the first with call templates."""
    if rule_id is not None:
        found = [r for r in config.rules if r.id == rule_id]
        if not found:
            raise UsageError(f"--rule {rule_id}: no such rule (known: {', '.join(r.id for r in config.rules)})")
        return found[0]
    for r in config.rules:
        if r.symbol is not None and r.rewrites:
            return r
    raise UsageError("--emit-shim: no symbol rule has call templates ([[rule.rewrite]])")
