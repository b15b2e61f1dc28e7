"""Fingerprints of violations: an identity that survives unrelated edits.

A fingerprint hashes the path, rule, category, name, the *normalised source of the violation's
statement* (``ast.unparse``: no comments, quotes and whitespace canonical, wrapped lines joined)
and its occurrence index among identical keys in the file. No line numbers: inserting lines
above a violation or reformatting the file does not change it; copying it elsewhere does.
See :func:`fingerprint`.
"""

from __future__ import annotations

import ast
import bisect
import copy
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from wsaudit.engine.parse import decode_source, split_lines
from wsaudit.model import SourceFile, Violation

SCHEME = "wsaudit/v1"  # the fingerprint recipe; part of every fingerprint and of the baseline
MAX_STATEMENT = 240  # longer normalised statements are cut and suffixed with a hash of the whole


@dataclass(frozen=True)
class Finding:
    """A violation and its fingerprint (see :func:`fingerprint`)."""

    violation: Violation
    statement: str
    occurrence: int
    fingerprint: str

    def key(self) -> tuple:
        v = self.violation
        return (v.path, v.rule_id, v.category, v.name, self.statement, self.occurrence)


def fingerprint_of(path: str, rule_id: str, category: str, name: str, statement: str, occurrence: int) -> str:
    """The fingerprint of one baseline key: 32 hex digits of SHA-256.

    >>> fingerprint_of("a.py", "R1", "deprecated-call", "cwm", "m = cwm(ctx)", 0)
    'd96741b53683f2abafcfb38f3fd65db6'
    """
    text = "\x1f".join((SCHEME, path, rule_id, category, name, statement, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str) -> str:
    if len(text) <= MAX_STATEMENT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{text[:MAX_STATEMENT - 20]}... #{digest}"


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_CONTAINERS = (ast.stmt, ast.excepthandler, ast.match_case)
# the nodes that have a line span (the type parameters of Python 3.12 sit inside statements)
_SPANNING = (ast.stmt, ast.expr, ast.excepthandler, ast.arg, ast.keyword, ast.alias, ast.pattern)


def _header(node: ast.AST) -> str:
    """A statement as canonical source; a compound statement without its body (its header)."""
    if any(isinstance(getattr(node, f, None), list) for f in _BODIES):
        node = copy.copy(node)
        for f in _BODIES:
            if isinstance(getattr(node, f, None), list):
                setattr(node, f, [])
    return _collapse(ast.unparse(node))


def statements(data: bytes, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The normalised source of the innermost statement (or compound statement header, or
    ``except``/``case`` clause) that holds an AST node starting at each ``(line, col)``
    (``col`` in characters, as in violation rows).

    >>> src = b"x = 1\\nif   ok:\\n    mgr = cwm( ctx,\\n      'a')  # old\\n"
    >>> statements(src, [(3, 10), (2, 5)])
    {(3, 10): "mgr = cwm(ctx, 'a')", (2, 5): 'if ok:'}
    """
    text, _ = decode_source(data)
    wanted = list(dict.fromkeys(positions))
    if text is None:
        return {}
    lines = split_lines(text)
    by_bytes: dict[tuple[int, int], tuple[int, int]] = {}
    for line, col in wanted:
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        by_bytes[(line, len(row[:col].encode("utf-8")))] = (line, col)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return _innermost(tree, by_bytes)


def _innermost(tree: ast.AST, by_bytes: dict[tuple[int, int], tuple[int, int]]) -> dict[tuple[int, int], str]:
    """For each ``(line, byte column)`` of ``by_bytes`` at which a node of ``tree`` starts, the
    normalised source of the innermost statement that holds such a node (keyed by the position
    ``by_bytes`` maps it to)."""
    lines_wanted = sorted({line for line, _ in by_bytes})
    best: dict[tuple[int, int], tuple[int, ast.AST]] = {}
    stack: list[tuple[ast.AST, ast.AST | None, int]] = [(tree, None, 0)]
    while stack:
        node, container, depth = stack.pop()
        # skip subtrees that span none of the lines asked for
        if isinstance(node, _SPANNING) and node.end_lineno is not None:
            top = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
            first = bisect.bisect_left(lines_wanted, top)
            if first == len(lines_wanted) or lines_wanted[first] > node.end_lineno:
                continue
        if isinstance(node, _CONTAINERS):
            container = node
            depth += 1
        start = (getattr(node, "lineno", None), getattr(node, "col_offset", None))
        if container is not None and start in by_bytes:
            pos = by_bytes[start]
            if pos not in best or best[pos][0] < depth:
                best[pos] = (depth, container)
        for child in ast.iter_child_nodes(node):
            stack.append((child, container, depth))
    out = {}
    for pos, (_, node) in best.items():
        try:
            out[pos] = _shorten(_header(node))
        except (RecursionError, ValueError, AttributeError, TypeError):
            pass
    return out


def one_line_statements(data: bytes, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str] | None:
    """What :func:`statements` gives for ``positions``, all on lines that hold one simple
    statement and nothing else (``FileFacts.one_line``), by parsing those lines alone: the
    statement on such a line is the innermost one of any node that starts there, and parsed
    alone it is the same statement. None when a line does not parse alone (then the file is
    parsed, as :func:`statements` does).

    >>> src = b"import a\\nif ok:\\n    mgr = cwm( ctx,  'a')  # old\\n"
    >>> one_line_statements(src, [(3, 10), (3, 8)]) == statements(src, [(3, 10), (3, 8)])
    True
    """
    text, _ = decode_source(data)
    if text is None:
        return None
    lines = split_lines(text)
    out: dict[tuple[int, int], str] = {}
    by_line: dict[int, dict[tuple[int, int], tuple[int, int]]] = {}
    for line, col in dict.fromkeys(positions):
        if not 0 < line <= len(lines):
            return None
        row = lines[line - 1]
        indent = len(row) - len(row.lstrip())
        # the same position in the line parsed alone: line 1, the indentation (ASCII: a byte a
        # character) taken off its byte column
        by_line.setdefault(line, {})[(1, len(row[:col].encode("utf-8")) - indent)] = (line, col)
    for line, wanted in by_line.items():
        row = lines[line - 1]
        try:
            tree = ast.parse(row.lstrip())
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        if len(tree.body) != 1:
            return None
        out.update(_innermost(tree, wanted))
    return out


def fingerprint(violations: Iterable[Violation], read: Callable[[str], bytes | None],
                one_line: Mapping[str, Collection[int]] | None = None) -> list[Finding]:
    """A :class:`Finding` per violation, in the same order; ``read(path)`` gives a file's bytes.

    The key is ``(path, rule_id, category, name, statement, occurrence)`` where ``statement``
    is the normalised source of the violation's statement (its snippet with whitespace
    collapsed when the file cannot be parsed again) and ``occurrence`` counts the earlier
    violations of the file with the same first five fields.

    ``one_line`` (path -> ``FileFacts.one_line`` of the file, from the facts the audit made):
    a file whose rows are all on such lines is not parsed again, only those lines; the
    statements, so the fingerprints, are the same.
    """
    violations = list(violations)
    by_path: dict[str, list[int]] = {}
    for i, v in enumerate(violations):
        by_path.setdefault(v.path, []).append(i)
    out: dict[int, Finding] = {}  # by index into violations
    for path, indices in by_path.items():
        data = read(path)
        positions = [(violations[i].line, violations[i].col) for i in indices]
        found = None
        if data and one_line is not None and path in one_line:
            lines = set(one_line[path])  # (a tuple's look-up is linear: thousands of rows in a large file)
            if all(line in lines for line, _ in positions):
                found = one_line_statements(data, positions)
        if found is None:
            found = statements(data, positions) if data else {}
        seen: dict[tuple, int] = {}
        for i in sorted(indices, key=lambda i: violations[i].sort_key()):
            v = violations[i]
            statement = found.get((v.line, v.col)) or _shorten(_collapse(v.snippet))
            k = (v.path, v.rule_id, v.category, v.name, statement)
            occurrence = seen.get(k, 0)
            seen[k] = occurrence + 1
            out[i] = Finding(v, statement, occurrence, fingerprint_of(*k, occurrence))
    return [out[i] for i in range(len(violations))]


def reader(root: str | Path, files: Iterable[SourceFile] = ()) -> Callable[[str], bytes | None]:
    """``read(path)`` for :func:`fingerprint`: the bytes of a file under ``root`` (the rows'
    paths are relative to it), or None when it cannot be read (the fingerprint then falls back
    on the snippet, as for a file that does not parse).

    Parameters
    ----------
    root : str or Path
        The audited root.
    files : iterable of SourceFile, optional
        The audit's files: a row's path that shows a name that is not UTF-8 (``\\xNN``
        escapes) is read at the file's own name (``fs_path``).

    Returns
    -------
    callable
        ``read(path) -> bytes | None``.
    """
    base = Path(root)
    on_disk = {f.path: f.fs_path for f in files if f.fs_path}

    def read(path: str) -> bytes | None:
        try:
            return (base / on_disk.get(path, path)).read_bytes()
        except OSError:
            return None

    return read
