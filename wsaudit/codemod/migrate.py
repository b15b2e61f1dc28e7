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

import ast
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from wsaudit.api import Audit
from wsaudit.api import audit as run_audit
from wsaudit.codemod.encoding import Encoding, decode, encode, encoding_of
from wsaudit.codemod.records import Check, FileResult, ManualItem, Migration
from wsaudit.codemod.select import root_relative
from wsaudit.config import Config
from wsaudit.engine.detect import deprecated_objects, detect
from wsaudit.engine.modules import ModuleTable, absolute_module
from wsaudit.engine.parse import parse_source
from wsaudit.engine.resolve import Resolver
from wsaudit.errors import InputError, UsageError
from wsaudit.model import FileFacts, Rewrite, Rule, SourceFile, Violation

CHECKS = ("parses", "rescan-clean", "names-bound", "replacement-resolves")
MAX_PASSES = 8
_ARG = "__wsaudit_arg_"
_MODULE_DUNDERS = {"__name__", "__file__", "__doc__", "__spec__", "__path__", "__package__", "__loader__",
                   "__dict__", "__all__"}



def _by_position(rows: list[Violation]) -> dict[tuple[int, int], list[Violation]]:
    """Violations grouped by (line, col): one statement or expression may carry several rules."""
    groups: dict[tuple[int, int], list[Violation]] = {}
    for v in rows:
        groups.setdefault((v.line, v.col), []).append(v)
    return groups

# ------------------------------------------------------------------------ imports


@dataclass(frozen=True)
class _Need:
    """An import a rewrite needs: ``from module import name as asname`` or ``import name``."""

    module: str | None
    name: str
    asname: str | None = None

    @property
    def bound(self) -> str:
        return self.asname or (self.name if self.module else self.name.split(".")[0])

    @property
    def target(self) -> str:
        """The dotted path the bound name denotes."""
        if self.module:
            return f"{self.module}.{self.name}"
        return self.name if self.asname else self.name.split(".")[0]


def _needs_of(statements: Iterable[str]) -> list[_Need]:
    out = []
    for statement in statements:
        node = ast.parse(statement).body[0]
        if isinstance(node, ast.ImportFrom):
            out += [_Need(node.module, a.name, a.asname) for a in node.names]
        else:
            out += [_Need(None, a.name, a.asname) for a in node.names]  # type: ignore[attr-defined]
    return out


def relative_from(current_package: str, module: str) -> str:
    """How ``current_package`` spells ``module`` in a relative ``from`` import, or the
    absolute name when they share no top-level package.

    >>> relative_from("a.app.services", "a.app.core.manager")
    '..core.manager'
    >>> relative_from("a.app.core", "a.app.core.manager")
    '.manager'
    >>> relative_from("b", "a.x")
    'a.x'
    """
    here, there = current_package.split("."), module.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    if common == 0:
        return module
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def _dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _comments(node: cst.CSTNode) -> Counter:
    found: Counter = Counter()

    class _V(cst.CSTVisitor):
        def visit_Comment(self, n: cst.Comment) -> None:
            found[n.value] += 1

    node.visit(_V())
    return found


_ATOMIC = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.ConcatenatedString,
           cst.FormattedString, cst.Integer, cst.Float, cst.Imaginary, cst.List, cst.Tuple, cst.Dict, cst.Set,
           cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def _multi_line(call: cst.Call) -> bool:
    spots = [call.whitespace_before_args]
    for arg in call.args:
        spots.append(arg.whitespace_after_arg)
        if isinstance(arg.comma, cst.Comma):
            spots.append(arg.comma.whitespace_after)
    return any(isinstance(s, cst.ParenthesizedWhitespace) for s in spots)


def build_call(old: cst.Call, rewrite: Rewrite, values: dict[str, cst.BaseExpression],
               config: cst.PartialParserConfig | None = None) -> cst.Call:
    """The template of ``rewrite`` with each ``{name}`` replaced by the original argument's
    expression node; a multi-line call keeps its one-argument-per-line layout.

    >>> old = cst.parse_expression("cwm(\\n    user_context=ctx,  # who\\n)")
    >>> rw = Rewrite(("user_context",), "M(user_context={user_context}, t=1)")
    >>> print(cst.Module([]).code_for_node(build_call(old, rw, {"user_context": old.args[0].value})))
    M(
        user_context=ctx,  # who
        t=1,
    )
    """
    code = rewrite.call.format(**{name: f"{_ARG}{name}" for name in rewrite.arguments})
    template = cst.parse_expression(code, config) if config else cst.parse_expression(code)
    assert isinstance(template, cst.Call)

    class _Sub(cst.CSTTransformer):
        def __init__(self) -> None:
            self.direct: set[int] = set()

        def visit_Arg(self, node: cst.Arg) -> None:
            if isinstance(node.value, cst.Name) and node.value.value.startswith(_ARG):
                self.direct.add(id(node.value))

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            if not original.value.startswith(_ARG):
                return updated
            value = values[original.value[len(_ARG):]]
            if id(original) not in self.direct and not isinstance(value, _ATOMIC) and not value.lpar:
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return value

    new = template.visit(_Sub())
    assert isinstance(new, cst.Call)
    new = new.with_changes(lpar=old.lpar, rpar=old.rpar)
    if not old.args or not new.args or not _multi_line(old):
        return new
    old_args = list(old.args)
    old_last = old_args[-1]
    trailing = isinstance(old_last.comma, cst.Comma)
    close_ws = old_last.comma.whitespace_after if trailing else old_last.whitespace_after_arg  # type: ignore[union-attr]
    arg_ws = old.whitespace_before_args
    if not isinstance(arg_ws, cst.ParenthesizedWhitespace) or not isinstance(close_ws, cst.ParenthesizedWhitespace):
        return new  # not one argument per line: the template's own layout (comments are checked by the caller)

    def plain(ws: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])

    between, ending = plain(arg_ws), plain(close_ws)
    origin = {id(a.value): a for a in old_args}
    args = []
    for i, arg in enumerate(new.args):
        last = i == len(new.args) - 1
        shape = ending if last else between
        src = origin.get(id(arg.value))
        ws = shape
        if src is not None and isinstance(src.comma, cst.Comma) and isinstance(src.comma.whitespace_after,
                                                                               cst.ParenthesizedWhitespace):
            ws = src.comma.whitespace_after.with_changes(indent=shape.indent, last_line=shape.last_line)
        if last and not trailing:
            args.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=ws))
        else:
            args.append(arg.with_changes(comma=cst.Comma(whitespace_after=ws),
                                         whitespace_after_arg=cst.SimpleWhitespace("")))
    return new.with_changes(args=args, whitespace_before_args=arg_ws)


# ------------------------------------------------------------------------ one pass over the tree


@dataclass
class _Tree:
    """The whole tree at one moment of the migration (in memory)."""

    files: list[SourceFile]
    facts: dict[str, FileFacts]
    resolver: Resolver
    violations: dict[str, list[Violation]]
    targets: dict[str, frozenset]
    importers: set[tuple[str, str]]

    @classmethod
    def build(cls, files: list[SourceFile], facts: dict[str, FileFacts], rules: tuple[Rule, ...]) -> _Tree:
        resolver = Resolver(ModuleTable.of(files, facts), facts.get)
        by_path: dict[str, list[Violation]] = {}
        for v in detect(files, facts, rules, resolver):
            by_path.setdefault(v.path, []).append(v)
        return cls(files, facts, resolver, by_path, deprecated_objects(resolver, rules),
                   _importers(files, facts, resolver))

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


def _importers(files: list[SourceFile], facts: dict[str, FileFacts], resolver: Resolver) -> set[tuple[str, str]]:
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


@dataclass
class _Edits:
    replace: dict[int, cst.CSTNode] = field(default_factory=dict)  # id(original node) -> new node
    remove: set[int] = field(default_factory=set)  # id(original small statement)
    after: dict[int, list[cst.BaseStatement]] = field(default_factory=dict)  # id(original line) -> new lines
    top: list[cst.BaseStatement] = field(default_factory=list)  # new lines at the top of the module
    top_anchor: int | None = None  # id(original line) after which ``top`` goes (None: the very top)


@dataclass
class _FileOutcome:
    text: str
    claimed: Counter  # (rule_id, category, name) rewritten
    reasons: dict[tuple, str]  # violation key (line, col, rule, category) -> why it is left for a person
    needs: list[_Need]  # imports the rewrite introduced (for names-bound / replacement-resolves)
    patched: list[tuple[str, str | None]]  # (new mock.patch target, rule's replacement or None for a module)


def _vkey(v: Violation) -> tuple:
    return (v.line, v.col, v.rule_id, v.category)


class _FileRewriter:
    """Plans and applies the rewrites of one file for one pass."""

    def __init__(self, tree: _Tree, f: SourceFile, text: str, rules: dict[str, Rule]):
        self.tree, self.f, self.text, self.rules = tree, f, text, rules
        self.facts = tree.facts[f.path]
        self.violations = tree.violations.get(f.path, [])
        self.reasons: dict[tuple, str] = {}
        self.claimed: Counter = Counter()
        self.edits = _Edits()
        self.needs_out: list[_Need] = []
        self.patched: list[tuple[str, str | None]] = []
        self.package = f.module if f.is_package else f.module.rpartition(".")[0]

    # -- entry point ------------------------------------------------------------

    def run(self) -> _FileOutcome:
        if not self.violations:
            return _FileOutcome(self.text, Counter(), {}, [], [])
        own = [r for r in self.rules.values() if r.covers_module(self.f.module)]
        if own:
            for v in self.violations:
                self.reasons[_vkey(v)] = (f"this file is the deprecated module {own[0].module} itself ({own[0].id}): "
                                          "delete it in the last wave instead of migrating it")
            return self._outcome(self.text)
        try:
            self.module = cst.parse_module(self.text)
        except cst.ParserSyntaxError as exc:  # ast accepted it, libcst did not
            for v in self.violations:
                self.reasons[_vkey(v)] = f"libcst cannot parse this file ({exc.message})"
            return self._outcome(self.text)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.pos = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self._index()
        self.pcfg = self.module.config_for_parsing
        self.pending: list[tuple[_Need, cst.CSTNode | None, cst.CSTNode | None]] = []  # (need, block, line)
        self.rewritten_uses: set[tuple[int, int]] = set()
        calls = [v for v in self.violations if v.category == "deprecated-call"]
        refs = [v for v in self.violations if v.category == "deprecated-reference"]
        imports = [v for v in self.violations if v.category in ("deprecated-import", "deprecated-module")]
        for v in calls:
            self._call(v)
        self._references(refs)
        self._imports(imports)
        self._place_needs()
        new = self.module.visit(_Apply(self.edits))
        return self._outcome(new.code)

    def _outcome(self, text: str) -> _FileOutcome:
        for v in self.violations:
            if _vkey(v) not in self.reasons and not self._is_claimed(v):
                self.reasons[_vkey(v)] = "no rewrite applies to this use"
        return _FileOutcome(text, self.claimed, self.reasons, self.needs_out, self.patched)

    def _is_claimed(self, v: Violation) -> bool:
        return getattr(self, "_claimed_keys", set()).__contains__(_vkey(v))

    def _claim(self, v: Violation) -> None:
        if not hasattr(self, "_claimed_keys"):
            self._claimed_keys: set[tuple] = set()
        self._claimed_keys.add(_vkey(v))
        self.claimed[(v.rule_id, v.category, v.name)] += 1

    def _manual(self, v: Violation, reason: str) -> None:
        self.reasons.setdefault(_vkey(v), reason)

    # -- node index ---------------------------------------------------------------

    def _index(self) -> None:
        self.names: dict[tuple[int, int], list[cst.Name]] = {}
        self.stmts: dict[tuple[int, int], cst.CSTNode] = {}
        self.strings: dict[tuple[int, int], cst.CSTNode] = {}
        for node, rng in self.pos.items():
            key = (rng.start.line, rng.start.column)
            if isinstance(node, cst.Name):
                self.names.setdefault(key, []).append(node)
            elif isinstance(node, (cst.Import, cst.ImportFrom)):
                self.stmts[key] = node
            elif isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
                if not isinstance(self.parents.get(node), cst.ConcatenatedString):  # the whole literal
                    self.strings[key] = node

    def _ancestors(self, node: cst.CSTNode):
        while node in self.parents:
            node = self.parents[node]
            yield node

    def _line_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The statement line (SimpleStatementLine) holding a small statement."""
        return self.parents[node]

    def _block_of(self, line: cst.CSTNode) -> cst.CSTNode | None:
        parent = self.parents.get(line)
        return parent if isinstance(parent, (cst.Module, cst.IndentedBlock)) else None

    # -- calls ----------------------------------------------------------------------

    def _locate_call(self, v: Violation) -> cst.Call | None:
        for name in self.names.get((v.line, v.col), []):
            node: cst.CSTNode = name
            while True:
                parent = self.parents.get(node)
                if isinstance(parent, cst.Attribute) and parent.value is node:
                    node = parent
                else:
                    break
            parent = self.parents.get(node)
            if _dotted(node) == v.name and isinstance(parent, cst.Call) and parent.func is node:
                return parent
        return None

    def _call(self, v: Violation) -> None:
        rule = self.rules[v.rule_id]
        if not rule.rewrites:
            return self._manual(v, f"{rule.id} has no call template ([[rule.rewrite]])")
        call = self._locate_call(v)
        if call is None:
            return self._manual(v, "the call could not be located in the syntax tree (unusual call shape)")
        passed: dict[str, cst.BaseExpression] = {}
        for i, arg in enumerate(call.args):
            if arg.star:
                return self._manual(v, f"call with {arg.star}-unpacking: the arguments are not known statically")
            if arg.keyword is not None:
                name = arg.keyword.value
            elif rule.parameters is not None and i < len(rule.parameters):
                name = rule.parameters[i]
            else:
                return self._manual(v, "positional argument that the rule's parameters do not name")
            if name in passed:
                return self._manual(v, f"argument {name!r} passed twice")
            passed[name] = arg.value
        rewrite = next((rw for rw in rule.rewrites if set(rw.arguments) == set(passed)), None)
        if rewrite is None:
            shown = ", ".join(sorted(passed)) or "no arguments"
            return self._manual(v, f"no call template of {rule.id} takes exactly ({shown})")
        new = build_call(call, rewrite, passed, self.pcfg)
        if _comments(new) != _comments(call):
            return self._manual(v, "the call holds comments that the rewrite would move or duplicate")
        needs = _needs_of(rewrite.imports)
        for need in needs:
            problem = self._conflict(need)
            if problem:
                return self._manual(v, problem)
        self.edits.replace[id(call)] = new
        self.rewritten_uses.add((v.line, v.col))
        block, line = self._anchor(v, call)
        for need in needs:
            self.pending.append((need, block, line))
        self._claim(v)

    def _conflict(self, need: _Need) -> str | None:
        """Why importing ``need`` here would clash with another binding of its name, or None."""
        expected = self.tree.resolver.resolve(need.target)
        for index, b in enumerate(self.facts.bindings):
            if b.name != need.bound:
                continue
            got = self.tree.resolver.binding(self.f.module, self.facts, index, b.name)
            if got != expected:
                return f"the name {need.bound!r} is already bound to something else in this file"
        return None

    def _anchor(self, v: Violation, call: cst.Call) -> tuple[cst.CSTNode | None, cst.CSTNode | None]:
        """Where a call's imports go: next to the import that bound its name, when that import's
        block is visible from the call; else (None, None), the top of the module."""
        root = v.name.split(".")[0]
        ancestors = list(self._ancestors(call))
        best = None
        for w in self.violations:
            if w.category not in ("deprecated-import", "deprecated-module") or w.name != root:
                continue
            if w.context == "type-checking":
                continue
            stmt = self.stmts.get((w.line, w.col))
            if stmt is None:
                continue
            line = self._line_of(stmt)
            block = self._block_of(line)
            if block is None or block not in ancestors:
                continue
            if not self._visible(block, ancestors):
                continue
            depth = ancestors.index(block)
            if best is None or depth < best[0]:
                best = (depth, block, line)
        return (best[1], best[2]) if best else (None, None)

    def _visible(self, block: cst.CSTNode, call_ancestors: list[cst.CSTNode]) -> bool:
        """A class body's names are not visible in the functions and comprehensions inside it."""
        owner = block
        for node in [block, *self._ancestors(block)]:
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Module, cst.Lambda)):
                owner = node
                break
        if not isinstance(owner, cst.ClassDef):
            return True
        for node in call_ancestors:
            if node is block:
                return True
            if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp,
                                 cst.GeneratorExp)):
                return False
        return True

    # -- references -------------------------------------------------------------------

    def _references(self, refs: list[Violation]) -> None:
        for key, group in _by_position(refs).items():
            node = self.strings.get(key)
            value = group[0].name
            if node is None or node.evaluated_value != value:  # type: ignore[union-attr]
                for v in group:
                    self._manual(v, "the symbol is used as a value (stored, passed, compared or aliased): "
                                    "rewrite this use by hand")
                continue
            if not self._is_patch_target(node):
                for v in group:
                    self._manual(v, "a string naming the deprecated path (not a mock.patch target): update it by hand")
                continue
            new_value, reason = self._renamed_target(value, group)
            if reason:
                for v in group:
                    self._manual(v, reason)
                continue
            replaced = _replace_string(node, value, new_value)  # type: ignore[arg-type]
            if replaced is None:
                for v in group:
                    self._manual(v, "a mock.patch target whose string prefix cannot be rewritten safely")
                continue
            self.edits.replace[id(node)] = replaced
            for v in group:
                self._claim(v)

    def _is_patch_target(self, node: cst.CSTNode) -> bool:
        arg = self.parents.get(node)
        call = self.parents.get(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call) or (_dotted(call.func) or "").rpartition(".")[2] != "patch":
            return False
        if arg.keyword is not None:  # type: ignore[union-attr]
            return arg.keyword.value == "target"  # type: ignore[union-attr]
        return call.args[0] is arg

    def _renamed_target(self, value: str, group: list[Violation]) -> tuple[str, str | None]:
        new = value
        symbol_rule = None
        for v in group:
            rule = self.rules[v.rule_id]
            if rule.module is not None:
                if not rule.replacement:
                    return value, f"{rule.id} has no replacement module"
                if new == rule.module or new.startswith(rule.module + "."):
                    new = rule.replacement + new[len(rule.module):]
            else:
                symbol_rule = rule
        if symbol_rule is not None:
            if not symbol_rule.replacement:
                return value, f"{symbol_rule.id} has no replacement"
            new = f"{new.rpartition('.')[0]}.{symbol_rule.replacement.rpartition('.')[2]}"
            resolver = self.tree.resolver
            if not (self.tree.bound_in_tree(new) and resolver.resolve(new) & resolver.resolve(symbol_rule.replacement)):
                return value, (f"mock.patch target: {new!r} does not name the replacement yet (migrate the module "
                               "it patches first, then run migrate again)")
            self.patched.append((new, symbol_rule.replacement))
        else:
            if not self.tree.bound_in_tree(new):
                return value, f"mock.patch target: {new!r} does not exist in the replacement module"
            self.patched.append((new, None))
        return new, None

    # -- imports ------------------------------------------------------------------------

    def _uses(self, name: str, kind: str, target: object) -> list:
        indices = {i for i, b in enumerate(self.facts.bindings) if b.name == name and b.kind == kind and b.target == target}
        return [u for u in self.facts.uses if u.chain[0] == name and indices & set(u.reaching)]

    def _remaining(self, name: str, kind: str, target: object) -> list:
        return [u for u in self._uses(name, kind, target) if (u.line, u.col) not in self.rewritten_uses]

    def _module_scope(self, stmt: cst.CSTNode) -> bool:
        return not any(isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) for n in self._ancestors(stmt))

    def _exported(self, name: str, stmt: cst.CSTNode) -> str | None:
        if not self._module_scope(stmt):
            return None
        if self.facts.all_names is not None and name in self.facts.all_names:
            return f"re-exported: {name!r} is listed in __all__ (remove it when nothing imports it from here)"
        if (self.f.module, name) in self.tree.importers:
            return (f"re-exported: other code reads {name!r} from {self.f.module} (migrate those uses first, "
                    "then run migrate again)")
        return None

    def _imports(self, rows: list[Violation]) -> None:
        for key, group in _by_position(rows).items():
            stmt = self.stmts.get(key)
            if stmt is None:
                reason = "the import could not be located in the syntax tree"
            elif isinstance(stmt, cst.ImportFrom):
                reason = self._import_from(stmt, group)
            else:
                reason = self._import(stmt, group)  # type: ignore[arg-type]
            for v in group:
                if reason:
                    self._manual(v, reason)
                else:
                    self._claim(v)

    def _symbol_rule(self, dotted: str) -> Rule | None:
        objects = self.tree.resolver.resolve(dotted)
        for rule in self.rules.values():
            if rule.symbol is not None and objects & self.tree.targets.get(rule.id, frozenset()):
                return rule
        return None

    def _module_rule(self, dotted: str) -> Rule | None:
        return next((r for r in self.rules.values() if r.covers_module(dotted)), None)

    def _replaced_module(self, dotted: str, rule: Rule) -> str:
        return rule.replacement + dotted[len(rule.module):]  # type: ignore[operator]

    def _attrs_exist(self, uses: list, module: str) -> str | None:
        for u in uses:
            if len(u.chain) < 2:
                return f"line {u.line}: the module object itself is used"
            attr = u.chain[1]
            if attr not in _MODULE_DUNDERS and not self.tree.bound_in_tree(f"{module}.{attr}"):
                return f"line {u.line}: {attr!r} does not exist in {module}"
        return None

    def _import_from(self, stmt: cst.ImportFrom, group: list[Violation]) -> str | None:
        if isinstance(stmt.names, cst.ImportStar):
            return "star import: import the names it needs explicitly, then run migrate again"
        source = _dotted(stmt.module) if stmt.module is not None else None
        level = len(stmt.relative)
        base = absolute_module(self.f.module, self.f.is_package, level, source)
        if base is None:
            return "relative import above the top-level package"
        base_rule = self._module_rule(base)
        if base_rule is not None and not base_rule.replacement:
            return f"{base_rule.id} has no replacement module"
        keep: list[cst.ImportAlias] = []
        needs: list[_Need] = []
        fallback: _Need | None = None  # an unused deprecated module, re-pointed when it is alone in a block
        for alias in stmt.names:
            name = _dotted(alias.name) or ""
            bound = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
            full = f"{base}.{name}"
            target = (level, source or "", name)
            sym = self._symbol_rule(full)
            mod = self._module_rule(full)
            if sym is not None:
                if not sym.replacement:
                    return f"{sym.id} has no replacement"
                left = self._remaining(bound, "from", target)
                if left:
                    lines = ", ".join(str(u.line) for u in left[:5])
                    return f"{bound!r} is still used as a value here (line {lines}): rewrite those uses by hand"
                why = self._exported(bound, stmt)
                if why:
                    return why
                module, _, attr = sym.replacement.rpartition(".")
                needs.append(_Need(module, attr))
            elif mod is not None:
                if not mod.replacement:
                    return f"{mod.id} has no replacement module"
                left = self._remaining(bound, "from", target)
                if left:
                    new_module = self._replaced_module(full, mod)
                    problem = self._attrs_exist(left, new_module)
                    if problem:
                        return f"module {bound!r} is still used ({problem})"
                    parent, _, last = new_module.rpartition(".")
                    needs.append(_Need(parent, last, None if last == bound else bound))
                elif self._exported(bound, stmt):
                    return self._exported(bound, stmt)
                else:
                    parent, _, last = self._replaced_module(full, mod).rpartition(".")
                    fallback = fallback or _Need(parent, last)
            elif base_rule is not None:
                new_module = self._replaced_module(base, base_rule)
                if not self.tree.bound_in_tree(f"{new_module}.{name}"):
                    return f"{name!r} does not exist in the replacement module {new_module}"
                needs.append(_Need(new_module, name, alias.asname.name.value if alias.asname else None))  # type: ignore[union-attr]
            else:
                keep.append(alias)
        line = self._line_of(stmt)
        block = self._block_of(line)
        if block is None:
            return "import on a line with other statements (``x; import y``): split it first"
        if not keep and not needs and fallback is not None and self._alone(line, block):
            needs.append(fallback)  # removing it would leave an empty block: import the replacement instead
        for need in needs:
            problem = self._conflict(need) if need.bound not in {_bound_name(a) for a in stmt.names} else None
            if problem:
                return problem
        if keep:
            self.edits.replace[id(stmt)] = _with_aliases(stmt, keep)
        else:
            self.edits.remove.add(id(stmt))
        for need in needs:
            self.pending.append((need, block, line))
        return None

    def _import(self, stmt: cst.Import, group: list[Violation]) -> str | None:
        keep: list[cst.ImportAlias] = []
        changed = False
        for alias in stmt.names:
            name = _dotted(alias.name) or ""
            rule = self._module_rule(name)
            if rule is None:
                keep.append(alias)
                continue
            if not rule.replacement:
                return f"{rule.id} has no replacement module"
            new_module = self._replaced_module(name, rule)
            changed = True
            if alias.asname is not None:
                bound = alias.asname.name.value  # type: ignore[union-attr]
                left = self._remaining(bound, "module", name)
                if not left:
                    if self._exported(bound, stmt):
                        return self._exported(bound, stmt)
                    if not (len(stmt.names) == 1 and self._alone(self._line_of(stmt), self._block_of(self._line_of(stmt)))):
                        continue  # unused: dropped (re-pointed instead when it is alone in its block)
                    keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
                    continue
                problem = self._attrs_exist(left, new_module)
                if problem:
                    return f"module {bound!r} is still used ({problem})"
                keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
            else:
                top = name.split(".")[0]
                through = [u for u in self._uses(top, "module", top) if u.chain[: len(name.split("."))] ==
                           tuple(name.split(".")) and (u.line, u.col) not in self.rewritten_uses]
                if through:
                    return f"line {through[0].line} uses the full dotted path {name}: rewrite it by hand"
                keep.append(alias.with_changes(name=cst.parse_expression(new_module)))
        if not changed:
            return "no deprecated module in this import"
        if keep:
            self.edits.replace[id(stmt)] = _with_aliases(stmt, keep)
        else:
            self.edits.remove.add(id(stmt))
        return None

    # -- placing the imports the rewrites need ----------------------------------------------------

    def _alone(self, line: cst.CSTNode, block: cst.CSTNode | None) -> bool:
        """Whether ``line`` is the only statement of a nested block (removing it would empty it)."""
        return (isinstance(block, cst.IndentedBlock) and len(block.body) == 1
                and len(line.body) == 1)  # type: ignore[attr-defined]

    def _emptied(self, block: cst.CSTNode) -> bool:
        return isinstance(block, cst.IndentedBlock) and all(
            isinstance(line, cst.SimpleStatementLine) and all(id(s) in self.edits.remove for s in line.body)
            for line in block.body)

    def _existing(self, block: cst.CSTNode) -> list[tuple[cst.CSTNode, cst.CSTNode]]:
        """(line, small statement) of the imports directly in ``block``."""
        out = []
        for line in block.body:  # type: ignore[attr-defined]
            if isinstance(line, cst.SimpleStatementLine):
                out += [(line, s) for s in line.body if isinstance(s, (cst.Import, cst.ImportFrom))]
        return out

    def _binds(self, small: cst.CSTNode) -> set[tuple[str, str]]:
        """(bound name, dotted target) pairs of an import statement, relative imports resolved."""
        out = set()
        if isinstance(small, cst.Import):
            for a in small.names:
                name = _dotted(a.name) or ""
                out.add((a.asname.name.value, name) if a.asname else (name.split(".")[0], name.split(".")[0]))  # type: ignore[union-attr]
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            base = self._from_base(small)
            for a in small.names:
                name = _dotted(a.name) or ""
                out.add((_bound_name(a), f"{base}.{name}"))
        return out

    def _from_base(self, small: cst.ImportFrom) -> str | None:
        source = _dotted(small.module) if small.module is not None else None
        return absolute_module(self.f.module, self.f.is_package, len(small.relative), source)

    def _place_needs(self) -> None:
        """Add each pending import once: skip it when the block (or the module) already has it,
        merge it into a ``from`` import of the same module in that block, else add a line."""
        module_body = self.module
        groups: dict[tuple[int, int], list[_Need]] = {}
        anchors: dict[tuple[int, int], tuple[cst.CSTNode, cst.CSTNode | None]] = {}
        for need, block, line in self.pending:
            block = block if block is not None else module_body
            key = (id(block), id(line) if line is not None else 0)
            anchors[key] = (block, line)
            if need not in groups.setdefault(key, []):
                groups[key].append(need)
        done: set[tuple[int, _Need]] = set()
        merged: dict[int, list[cst.ImportAlias]] = {}
        self._placed_top: set[tuple[str, str]] = set()  # (bound, target) now imported at module level
        for key in sorted(groups, key=lambda k: anchors[k][0] is not module_body):  # module level first
            needs = groups[key]
            block, line = anchors[key]
            lines: list[str] = []
            relative = line is not None and any(isinstance(s, cst.ImportFrom) and s.relative
                                                for s in line.body)  # type: ignore[attr-defined]
            from_groups: dict[str | None, list[_Need]] = {}
            for need in needs:
                if (id(block), need) in done:
                    continue
                done.add((id(block), need))
                if self._already_bound(block, need):
                    continue
                self.needs_out.append(need)
                if block is module_body:
                    self._placed_top.add((need.bound, need.target))
                if need.module is not None:
                    target = self._merge_target(block, need.module)
                    if target is not None:
                        merged.setdefault(id(target), []).append(_alias(need))
                        continue
                from_groups.setdefault(need.module, []).append(need)
            for module, group in from_groups.items():
                if module is None:
                    lines += [f"import {n.name}" + (f" as {n.asname}" if n.asname else "") for n in group]
                else:
                    spelled = relative_from(self.package, module) if relative else module
                    names = ", ".join(n.name + (f" as {n.asname}" if n.asname else "") for n in group)
                    lines.append(f"from {spelled} import {names}")
            statements = [cst.parse_statement(code + self.module.default_newline, self.pcfg) for code in lines]
            if not statements:
                continue
            if line is None:
                self.edits.top += statements
                self.edits.top_anchor = self._top_anchor()
            else:
                self.edits.after.setdefault(id(line), []).extend(statements)
        for target_id, aliases in merged.items():
            node = self._by_id[target_id]
            current = self.edits.replace.get(target_id, node)
            self.edits.replace[target_id] = _add_aliases(current, aliases)  # type: ignore[arg-type]

    def _already_bound(self, block: cst.CSTNode, need: _Need) -> bool:
        pair = (need.bound, need.target)
        if block is not self.module and pair in self._placed_top and not self._emptied(block):
            return True
        blocks = [block] if block is self.module or self._emptied(block) else [block, self.module]
        for b in blocks:
            for _, small in self._existing(b):
                if id(small) in self.edits.remove:
                    continue
                if pair in self._binds(self.edits.replace.get(id(small), small)):
                    return True
        return False

    def _merge_target(self, block: cst.CSTNode, module: str) -> cst.ImportFrom | None:
        self._by_id = getattr(self, "_by_id", {})
        for _, small in self._existing(block):
            if (isinstance(small, cst.ImportFrom) and id(small) not in self.edits.remove
                    and not isinstance(small.names, cst.ImportStar) and self._from_base(small) == module):
                self._by_id[id(small)] = small
                return small
        return None

    def _top_anchor(self) -> int | None:
        """The last import line of the module's leading block of docstring and imports."""
        anchor = None
        for i, line in enumerate(self.module.body):
            if not isinstance(line, cst.SimpleStatementLine):
                break
            if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in line.body):
                if id(line.body[0]) in self.edits.remove and len(line.body) == 1:
                    continue
                anchor = id(line)
            elif i == 0 and isinstance(line.body[0], cst.Expr) and isinstance(line.body[0].value,
                                                                              (cst.SimpleString, cst.ConcatenatedString)):
                anchor = id(line)
            else:
                break
        return anchor


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value  # type: ignore[union-attr]
    return (_dotted(alias.name) or "").split(".")[0]


def _alias(need: _Need) -> cst.ImportAlias:
    return cst.ImportAlias(name=cst.Name(need.name),
                           asname=cst.AsName(name=cst.Name(need.asname)) if need.asname else None)


def _with_aliases(stmt, keep: list[cst.ImportAlias]):
    """``stmt`` with only the aliases ``keep``, the last one's comma fixed."""
    last_original = stmt.names[-1]
    trailing = isinstance(last_original.comma, cst.Comma) and stmt.__class__ is cst.ImportFrom and stmt.lpar
    keep = list(keep)
    keep[-1] = keep[-1].with_changes(comma=last_original.comma if trailing else cst.MaybeSentinel.DEFAULT)
    return stmt.with_changes(names=keep)


def _add_aliases(stmt: cst.ImportFrom, new: list[cst.ImportAlias]) -> cst.ImportFrom:
    names = list(stmt.names)  # type: ignore[arg-type]
    last = names[-1]
    if stmt.lpar is not None and isinstance(last.comma, cst.Comma):  # one name per line, trailing comma
        sep = names[0].comma if len(names) > 1 else last.comma.with_changes(
            whitespace_after=stmt.lpar.whitespace_after)
        names[-1] = last.with_changes(comma=sep)
        for i, alias in enumerate(new):
            names.append(alias.with_changes(comma=sep if i < len(new) - 1 else last.comma))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for i, alias in enumerate(new):
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < len(new) - 1 else cst.MaybeSentinel.DEFAULT
            names.append(alias.with_changes(comma=comma))
    return stmt.with_changes(names=names)


def _replace_string(node: cst.CSTNode, old: str, new: str) -> cst.CSTNode | None:
    """A string literal (or implicitly joined pieces) with value ``old`` rewritten to ``new``,
    keeping prefixes, quotes and the split into pieces when the change fits in one piece."""
    pieces: list[cst.SimpleString] = []

    def collect(n: cst.CSTNode) -> bool:
        if isinstance(n, cst.SimpleString):
            pieces.append(n)
            return True
        if isinstance(n, cst.ConcatenatedString):
            return collect(n.left) and collect(n.right)
        return False

    if not collect(node) or any("b" in p.prefix.lower() or "\\" in p.raw_value for p in pieces):
        return None
    if any(q in new for q in ("'", '"', "\\", "\n", "\r")):
        return None
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    offset = 0
    for piece in pieces:
        value = piece.raw_value
        if offset <= start and len(old) - end <= offset + len(value):
            lo, hi = start - offset, len(old) - end - offset
            raw = value[:lo] + new[start: len(new) - end] + value[hi:]
            replacement = piece.with_changes(value=f"{piece.prefix}{piece.quote}{raw}{piece.quote}")

            class _Swap(cst.CSTTransformer):
                def leave_SimpleString(self, original, updated, new=replacement, old=piece):
                    return new if original is old else updated

            return node.visit(_Swap())
        offset += len(value)
    first = pieces[0]
    return first.with_changes(value=f"{first.prefix}{first.quote}{new}{first.quote}", lpar=node.lpar, rpar=node.rpar)


class _Apply(cst.CSTTransformer):
    """Carries out an :class:`_Edits`: replaced nodes, removed imports, new lines."""

    def __init__(self, edits: _Edits):
        self.edits = edits
        self.marks: dict[int, tuple[cst.CSTNode, bool, list[cst.BaseStatement]]] = {}  # keeps the node alive

    def _swap(self, original, updated):
        return self.edits.replace.get(id(original), updated)

    def leave_Call(self, original, updated):
        return self._swap(original, updated)

    def leave_SimpleString(self, original, updated):
        return self._swap(original, updated)

    def leave_ConcatenatedString(self, original, updated):
        return self._swap(original, updated)

    def leave_Import(self, original, updated):
        return self._swap(original, updated)

    def leave_ImportFrom(self, original, updated):
        return self._swap(original, updated)

    def leave_SimpleStatementLine(self, original, updated):
        gone = [i for i, s in enumerate(original.body) if id(s) in self.edits.remove]
        after = list(self.edits.after.get(id(original), []))
        if id(original) == self.edits.top_anchor:
            after += self.edits.top
        if not gone and not after:
            return updated
        body = [s for i, s in enumerate(updated.body) if i not in gone]
        if body:
            if gone:
                body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            new_line = updated.with_changes(body=body)
        else:
            new_line = None
        result = new_line if new_line is not None else updated
        self.marks[id(result)] = (result, new_line is None, after)
        return result

    def _body(self, body) -> list:
        out: list = []
        carry: list = []
        for stmt in body:
            node, removed, after = self.marks.get(id(stmt), (None, False, []))
            if node is not stmt:
                removed, after = False, []
            if removed:
                carry += list(stmt.leading_lines)
                if after:
                    after = [after[0].with_changes(leading_lines=[*carry, *after[0].leading_lines]), *after[1:]]
                    carry = []
                out += after
                continue
            if carry or (not out and stmt is not body[0]):
                lines = [*carry, *stmt.leading_lines]
                if not out:
                    while lines and isinstance(lines[0], cst.EmptyLine) and lines[0].comment is None:
                        lines = lines[1:]  # a block no longer starts with a blank line
                stmt = stmt.with_changes(leading_lines=lines)
                carry = []
            out.append(stmt)
            out += after
        return out

    def leave_IndentedBlock(self, original, updated):
        body = self._body(updated.body)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated.with_changes(body=body)

    def leave_Module(self, original, updated):
        body = self._body(updated.body)
        if self.edits.top and self.edits.top_anchor is None:
            body = [*self.edits.top, *body]
        return updated.with_changes(body=body)


# ------------------------------------------------------------------------ the fixed point


@dataclass
class _Run:
    texts: dict[str, str]
    claimed: dict[str, Counter]
    needs: dict[str, list[_Need]]
    patched: dict[str, list[tuple[str, str | None]]]
    reasons: dict[str, dict[tuple, str]]
    tree: _Tree
    passes: int


def _migrate_in_memory(files: list[SourceFile], base_facts: dict[str, FileFacts], originals: dict[str, str],
                       encodings: dict[str, Encoding], selected: list[str], rules: tuple[Rule, ...]) -> _Run:
    texts = dict(originals)
    facts = dict(base_facts)
    claimed: dict[str, Counter] = {p: Counter() for p in selected}
    needs: dict[str, list[_Need]] = {p: [] for p in selected}
    patched: dict[str, list] = {p: [] for p in selected}
    by_id = {r.id: r for r in rules}
    by_path = {f.path: f for f in files}
    reasons: dict[str, dict[tuple, str]] = {}
    for number in range(1, MAX_PASSES + 1):
        tree = _Tree.build(files, facts, rules)
        changed = False
        reasons = {}
        for path in selected:
            if path not in tree.violations:
                continue
            outcome = _FileRewriter(tree, by_path[path], texts[path], by_id).run()
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
    tree = _Tree.build(files, facts, rules)
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
                                     reasons.get(_vkey(v), "no rewrite applies to this use")))
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
    for need in _needs_of(s for rw in rule.rewrites for s in rw.imports):
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
