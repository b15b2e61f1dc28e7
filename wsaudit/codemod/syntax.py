"""One file's libcst module with what the rewrite parts look up in it: each node's parent,
and the names, import statements and string literals by the position the audit reports.

The audit's positions (``line``, ``col``) are where detection found a violation; looking
nodes up by them means nothing is ever re-detected by text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

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
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
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
