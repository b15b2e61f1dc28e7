"""One file's libcst module with what the rewrite parts look up in it: each node's parent,
and the names, import statements and string literals by the position the audit reports.

The audit's positions (``line``, ``col``) are where detection found a violation; looking
nodes up by them means nothing is ever re-detected by text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

# The line a small statement (an import) stands on: a line of its own or shared with others
# (``import a; import b``), or the body of a one-line compound statement (``if x: import y``).
StatementLine = cst.SimpleStatementLine | cst.SimpleStatementSuite
# What a statement line stands directly in, when it is not the body of a one-line statement.
Block = cst.Module | cst.IndentedBlock


def dotted(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a name or an attribute chain of names, else None.

    >>> dotted(cst.parse_expression("a.b.c")), dotted(cst.parse_expression("f().b"))
    ('a.b.c', None)
    """
    names = []
    while isinstance(node, cst.Attribute):  # a loop: a chain in the tree may be thousands long
        names.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    names.append(node.value)
    return ".".join(reversed(names))


def comments(node: cst.CSTNode) -> Counter:
    """The comments inside ``node``, counted (a rewrite must neither lose nor copy one)."""
    found: Counter = Counter()

    class _V(cst.CSTVisitor):
        def visit_Comment(self, n: cst.Comment) -> None:
            found[n.value] += 1

    node.visit(_V())
    return found


def bound_name(alias: cst.ImportAlias) -> str:
    """The name an import alias binds: ``x`` for ``... as x``, ``a`` for ``import a.b``."""
    asname = alias.evaluated_alias
    if asname is not None:
        return asname
    return (dotted(alias.name) or "").split(".")[0]


def alone(line: StatementLine, block: cst.CSTNode | None) -> bool:
    """Whether ``line`` is the only statement of a nested block (removing it would empty it)."""
    return isinstance(block, cst.IndentedBlock) and len(block.body) == 1 and len(line.body) == 1


@dataclass
class _Computed:
    """What the codegen state records positions into (a position provider's ``_computed``)."""

    _computed: dict = field(default_factory=dict)


@dataclass
class _ParentsState(PositionProvidingCodegenState):
    """libcst's own state for :class:`~libcst.metadata.PositionProvider`, which also notes
    each node's parent: printing the module calls every node's codegen inside its parent's."""

    parents: dict = field(default_factory=dict)
    _open: list = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        super().before_codegen(node)
        if self._open:
            self.parents[node] = self._open[-1]
        self._open.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self._open.pop()
        super().after_codegen(node)


def positions_and_parents(module: cst.Module) -> tuple[dict[cst.CSTNode, CodeRange], dict[cst.CSTNode, cst.CSTNode]]:
    """What :class:`~libcst.metadata.PositionProvider` and
    :class:`~libcst.metadata.ParentNodeProvider` give for ``module``, in one pass over it.

    Resolving the two providers walks a large module twice, and the parents' walk (a visit,
    which rebuilds every node it passes) costs more than the positions' (a print): on
    pandas's ``frame.py`` 1.3 s and 1.2 s. The print's state is libcst's own, extended to note
    parents; ``tests/unit/test_codemod_syntax.py`` holds both answers equal to the providers'
    on real modules. Should a libcst release change the state's contract, the providers are
    resolved as before.

    >>> m = cst.parse_module("import a\\nx = a.b\\n")
    >>> positions, parents = positions_and_parents(m)
    >>> name = m.body[1].body[0].value.attr
    >>> positions[name].start.line, type(parents[name]).__name__
    (2, 'Attribute')
    """
    try:
        provider = _Computed()
        state = _ParentsState(default_indent=module.default_indent, default_newline=module.default_newline,
                              provider=provider)  # type: ignore[arg-type]
        module._codegen(state)
        return provider._computed, state.parents
    except (AttributeError, TypeError):  # another libcst: its providers, as a wrapper resolves them
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        return dict(wrapper.resolve(PositionProvider)), dict(wrapper.resolve(ParentNodeProvider))


class Syntax:
    """The libcst module of one file's text, with parents and an index by position.

    Attributes
    ----------
    module : cst.Module
        The parsed text.
    config : cst.PartialParserConfig
        How the module was written (indentation, line ends), for parsing new code into it.
    parents : mapping
        Each node's parent.
    names : dict
        ``(line, col)`` to the :class:`cst.Name` nodes starting there.
    stmts : dict
        ``(line, col)`` to the ``import`` / ``from ... import`` statement starting there.
    strings : dict
        ``(line, col)`` to the whole string literal (joined pieces as one) starting there.
    """

    def __init__(self, module: cst.Module):
        self.module = module
        positions, self.parents = positions_and_parents(module)
        self.names: dict[tuple[int, int], list[cst.Name]] = {}
        self.stmts: dict[tuple[int, int], cst.Import | cst.ImportFrom] = {}
        self.strings: dict[tuple[int, int], cst.SimpleString | cst.ConcatenatedString] = {}
        for node, rng in positions.items():
            key = (rng.start.line, rng.start.column)
            if isinstance(node, cst.Name):
                self.names.setdefault(key, []).append(node)
            elif isinstance(node, (cst.Import, cst.ImportFrom)):
                self.stmts[key] = node
            elif (isinstance(node, (cst.SimpleString, cst.ConcatenatedString))
                  and not isinstance(self.parents.get(node), cst.ConcatenatedString)):  # the whole literal
                self.strings[key] = node
        self.config = module.config_for_parsing

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """The parents of ``node``, nearest first, up to the module."""
        while node in self.parents:
            node = self.parents[node]
            yield node

    def line_of(self, node: cst.BaseSmallStatement) -> StatementLine:
        """The statement line holding a small statement."""
        line = self.parents[node]
        assert isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)), line  # libcst puts it nowhere else
        return line

    def block_of(self, line: StatementLine) -> Block | None:
        """The module or indented block a statement line is directly in (None for the body
        of a one-line compound statement, ``if x: import y``)."""
        parent = self.parents.get(line)
        return parent if isinstance(parent, (cst.Module, cst.IndentedBlock)) else None
