"""Turn the bytes of one Python file into :class:`~wsaudit.model.FileFacts`.

Static only: the source is decoded and parsed with :mod:`ast`, never imported or run.
The facts do not depend on the configuration, so they are cached by content hash.

The tree is walked by :class:`_Extractor`, a visitor with a method per kind of node. It records
the imports, the strings that read as module or object paths, the bindings of names and their
uses; the scopes, and the resolution of each use to the bindings that can reach it, are in
:mod:`wsaudit.engine.scopes`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import replace

from wsaudit.engine.scopes import FactsRecorder, Scope
from wsaudit.engine.sinks import is_sys_modules, path_of_string, sink_of_call, string_constant
from wsaudit.engine.source import (
    count_loc,
    decode_source,
    docstring_node,
    inner_context,
    is_type_checking,
    parse_tree,
    split_lines,
)
from wsaudit.engine.statements import simple_statement_lines
from wsaudit.engine.suppress import read_suppressions
from wsaudit.engine.tokens import scan_tokens
from wsaudit.model import Binding, FileFacts, ImportStmt, StringRef

FACTS_VERSION = 7  # 4: suppression comments; 5: one-word module strings, assignments as definitions;
# 6: an __all__ extended after a value that is not a literal stays unread; 7: one_line

def parse_source(data: bytes) -> FileFacts:
    """Parse the bytes of a file into facts; any failure becomes a problem, never an exception.

    >>> facts = parse_source(b"from a.b import c as d\\nd(1)\\n")
    >>> [(u.chain, u.is_call, u.line) for u in facts.uses]
    [(('d',), True, 2)]
    >>> parse_source(b"def f(:\\n").problems[0][:2]
    ('syntax-error', 1)
    """
    text, problem = decode_source(data)
    if problem is not None:
        # what the tokens still show is kept apart (``unparsed``): never a violation, a suspect
        return FileFacts(problems=(problem,), unparsed=scan_tokens(data.decode("utf-8", errors="replace")))
    assert text is not None  # decode_source gives the text or the problem that stopped it
    lines = split_lines(text)
    loc = count_loc(lines)
    tree, problem = parse_tree(text)
    if tree is None:
        assert problem is not None  # and parse_tree the tree or its problem
        return FileFacts(loc=loc, problems=(problem,), unparsed=scan_tokens(text))
    try:
        facts = _Extractor(lines, loc).run(tree)
    except RecursionError:  # a tree ast could build but is too deep to walk
        return FileFacts(loc=loc, problems=(("too-complex", None, "nesting too deep to walk (RecursionError)"),),
                         unparsed=scan_tokens(text))
    suppressions = read_suppressions(text, tree)
    if suppressions:  # (the rare file that says ``wsaudit:``)
        facts = replace(facts, suppressions=suppressions)
    return replace(facts, one_line=simple_statement_lines(tree, lines))


def _defaults(args: ast.arguments) -> list[ast.expr]:
    """The default values of a function's parameters, in the order they run."""
    return [*args.defaults, *[d for d in args.kw_defaults if d is not None]]


def _parameters(args: ast.arguments) -> list[ast.arg]:
    """Every parameter of a function."""
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return every


def _end(node: ast.stmt) -> tuple[int, int]:
    """Where a statement ends: the names it binds are bound from there."""
    return (node.end_lineno or node.lineno, node.end_col_offset or 0)


_Stack = list[tuple[ast.expr, Scope, str]]  # the expressions left to walk, with their scope and context


def _chain(node: ast.expr) -> tuple[tuple[str, ...], ast.expr]:
    """The attribute names of ``a.b.c`` and its root node."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.append(node.id)
    names.reverse()
    return tuple(names), node


class _Extractor(FactsRecorder):
    """The walk of one file's syntax tree, and what it records: the facts of the file.

    A visitor: each kind of node has its ``visit_`` method (``visit_Import``, ``visit_Call``...),
    found by the node's exact class in ``_STATEMENTS`` or ``_EXPRESSIONS``; the kinds without one
    go to ``generic_stmt`` or ``generic_expr``, which walk the expressions they hold. Statements
    are visited recursively, a block at a time (:meth:`_body`); expressions from a stack
    (:meth:`_expr`), so that long chains (``a + b + ...``) do not overflow Python's stack.

    Parameters
    ----------
    lines : list of str
        The lines of the file (for columns in characters, and snippets).
    loc : int
        Its lines of code.

    Notes
    -----
    A statement's visitor takes ``(node, scope, context, conditional)``: the scope it binds in, its
    context (one of :data:`wsaudit.model.CONTEXTS`) and whether it may not run (or run again)
    when the block around it does. An expression's takes ``(node, scope, context, stack)`` and
    pushes the nodes left to walk on ``stack``.

    The nesting at which a file is too deep to walk (``too-complex``: a RecursionError) is part of
    its facts, cached under ``FACTS_VERSION``: it must not move without a new version. So each
    level costs Python's stack the frames it has cost since that version: a block of statements
    two (:meth:`_body` and a ``visit_`` method); a lambda in a default, or a comprehension in a
    comprehension's target, two (:meth:`_expr` and the ``visit_`` method, which walks the nested
    expression itself, not through a helper). And :meth:`run` visits the module's statements
    itself, a frame less than through :meth:`_body`, which offsets the frame every expression
    node takes (its ``visit_`` method).

    >>> [name for name in vars(_Extractor) if name.startswith("visit_") and not hasattr(ast, name[6:])]
    []
    """

    def __init__(self, lines: list[str], loc: int):
        super().__init__(lines, loc)
        self._rhs_pending: dict[int, int] = {}  # id of a right-hand-side node -> pending use
        self._sinks: dict[int, str] = {}  # id of a string constant -> where Python takes it as a path

    def run(self, tree: ast.Module) -> FileFacts:
        """The facts of the file whose tree this is."""
        # the module's statements visited from here, not by _body: one frame less (see Notes)
        visit, skip = _STATEMENTS, docstring_node(tree.body)
        for stmt in tree.body:
            if stmt is not skip:
                visit[type(stmt)](self, stmt, self.module, "module", False)
        return self._finish()

    def _body(self, body: list[ast.stmt], scope: Scope, context: str, conditional: bool,
              docstring: bool = False) -> None:
        """Visit the statements of a block (but its docstring, with ``docstring``)."""
        skip = docstring_node(body) if docstring else None
        visit = _STATEMENTS
        for stmt in body:
            if stmt is not skip:
                visit[type(stmt)](self, stmt, scope, context, conditional)

    # -- statements: one visit_ method per kind, found in _STATEMENTS by _body --------

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope, context: str,
                          conditional: bool) -> None:
        """``def``: decorators, defaults and annotations run where it stands, the body in a scope of its own."""
        for dec in node.decorator_list:
            self._expr(dec, scope, context)
        inner = self._function_scope(node.args, scope, context, (node.lineno, node.col_offset))
        if node.returns is not None:
            self._expr(node.returns, scope, context)
        self._body(node.body, inner, inner_context(context, "function"), False, docstring=True)
        self._define(node, scope, conditional)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef, scope: Scope, context: str, conditional: bool) -> None:
        """``class``: decorators, bases and keywords run where it stands, the body in a class scope."""
        for dec in node.decorator_list:
            self._expr(dec, scope, context)
        for base in node.bases:
            self._expr(base, scope, context)
        for kw in node.keywords:
            self._expr(kw.value, scope, context)
        inner = Scope("class", scope)
        self._body(node.body, inner, inner_context(context, "class"), False, docstring=True)
        self._define(node, scope, conditional)

    def visit_Import(self, node: ast.Import, scope: Scope, context: str, conditional: bool) -> None:
        """``import a.b`` binds ``a`` (the module ``a``), ``import a.b as c`` binds ``c`` (``a.b``)."""
        self.imports.append(
            ImportStmt(
                node.lineno,
                self._col(node.lineno, node.col_offset),
                0,
                None,
                tuple((a.name, a.asname) for a in node.names),
                False,
                context,
                self._snippet(node.lineno),
            )
        )
        end, uncond = _end(node), not conditional
        for alias in node.names:
            if alias.asname:
                self._bind(scope, alias.asname, end, uncond, "module", alias.name)
            else:
                top = alias.name.split(".")[0]
                self._bind(scope, top, end, uncond, "module", top)

    def visit_ImportFrom(self, node: ast.ImportFrom, scope: Scope, context: str, conditional: bool) -> None:
        """``from m import a as b`` binds ``b``; ``from m import *`` is a star binding of the module."""
        names = tuple((a.name, a.asname) for a in node.names)
        self.imports.append(
            ImportStmt(
                node.lineno,
                self._col(node.lineno, node.col_offset),
                node.level or 0,
                node.module,
                names,
                True,
                context,
                self._snippet(node.lineno),
            )
        )
        end, uncond = _end(node), not conditional
        for name, asname in names:
            if name == "*":
                index = len(self.bindings)
                self.bindings.append(Binding("*", "star", (node.level or 0, node.module or ""), True))
                self.module.stars.append((end, False, index))
            else:
                target = (node.level or 0, node.module or "", name)
                self._bind(scope, asname or name, end, uncond, "from", target)

    def visit_Assign(self, node: ast.Assign, scope: Scope, context: str, conditional: bool) -> None:
        """``a = b = value``: the value runs first."""
        self._expr(node.value, scope, context)
        self._assign(node.targets, node.value, scope, context, _end(node), not conditional, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign, scope: Scope, context: str, conditional: bool) -> None:
        """``a: T = value``; ``a: T`` alone binds nothing."""
        self._expr(node.annotation, scope, context)
        if node.value is not None:
            self._expr(node.value, scope, context)
            self._assign([node.target], node.value, scope, context, _end(node), not conditional, node.lineno)
        elif not isinstance(node.target, ast.Name):
            self._expr(node.target, scope, context)

    def visit_AugAssign(self, node: ast.AugAssign, scope: Scope, context: str, conditional: bool) -> None:
        """``a += value`` reads ``a``, then binds it again; ``__all__ += [...]`` extends ``__all__``."""
        self._expr(node.value, scope, context)
        target = node.target
        if isinstance(target, ast.Name):
            self._pend(target, (target.id,), False, scope, context)
            if scope is self.module and target.id == "__all__":
                self._collect_all(node.value, extend=True)
            self._bind(scope, target.id, _end(node), not conditional, "local")
        else:
            self._expr(target, scope, context)

    def visit_For(self, node: ast.For | ast.AsyncFor, scope: Scope, context: str, conditional: bool) -> None:
        """``for``: the iterable runs once; the target, the body and ``else`` may not run."""
        self._expr(node.iter, scope, context)
        inner = inner_context(context, "conditional")
        self._bind_targets(scope, node.target, (node.target.lineno, node.target.col_offset), False, inner)
        self._body(node.body, scope, inner, True)
        self._body(node.orelse, scope, inner, True)

    visit_AsyncFor = visit_For

    def visit_While(self, node: ast.While, scope: Scope, context: str, conditional: bool) -> None:
        """``while``: the test runs; the body and ``else`` may not."""
        self._expr(node.test, scope, context)
        inner = inner_context(context, "conditional")
        self._body(node.body, scope, inner, True)
        self._body(node.orelse, scope, inner, True)

    def visit_If(self, node: ast.If, scope: Scope, context: str, conditional: bool) -> None:
        """``if``: either branch may not run; the body of ``if TYPE_CHECKING:`` never runs."""
        self._expr(node.test, scope, context)
        if is_type_checking(node.test):
            self._body(node.body, scope, "type-checking", True)
        else:
            self._body(node.body, scope, inner_context(context, "conditional"), True)
        self._body(node.orelse, scope, inner_context(context, "conditional"), True)

    def visit_Try(self, node: ast.Try | ast.TryStar, scope: Scope, context: str, conditional: bool) -> None:
        """``try`` (also ``except*``): any part may not run, or stop half-way; ``except E as e`` binds ``e``."""
        inner = inner_context(context, "try")
        self._body(node.body, scope, inner, True)
        for handler in node.handlers:
            if handler.type is not None:
                self._expr(handler.type, scope, inner)
            if handler.name:
                self._bind(scope, handler.name, (handler.lineno, handler.col_offset), False, "local")
            self._body(handler.body, scope, inner, True)
        self._body(node.orelse, scope, inner, True)
        self._body(node.finalbody, scope, inner, True)

    visit_TryStar = visit_Try

    def visit_With(self, node: ast.With | ast.AsyncWith, scope: Scope, context: str, conditional: bool) -> None:
        """``with``: the body runs as the block around it does; each ``as`` target is bound where it ends."""
        for item in node.items:
            self._expr(item.context_expr, scope, context)
            if item.optional_vars is not None:
                pos = (item.optional_vars.end_lineno, item.optional_vars.end_col_offset)
                self._bind_targets(scope, item.optional_vars, pos, not conditional, context)
        self._body(node.body, scope, context, conditional)

    visit_AsyncWith = visit_With

    def visit_Match(self, node: ast.Match, scope: Scope, context: str, conditional: bool) -> None:
        """``match``: the subject runs; each case (its pattern's values and classes, its guard, its
        body) may not, and binds the names of its pattern."""
        self._expr(node.subject, scope, context)
        inner = inner_context(context, "conditional")
        for case in node.cases:
            for sub in ast.walk(case.pattern):
                name = getattr(sub, "name", None) or getattr(sub, "rest", None)
                if isinstance(name, str):
                    self._bind(scope, name, (case.pattern.lineno, case.pattern.col_offset), False, "local")
                if isinstance(sub, ast.MatchValue):
                    self._expr(sub.value, scope, inner)
                elif isinstance(sub, ast.MatchClass):
                    self._expr(sub.cls, scope, inner)
            if case.guard is not None:
                self._expr(case.guard, scope, inner)
            self._body(case.body, scope, inner, True)

    def visit_Global(self, node: ast.Global, scope: Scope, context: str, conditional: bool) -> None:
        """``global a``: ``a`` in this scope is the module's."""
        scope.globals.update(node.names)

    def visit_Nonlocal(self, node: ast.Nonlocal, scope: Scope, context: str, conditional: bool) -> None:
        """``nonlocal a``: ``a`` in this scope is that of an enclosing function."""
        scope.nonlocals.update(node.names)

    def visit_Delete(self, node: ast.Delete, scope: Scope, context: str, conditional: bool) -> None:
        """``del a.b`` and ``del a[k]`` read ``a``; ``del a`` reads nothing."""
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self._expr(target, scope, context)

    def generic_stmt(self, node: ast.stmt, scope: Scope, context: str, conditional: bool) -> None:
        """Any other statement (``Expr``, ``Return``, ``Raise``, ``Assert``, ``pass``...): its expressions."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._expr(child, scope, context)

    # -- what statements share: definitions, parameters, assignments ---------------

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, scope: Scope,
                conditional: bool) -> None:
        """Bind the name a ``def`` or ``class`` defines; at module level it is also a definition."""
        index = self._bind(scope, node.name, _end(node), not conditional, "local")
        if scope is self.module:
            self.define(node.name, node.lineno, index)

    def _function_scope(self, args: ast.arguments, scope: Scope, context: str, start) -> Scope:
        """Walk the defaults and annotations of a ``def``'s parameters; the scope that binds them."""
        for default in _defaults(args):
            self._expr(default, scope, context)
        for arg in _parameters(args):
            if arg.annotation is not None:
                self._expr(arg.annotation, scope, context)
        return self._parameter_scope(args, scope, start)

    def _parameter_scope(self, args: ast.arguments, scope: Scope, start) -> Scope:
        """A function scope inside ``scope`` with the parameters bound at ``start``."""
        inner = Scope("function", scope)
        for arg in _parameters(args):
            self._bind(inner, arg.arg, start, True, "local")
        return inner

    def _assign(self, targets: list[ast.expr], value: ast.expr, scope: Scope, context: str, end: tuple[int, int],
                uncond: bool, line: int) -> None:
        """Bind the targets of ``value``: a name given a chain of names (``a = b.c``) is an alias of
        it, ``__all__`` given a list of strings is the module's. A module-level name given a value
        is a definition, as a ``def`` is (see :meth:`FactsRecorder.define`)."""
        names, root = _chain(value)
        aliasable = isinstance(root, ast.Name) and names and isinstance(value, (ast.Name, ast.Attribute))
        # ``x = None``, ``x = 3``: Python binds a constant, never a function or class, so never a
        # deprecated symbol (the fallback of ``except ImportError: cwm = None`` defines nothing)
        defines = scope is self.module and not isinstance(value, ast.Constant)
        for target in targets:
            if isinstance(target, ast.Name):
                if scope is self.module and target.id == "__all__":
                    self._collect_all(value, extend=False)
                if aliasable:
                    rhs = self._rhs_pending.get(id(value))
                    index = self._bind(scope, target.id, end, uncond, "alias", None)
                    if rhs is not None and index >= 0:
                        self.alias_rhs[index] = rhs
                else:
                    index = self._bind(scope, target.id, end, uncond, "local")
                if defines:
                    self.define(target.id, line, index)
                continue
            self._bind_targets(scope, target, end, uncond, context)

    def _collect_all(self, value: ast.expr, extend: bool) -> None:
        """``__all__`` when it is a literal list or tuple of strings (or what ``+=`` adds to it).
        Once given a value that is not one (``__all__ = fields_all``), ``+=`` cannot make it
        known: what it adds to is unread, and a star import takes the public names (taking
        only the added ones lost every name of ``fields_all``)."""
        found = None
        if isinstance(value, (ast.List, ast.Tuple)):
            found = [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if len(found) != len(value.elts):
                found = None
        if found is None:
            self.all_names, self.all_unread = None, True
        elif not extend:
            self.all_names, self.all_unread = found, False
        elif not self.all_unread:
            self.all_names = (self.all_names or []) + found

    def _bind_targets(self, scope: Scope, target: ast.expr, pos, unconditional: bool, context: str) -> None:
        """Bind the names of an assignment target; walk the loads inside it."""
        for load in self._bind_names(scope, target, pos, unconditional):
            self._expr(load, scope, context)

    def _bind_names(self, scope: Scope, target: ast.expr, pos, unconditional: bool) -> Iterator[ast.expr]:
        """Bind the names of an assignment target; yield its attributes and subscripts (whose roots
        are loads) as they come, for the caller to walk before the names after them are bound."""
        todo = [target]
        while todo:
            node = todo.pop()
            if isinstance(node, ast.Name):
                self._bind(scope, node.id, pos, unconditional, "local")
            elif isinstance(node, (ast.Tuple, ast.List)):
                todo.extend(node.elts)
            elif isinstance(node, ast.Starred):
                todo.append(node.value)
            else:
                yield node

    # -- expressions: one visit_ method per kind, found in _EXPRESSIONS by _expr ------

    def _expr(self, root: ast.expr, scope: Scope, context: str) -> None:
        """Walk an expression: its nodes are visited from a stack, so that a deeply nested
        expression does not blow Python's."""
        stack: _Stack = [(root, scope, context)]
        visit = _EXPRESSIONS
        while stack:
            node, sc, ctx = stack.pop()
            visit[type(node)](self, node, sc, ctx, stack)

    def visit_Name(self, node: ast.Name, scope: Scope, context: str, stack: _Stack) -> None:
        """A name read is a use (a name stored or deleted is not)."""
        if type(node.ctx) is ast.Load:
            self._rhs_pending[id(node)] = self._pend(node, (node.id,), False, scope, context)

    def visit_Attribute(self, node: ast.Attribute, scope: Scope, context: str, stack: _Stack) -> None:
        """``a.b.c`` is one use of the chain when it starts with a name; else its root is walked."""
        chain, base = _chain(node)
        if type(base) is ast.Name:
            self._rhs_pending[id(node)] = self._pend(node, chain, False, scope, context)
        else:
            stack.append((base, scope, context))

    def visit_Call(self, node: ast.Call, scope: Scope, context: str, stack: _Stack) -> None:
        """``a.b(...)`` is a use of ``a.b`` that calls it; a string first argument of some calls
        (``import_module``, ``patch``, ``sys.modules.get``...) is a module or object path."""
        chain, base = _chain(node.func)
        if node.args and (first := string_constant(node.args[0])) is not None:
            sink = sink_of_call(chain)
            if sink is not None:
                self._sinks[id(first)] = sink
        if type(base) is ast.Name:
            self._pend(node.func, chain, True, scope, context)
        else:
            stack.append((node.func, scope, context))
        for arg in reversed(node.args):
            stack.append((arg, scope, context))
        for kw in reversed(node.keywords):
            stack.append((kw.value, scope, context))

    def visit_Constant(self, node: ast.Constant, scope: Scope, context: str, stack: _Stack) -> None:
        """A string that reads as a dotted path (``"a.b.c"``) or an entry point (``"n = a.b:c"``);
        where Python takes it as a module name, a single word too (``import_module("cgi")``)."""
        value = node.value
        if not isinstance(value, str):
            return
        path = path_of_string(value, self._sinks.get(id(node)))
        if path is None:
            return
        value, sink = path
        line = node.lineno
        self.strings.append(
            StringRef(line, self._col(line, node.col_offset), value, context, self._snippet(line), sink)
        )

    def visit_JoinedStr(self, node: ast.JoinedStr, scope: Scope, context: str, stack: _Stack) -> None:
        """An f-string: the expressions in it are walked; its literal parts are prose."""
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                stack.append((part.value, scope, context))
                if part.format_spec is not None:
                    stack.append((part.format_spec, scope, context))

    def visit_Lambda(self, node: ast.Lambda, scope: Scope, context: str, stack: _Stack) -> None:
        """A lambda: its defaults run where it stands, its body in a function scope of its own."""
        # walked from here, not by _function_scope: two frames a level of nesting (see Notes); a
        # lambda's parameters have no annotations
        for default in _defaults(node.args):
            self._expr(default, scope, context)
        inner = self._parameter_scope(node.args, scope, (node.lineno, node.col_offset))
        stack.append((node.body, inner, inner_context(context, "function")))

    def visit_ListComp(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, scope: Scope,
                       context: str, stack: _Stack) -> None:
        """A comprehension of any kind: the first iterable runs where it stands, the rest in a scope
        of its own, which binds the targets."""
        gens = node.generators
        stack.append((gens[0].iter, scope, context))
        inner = Scope("comprehension", scope)
        start = (node.lineno, node.col_offset)
        for gen in gens:
            # walked from here, not by _bind_targets: two frames a level of nesting (see Notes)
            for load in self._bind_names(inner, gen.target, start, True):
                self._expr(load, inner, context)
        parts: list[ast.expr] = []
        for i, gen in enumerate(gens):
            if i:
                parts.append(gen.iter)
            parts.extend(gen.ifs)
        parts.extend([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt])
        for part in reversed(parts):
            stack.append((part, inner, context))

    visit_SetComp = visit_GeneratorExp = visit_DictComp = visit_ListComp

    def visit_NamedExpr(self, node: ast.NamedExpr, scope: Scope, context: str, stack: _Stack) -> None:
        """``(a := value)`` binds ``a`` in the scope around any comprehensions."""
        owner = scope
        while owner.kind == "comprehension" and owner.parent is not None:
            owner = owner.parent
        self._bind(owner, node.target.id, (node.end_lineno, node.end_col_offset), False, "local")
        stack.append((node.value, scope, context))

    def visit_Subscript(self, node: ast.Subscript, scope: Scope, context: str, stack: _Stack) -> None:
        """``a[k]``; in ``sys.modules["a.b"]`` the string is a module path."""
        if is_sys_modules(node.value) and (key := string_constant(node.slice)) is not None:
            self._sinks[id(key)] = "sys.modules"
        stack.append((node.slice, scope, context))
        stack.append((node.value, scope, context))

    def visit_Compare(self, node: ast.Compare, scope: Scope, context: str, stack: _Stack) -> None:
        """A comparison; in ``"a.b" in sys.modules`` the string is a module path."""
        if (key := string_constant(node.left)) is not None and any(
                is_sys_modules(c) and isinstance(op, (ast.In, ast.NotIn))
                for op, c in zip(node.ops, node.comparators)):
            self._sinks[id(key)] = "sys.modules"
        for comparator in reversed(node.comparators):
            stack.append((comparator, scope, context))
        stack.append((node.left, scope, context))

    def generic_expr(self, node: ast.expr, scope: Scope, context: str, stack: _Stack) -> None:
        """Any other expression: the fields that can hold expressions are walked, in order."""
        children: list[ast.expr] = []
        for name in _EXPR_FIELDS[type(node)]:
            value = getattr(node, name, None)
            if type(value) is list:
                children.extend(v for v in value if isinstance(v, ast.expr))
            elif isinstance(value, ast.expr):
                children.append(value)
        for child in reversed(children):
            stack.append((child, scope, context))



def _visitors(base: type[ast.AST], generic: Callable[..., None]) -> dict[type[ast.AST], Callable[..., None]]:
    """The ``visit_`` method of :class:`_Extractor` for each kind of node under ``base``, else ``generic``."""
    return {kind: getattr(_Extractor, "visit_" + kind.__name__, generic) for kind in base.__subclasses__()}


# The dispatch is on the exact class: ast.parse makes no subclasses of them.
_STATEMENTS = _visitors(ast.stmt, _Extractor.generic_stmt)
_EXPRESSIONS = _visitors(ast.expr, _Extractor.generic_expr)
# per kind of expression, the fields that can hold expressions (for generic_expr)
_EXPR_FIELDS = {kind: tuple(f for f in kind._fields if f not in ("ctx", "op", "ops")) for kind in _EXPRESSIONS}
