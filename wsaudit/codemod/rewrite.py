"""One pass of one file's rewrite: hands the file's violations to the parts that decide them
(calls, ``mock.patch`` targets, import statements), places the imports they need, and applies
every edit at once.

Each violation ends up either claimed (rewritten) or with the reason it is left for a
person; the pass never re-detects anything by text, it only works at the positions the
audit found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import libcst as cst

from wsaudit.codemod.calls import CallRewrite, rewrite_call
from wsaudit.codemod.context import FileContext, by_position, violation_key
from wsaudit.codemod.edits import ApplyEdits, Edits, is_empty
from wsaudit.codemod.exports import all_list, without
from wsaudit.codemod.module_imports import ImportEdit, rewrite_import, with_aliases
from wsaudit.codemod.orphans import orphaned_imports
from wsaudit.codemod.patch_targets import retarget
from wsaudit.codemod.placement import Anchored, Need, place_imports
from wsaudit.codemod.syntax import Syntax
from wsaudit.model import Violation

NO_REWRITE = "no rewrite applies to this use"
TOO_DEEP = "nested too deeply for libcst to rewrite (it recurses once per level of the syntax tree)"
# libcst's tree of a file, with the positions and parents the rewrite reads (Syntax), takes
# about this many bytes of memory per byte of source: measured (libcst 1.x, CPython 3.11, peak
# RSS, files of 1 MB) at 1,350 for token-dense code (``x = [1, 2, 3]`` lines), 580 to 850 for
# calls and functions, 160 for string literals; a 1.66 MB file took 1.26 GB. Four to five times
# CPython's own tree (wsaudit.engine.store.PARSE_MEMORY_FACTOR): a file the scanner parses
# within max_parse_memory may still be too large to rewrite within it.
CST_MEMORY_FACTOR = 1_400


def too_large(size: int, budget: int) -> str | None:
    """Why a file of ``size`` bytes is not rewritten within ``budget`` bytes (max_parse_memory), or None.

    >>> too_large(1_000, 512_000_000) is None
    True
    >>> too_large(1_000_000, 512_000_000)
    'too large to rewrite within max_parse_memory: libcst would take about 1400 MB, over 512 MB'
    """
    need = size * CST_MEMORY_FACTOR
    if need <= budget:
        return None
    return (f"too large to rewrite within max_parse_memory: libcst would take about {need // 1_000_000} MB, over "
            f"{budget // 1_000_000} MB")


@dataclass
class FileOutcome:
    """What one pass made of one file.

    Attributes
    ----------
    text : str
        The new text (the same text when nothing was rewritten).
    claimed : Counter
        ``(rule_id, category, name)`` of the violations rewritten.
    reasons : dict
        :func:`~wsaudit.codemod.context.violation_key` to why that violation is left for a person.
    needs : list of Need
        The imports that the new calls need (for ``names-bound``).
    patched : list of (str, str or None)
        The new ``mock.patch`` targets, each with the rule's replacement (None for a module).
    claimed_keys : frozenset
        :func:`~wsaudit.codemod.context.violation_key` of the violations rewritten, in the
        text the pass started from.
    """

    text: str
    claimed: Counter
    reasons: dict[tuple, str]
    needs: list[Need]
    patched: list[tuple[str, str | None]]
    claimed_keys: frozenset[tuple] = frozenset()


def vendored_copy(ctx: FileContext) -> str | None:
    """Why this file is a vendored copy of a deprecated module, or None: a package named after
    the module (``setuptools/_distutils`` for ``distutils``) whose files import the deprecated
    module's submodules that the package itself holds (``from distutils.dist import ...`` beside
    its own ``dist.py``). At run time such a copy usually *is* the deprecated module (an import
    hook aliases it), so pointing it at the replacement makes it import itself in a loop."""
    known = ctx.tree.resolver.known
    parts = ctx.package.split(".")
    for package, rule in ((".".join(parts[:i]), r) for i in range(len(parts), 0, -1) for r in ctx.rules.values()):
        last = package.rpartition(".")[2].lstrip("_")
        if rule.module is None or rule.is_pattern or last != rule.module.rpartition(".")[2] or package == rule.module:
            continue
        for v in ctx.violations:
            if v.rule_id != rule.id or v.category != "deprecated-module" or not v.snippet:
                continue
            written = v.name if v.name == rule.module or v.name.startswith(rule.module + ".") else None
            tail = written[len(rule.module) + 1:] if written and written != rule.module else ""
            if tail and f"{package}.{tail}" in known:
                return (f"{package} is a vendored copy of the deprecated module {rule.module} ({rule.id}: it imports "
                        f"{written} and holds {package}.{tail} itself): migrate the copy as a whole, by hand")
    return None


class FileRewriter:
    """Plans and applies the rewrites of one file for one pass."""

    def __init__(self, ctx: FileContext, cache: dict[str, tuple[str, Syntax]] | None = None):
        """``cache``: path to (text, its :class:`Syntax`), kept by the caller across passes (the
        libcst tree and its metadata are most of a pass's cost; the rewrite never mutates them)."""
        self.ctx = ctx
        self.cache = cache if cache is not None else {}
        self.reasons: dict[tuple, str] = {}
        self.claimed: Counter = Counter()
        self.claimed_keys: set[tuple] = set()
        self.needs: list[Need] = []
        self.patched: list[tuple[str, str | None]] = []

    def run(self) -> FileOutcome:
        """The pass's outcome for the file. libcst parses, visits and prints a tree by
        recursion, one Python frame per level (a sum of 400 terms is 400 levels): a file nested
        too deeply for it is left as it is, every violation with that reason, never a traceback."""
        try:
            return self._run()
        except RecursionError:
            self.claimed, self.claimed_keys, self.needs, self.patched = Counter(), set(), [], []
            self.cache.pop(self.ctx.path, None)
            self.reasons = {violation_key(v): TOO_DEEP for v in self.ctx.violations}
            return self._outcome(self.ctx.text)

    def _run(self) -> FileOutcome:
        ctx = self.ctx
        if not ctx.violations:
            return FileOutcome(ctx.text, Counter(), {}, [], [])
        own = [r for r in ctx.rules.values() if r.covers_module(ctx.module)]
        if own:
            deprecated = own[0].module_match(ctx.module)
            for v in ctx.violations:
                self.reasons[violation_key(v)] = (f"this file is the deprecated module {deprecated} itself "
                                                  f"({own[0].id}): delete it in the last wave instead of migrating it")
            return self._outcome(ctx.text)
        copy = vendored_copy(ctx)
        if copy:
            for v in ctx.violations:
                self.reasons[violation_key(v)] = copy
            return self._outcome(ctx.text)
        syntax = self._syntax()
        if syntax is None:
            return self._outcome(ctx.text)
        module = syntax.module
        edits = Edits()
        pending: list[Anchored] = []
        rewritten: set[tuple[int, int]] = set()  # positions of the uses the call rewrites replace
        calls = [v for v in ctx.violations if v.category == "deprecated-call"]
        refs = [v for v in ctx.violations if v.category == "deprecated-reference"]
        imports = [v for v in ctx.violations if v.category in ("deprecated-import", "deprecated-module")]
        for v in calls:
            call = rewrite_call(ctx, syntax, v)
            if isinstance(call, str):
                self._manual(v, call)
                continue
            self._take_call(call, edits, pending)
            rewritten.add((v.line, v.col))
            self._claim(v)
        calls_pending = len(pending)
        for group in by_position(refs).values():
            target = retarget(ctx, syntax, group)
            if target.patched is not None:
                self.patched.append(target.patched)
            if target.reason is not None:
                for v in group:
                    self._manual(v, target.reason)
                continue
            assert target.replacement is not None  # a target is rewritten unless there is a reason not to
            edits.replace[id(target.node)] = target.replacement
            for v in group:
                self._claim(v)
        # imports last: whether an imported name is still used depends on the calls rewritten
        unexport: set[str] = set()
        flagged = {id(s) for s in (syntax.stmts.get((v.line, v.col)) for v in imports) if s is not None}
        for group in by_position(imports).values():
            decided = rewrite_import(ctx, syntax, group, rewritten)
            if isinstance(decided, str):
                for v in group:
                    self._manual(v, decided)
                continue
            self._take_import(decided, edits, pending)
            unexport |= decided.unexport
            for v in group:
                if decided.claims:
                    self._claim(v)
        self._drop_orphans(orphaned_imports(ctx, syntax, rewritten, flagged), edits)
        # the names new code uses (call templates): every use of them must resolve to the import;
        # an import edit's own needs only re-point a name that code already used
        if unexport:  # the re-exports that go leave __all__ (the import edit checked it is one literal list)
            listed = all_list(module)
            assert not isinstance(listed, str), listed
            edits.replace[id(listed)] = without(listed, unexport)
        for_calls = {a.need for a in pending[:calls_pending]}
        self.needs = [n for n in place_imports(ctx, syntax, edits, pending) if n in for_calls]
        if is_empty(edits):  # every violation left to a person: libcst prints a module as it read it
            return self._outcome(ctx.text)
        new = module.visit(ApplyEdits(edits, syntax.parents))
        return self._outcome(new.code)

    def _syntax(self) -> Syntax | None:
        """The file's libcst tree and index: kept from an earlier pass when its text is the
        same, else parsed (and kept); None when libcst cannot parse it (each violation then
        has that reason)."""
        ctx = self.ctx
        cached = self.cache.get(ctx.path)
        if cached is not None and cached[0] == ctx.text:
            return cached[1]  # a file no pass changed: its tree and index are the same
        try:
            syntax = Syntax(cst.parse_module(ctx.text))
        except cst.ParserSyntaxError as exc:  # ast accepted it, libcst did not
            for v in ctx.violations:
                self.reasons[violation_key(v)] = f"libcst cannot parse this file ({exc.message})"
            return None
        self.cache[ctx.path] = (ctx.text, syntax)
        return syntax

    @staticmethod
    def _take_call(call: CallRewrite, edits: Edits, pending: list[Anchored]) -> None:
        edits.replace[id(call.call)] = call.new
        pending.extend(call.imports)

    @staticmethod
    def _take_import(decided: ImportEdit, edits: Edits, pending: list[Anchored]) -> None:
        edits.replace.update(decided.renames)
        if decided.replacement is not None:
            edits.replace[id(decided.stmt)] = decided.replacement
        else:
            edits.remove.add(id(decided.stmt))
        pending.extend(decided.imports)

    @staticmethod
    def _drop_orphans(orphans: dict, edits: Edits) -> None:
        """Remove the import aliases the call rewrites left unused (the statement, when all go)."""
        for key, (stmt, gone) in orphans.items():
            keep = [a for i, a in enumerate(stmt.names) if i not in gone]
            if keep:
                edits.replace[key] = with_aliases(stmt, keep)
            else:
                edits.remove.add(key)

    def _outcome(self, text: str) -> FileOutcome:
        for v in self.ctx.violations:
            if violation_key(v) not in self.reasons and violation_key(v) not in self.claimed_keys:
                self.reasons[violation_key(v)] = NO_REWRITE
        return FileOutcome(text, self.claimed, self.reasons, self.needs, self.patched, frozenset(self.claimed_keys))

    def _claim(self, v: Violation) -> None:
        self.claimed_keys.add(violation_key(v))
        self.claimed[(v.rule_id, v.category, v.name)] += 1

    def _manual(self, v: Violation, reason: str) -> None:
        self.reasons.setdefault(violation_key(v), reason)
