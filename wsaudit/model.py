"""The domain model: small frozen records that flow one way through the pipeline.

``discover`` yields :class:`SourceFile`; ``parse`` turns each into :class:`FileFacts`
(config-independent, so they can be cached by content hash); ``detect`` and ``imports``
turn facts into :class:`Violation` and :class:`DirectImport` records, from which the import
graph is built. Ranking turns violations into :class:`RankedViolation`, :class:`FileRank` and
:class:`ModuleRank`. Each record that is a row of a command's output has ``row()``: a plain
dict with the fields of docs/json.md in their documented order.

The many small records inside FileFacts (imports, bindings, uses, strings) are named
tuples rather than frozen dataclasses: just as immutable, and three times cheaper to
build, which is most of the cost of loading a warm cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from wsaudit.patterns import pattern_parts as _pattern_parts
from wsaudit.patterns import segments_matched as _segments_matched
from wsaudit.patterns import symbol_pattern as _symbol_pattern

CATEGORIES = ("deprecated-import", "deprecated-call", "deprecated-module", "deprecated-reference")
CONTEXTS = ("module", "function", "class", "type-checking", "try", "conditional")
TIERS = ("P0", "P1", "P2")
DIAGNOSTIC_KINDS = (
    "syntax-error",
    "decode-error",
    "read-error",
    "too-large",
    "too-complex",
    "outside-root",
    "bad-relative-import",
    "shadowed-module",
    "bad-module-name",
    "too-deep",  # name resolution through a chain of re-exports or aliases past MAX_DEPTH: rows may be missing
    "bad-suppression",  # a ``# wsaudit: ignore[...]`` comment without a reason, or not written as one
    "unused-suppression",  # a suppression that suppresses nothing (the use went, or another rule)
)
# diagnostics about a file that was audited in full: a suppression comment to fix, or the file's
# place in the import graph (Python never loads it under its module name, or no name reaches it).
# The text outputs list them apart from the files that "could not be fully audited".
SUPPRESSION_PROBLEMS = ("bad-suppression", "unused-suppression")
OUTSIDE_GRAPH = ("shadowed-module", "bad-module-name")
RESOLUTIONS = ("exact", "pattern", "stale", "unparsed")
DEFINITION = "definition"  # the category of a definition of a deprecated symbol in ``wsaudit check``


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
    url: str | None = None  # where the migration is documented (SARIF's helpUri)

    @property
    def target(self) -> str:
        """The configured dotted path this rule is about."""
        target = self.symbol if self.symbol is not None else self.module
        assert target is not None, f"rule {self.id} names neither a symbol nor a module"  # the configuration checks it
        return target

    @property
    def is_pattern(self) -> bool:
        """Whether the symbol or module has ``*`` (one segment) or ``**`` (any number of segments)."""
        return "*" in self.target

    @property
    def name(self) -> str:
        """The last segment of the symbol or module: the name a use of it is written with."""
        return self.target.rpartition(".")[2]

    def matches(self, dotted: str) -> bool:
        """Whether a written dotted path is this rule's symbol (or matches its pattern).

        >>> r = Rule("R", symbol="pkg.ws.**.make")
        >>> r.matches("pkg.ws.make"), r.matches("pkg.ws.a.b.make"), r.matches("pkg.other.make")
        (True, True, False)
        >>> Rule("R", symbol="pkg.*.make").matches("pkg.a.b.make")
        False
        """
        if self.symbol is None:
            return False
        if not self.is_pattern:
            return dotted == self.symbol
        return _symbol_pattern(self.symbol).fullmatch(dotted) is not None

    def covers_module(self, name: str) -> bool:
        """Whether module ``name`` is this rule's deprecated module or inside it.

        >>> Rule("R", module="a.factory").covers_module("a.factory.sub")
        True
        >>> Rule("R", module="a.factory").covers_module("a.factory_v2")
        False
        >>> Rule("R", module="site.*.migrations").covers_module("site.blog.migrations.0001_initial")
        True
        """
        return self.module_match(name) is not None

    def module_match(self, name: str) -> str | None:
        """The deprecated module that module ``name`` is or lies inside: the rule's module, or
        for a pattern the shortest leading part of ``name`` (whole segments) that matches it;
        None when ``name`` is not covered.

        >>> r = Rule("R", module="**.compat")
        >>> r.module_match("compat"), r.module_match("pkg.compat.py2.compat"), r.module_match("pkg.compatible")
        ('compat', 'pkg.compat', None)
        >>> Rule("R", module="site.*.migrations").module_match("site.a.b.migrations") is None
        True
        """
        module = self.module
        if module is None:
            return None
        if "*" not in module:
            return module if name == module or name.startswith(module + ".") else None
        pattern, parts = _pattern_parts(module), name.split(".")
        if pattern[-1] not in ("*", "**") and pattern[-1] not in parts:
            return None  # a match ends with the last segment, written out: most names lack it
        ends = _segments_matched(pattern, parts)
        return ".".join(parts[:ends[0]]) if ends else None


@dataclass(frozen=True)
class SourceFile:
    """A Python file found under the audited root."""

    path: str  # POSIX, relative to the root
    module: str  # dotted module name; a package's ``__init__.py`` is the package
    is_package: bool
    is_test: bool
    size: int
    is_module: bool = True  # False when a segment of its path is not a valid module name
    fs_path: str | None = None  # the path on disk, where ``path`` shows a name that is not UTF-8 escaped
    mtime_ns: int = field(default=0, compare=False)  # with size and inode: the stat index of warm runs
    inode: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Diagnostic:
    """A file that could not be (fully) audited, and why."""

    path: str
    kind: str
    line: int | None
    message: str

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.kind, self.message)

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in DIAGNOSTIC_FIELDS}


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
    or class: it resolves to nothing outside the file). ``target`` is None for the last two.

    The typed accessors :meth:`module_target`, :meth:`from_target`, :meth:`star_target` and
    :meth:`alias_use` read ``target`` as the type its ``kind`` gives it.
    """

    name: str
    kind: str
    target: object
    module_scope: bool

    def module_target(self) -> str:
        """The absolute module name a ``module`` binding binds.

        >>> Binding("pkg", "module", "pkg.factory", True).module_target()
        'pkg.factory'
        """
        target = self.target
        if self.kind != "module" or not isinstance(target, str):
            raise ValueError(f"{self.kind} binding {self.name!r} is not a module binding")
        return target

    def from_target(self) -> tuple[int, str, str]:
        """``(level, module, attr)`` of a ``from`` binding; ``module`` is "" for ``from . import attr``.

        >>> Binding("m", "from", (1, "pkg", "cwm"), True).from_target()
        (1, 'pkg', 'cwm')
        """
        target = self.target
        if self.kind != "from" or not isinstance(target, tuple):
            raise ValueError(f"{self.kind} binding {self.name!r} is not a from binding")
        return target

    def star_target(self) -> tuple[int, str]:
        """``(level, module)`` of a ``star`` binding; ``module`` is "" for ``from . import *``.

        >>> Binding("*", "star", (0, "pkg"), True).star_target()
        (0, 'pkg')
        """
        target = self.target
        if self.kind != "star" or not isinstance(target, tuple):
            raise ValueError(f"{self.kind} binding {self.name!r} is not a star binding")
        return target

    def alias_use(self) -> int:
        """The index (into its file's :attr:`FileFacts.uses`) of the :class:`Use` an ``alias``
        binding copies.

        >>> Binding("m", "alias", 0, True).alias_use()
        0
        """
        target = self.target
        if self.kind != "alias" or not isinstance(target, int):
            raise ValueError(f"{self.kind} binding {self.name!r} is not an alias binding")
        return target

    def source_name(self, uses: Sequence[Use]) -> str | None:
        """The last name of what this binding copies, or None when it copies nothing named.

        ``uses`` are the :attr:`FileFacts.uses` of the binding's file (an ``alias`` target
        indexes them). An object keeps the name it was defined under, so only a binding whose
        source name is some object's name can bind that object.

        Parameters
        ----------
        uses : sequence of Use
            The uses of the file this binding belongs to.

        Returns
        -------
        str or None
            The imported attribute (``from``), the last part of the module (``module``), the
            last name of the right-hand side's chain (``alias``), the binding's own name
            (``def``); None for ``star`` (binds no name of its own) and ``local`` (nothing
            outside the file).

        Examples
        --------
        >>> Binding("m", "from", (1, "pkg", "cwm"), True).source_name(())
        'cwm'
        >>> Binding("pkg", "module", "pkg.factory", True).source_name(())
        'factory'
        >>> rhs = Use(3, 4, ("pkg", "cwm"), False, "module", "m = pkg.cwm", ())
        >>> Binding("m", "alias", 0, True).source_name([rhs]), Binding("x", "local", None, False).source_name(())
        ('cwm', None)
        """
        if self.kind == "from":
            return self.from_target()[2]
        if self.kind == "module":
            return self.module_target().rpartition(".")[2]
        if self.kind == "alias":
            return uses[self.alias_use()].chain[-1]
        if self.kind == "def":
            return self.name
        return None


class Use(NamedTuple):
    """A load of a name or attribute chain whose root may be bound by an import."""

    line: int
    col: int
    chain: tuple[str, ...]
    is_call: bool
    context: str
    snippet: str
    reaching: tuple[int, ...]  # indices into FileFacts.bindings


SINKS = ("import", "patch", "sys.modules", "entry-point")


class StringRef(NamedTuple):
    """A string literal (not a docstring) whose whole value is a dotted path.

    ``sink`` says where Python itself takes the string as a module or object path (one of
    :data:`SINKS`): the argument of ``importlib.import_module``/``__import__``/``find_spec``,
    a ``patch(...)`` target, a ``sys.modules`` key, or an entry point (``"name = pkg.mod:attr"``,
    whose ``value`` is then ``pkg.mod.attr``). None: any other string that looks dotted.
    """

    line: int
    col: int
    value: str
    context: str
    snippet: str
    sink: str | None = None


class Unparsed(NamedTuple):
    """What a token-level scan of a file that does not parse still sees: an import (``kind``
    ``import``: ``dotted`` is the module, ``names`` what it names) or a call of a dotted name
    (``call``). Never counted as violations: they become ``suspects``."""

    kind: str
    line: int
    col: int
    dotted: str
    names: tuple[str, ...]
    snippet: str
    bound: tuple[str, ...] = ()  # for an import: the names it binds (``as`` aliases), in ``names`` order


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
    # module-level ``def``/``class`` statements and assignments of a value of their own: (name, line)
    definitions: tuple[tuple[str, int], ...] = ()
    unparsed: tuple[Unparsed, ...] = ()  # only for a file that does not parse
    complete: bool = True  # False: only ``loc``, ``imports`` and ``problems`` (the cheap pass)
    suppressions: tuple[Suppression, ...] = ()  # ``# wsaudit: ignore[RULE] -- reason`` comments
    # the lines that hold one simple statement and nothing else (a comment aside): the gate's
    # fingerprint of a row there parses that line alone, not the file (wsaudit.gate.fingerprint)
    one_line: tuple[int, ...] = ()


class Suppression(NamedTuple):
    """A ``# wsaudit: ignore[RULE, ...] -- reason`` comment on ``line``, in the statement whose
    lines are ``first`` to ``last`` (a compound statement's: its header's). It suppresses the
    rows of ``rules`` on its own line; on the statement's first line, those of the whole
    statement; and a row reported at the statement's first line (an import's) from any line of
    it (:func:`wsaudit.engine.suppress.suppress`)."""

    line: int
    first: int
    last: int
    rules: tuple[str, ...]
    reason: str

    def covers(self, line: int) -> bool:
        """Whether a row at ``line`` is within reach of this comment.

        >>> s = Suppression(line=3, first=2, last=4, rules=("R1",), reason="kept for v1 clients")
        >>> [s.covers(n) for n in (1, 2, 3, 4)]
        [False, True, True, False]
        """
        return line == self.line or (self.line == self.first and self.first <= line <= self.last) or (
            line == self.first and self.first <= self.line <= self.last)


class DirectImport(NamedTuple):
    """An import of ``target`` by ``source``; ``resolved`` is False for modules outside the tree;
    ``implicit`` is True for a package whose ``__init__`` runs only because a submodule is imported.
    (A named tuple: a tree has tens of thousands of them.)"""

    source: str
    target: str
    line: int
    context: str
    resolved: bool
    implicit: bool = False


VIOLATION_FIELDS = ("rule_id", "category", "path", "line", "col", "module", "symbol", "name", "context",
                    "snippet", "replacement", "is_test", "resolution")
DEFINITION_FIELDS = ("rule_id", "path", "line", "module", "name")
NOTICE_FIELDS = ("kind", "rule_id", "message")
DIAGNOSTIC_FIELDS = ("path", "kind", "line", "message")
RANK_FIELDS = (*VIOLATION_FIELDS, "tier", "score", "golden_distance", "golden_chain", "reason")
FILE_FIELDS = ("path", "module", "tier", "violations", *CATEGORIES, "score", "golden_distance", "golden_chain",
               "is_test", "reason")


@dataclass(frozen=True)
class Violation:
    """One use of a deprecated thing: a row of ``wsaudit scan``.

    ``via`` is not part of the row: the module of the tree through which this use reaches the
    deprecated thing (the module a ``from`` import names, the module an attribute chain or a
    dotted string passes through), found by detection. Dropping the deprecated name from that
    module before this file is migrated breaks this file's import.
    """

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
    via: str | None = field(default=None, compare=False)
    resolution: str = "exact"  # RESOLUTIONS: how it was found

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.category, self.rule_id, self.name)

    def row(self) -> dict[str, object]:
        """The row of ``wsaudit scan --format json`` (:data:`VIOLATION_FIELDS`)."""
        return {name: getattr(self, name) for name in VIOLATION_FIELDS}


@dataclass(frozen=True)
class Definition:
    """A definition (``def``/``class`` statement) of a deprecated symbol: where the API lives.

    A definition that a baseline does not hold is a re-introduction of the deprecated API.
    """

    rule_id: str
    path: str
    line: int
    module: str
    name: str
    is_test: bool = field(default=False, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.rule_id, self.name)

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in DEFINITION_FIELDS}


@dataclass(frozen=True)
class Notice:
    """A warning about the audit itself (not about the code): a rule that matches nothing, a
    configuration that was not found, a cache that cannot be used. ``kind``: ``unmatched-rule``,
    ``default-profile`` or ``cache-refused``."""

    kind: str
    rule_id: str | None
    message: str

    def row(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in NOTICE_FIELDS}


@dataclass(frozen=True)
class ModuleRank:
    """Where a module stands relative to the Golden Path; ``reason`` says why its tier."""

    module: str
    tier: str
    score: float
    golden_distance: int | None
    golden_chain: tuple[str, ...]
    reason: str


_SITS = {"deprecated-import": "where the deprecated import sits", "deprecated-call": "where the deprecated call sits",
         "deprecated-module": "where the deprecated module import sits",
         "deprecated-reference": "where the deprecated reference sits"}


@dataclass(frozen=True)
class RankedViolation:
    """A violation with the rank of its module: a row of ``wsaudit rank``.

    ``module_reason`` is why the module has its tier; :attr:`reason` adds where the violation
    sits when the module is reached through imports.
    """

    violation: Violation
    tier: str
    score: float
    golden_distance: int | None
    golden_chain: tuple[str, ...]
    module_reason: str

    @property
    def reason(self) -> str:
        if self.golden_distance:
            return f"{self.module_reason}, {_SITS[self.violation.category]}"
        return self.module_reason

    def sort_key(self) -> tuple:
        """Tier, then score (highest first), then position."""
        v = self.violation
        return (self.tier, -self.score, v.path, v.line, v.col, v.category, v.rule_id)

    def row(self) -> dict[str, object]:
        """The row of ``wsaudit rank --format json`` (:data:`RANK_FIELDS`)."""
        return {**self.violation.row(), "tier": self.tier, "score": self.score,
                "golden_distance": self.golden_distance, "golden_chain": list(self.golden_chain),
                "reason": self.reason}


def shown_score(score: float) -> float:
    """A score as reported: six significant digits.

    >>> shown_score(0.123456789)
    0.123457
    """
    return float(f"{score:.6g}")


@dataclass(frozen=True)
class FileRank:
    """The violations of one file together: a row of ``wsaudit rank --by file``.

    ``tier`` is its worst violation's; ``score`` the exact sum of its violations' scores (how
    much Golden Path exposure migrating it removes), shown to six digits in rows.
    """

    path: str
    module: str
    tier: str
    violations: int
    by_category: tuple[int, ...]  # in CATEGORIES order
    by_tier: tuple[int, ...]  # in TIERS order
    score: float
    golden_distance: int | None
    golden_chain: tuple[str, ...]
    is_test: bool
    reason: str  # the module's reason for its tier

    def sort_key(self) -> tuple:
        return (self.tier, -shown_score(self.score), self.path)

    def row(self) -> dict[str, object]:
        """The row of ``wsaudit rank --by file --format json`` (:data:`FILE_FIELDS`)."""
        return {"path": self.path, "module": self.module, "tier": self.tier, "violations": self.violations,
                **dict(zip(CATEGORIES, self.by_category)), "score": shown_score(self.score),
                "golden_distance": self.golden_distance, "golden_chain": list(self.golden_chain),
                "is_test": self.is_test, "reason": self.reason}
