"""Which lines of a file hold one simple statement and nothing else: the gate's fingerprints
parse such a line alone instead of the whole file again (``FileFacts.one_line``).
"""

from __future__ import annotations

import ast

# the statements that hold blocks, and their blocks; any other statement is a simple one
_BLOCKS: dict[type, tuple[str, ...]] = {
    ast.FunctionDef: ("body",), ast.AsyncFunctionDef: ("body",), ast.ClassDef: ("body",),
    ast.For: ("body", "orelse"), ast.AsyncFor: ("body", "orelse"), ast.While: ("body", "orelse"),
    ast.If: ("body", "orelse"), ast.With: ("body",), ast.AsyncWith: ("body",), ast.Match: ("cases",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"), ast.ExceptHandler: ("body",), ast.match_case: ("body",),
    **({ast.TryStar: ("body", "handlers", "orelse", "finalbody")} if hasattr(ast, "TryStar") else {}),
}


def simple_statement_lines(tree: ast.Module, lines: list[str]) -> tuple[int, ...]:
    """The lines that hold one simple statement, whole, and nothing else but its indentation
    and a comment: no other statement starts there (``a = 1; b = 2``), none of its own goes on
    to another line, and nothing comes before it (``if x: y = 1``, ``else: y = 1``). Whatever
    node starts on such a line, that statement is the innermost one that holds it.

    A walk of the statements only (not their expressions), from a stack: no nesting overflows it.

    >>> src = "import a\\nif x: y = 1\\nz = f(\\n  2)\\nb = 1; c = 2\\ndef g():\\n    return a.b  # why\\n"
    >>> from wsaudit.engine.source import split_lines
    >>> simple_statement_lines(ast.parse(src), split_lines(src))
    (1, 7)
    """
    starts: dict[int, int] = {}
    simple: list[ast.stmt] = []
    stack: list[list] = [tree.body]
    blocks_of = _BLOCKS
    while stack:
        for node in stack.pop():
            blocks = blocks_of.get(type(node))
            if blocks is None:
                line = node.lineno
                starts[line] = starts.get(line, 0) + 1
                if node.end_lineno == line:
                    simple.append(node)
                continue
            line = node.pattern.lineno if type(node) is ast.match_case else node.lineno  # a case: its pattern's
            starts[line] = starts.get(line, 0) + 1
            for name in blocks:
                stack.append(getattr(node, name))
    out = []
    for node in simple:
        row = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""
        indent = len(row) - len(row.lstrip())
        if starts[node.lineno] == 1 and indent == node.col_offset and row[:indent].isascii():
            out.append(node.lineno)
    return tuple(sorted(out))
