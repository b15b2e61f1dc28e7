"""A module's literal ``__all__``: taking a name out of it, when the re-export it lists goes.

A re-export of the deprecated symbol (``from .impl import create_websocket_manager`` listed in
``__all__``) may go once every module of the tree that read it from here is migrated in the
same run; its name then leaves ``__all__`` too, or a star import of the module would fail.
Only one plain assignment of a literal list or tuple of strings is edited; anything else
(``__all__ +=``, a computed ``__all__``, several assignments) is left for a person.
"""

from __future__ import annotations

import libcst as cst


def all_list(module: cst.Module) -> cst.List | cst.Tuple | str:
    """The literal list (or tuple) that ``__all__`` is assigned at module level, or why it
    cannot be edited."""
    found: list[cst.BaseExpression] = []
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            targets = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets = [small.target]
            if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                    return "__all__ is extended or annotated, not one literal assignment"
                found.append(small.value)
    if len(found) != 1:
        return "__all__ is assigned more than once" if found else "no __all__ assignment at module level"
    value = found[0]
    if not isinstance(value, (cst.List, cst.Tuple)) or not all(
            isinstance(e.value, cst.SimpleString) for e in value.elements):
        return "__all__ is not a literal list of strings"
    return value


def without(value: cst.List | cst.Tuple, names: set[str]) -> cst.List | cst.Tuple:
    """``value`` without the strings ``names``, its layout (last comma) kept.

    >>> v = cst.parse_expression("['A', 'old', 'B']")
    >>> cst.Module([]).code_for_node(without(v, {"old"}))
    "['A', 'B']"
    >>> cst.Module([]).code_for_node(without(cst.parse_expression("['A', 'old']"), {"old"}))
    "['A']"
    """
    elements = list(value.elements)
    keep = [e for e in elements if not (isinstance(e.value, cst.SimpleString) and e.value.evaluated_value in names)]
    if keep and keep[-1] is not elements[-1]:
        keep[-1] = keep[-1].with_changes(comma=elements[-1].comma)
    if isinstance(value, cst.Tuple) and len(keep) == 1 and not isinstance(keep[0].comma, cst.Comma):
        keep[0] = keep[0].with_changes(comma=cst.Comma())  # ("A",) stays a tuple
    return value.with_changes(elements=keep)
