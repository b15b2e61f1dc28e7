"""What a rewrite must not take away: a binding that code still uses.

Two questions about a file before and after its rewrite, both on the text alone:

- :func:`scope_bindings`: every binding of every name in every scope (imports apart from the
  rest). An import removed from a scope where its name has another binding was a
  *rebinding*: ``class C: ...`` then ``if cond: from m import C`` gives the module one object
  or the other; dropping the import silently keeps the first, which is a change of meaning
  however unused the import looks in the file (:func:`dropped_rebindings`);
- :func:`undefined_names`: pyflakes' undefined-name messages (``UndefinedName``,
  ``UndefinedLocal``, ``UndefinedExport``). A rewrite may not add one.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import lru_cache

try:  # the dev extra has it; without it nothing is written (the check cannot be skipped)
    from pyflakes import checker as _pyflakes
    from pyflakes import messages as _messages
except ImportError:  # pragma: no cover - exercised by a test that hides it
    _pyflakes = _messages = None

IMPORT, OTHER = "import", "other"
UNDEFINED_KINDS = ("UndefinedName", "UndefinedLocal", "UndefinedExport")
TOO_DEEP_TO_CHECK = "nested too deeply for pyflakes to check its names (it recurses once per level)"
NO_PYFLAKES = "pyflakes is not installed (pip install pyflakes): the undefined-name check cannot run"
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class _Bindings(ast.NodeVisitor):
    """Collects ``(scope, name) -> [(line, IMPORT or OTHER, what an import binds)]``; a scope
    is the dotted path of the functions and classes around it (``""`` for the module)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        self.scope = ""
        self.globals: set[str] = set()

    def _bind(self, name: str, line: int, kind: str, target: str = "") -> None:
        scope = "" if name in self.globals else self.scope
        self.found.setdefault((scope, name), []).append((line, kind, target))

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef, name: str) -> None:
        outer, outer_globals = self.scope, self.globals
        self.scope = f"{outer}.{name}" if outer else name
        self.globals = {n for child in ast.walk(node) if isinstance(child, ast.Global) for n in child.names}
        if isinstance(node, _FUNCTIONS):
            args = node.args
            for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if a is not None:
                    self._bind(a.arg, node.lineno, OTHER)
            body = node.body if isinstance(node.body, list) else [node.body]
        else:
            body = node.body
        for stmt in body:
            self.visit(stmt)
        self.scope, self.globals = outer, outer_globals

    def visit_FunctionDef(self, node) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        self._bind(node.name, node.lineno, OTHER)
        self._enter(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expr)
        self._bind(node.name, node.lineno, OTHER)
        self._enter(node, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._enter(node, f"<lambda:{node.lineno}:{node.col_offset}>")

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self._bind(a.asname or a.name.split(".")[0], node.lineno, IMPORT,
                       a.name if a.asname else a.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for a in node.names:
            if a.name != "*":
                self._bind(a.asname or a.name, node.lineno, IMPORT, f"{'.' * node.level}{node.module or ''}:{a.name}")

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._bind(node.id, node.lineno, OTHER)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self._bind(node.name, node.lineno, OTHER)
        self.generic_visit(node)

    def visit_MatchAs(self, node) -> None:
        if node.name:
            self._bind(node.name, node.lineno, OTHER)
        self.generic_visit(node)

    def visit_MatchStar(self, node) -> None:
        if node.name:
            self._bind(node.name, node.lineno, OTHER)

    def visit_MatchMapping(self, node) -> None:
        if node.rest:
            self._bind(node.rest, node.lineno, OTHER)
        self.generic_visit(node)


@lru_cache(maxsize=64)  # asked once per import statement of a file being rewritten
def scope_bindings(text: str) -> dict[tuple[str, str], list[tuple[int, str, str]]]:
    """Every binding of the text: ``(scope, name) -> [(line, IMPORT or OTHER, target)]``, where
    an import's target is what it binds the name to (``os`` for ``import os.path``).

    >>> b = scope_bindings("class C: pass\\nif x:\\n    from m import C\\ndef f():\\n    import os.path\\n")
    >>> b[("", "C")], b[("f", "os")]
    ([(1, 'other', ''), (3, 'import', 'm:C')], [(5, 'import', 'os')])
    """
    visitor = _Bindings()
    visitor.visit(ast.parse(text))
    return visitor.found


def dropped_rebindings(before: str, after: str) -> list[str]:
    """The imports a rewrite removed from a scope where their name is still bound otherwise,
    when the name still matters: code of the file still reads it, or it is a public module
    attribute (other code may read it: ``from m import C``, or by name). One problem per name,
    saying where the other bindings are."""
    old, new = scope_bindings(before), scope_bindings(after)
    read = {n.id for n in ast.walk(ast.parse(after)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    problems = []
    for key, entries in sorted(old.items()):
        kept = new.get(key, [])
        if sum(1 for e in kept if e[1] == IMPORT) >= sum(1 for e in entries if e[1] == IMPORT):
            continue  # no import removed (one re-pointed elsewhere is the rewrite's intent)
        gone = Counter(t for _, k, t in entries if k == IMPORT) - Counter(t for _, k, t in kept if k == IMPORT)
        # still bound, to something else than what the removed import bound it to
        if not kept or all(k == IMPORT and t in gone for _, k, t in kept):
            continue
        scope, name = key
        if name not in read and (scope or name.startswith("_")):
            continue  # a private name nothing reads any more: which value it keeps is moot
        others = ", ".join(str(line) for line, _, _ in kept)
        where = f"in {scope}()" if scope else "at module level"
        problems.append(f"an import of {name!r} was removed {where}, where {name!r} is also bound (line "
                        f"{others}): it was a rebinding, and dropping it changes which object {name!r} is")
    return problems


def undefined_names(text: str, filename: str = "<file>") -> Counter:
    """pyflakes' undefined-name messages for ``text``, as ``(message kind, name)`` counts.

    >>> sorted(undefined_names("import os\\nprint(os, sys)\\n__all__ = ['gone']\\n"))
    [('UndefinedExport', 'gone'), ('UndefinedName', 'sys')]
    """
    if _pyflakes is None:
        raise MissingPyflakes(NO_PYFLAKES)
    try:
        tree = ast.parse(text, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Counter()
    found: Counter = Counter()
    try:
        messages = _pyflakes.Checker(tree, filename=filename).messages
    except RecursionError:  # pyflakes recurses once per level: a tree ast could build may be too deep
        raise UncheckedNames(TOO_DEEP_TO_CHECK) from None
    for message in messages:
        if type(message).__name__ in UNDEFINED_KINDS:
            found[(type(message).__name__, message.message_args[0])] += 1
    return found


class UncheckedNames(RuntimeError):
    """The undefined-name check could not run on a text: a rewrite of it is not shown to leave
    no name undefined, so it is not made."""


class MissingPyflakes(UncheckedNames):
    """pyflakes is not installed: a rewrite cannot be shown to leave no name undefined."""
