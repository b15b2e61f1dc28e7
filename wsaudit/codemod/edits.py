"""The edit set of one file's rewrite, and the libcst transformer that carries it out.

The rewrite parts decide on the original tree and record what to change by node identity
(``id`` of the original node); nothing is changed until every decision is made, so that no
part sees another's half-done edit. :class:`ApplyEdits` then rebuilds the module once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst


@dataclass
class Edits:
    """What to change in one module, keyed by the ``id`` of original nodes.

    Attributes
    ----------
    replace : dict
        Original node to the node that takes its place.
    remove : set
        Original small statements (imports) to drop; a line left empty goes, a block left
        empty gets ``pass``.
    after : dict
        Original statement line to the new lines that follow it.
    top : list
        New lines at the top of the module, after ``top_anchor``.
    top_anchor : int or None
        The original line after which ``top`` goes (None: the very top).
    """

    replace: dict[int, cst.CSTNode] = field(default_factory=dict)
    remove: set[int] = field(default_factory=set)
    after: dict[int, list[cst.BaseStatement]] = field(default_factory=dict)
    top: list[cst.BaseStatement] = field(default_factory=list)
    top_anchor: int | None = None


def is_empty(edits: Edits) -> bool:
    """Whether ``edits`` change nothing (the module prints as the text it was parsed from)."""
    return not (edits.replace or edits.remove or edits.after or edits.top)


def holding(edits: Edits, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> set[int] | None:
    """The ``id`` of every node that is, or holds, a node ``edits`` names (the module
    included); None when a named node is not among ``parents`` (then every node is visited)."""
    named = set(edits.replace) | edits.remove | set(edits.after)
    if edits.top_anchor is not None:
        named.add(edits.top_anchor)
    out: set[int] = set()
    found = 0
    for node in parents:
        if id(node) in named:
            found += 1
            while id(node) not in out:
                out.add(id(node))
                parent = parents.get(node)
                if parent is None:
                    break
                node = parent
    return out if found == len(named) else None


class ApplyEdits(cst.CSTTransformer):
    """Carries out an :class:`Edits` on the module it was planned on: replaced nodes, removed
    imports, new lines.

    Nodes are matched by identity with the original tree, so it must visit that very tree.
    """

    def __init__(self, edits: Edits, parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None):
        """``parents`` (each original node's parent): descend only into the nodes that hold
        an edit. A module of 20,000 lines with one import to change is otherwise rebuilt
        whole, node by node; a node left out is kept as it is, which is what visiting it
        would give (nothing inside it changes)."""
        self.edits = edits
        self.marks: dict[int, tuple[cst.CSTNode, bool, list[cst.BaseStatement]]] = {}  # keeps the node alive
        self.wanted = holding(edits, parents) if parents is not None else None  # None: visit all

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.wanted is not None and id(node) not in self.wanted:
            return False  # nothing to change inside: its leave hooks see it as it is
        return super().on_visit(node)

    def _swap(self, original, updated):
        return self.edits.replace.get(id(original), updated)

    def leave_Call(self, original, updated):
        return self._swap(original, updated)

    def leave_Attribute(self, original, updated):
        return self._swap(original, updated)

    def leave_Name(self, original, updated):
        return self._swap(original, updated)

    def leave_SimpleString(self, original, updated):
        return self._swap(original, updated)

    def leave_ConcatenatedString(self, original, updated):
        return self._swap(original, updated)

    def leave_List(self, original, updated):
        return self._swap(original, updated)

    def leave_Tuple(self, original, updated):
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

    def _body(self, body, new_first: bool = False) -> list:
        """``body`` with the removed lines gone and the new ones added; ``new_first``: new
        lines go before it (so a blank line it starts with after a removal stays)."""
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
                if not out and not new_first:
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
        on_top = bool(self.edits.top) and self.edits.top_anchor is None
        body = self._body(updated.body, on_top)
        if on_top:
            body = [*self.edits.top, *body]
        return updated.with_changes(body=body)
