"""The domain model: small frozen records that flow one way through the pipeline.

``discover`` yields :class:`SourceFile`; ``parse`` turns each into :class:`FileFacts`
(config-independent, so they can be cached by content hash); ``detect`` and ``graph``
turn facts into :class:`Violation`, :class:`DirectImport` and the import graph.

The many small records inside FileFacts (imports, bindings, uses, strings) are named
tuples rather than frozen dataclasses: just as immutable, and three times cheaper to
build, which is most of the cost of loading a warm cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

CATEGORIES = ("deprecated-import", "deprecated-call", "deprecated-module", "deprecated-reference")
CONTEXTS = ("module", "function", "class", "type-checking", "try", "conditional")
DIAGNOSTIC_KINDS = (
    "syntax-error",
    "decode-error",
    "read-error",
    "too-large",
    "too-complex",
    "outside-root",
    "bad-relative-import",
)


@dataclass(frozen=True)
class Rewrite:
    """A call template of a symbol rule (``[[rule.rewrite]]``), used by ``wsaudit migrate``.

    It applies to a call that passes exactly the parameters in ``arguments`` (by keyword, or
    by position when the rule lists its ``parameters``); ``call`` is the new expression, with
    ``{name}`` standing for the source of argument ``name``; ``imports`` are the import
    statements that bind the names the template uses.
    """

    arguments: tuple[str, ...]
    call: str
    imports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One deprecated thing: a symbol (callable/class) or a module."""

    id: str
    symbol: str | None = None
    module: str | None = None
    replacement: str | None = None
    message: str | None = None
    parameters: tuple[str, ...] | None = None  # the deprecated callable's parameters, in order
    rewrites: tuple[Rewrite, ...] = ()  # call templates, tried in order

    @property
    def target(self) -> str:
        """The configured dotted path this rule is about."""
        return self.symbol if self.symbol is not None else self.module  # type: ignore[return-value]

    def covers_module(self, name: str) -> bool:
        """Whether module ``name`` is this rule's deprecated module or inside it.

        >>> Rule("R", module="a.factory").covers_module("a.factory.sub")
        True
        >>> Rule("R", module="a.factory").covers_module("a.factory_v2")
        False
        """
        return self.module is not None and (name == self.module or name.startswith(self.module + "."))


@dataclass(frozen=True)
class SourceFile:
    """A Python file found under the audited root."""

    path: str  # POSIX, relative to the root
    module: str  # dotted module name; a package's ``__init__.py`` is the package
    is_package: bool
    is_test: bool
    size: int


@dataclass(frozen=True)
class Diagnostic:
    """A file that could not be (fully) audited, and why."""

    path: str
    kind: str
    line: int | None
    message: str


class ImportStmt(NamedTuple):
    """One ``import``/``from ... import`` statement as written (relative levels unresolved)."""

    line: int
    col: int
    level: int
    module: str | None  # for ``import a.b``: "a.b"; for ``from .x import y``: "x"; ``from . import y``: None
    names: tuple[tuple[str, str | None], ...]  # (name, asname); ``("*", None)`` for a star import
    is_from: bool
    context: str
    snippet: str


class Binding(NamedTuple):
    """A name bound in some scope, as far as resolution needs it.

    ``kind`` is one of ``module`` (``target``: absolute module name bound), ``from``
    (``target``: ``(level, module, attr)``), ``star`` (``target``: ``(level, module)``),
    ``alias`` (``target``: index of the :class:`Use` on the right-hand side), ``def``
    (a module-level definition or assignment) or ``local`` (any other binding in a function
    or class: it resolves to nothing outside the file).
    """

    name: str
    kind: str
    target: object
    module_scope: bool


class Use(NamedTuple):
    """A load of a name or attribute chain whose root may be bound by an import."""

    line: int
    col: int
    chain: tuple[str, ...]
    is_call: bool
    context: str
    snippet: str
    reaching: tuple[int, ...]  # indices into FileFacts.bindings


class StringRef(NamedTuple):
    """A string literal (not a docstring) whose whole value is a dotted path."""

    line: int
    col: int
    value: str
    context: str
    snippet: str


@dataclass(frozen=True)
class FileFacts:
    """Everything detection and the graph need from one file, independent of configuration."""

    loc: int = 0
    imports: tuple[ImportStmt, ...] = ()
    bindings: tuple[Binding, ...] = ()
    namespace: dict[str, tuple[int, ...]] = field(default_factory=dict)  # module-level name -> bindings
    stars: tuple[int, ...] = ()  # module-level star-import bindings
    uses: tuple[Use, ...] = ()
    strings: tuple[StringRef, ...] = ()
    all_names: tuple[str, ...] | None = None  # literal ``__all__``
    problems: tuple[tuple[str, int | None, str], ...] = ()  # (kind, line, message)


@dataclass(frozen=True)
class DirectImport:
    """An import of ``target`` by ``source``; ``resolved`` is False for modules outside the tree;
    ``implicit`` is True for a package whose ``__init__`` runs only because a submodule is imported."""

    source: str
    target: str
    line: int
    context: str
    resolved: bool
    implicit: bool = False


@dataclass(frozen=True)
class Violation:
    """One use of a deprecated thing: a row of ``wsaudit scan``."""

    rule_id: str
    category: str
    path: str
    line: int
    col: int
    module: str
    symbol: str
    name: str
    context: str
    snippet: str
    replacement: str | None
    is_test: bool

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.category, self.rule_id, self.name)
