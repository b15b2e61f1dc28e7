"""Where a string literal is a path: a dotted name (``"a.b.c"``), an entry point (``"n = a.b:c"``),
or, where Python itself takes it as a module name, a single word (``import_module("cgi")``,
``sys.modules["cgi"]``). What :mod:`wsaudit.engine.parse` records as a file's strings."""

from __future__ import annotations

import ast
import re

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Where a one-word string is a path too: what Python imports or looks up as a module name
# (``import_module("cgi")``, ``sys.modules["cgi"]``). Anywhere else a lone word is prose or a
# key; a ``patch`` target always has a dot (a module and its attribute).
_MODULE_SINKS = frozenset({"import", "sys.modules"})
# An entry point: "name = pkg.mod:attr [extra]", or "pkg.mod:attr" with a dotted module.
_ENTRY = re.compile(r"\s*(?:(?P<name>[\w.-]+)\s*=\s*)?(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*:\s*"
                    r"(?P<attr>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?:\[[^\]]*\])?\s*")
_IMPORT_CALLS = frozenset({"import_module", "__import__", "find_spec"})
_PATCH_CALLS = frozenset({"patch", "setattr", "delattr"})  # mock.patch, monkeypatch.setattr("a.b.c", ...)
_SYS_MODULES_CALLS = frozenset({"get", "pop", "setdefault"})


def path_of_string(value: str, sink: str | None) -> tuple[str, str | None] | None:
    """The path a string stands for, with where it is taken (``sink``; ``"entry-point"`` for an
    entry point), or None for prose.

    >>> path_of_string("a.b.c", None), path_of_string("cgi", "import"), path_of_string("cgi", None)
    (('a.b.c', None), ('cgi', 'import'), None)
    >>> path_of_string("run = pkg.cli:main", None)
    ('pkg.cli.main', 'entry-point')
    """
    if _DOTTED.fullmatch(value) or (sink in _MODULE_SINKS and _NAME.fullmatch(value)):
        return value, sink
    entry = _ENTRY.fullmatch(value) if ":" in value else None
    if entry is None or not (entry["name"] or "." in entry["module"]):
        return None
    return f"{entry['module']}.{entry['attr']}", "entry-point"


def sink_of_call(chain: tuple[str, ...]) -> str | None:
    """Where a call takes its first argument, a string, as a module or object path."""
    if not chain:
        return None
    if chain[-1] in _IMPORT_CALLS:
        return "import"
    if chain[-1] in _PATCH_CALLS and (chain[-1] == "patch" or chain[0] == "monkeypatch"):
        return "patch"
    if chain[-1] in _SYS_MODULES_CALLS and chain[:-1] == ("sys", "modules"):
        return "sys.modules"
    return None


def is_sys_modules(node: ast.expr) -> bool:
    """``sys.modules``."""
    return isinstance(node, ast.Attribute) and node.attr == "modules" and isinstance(node.value, ast.Name) \
        and node.value.id == "sys"


def string_constant(node: ast.expr) -> ast.Constant | None:
    """The node, when it is a string constant."""
    return node if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
