"""Compute a migration in memory, with its checks, without writing anything.

Rewriting one file can unblock another (a re-export can go once its importers no longer
read it, a ``mock.patch`` target can be renamed once the module it patches binds the
replacement), so the rewrite runs in passes over the whole selection until a pass changes
nothing: applying the result and migrating again then changes nothing. A file that fails a
safety check is taken out and the passes run again without it, since the other files'
rewrites may have counted on it.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from wsaudit.api import Audit
from wsaudit.api import audit as run_audit
from wsaudit.codemod import treefs
from wsaudit.codemod.checks import check_file
from wsaudit.codemod.context import FileContext, violation_key
from wsaudit.codemod.encoding import Encoding, decode, encode, encoding_of
from wsaudit.codemod.environment import Environment, environment_for, search_path
from wsaudit.codemod.placement import Need
from wsaudit.codemod.records import Check, FileResult, ManualItem, Migration
from wsaudit.codemod.rewrite import NO_REWRITE, FileOutcome, FileRewriter, too_large
from wsaudit.codemod.select import root_relative
from wsaudit.codemod.snapshot import TreeSnapshot
from wsaudit.config import Config
from wsaudit.engine.parse import parse_source
from wsaudit.engine.store import forked_map
from wsaudit.errors import InputError, UnsafePathError
from wsaudit.model import FileFacts, Rule, SourceFile

MAX_PASSES = 8
# diagnostics that do not keep a file from being rewritten: comments, and the file's place in the graph
NOT_BLOCKING = frozenset({"bad-suppression", "unused-suppression", "bad-module-name", "shadowed-module"})


@dataclass
class _Passes:
    """Where the in-memory passes ended: each selected file's text, and what its rewrites
    claimed, imported and retargeted over all passes; the reasons and the tree of the last."""

    texts: dict[str, str]
    claimed: dict[str, Counter]
    needs: dict[str, list[Need]]
    patched: dict[str, list[tuple[str, str | None]]]
    reasons: dict[str, dict[tuple, str]]
    tree: TreeSnapshot
    passes: int
    origins: dict[str, list[tuple[str, frozenset]]]  # per pass that rewrote: the text it started from, its claims


def _migrate_in_memory(files: list[SourceFile], base_facts: dict[str, FileFacts], originals: dict[str, str],
                       encodings: dict[str, Encoding], selected: list[str], rules: tuple[Rule, ...],
                       env: Environment, syntaxes: dict | None = None, jobs: int | None = None) -> _Passes:
    """Rewrite ``selected`` pass after pass, each on a fresh snapshot of the tree as the last
    left it, until a pass changes nothing (or :data:`MAX_PASSES`)."""
    texts = dict(originals)
    facts = dict(base_facts)
    claimed: dict[str, Counter] = {p: Counter() for p in selected}
    needs: dict[str, list[Need]] = {p: [] for p in selected}
    patched: dict[str, list] = {p: [] for p in selected}
    origins: dict[str, list[tuple[str, frozenset]]] = {p: [] for p in selected}
    by_id = {r.id: r for r in rules}
    by_path = {f.path: f for f in files}
    reasons: dict[str, dict[tuple, str]] = {}
    initial = None
    syntaxes = syntaxes if syntaxes is not None else {}  # path -> (text, Syntax) of the last pass
    for number in range(1, MAX_PASSES + 1):
        tree = TreeSnapshot.build(files, facts, rules, env, initial)
        initial = tree.initial_importers
        changed = False
        reasons = {}
        todo = [path for path in selected if path in tree.violations]
        for path, outcome in zip(todo, _rewrites(tree, todo, by_path, texts, encodings, by_id, syntaxes, jobs)):
            reasons[path] = outcome.reasons
            if outcome.text != texts[path]:
                changed = True
                origins[path].append((texts[path], outcome.claimed_keys))
                texts[path] = outcome.text
                claimed[path] += outcome.claimed
                needs[path] += outcome.needs
                patched[path] += outcome.patched
                try:
                    facts[path] = parse_source(encode(outcome.text, encodings[path]))
                except UnicodeEncodeError as exc:
                    facts[path] = FileFacts(problems=(("decode-error", None, str(exc)),))
        if not changed:
            return _Passes(texts, claimed, needs, patched, reasons, tree, number, origins)
    tree = TreeSnapshot.build(files, facts, rules, env, initial)
    return _Passes(texts, claimed, needs, patched, reasons, tree, MAX_PASSES, origins)


# Files whose libcst tree a pass must make (none kept from an earlier pass) below which they are
# rewritten in this process: starting workers costs more than it saves.
PARALLEL_REWRITES = 16


def _rewrite(tree: TreeSnapshot, by_path: dict[str, SourceFile], texts: dict[str, str],
             encodings: dict[str, Encoding], by_id: dict[str, Rule], syntaxes: dict, path: str) -> FileOutcome:
    return FileRewriter(FileContext.of(tree, by_path[path], texts[path], encodings[path], by_id), syntaxes).run()


def _rewrite_inherited(one_pass: tuple, path: str) -> FileOutcome:
    return _rewrite(*one_pass, {}, path)


def _rewrites(tree: TreeSnapshot, todo: list[str], by_path: dict[str, SourceFile], texts: dict[str, str],
              encodings: dict[str, Encoding], by_id: dict[str, Rule], syntaxes: dict,
              jobs: int | None = None) -> list[FileOutcome]:
    """One pass's outcome for each of ``todo``, in order. The files whose libcst tree is kept
    from an earlier pass (``syntaxes``) are rewritten here; the others, when there are many,
    on every core (forked workers that inherit the pass's snapshot, :func:`~wsaudit.engine.store.forked_map`:
    libcst's parse and print of a file is most of its rewrite, 0.3 s for a large module), and
    their trees are not kept. Either way an outcome is what :class:`FileRewriter` makes of the
    file: the same text, claims and reasons. ``jobs``: at most that many workers (default: every core)."""
    fresh = [p for p in todo if syntaxes.get(p, (None,))[0] != texts[p]]
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    out: dict[str, FileOutcome] = {}
    if workers > 1 and len(fresh) >= PARALLEL_REWRITES and os.name == "posix":
        order = sorted(fresh, key=lambda p: (-len(texts[p]), p))  # the largest first: the workers end together
        out.update(zip(order, forked_map(_rewrite_inherited, (tree, by_path, texts, encodings, by_id), order, workers)))
    for path in todo:
        if path not in out:
            out[path] = _rewrite(tree, by_path, texts, encodings, by_id, syntaxes, path)
    return [out[p] for p in todo]


def line_map(old: str, new: str) -> dict[int, int]:
    """1-based line of ``new`` -> the same line in ``old``, for the lines a rewrite left as they were.

    >>> line_map("a\\nb\\nc\\n", "a\\nx\\ny\\nc\\n")
    {1: 1, 4: 3}
    """
    a, b = old.splitlines(), new.splitlines()
    out = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            out[block.b + k + 1] = block.a + k + 1
    return out


def original_keys(original: str, origins: list[tuple[str, frozenset]]) -> frozenset:
    """The claims of every pass (each in the text that pass started from) as positions in the
    original text. A later pass claims on a line an earlier one left as it was (a re-export
    freed by the rewrite of its readers), so its line maps back; one on a line already
    changed keeps the position of the nearest line above that maps back."""
    out = set()
    for text, keys in origins:
        lines = line_map(original, text) if text != original else None
        for line, col, rule_id, category in keys:
            if lines is not None:
                above = max((n for n in lines if n <= line), default=None)
                line = lines[line] if line in lines else (lines[above] + line - above if above else line)
            out.add((line, col, rule_id, category))
    return frozenset(out)


def _left(run: _Passes, paths: list[str]) -> list[ManualItem]:
    """What the last pass left in ``paths``, each with its reason (positions as migrated)."""
    manual = []
    for p in paths:
        reasons = run.reasons.get(p, {})
        for v in run.tree.violations.get(p, []):
            manual.append(ManualItem(p, v.line, v.col, v.rule_id, v.category, v.name, v.snippet,
                                     reasons.get(violation_key(v), NO_REWRITE)))
    return manual


def _unwritable(root: Path, path: str) -> str | None:
    """Why ``path`` cannot be rewritten in place (a link, or under one), or None."""
    try:
        if treefs.regular_or_missing(treefs.target(root, path)) is None:
            return "missing"
    except UnsafePathError as exc:
        return f"{exc}: never rewritten"
    return None


def plan(root: str | Path, config: Config | str | Path | None = None, files: Iterable[str] | None = None, *,
         audit: Audit | None = None, cache: bool = True, jobs: int | None = None) -> Migration:
    """Compute the migration of ``files`` (root-relative paths; default: every file with a
    violation) in memory, with the checks of each file. Nothing is written. ``jobs``: processes
    that rewrite files side by side (default: every core).

    >>> from pathlib import Path
    >>> from wsaudit.render.migrate import migration_diff
    >>> m = plan(Path(__file__).parents[2] / "data" / "sample_repo", cache=False,
    ...          files=["netra_backend/app/websocket_core/agent_handler.py"])
    >>> "-from . import create_websocket_manager" in migration_diff(m).splitlines()
    True
    >>> [c.name for c in m.files[0].checks if c.ok]
    ['parses', 'rescan-clean', 'names-bound', 'replacement-resolves', 'no-self-import', 'bindings-kept']
    """
    root = Path(root)
    a = audit if audit is not None else run_audit(root, config, cache=cache)
    by_path = {f.path: f for f in a.files}
    # a file that could not be read or parsed in full is not rewritten (a comment to fix is no reason, nor
    # the file's place outside the import graph: its absolute imports and calls are rewritten all the same)
    diagnosed = {d.path: d for d in a.diagnostic_records if d.kind not in NOT_BLOCKING}
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
    for p in selected:
        if p not in diagnosed and (why := _unwritable(root, p) or too_large(by_path[p].size, a.config.max_parse_memory)):
            skipped.append((p, why))
    left_out = {p for p, _ in skipped}
    candidates = [p for p in selected if p in a.facts and p not in left_out]
    originals: dict[str, bytes] = {p: (root / p).read_bytes() for p in candidates}
    encodings = {p: encoding_of(data) for p, data in originals.items()}
    texts = {p: decode(data) for p, data in originals.items()}
    before = {p: [v for v in a.violation_records if v.path == p] for p in candidates}
    rules = {r.id: r for r in a.config.rules}
    excluded: dict[str, tuple[list[Check], bytes]] = {}
    env = environment_for(search_path(root))
    syntaxes: dict = {}  # libcst trees, shared by every run of the passes
    while True:
        active = [p for p in candidates if p not in excluded]
        run = _migrate_in_memory(a.files, a.facts, texts, encodings, active, a.config.rules, env, syntaxes, jobs)
        results: dict[str, FileResult] = {}
        newly = False
        for p in active:
            if run.texts[p] == texts[p]:
                results[p] = FileResult(p, originals[p], originals[p])
                continue
            ctx = FileContext.of(run.tree, by_path[p], run.texts[p], encodings[p], rules)
            checks, data = check_file(ctx, (texts[p], a.facts[p]), before[p], run.claimed[p], run.needs[p],
                                      run.patched[p])
            result = FileResult(p, originals[p], data if data is not None else originals[p],
                                sum(run.claimed[p].values()), checks, Counter(run.claimed[p]),
                                original_keys(texts[p], run.origins[p]))
            results[p] = result
            if not result.ok:
                excluded[p] = (checks, result.proposed)
                newly = True
        if not newly:
            break
    manual = _left(run, active)
    for p, (checks, proposed) in excluded.items():
        failed = "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok)
        for v in before[p]:
            manual.append(ManualItem(p, v.line, v.col, v.rule_id, v.category, v.name, v.snippet,
                                     f"the rewrite of this file failed a safety check ({failed}); not written"))
        results[p] = FileResult(p, originals[p], proposed, 0, checks)
    manual.sort(key=lambda m: (m.path, m.line, m.col, m.category, m.rule_id))
    ordered = [results[p] for p in sorted(results) if results[p].proposed != results[p].before or not results[p].ok]
    return Migration(root, a.config, selected, ordered, manual, skipped)
