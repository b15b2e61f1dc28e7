"""Recall and precision of ``wsaudit scan`` against an independent oracle, on real trees.

The oracle is a small AST walk written from Python's semantics, not from wsaudit's code: it
uses only the standard library and never imports wsaudit. For each tree (a copy of an installed
package's ``.py`` files under ``benchmarks/.work/oracle/``) and each rule of ``RULES`` (a
deprecated module, with its submodules, or a deprecated symbol), it lists the uses by category:

    import     ``from M import name [as x]`` (relative ones resolved), a re-export, a star import
    module     ``import M[.sub] [as m]``, ``from M[.sub] import x``, ``from P import M``
    call       ``name(...)``, ``alias(...)``, ``mod_alias.name(...)``, ``pkg.M.name(...)``
    reference  any other load of the symbol (``f = name``, ``@name``, ``name.__doc__``)
    string     a string literal whose whole value is a dotted path to the symbol or into the
               module, where it names something of the tree or where Python takes it as a path
               (``import_module``, ``__import__``, ``find_spec``, ``patch``, ``setattr``,
               ``sys.modules``)

then runs ``wsaudit scan --format json`` (from ``--wsaudit-src``, default this repository) on the
same tree and rules, and compares the rows by (rule, category, path, line, col), taking the
oracle as the reference. wsaudit's ``deprecated-reference`` rows are split into ``string`` and
``reference`` by what the source holds at their position. A pair that differs only by its
column is counted as matched and listed apart.

    .venv/bin/python benchmarks/accuracy.py                      # every tree of TREES
    .venv/bin/python benchmarks/accuracy.py --trees django,pandas --show 20 --json out.json
    .venv/bin/python benchmarks/accuracy.py --wsaudit-src /path/to/other/checkout

It prints a Markdown table per tree and category (oracle rows, wsaudit rows, matched, recall,
precision, against the issue's targets), then the disagreements, first ``--show`` of each kind.
The output is sorted and holds no timestamps: two runs on the same code print the same text.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work" / "oracle"

# The trees: a name, and the top-level packages copied from site-packages to form it.
TREES: dict[str, tuple[str, ...]] = {
    "django": ("django",),
    "sqlalchemy": ("sqlalchemy",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "pandas": ("pandas",),
    "networkx": ("networkx",),
    "tornado": ("tornado",),
    "requests": ("requests",),
}

# The rules of each tree: (id, "module" or "symbol", dotted target). Chosen for their many uses.
RULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "django": (
        ("DJ1", "module", "django.utils.deprecation"),
        ("DJ2", "symbol", "django.utils.functional.cached_property"),
        ("DJ3", "symbol", "django.utils.translation.gettext_lazy"),
        ("DJ4", "module", "django.utils.functional"),
        ("DJ5", "module", "django.contrib.auth"),
        ("DJ6", "symbol", "django.db.models.AutoField"),
        ("DJ7", "symbol", "django.db.models.Q"),
    ),
    "sqlalchemy": (
        ("SA1", "module", "sqlalchemy.util.compat"),
        ("SA2", "symbol", "sqlalchemy.util.langhelpers.memoized_property"),
        ("SA3", "symbol", "sqlalchemy.util.deprecations.warn_deprecated"),
        ("SA4", "module", "sqlalchemy.util.typing"),
        ("SA5", "module", "sqlalchemy.orm"),
        ("SA6", "symbol", "sqlalchemy.sql.elements.ClauseElement"),
    ),
    "setuptools": (
        ("ST1", "module", "distutils"),
        ("ST2", "module", "setuptools._distutils"),
        ("ST3", "symbol", "distutils.errors.DistutilsOptionError"),
        ("ST4", "symbol", "setuptools._distutils.errors.DistutilsOptionError"),
    ),
    "pandas": (
        ("PD1", "module", "pandas.compat"),
        ("PD2", "symbol", "pandas.util._decorators.cache_readonly"),
        ("PD3", "symbol", "pandas.core.dtypes.common.is_list_like"),
        ("PD4", "symbol", "pandas.util._decorators.set_module"),
        ("PD5", "module", "pandas.api"),
        ("PD6", "symbol", "pandas.core.frame.DataFrame"),
    ),
    "networkx": (
        ("NX1", "symbol", "networkx.utils.decorators.not_implemented_for"),
        ("NX2", "module", "networkx.utils"),
        ("NX3", "symbol", "networkx.classes.graph.Graph"),
    ),
    "tornado": (
        ("TO1", "module", "tornado.concurrent"),
        ("TO2", "symbol", "tornado.escape.utf8"),
    ),
    "requests": (
        ("RQ1", "module", "requests.compat"),
        ("RQ2", "symbol", "requests.compat.urlparse"),
    ),
}

CATEGORIES = ("import", "module", "call", "reference", "string")
# The targets: (recall, precision); None where the issue sets none.
TARGETS = {
    "import": (0.99, 0.99),
    "module": (0.99, 0.99),
    "call": (0.99, 0.99),
    "reference": (None, None),
    "string": (0.97, None),
}
WSAUDIT_CATEGORY = {
    "deprecated-import": "import",
    "deprecated-module": "module",
    "deprecated-call": "call",
    "deprecated-reference": "reference",
}

DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
STRING_START = re.compile(r"[rRbBuUfF]{0,2}['\"]")
# Calls that take a dotted string as a path (their first argument, or the keyword named here).
PATH_CALLS = {"import_module", "__import__", "find_spec", "patch", "setattr", "delattr"}
PATH_KEYWORDS = {"name", "target"}


@dataclass(frozen=True, order=True)
class Row:
    """One use: what the oracle or wsaudit reports, reduced to what both can say."""

    rule: str
    category: str
    path: str
    line: int
    col: int
    name: str = field(compare=False, default="")


# --------------------------------------------------------------------------- the oracle: scopes


@dataclass
class Binding:
    """One binding of a name in a scope.

    ``kind`` is ``path`` (an import: ``value`` is the dotted path it binds), ``alias`` (an
    assignment of a name or attribute chain: ``value`` is that expression, resolved on demand)
    or ``other`` (a def, class, parameter, loop variable or computed value).
    """

    pos: tuple[int, int]
    unconditional: bool
    kind: str
    value: object = None


@dataclass
class Scope:
    kind: str  # module, function, class
    parent: Scope | None
    comprehension: bool = False  # a walrus in it binds in the scope around it
    bindings: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    stars: list[str] = field(default_factory=list)  # modules star-imported here


@dataclass
class Use:
    kind: str  # call, ref, string
    node: ast.AST
    scope: Scope
    chain: tuple[str, ...] = ()
    path_context: bool = False


@dataclass
class FileFacts:
    path: str
    module: str
    package: str
    lines: list[str]
    scope: Scope  # the module scope
    imports: list[
        tuple[ast.stmt, list[tuple[str, str | None, str]]]
    ]  # stmt, [(path, asname, name)]
    uses: list[Use]
    all_names: list[str] | None  # a literal __all__


def chain_of(node: ast.AST) -> tuple[str, ...] | None:
    """``a.b.c`` as ``("a", "b", "c")``; None for anything but a name and attributes."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return (node.id, *reversed(attrs))
    return None


def end(node: ast.AST) -> tuple[int, int]:
    return (node.end_lineno, node.end_col_offset)


def target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in target_names(elt)]
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return []


def resolve_from(module: str | None, level: int, package: str) -> str | None:
    """The absolute module of ``from (level dots)(module) import ...`` in ``package``."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or (level - 1 == len(parts) and not module):
        return None  # climbs above the top-level package
    base = parts[: len(parts) - (level - 1)]
    if module:
        base = base + module.split(".")
    return ".".join(base) or None


class Collector:
    """One walk of a file: the scopes and their bindings, the imports, the candidate uses."""

    def __init__(self, package: str):
        self.package = package
        self.imports: list = []
        self.uses: list[Use] = []
        self.path_strings: set[int] = set()  # ids of string constants in a path position

    # -- helpers
    def bind(self, scope, name, node, cond, kind="other", value=None, pos=None):
        if name in scope.declared_global:
            scope = self.module_scope
            cond = True
        scope.bindings[name].append(
            Binding(pos or (node.lineno, node.col_offset), not cond, kind, value)
        )

    def bind_target(self, target, scope, cond, value_node=None, pos=None):
        """Bind the names of an assignment's target; ``pos``: where the binding takes effect
        (the statement's end: its own right-hand side still sees the previous binding)."""
        if isinstance(target, ast.Name):
            chain = chain_of(value_node) if value_node is not None else None
            if chain is not None:
                self.bind(scope, target.id, target, cond, "alias", (value_node, scope), pos=pos)
            else:
                self.bind(scope, target.id, target, cond, pos=pos)
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for name in target_names(target):
                self.bind(scope, name, target, cond, pos=pos)
            for sub in ast.walk(target):
                if isinstance(sub, (ast.Attribute, ast.Subscript)):
                    self.expr(sub.value, scope)
        elif isinstance(target, ast.Attribute):
            self.expr(target.value, scope)
        elif isinstance(target, ast.Subscript):
            self.expr(target.value, scope)
            self.expr(target.slice, scope)

    def bind_args(self, args: ast.arguments, scope):
        every = args.posonlyargs + args.args + args.kwonlyargs
        every += [a for a in (args.vararg, args.kwarg) if a]
        for arg in every:
            self.bind(scope, arg.arg, arg, False, pos=(0, 0))

    def visit_args_outer(self, args: ast.arguments, scope):
        for default in args.defaults + [d for d in args.kw_defaults if d]:
            self.expr(default, scope)
        every = args.posonlyargs + args.args + args.kwonlyargs
        every += [a for a in (args.vararg, args.kwarg) if a]
        for arg in every:
            if arg.annotation:
                self.expr(arg.annotation, scope)

    # -- statements
    def module(self, tree: ast.Module) -> Scope:
        self.module_scope = Scope("module", None)
        self.body(tree.body, self.module_scope, False, docstring=True)
        return self.module_scope

    def body(self, stmts, scope, cond, docstring=False):
        for i, stmt in enumerate(stmts):
            if (
                docstring
                and i == 0
                and isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                continue
            self.stmt(stmt, scope, cond)

    def stmt(self, s, scope, cond):
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in s.decorator_list:
                self.expr(d, scope)
            self.visit_args_outer(s.args, scope)
            if s.returns:
                self.expr(s.returns, scope)
            self.bind(scope, s.name, s, cond)
            inner = Scope("function", scope)
            self.bind_args(s.args, inner)
            self.declarations(s.body, inner)
            self.body(s.body, inner, False, docstring=True)
        elif isinstance(s, ast.ClassDef):
            for d in s.decorator_list:
                self.expr(d, scope)
            for b in s.bases:
                self.expr(b, scope)
            for k in s.keywords:
                self.expr(k.value, scope)
            self.bind(scope, s.name, s, cond)
            inner = Scope("class", scope)
            self.declarations(s.body, inner)
            self.body(s.body, inner, False, docstring=True)
        elif isinstance(s, ast.Import):
            rows = []
            for alias in s.names:
                if alias.asname:
                    self.bind(scope, alias.asname, s, cond, "path", alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.bind(scope, top, s, cond, "path", top)
                rows.append((alias.name, alias.asname, alias.asname or alias.name))
            self.imports.append((s, rows))
        elif isinstance(s, ast.ImportFrom):
            base = resolve_from(s.module, s.level, self.package)
            if base is None:
                return
            rows = []
            for alias in s.names:
                if alias.name == "*":
                    scope.stars.append(base)
                    rows.append((base + ".*", None, "*"))
                    continue
                path = base + "." + alias.name
                self.bind(scope, alias.asname or alias.name, s, cond, "path", path)
                rows.append((path, alias.asname, alias.asname or alias.name))
            self.imports.append((s, rows))
        elif isinstance(s, ast.Assign):
            self.expr(s.value, scope)
            for t in s.targets:  # a = b = value: each target is bound to the value
                self.bind_target(t, scope, cond, s.value, end(s))
        elif isinstance(s, ast.AnnAssign):
            self.expr(s.annotation, scope)
            if s.value is not None:
                self.expr(s.value, scope)
                self.bind_target(s.target, scope, cond, s.value, end(s))
        elif isinstance(s, ast.AugAssign):
            self.expr(s.value, scope)
            if isinstance(s.target, ast.Name):
                self.expr(s.target, scope, load=True)
                self.bind(scope, s.target.id, s.target, cond, pos=end(s))
            else:
                self.bind_target(s.target, scope, cond)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            self.expr(s.iter, scope)
            self.bind_target(s.target, scope, True)
            self.body(s.body, scope, True)
            self.body(s.orelse, scope, True)
        elif isinstance(s, (ast.While, ast.If)):
            self.expr(s.test, scope)
            self.body(s.body, scope, True)
            self.body(s.orelse, scope, True)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                self.expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.bind_target(item.optional_vars, scope, cond)
            self.body(s.body, scope, cond)
        elif isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.body(s.body, scope, True)
            for h in s.handlers:
                if h.type is not None:
                    self.expr(h.type, scope)
                if h.name:
                    self.bind(scope, h.name, h, True)
                self.body(h.body, scope, True)
            self.body(s.orelse, scope, True)
            self.body(s.finalbody, scope, True)
        elif isinstance(s, ast.Match):
            self.expr(s.subject, scope)
            for case in s.cases:
                for sub in ast.walk(case.pattern):
                    name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                    if isinstance(name, str):
                        self.bind(scope, name, case.pattern, True)
                    if isinstance(sub, ast.MatchValue):
                        self.expr(sub.value, scope)
                    if isinstance(sub, ast.MatchClass):
                        self.expr(sub.cls, scope)
                if case.guard is not None:
                    self.expr(case.guard, scope)
                self.body(case.body, scope, True)
        elif isinstance(s, (ast.Global, ast.Nonlocal)):
            pass  # gathered by declarations() before the body
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                if not isinstance(t, ast.Name):
                    self.bind_target(t, scope, cond)
        else:  # Expr, Return, Raise, Assert, Pass, ...
            for child in ast.iter_child_nodes(s):
                self.expr(child, scope)

    def declarations(self, stmts, scope):
        """``global``/``nonlocal`` anywhere in a function's own body (not nested defs)."""
        todo = list(stmts)
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Global):
                scope.declared_global.update(node.names)
            elif isinstance(node, ast.Nonlocal):
                scope.declared_nonlocal.update(node.names)
            elif not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            ):
                todo.extend(ast.iter_child_nodes(node))

    # -- expressions
    def expr(self, e, scope, load=False):
        if e is None or not isinstance(e, ast.AST):
            return
        if isinstance(e, (ast.Name, ast.Attribute)):
            chain = chain_of(e)
            if chain is not None:
                if load or isinstance(e.ctx, ast.Load):
                    self.uses.append(Use("ref", e, scope, chain))
                return
            self.expr(e.value, scope)
            return
        if isinstance(e, ast.Call):
            chain = chain_of(e.func)
            if chain is not None:
                self.uses.append(Use("call", e, scope, chain))
                if chain[-1] in PATH_CALLS or chain[-3:] in (
                    ("sys", "modules", "get"),
                    ("sys", "modules", "pop"),
                    ("sys", "modules", "setdefault"),
                ):
                    self.mark_path(e.args[:1])
                    self.mark_path([k.value for k in e.keywords if k.arg in PATH_KEYWORDS])
            else:
                self.expr(e.func, scope)
            for a in e.args:
                self.expr(a, scope)
            for k in e.keywords:
                self.expr(k.value, scope)
            return
        if isinstance(e, ast.Subscript) and chain_of(e.value) == ("sys", "modules"):
            self.mark_path([e.slice])
        if (
            isinstance(e, ast.Compare)
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in e.ops)
            and any(chain_of(c) == ("sys", "modules") for c in e.comparators)
        ):
            self.mark_path([e.left])
        if isinstance(e, ast.Constant):
            if isinstance(e.value, str):
                self.uses.append(Use("string", e, scope, (), id(e) in self.path_strings))
            return
        if isinstance(e, ast.JoinedStr):  # an f-string's text is not a path
            for v in e.values:
                if isinstance(v, ast.FormattedValue):
                    self.expr(v.value, scope)
                    self.expr(v.format_spec, scope)
            return
        if isinstance(e, ast.Lambda):
            self.visit_args_outer(e.args, scope)
            inner = Scope("function", scope)
            self.bind_args(e.args, inner)
            self.expr(e.body, inner)
            return
        if isinstance(e, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            inner = Scope("function", scope, comprehension=True)
            for i, gen in enumerate(e.generators):
                self.expr(gen.iter, scope if i == 0 else inner)
                for name in target_names(gen.target):
                    self.bind(inner, name, gen.target, False, pos=(0, 0))
                for cond_ in gen.ifs:
                    self.expr(cond_, inner)
            for part in (e.key, e.value) if isinstance(e, ast.DictComp) else (e.elt,):
                self.expr(part, inner)
            return
        if isinstance(e, ast.NamedExpr):
            self.expr(e.value, scope)
            target_scope = scope
            while target_scope.comprehension:
                target_scope = target_scope.parent
            self.bind(target_scope, e.target.id, e.target, True, pos=end(e))
            return
        for child in ast.iter_child_nodes(e):
            self.expr(child, scope)

    def mark_path(self, nodes):
        for n in nodes:
            if isinstance(n, ast.Constant) and isinstance(n.value, str):
                self.path_strings.add(id(n))


def module_name(rel: str) -> tuple[str, str]:
    """The module and package of a root-relative path (``a/b/__init__.py`` is ``a.b``)."""
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def literal_all(tree: ast.Module) -> list[str] | None:
    for s in tree.body:
        if isinstance(s, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in s.targets
        ):
            if isinstance(s.value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in s.value.elts
            ):
                return [e.value for e in s.value.elts]
            return None
    return None


def read_source(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def python_files(root: Path) -> list[str]:
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".wsaudit"))
        for name in names:
            if name.endswith(".py"):
                out.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(out)


class Oracle:
    """The uses of a set of rules in one tree, by the oracle's reading."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.files: dict[str, FileFacts] = {}
        self.modules: dict[str, FileFacts] = {}
        self.unparsed: list[str] = []
        for rel in python_files(self.root):
            text = read_source(self.root / rel)
            try:
                tree = ast.parse(text, rel) if text is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            if tree is None:
                self.unparsed.append(rel)
                continue
            module, package = module_name(rel)
            collector = Collector(package)
            scope = collector.module(tree)
            facts = FileFacts(
                rel,
                module,
                package,
                text.splitlines(),
                scope,
                collector.imports,
                collector.uses,
                literal_all(tree),
            )
            self.files[rel] = facts
            if module not in self.modules or rel.endswith("/__init__.py"):
                self.modules[module] = facts  # a package wins over a same-named module file
        self._canon: dict[str, frozenset[str]] = {}
        self._active: set = set()

    # -- name resolution
    @staticmethod
    def reaching(scope: Scope, name: str, pos) -> list[Binding]:
        """The bindings of ``name`` in ``scope`` that a use at ``pos`` (None: later, from a
        nested function or another module) can see: back to the last unconditional one."""
        bs = sorted(scope.bindings.get(name, ()), key=lambda b: b.pos)
        if pos is not None:
            bs = [b for b in bs if b.pos < pos]
        last = max((i for i, b in enumerate(bs) if b.unconditional), default=0)
        return bs[last:]

    def lookup(self, scope: Scope, name: str, pos, facts: FileFacts) -> set[str]:
        """The dotted paths ``name`` can stand for at ``pos`` in ``scope`` (empty: a local, a
        builtin or unbound). Python's LEGB: a class body is seen only by its own statements."""
        s, nested = scope, False
        while s is not None:
            if s.kind != "module" and name in s.declared_global:
                s, nested = self.module_scope_of(s), True
                continue
            if name in s.bindings and name not in s.declared_nonlocal:
                seen = self.reaching(s, name, None if nested else pos)
                return self.values(s, name, seen, facts)
            if s.kind == "module":
                return {star + "." + name for star in s.stars if self.exports(star, name)}
            s, nested = s.parent, True
            while s is not None and s.kind == "class":
                s = s.parent
        return set()

    @staticmethod
    def module_scope_of(s: Scope) -> Scope:
        while s.parent is not None:
            s = s.parent
        return s

    def values(
        self, scope: Scope, name: str, bindings: list[Binding], facts: FileFacts
    ) -> set[str]:
        out: set[str] = set()
        for b in bindings:
            if b.kind == "path":
                out.add(b.value)
            elif b.kind == "alias":
                key = ("alias", id(b))
                if key in self._active:
                    continue
                self._active.add(key)
                try:
                    node, bscope = b.value
                    at = (node.lineno, node.col_offset)
                    out |= self.chain_paths(bscope, chain_of(node), at, facts)
                finally:
                    self._active.discard(key)
            elif scope.kind == "module":
                out.add(facts.module + "." + name)  # defined here: its own path
        return out

    def chain_paths(self, scope, chain, pos, facts) -> set[str]:
        roots = self.lookup(scope, chain[0], pos, facts)
        rest = "".join("." + a for a in chain[1:])
        return {r + rest for r in roots}

    def exports(self, module: str, name: str) -> bool:
        """Whether ``from module import *`` binds ``name`` (only modules of the tree are known)."""
        facts = self.modules.get(module)
        if facts is None:
            return False
        if facts.all_names is not None:
            return name in facts.all_names
        if name.startswith("_"):
            return False
        if name in facts.scope.bindings:
            return True
        key = ("exports", module, name)
        if key in self._active:
            return False
        self._active.add(key)
        try:
            return any(self.exports(star, name) for star in facts.scope.stars)
        finally:
            self._active.discard(key)

    def canon(self, path: str) -> frozenset[str]:
        """Where a dotted path leads once the tree's imports, aliases and re-exports are followed:
        the path of the definition (``def``, ``class``, a computed value), or the path as
        written where it leaves the tree."""
        if path in self._canon:
            return self._canon[path]
        if ("canon", path) in self._active or len(self._active) > 200:
            return frozenset((path,))
        self._active.add(("canon", path))
        try:
            result = frozenset(self._canon_uncached(path))
        finally:
            self._active.discard(("canon", path))
        self._canon[path] = result
        return result

    def _canon_uncached(self, path: str) -> set[str]:
        segs = path.split(".")
        for i in range(len(segs), 0, -1):
            facts = self.modules.get(".".join(segs[:i]))
            if facts is None:
                continue
            if i == len(segs):
                return {path}
            name, rest = segs[i], "".join("." + s for s in segs[i + 1 :])
            scope = facts.scope
            bindings = self.reaching(scope, name, None)
            out: set[str] = set()
            if bindings:
                for b in bindings:
                    if b.kind == "other":
                        out.add(facts.module + "." + name + rest)
                    else:
                        for v in self.values(scope, name, [b], facts):
                            out |= self.canon(v + rest)
                return out
            for star in scope.stars:
                if self.exports(star, name):
                    out |= self.canon(star + "." + name + rest)
            return out or {path}
        return {path}

    def in_tree(self, path: str) -> bool:
        """Whether a dotted path names a module of the tree or a name bound in one."""
        segs = path.split(".")
        for i in range(len(segs), 0, -1):
            facts = self.modules.get(".".join(segs[:i]))
            if facts is not None:
                if i == len(segs):
                    return True
                name = segs[i]
                return name in facts.scope.bindings or any(
                    self.exports(s, name) for s in facts.scope.stars
                )
        return False

    # -- the rows
    def rows(self, rules) -> list[Row]:
        out: set[Row] = set()
        symbols = [(rid, t, self.canon(t)) for rid, kind, t in rules if kind == "symbol"]
        modules = [(rid, t) for rid, kind, t in rules if kind == "module"]
        for facts in self.files.values():
            for rid, target in modules:
                out |= self.module_rows(facts, rid, target)
            if symbols:
                out |= self.symbol_rows(facts, symbols)
        return sorted(out)

    def col(self, facts: FileFacts, line: int, col: int) -> int:
        """An AST column (UTF-8 bytes) as characters, as wsaudit reports it."""
        text = facts.lines[line - 1] if line - 1 < len(facts.lines) else ""
        if text.isascii():
            return col
        return len(text.encode("utf-8")[:col].decode("utf-8", "replace"))

    def row(self, facts, rid, category, node, name) -> Row:
        return Row(
            rid,
            category,
            facts.path,
            node.lineno,
            self.col(facts, node.lineno, node.col_offset),
            name,
        )

    def module_rows(self, facts, rid, target) -> set[Row]:
        def under(p):
            return p == target or p.startswith(target + ".")

        out = set()
        for stmt, names in facts.imports:
            for path, _asname, name in names:
                written = path.removesuffix(".*")
                if isinstance(stmt, ast.ImportFrom):
                    base = written.rsplit(".", 1)[0] if not path.endswith(".*") else written
                    hit = base if under(base) else written if under(written) else None
                else:
                    hit = written if under(written) else None
                if hit:
                    out.add(self.row(facts, rid, "module", stmt, hit))
                    break
        for use in facts.uses:
            if use.kind == "string":
                value = use.node.value
                if (
                    DOTTED.match(value)
                    and under(value)
                    and (use.path_context or self.in_tree(value))
                ):
                    out.add(self.row(facts, rid, "string", use.node, value))
        return out

    def symbol_rows(self, facts, symbols) -> set[Row]:
        """The rows of the symbol rules ``(id, target, canon(target))`` in one file."""

        def hits(path, canon_target):
            return bool(self.canon(path) & canon_target)

        out = set()
        for stmt, names in facts.imports:
            if not isinstance(stmt, ast.ImportFrom):
                continue
            for rid, target, canon_target in symbols:
                for path, _asname, name in names:
                    if path.endswith(".*"):
                        star, short = path[:-2], target.rsplit(".", 1)[1]
                        if self.exports(star, short) and hits(star + "." + short, canon_target):
                            out.add(self.row(facts, rid, "import", stmt, "*"))
                            break
                    elif hits(path, canon_target):
                        out.add(self.row(facts, rid, "import", stmt, name))
                        break
        for use in facts.uses:
            if use.kind == "string":
                value = use.node.value
                if "." not in value or not DOTTED.match(value):
                    continue
                for rid, _target, canon_target in symbols:
                    if hits(value, canon_target) and (use.path_context or self.in_tree(value)):
                        out.add(self.row(facts, rid, "string", use.node, value))
                continue
            pos = (use.node.lineno, use.node.col_offset)
            roots = self.lookup(use.scope, use.chain[0], pos, facts)
            if not roots:
                continue
            for rid, _target, canon_target in symbols:
                # the longest prefix of the chain that is the symbol: all of it for a call
                for k in range(len(use.chain), 0, -1):
                    rest = "".join("." + a for a in use.chain[1:k])
                    if any(hits(r + rest, canon_target) for r in roots):
                        whole = use.kind == "call" and k == len(use.chain)
                        name = ".".join(use.chain[:k])
                        out.add(
                            self.row(facts, rid, "call" if whole else "reference", use.node, name)
                        )
                        break
        return out


# --------------------------------------------------------------------------- wsaudit


def config_text(rules) -> str:
    lines = ["# written by benchmarks/accuracy.py", "exclude = []", ""]
    for rid, kind, target in rules:
        lines += ["[[rule]]", f'id = "{rid}"', f'{kind} = "{target}"', ""]
    return "\n".join(lines)


def run_wsaudit(root: Path, rules, src: Path, python: str) -> dict:
    """``wsaudit scan ROOT --format json`` with ``src`` first on the path; the parsed document."""
    with tempfile.TemporaryDirectory(prefix="wsaudit-oracle.") as tmp:
        cfg = Path(tmp) / "wsaudit.toml"
        cfg.write_text(config_text(rules), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(src))
        proc = subprocess.run(
            [
                python,
                "-m",
                "wsaudit",
                "scan",
                str(root),
                "--config",
                str(cfg),
                "--format",
                "json",
                "--no-cache",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"wsaudit scan failed ({proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def wsaudit_rows(document: dict, root: Path) -> list[Row]:
    """The violations (and suppressed rows) as oracle rows; a reference at a string is ``string``."""
    lines: dict[str, list[str]] = {}
    out = []
    for v in document["violations"] + document.get("suppressed", []):
        category = WSAUDIT_CATEGORY[v["category"]]
        if category == "reference":
            if v["path"] not in lines:
                text = read_source(root / v["path"])
                lines[v["path"]] = text.splitlines() if text is not None else []
            text = lines[v["path"]]
            line = text[v["line"] - 1] if 0 < v["line"] <= len(text) else ""
            if STRING_START.match(line[v["col"] :]):
                category = "string"
        out.append(Row(v["rule_id"], category, v["path"], v["line"], v["col"], v["name"]))
    return sorted(out)


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    oracle: list[Row]
    wsaudit: list[Row]
    matched: list[tuple[Row, Row]]
    col_differs: list[tuple[Row, Row]]
    only_oracle: list[Row]
    only_wsaudit: list[Row]


def compare(oracle: list[Row], found: list[Row]) -> Comparison:
    """Pair rows by (rule, category, path, line, col), then the rest by (rule, category, path,
    line) alone (counted as matched, listed as a column difference)."""

    def pair(left, right, key):
        pool = defaultdict(list)
        for r in right:
            pool[key(r)].append(r)
        pairs, rest = [], []
        for r in left:
            if pool[key(r)]:
                pairs.append((r, pool[key(r)].pop(0)))
            else:
                rest.append(r)
        leftover = sorted(r for rows in pool.values() for r in rows)
        return pairs, rest, leftover

    exact, o_rest, w_rest = pair(
        oracle, found, lambda r: (r.rule, r.category, r.path, r.line, r.col)
    )
    near, o_rest, w_rest = pair(o_rest, w_rest, lambda r: (r.rule, r.category, r.path, r.line))
    return Comparison(oracle, found, exact + near, near, o_rest, w_rest)


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def stats(comp: Comparison) -> dict[str, dict]:
    out = {}
    for cat in CATEGORIES:
        o = sum(r.category == cat for r in comp.oracle)
        w = sum(r.category == cat for r in comp.wsaudit)
        m = sum(a.category == cat for a, _ in comp.matched)
        out[cat] = {
            "oracle": o,
            "wsaudit": w,
            "matched": m,
            "recall": ratio(m, o),
            "precision": ratio(m, w),
        }
    return out


def fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def verdict(cat: str, s: dict) -> str:
    want_r, want_p = TARGETS[cat]
    if want_r is None and want_p is None:
        return ""
    if s["oracle"] == 0 and s["wsaudit"] == 0:
        return "n/a (no rows)"
    bad = []
    if want_r is not None and s["recall"] is not None and s["recall"] < want_r:
        bad.append(f"recall < {want_r}")
    if want_p is not None and s["precision"] is not None and s["precision"] < want_p:
        bad.append(f"precision < {want_p}")
    return "**missed** (" + ", ".join(bad) + ")" if bad else "met"


def snippet(root: Path, row: Row, cache: dict) -> str:
    if row.path not in cache:
        text = read_source(root / row.path)
        cache[row.path] = text.splitlines() if text is not None else []
    lines = cache[row.path]
    text = lines[row.line - 1].strip() if 0 < row.line <= len(lines) else ""
    return text if len(text) <= 110 else text[:107] + "..."


def describe(root: Path, row: Row, cache: dict) -> str:
    return (
        f"`{row.path}:{row.line}:{row.col}` {row.rule} `{row.name}` | `{snippet(root, row, cache)}`"
    )


# --------------------------------------------------------------------------- trees and main


def ensure_tree(name: str, site: Path, regen: bool = False) -> Path:
    """``benchmarks/.work/oracle/NAME``: the ``.py`` files of the tree's packages, copied once."""
    dest = WORK / name
    if dest.is_dir() and not regen:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=name + ".", dir=WORK))  # same file system: os.replace
    for top in TREES[name]:
        src = site / top
        if not src.is_dir():
            raise SystemExit(f"{name}: {src} is not installed")
        shutil.copytree(
            src,
            tmp / top,
            ignore=lambda d, names: [
                n
                for n in names
                if not n.endswith(".py") and not (Path(d) / n).is_dir() or n == "__pycache__"
            ],
        )
    os.replace(tmp, dest)
    return dest


def package_version(site: Path, top: str) -> str:
    for dist in sorted(site.glob("*.dist-info")):
        top_level = dist / "top_level.txt"
        stem = dist.name[: -len(".dist-info")]
        dname, _, version = stem.partition("-")
        if dname.lower() == top.lower() or (
            top_level.is_file() and top in top_level.read_text().split()
        ):
            return version
    return "?"


def source_commit(src: Path) -> str:
    proc = subprocess.run(
        ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return "?"
    dirty = subprocess.run(
        ["git", "-C", str(src), "status", "--porcelain", "--", "wsaudit"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return proc.stdout.strip() + ("+dirty" if dirty else "")


def measure_tree(name: str, root: Path, rules, src: Path, python: str) -> dict:
    oracle = Oracle(root)
    orows = oracle.rows(rules)
    document = run_wsaudit(root, rules, src, python)
    wrows = wsaudit_rows(document, root)
    comp = compare(orows, wrows)
    return {
        "tree": name,
        "root": root,
        "rules": rules,
        "oracle": oracle,
        "comparison": comp,
        "stats": stats(comp),
        "files": len(oracle.files),
        "unparsed": oracle.unparsed,
        "suspects": len(document.get("suspects", [])),
        "diagnostics": sorted(Counter(d["kind"] for d in document.get("diagnostics", [])).items()),
    }


def report(results: list[dict], show: int, src: Path, commit: str, out=sys.stdout) -> None:
    p = lambda *a: print(*a, file=out)
    p(f"wsaudit from `{src}` (commit {commit}); oracle: benchmarks/accuracy.py\n")
    p("| tree | category | oracle | wsaudit | matched | recall | precision | target |")
    p("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for res in results:
        for cat in CATEGORIES:
            s = res["stats"][cat]
            p(
                f"| {res['tree']} | {cat} | {s['oracle']} | {s['wsaudit']} | {s['matched']} | "
                f"{fmt(s['recall'])} | {fmt(s['precision'])} | {verdict(cat, s)} |"
            )
    p("")
    for res in results:
        comp, root, cache = res["comparison"], res["root"], {}
        rules = ", ".join(f"{rid} {kind} `{t}`" for rid, kind, t in res["rules"])
        p(f"## {res['tree']}\n")
        p(
            f"{res['files']} files parsed by the oracle, {len(res['unparsed'])} not; "
            f"wsaudit: {res['suspects']} suspects, diagnostics {dict(res['diagnostics']) or '{}'}. "
            f"Rules: {rules}.\n"
        )
        per_rule = Counter((r.rule, r.category) for r in comp.oracle)
        per_rule_w = Counter((r.rule, r.category) for r in comp.wsaudit)
        keys = sorted(set(per_rule) | set(per_rule_w))
        p(
            "Rows per rule (oracle / wsaudit): "
            + ", ".join(
                f"{rule} {cat} {per_rule[(rule, cat)]}/{per_rule_w[(rule, cat)]}"
                for rule, cat in keys
            )
            + "\n"
        )
        for cat in CATEGORIES:
            miss = [r for r in comp.only_oracle if r.category == cat]
            extra = [r for r in comp.only_wsaudit if r.category == cat]
            cols = [(a, b) for a, b in comp.col_differs if a.category == cat]
            if not (miss or extra or cols):
                continue
            p(f"### {res['tree']} / {cat}\n")
            if miss:
                p(f"Only the oracle ({len(miss)}; wsaudit misses them, or the oracle is wrong):\n")
                for r in miss[:show]:
                    p("- " + describe(root, r, cache))
                p("")
            if extra:
                p(f"Only wsaudit ({len(extra)}; the oracle misses them, or wsaudit is wrong):\n")
                for r in extra[:show]:
                    p("- " + describe(root, r, cache))
                p("")
            if cols:
                p(f"Same line, other column ({len(cols)}; counted as matched):\n")
                for a, b in cols[:show]:
                    p(f"- {describe(root, a, cache)} (oracle col {a.col}, wsaudit col {b.col})")
                p("")


def json_document(results: list[dict], src: Path, commit: str) -> dict:
    def rows(rs):
        return [
            {
                "rule_id": r.rule,
                "category": r.category,
                "path": r.path,
                "line": r.line,
                "col": r.col,
                "name": r.name,
            }
            for r in rs
        ]

    return {
        "wsaudit_commit": commit,
        "trees": [
            {
                "tree": res["tree"],
                "rules": [{"id": rid, kind: t} for rid, kind, t in res["rules"]],
                "files": res["files"],
                "unparsed": res["unparsed"],
                "stats": res["stats"],
                "only_oracle": rows(res["comparison"].only_oracle),
                "only_wsaudit": rows(res["comparison"].only_wsaudit),
                "col_differs": [
                    {"oracle": rows([a])[0], "wsaudit": rows([b])[0]}
                    for a, b in res["comparison"].col_differs
                ],
            }
            for res in results
        ],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--trees",
        default=",".join(TREES),
        help=f"comma-separated, of {', '.join(TREES)} (default: all)",
    )
    parser.add_argument(
        "--wsaudit-src",
        type=Path,
        default=REPO,
        help="the checkout whose wsaudit is measured (put first on PYTHONPATH)",
    )
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the interpreter that runs wsaudit (default: this one)",
    )
    parser.add_argument(
        "--site-packages",
        type=Path,
        default=Path(sysconfig.get_paths()["purelib"]),
        help="where the trees' packages are installed",
    )
    parser.add_argument("--show", type=int, default=10, help="disagreements listed per kind")
    parser.add_argument("--json", type=Path, help="write the numbers and every disagreement")
    parser.add_argument("--regen", action="store_true", help="copy the trees again")
    args = parser.parse_args(argv)
    names = [n for n in args.trees.split(",") if n]
    unknown = [n for n in names if n not in TREES]
    if unknown:
        parser.error(f"unknown tree(s): {', '.join(unknown)}")
    src = args.wsaudit_src.resolve()
    commit = source_commit(src)
    results = []
    for name in names:
        root = ensure_tree(name, args.site_packages, args.regen)
        res = measure_tree(name, root, RULES[name], src, args.python)
        res["tree"] = f"{name} {package_version(args.site_packages, TREES[name][0])}"
        results.append(res)
    report(results, args.show, src, commit)
    if args.json:
        args.json.write_text(
            json.dumps(json_document(results, src, commit), indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
