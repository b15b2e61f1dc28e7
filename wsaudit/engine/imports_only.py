"""The cheap pass: a file's import statements and nothing else.

Most files of a tree cannot hold a violation (their bytes name nothing deprecated), but the
import graph needs their imports. This pass parses them with :mod:`ast` like the full one and
walks statements only, never expressions, so it costs little more than the parse itself. Its
facts are marked ``complete=False``; name resolution asks for the full facts of a module only
when it has to look into it.
"""

from __future__ import annotations

import ast
from bisect import bisect_left

from wsaudit.engine.source import (
    char_col,
    count_loc,
    decode_source,
    inner_context,
    is_type_checking,
    parse_tree,
    split_lines,
)
from wsaudit.engine.tokens import scan_tokens
from wsaudit.model import FileFacts, ImportStmt

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRY = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def parse_imports(data: bytes) -> FileFacts:
    """The imports of a file (with the context and snippet the full pass gives them), its lines
    of code and its problems; ``complete`` is False.

    >>> facts = parse_imports(b"import a\\nif TYPE_CHECKING:\\n    from b import c\\ndef f():\\n    import d\\n")
    >>> [(i.line, i.module or i.names[0][0], i.context) for i in facts.imports], facts.complete
    ([(1, 'a', 'module'), (3, 'b', 'type-checking'), (5, 'd', 'function')], False)
    """
    text, problem = decode_source(data)
    if problem is not None:
        return FileFacts(problems=(problem,), unparsed=scan_tokens(data.decode("utf-8", errors="replace")),
                         complete=False)
    lines = split_lines(text)
    loc = count_loc(lines)
    tree, problem = parse_tree(text)
    if tree is None:
        assert problem is not None  # no tree: the reason why
        return FileFacts(loc=loc, problems=(problem,), unparsed=scan_tokens(text), complete=False)
    return FileFacts(loc=loc, imports=tuple(_imports(tree, lines)), complete=False)


def _imports(tree: ast.Module, lines: list[str]) -> list[ImportStmt]:
    """The import statements of ``tree`` in source order, with the contexts of
    :class:`~wsaudit.engine.parse._Extractor`: the innermost of function, class, try,
    conditional, under ``type-checking`` whatever is inside it."""
    # An import statement has the word on one of its lines: a block none of whose lines has
    # it holds no import, and is not walked (most function bodies).
    marks = [number for number, text in enumerate(lines, 1) if "import" in text]
    if not marks:
        return []
    stack: list[tuple[list[ast.stmt], str]] = [(tree.body, "module")]
    found: list[tuple[int, int, ImportStmt]] = []
    last = len(marks)
    while stack:
        body, context = stack.pop()
        for node in body:
            kind = type(node)
            if kind is not ast.Import and kind is not ast.ImportFrom:
                first = bisect_left(marks, node.lineno)
                if first == last or marks[first] > (node.end_lineno or node.lineno):
                    continue
            if kind is ast.Import or kind is ast.ImportFrom:
                line = node.lineno
                text = lines[line - 1] if 0 < line <= len(lines) else ""
                names = tuple((a.name, a.asname) for a in node.names)
                if kind is ast.Import:
                    record = ImportStmt(line, char_col(text, node.col_offset), 0, None, names, False, context,
                                        text.strip())
                else:
                    record = ImportStmt(line, char_col(text, node.col_offset), node.level or 0, node.module, names,
                                        True, context, text.strip())
                found.append((line, node.col_offset, record))
            elif isinstance(node, _FUNCTIONS):
                stack.append((node.body, inner_context(context, "function")))
            elif kind is ast.ClassDef:
                stack.append((node.body, inner_context(context, "class")))
            elif kind is ast.If:
                stack.append((node.body, "type-checking" if is_type_checking(node.test)
                              else inner_context(context, "conditional")))
                stack.append((node.orelse, inner_context(context, "conditional")))
            elif isinstance(node, _LOOPS):
                inner = inner_context(context, "conditional")
                stack.append((node.body, inner))
                stack.append((node.orelse, inner))
            elif isinstance(node, _TRY):
                inner = inner_context(context, "try")
                stack.append((node.body, inner))
                for handler in node.handlers:
                    stack.append((handler.body, inner))
                stack.append((node.orelse, inner))
                stack.append((node.finalbody, inner))
            elif kind is ast.With or kind is ast.AsyncWith:
                stack.append((node.body, context))
            elif kind is ast.Match:
                inner = inner_context(context, "conditional")
                for case in node.cases:
                    stack.append((case.body, inner))
    found.sort(key=lambda t: (t[0], t[1]))
    return [record for _, _, record in found]
