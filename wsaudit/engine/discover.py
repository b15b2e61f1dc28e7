"""Find the Python files under the audited root and name their modules.

Patterns (``exclude``, ``tests``) are gitignore-style, matched against root-relative POSIX
paths: a pattern without a slash matches a name at any depth. Links are followed only while
they stay inside the root; a link that leaves it is an ``outside-root`` diagnostic.
"""

from __future__ import annotations

import keyword
import os
import re
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath

import pathspec

from wsaudit.config import ALWAYS_EXCLUDED, Config
from wsaudit.errors import InputError
from wsaudit.model import Diagnostic, SourceFile


class _AnyOf:
    """A gitignore matcher without negated patterns: a path matches when one pattern does
    (with a ``!`` pattern, the last matching pattern decides, and pathspec is asked).

    The patterns are one regular expression: each file of the tree is matched once, not once
    per pattern, and the ``(.+/)?`` that every pattern without a slash starts with (a name at
    any depth) is tried once for all of them (four times faster on 10,000 files)."""

    def __init__(self, regexes: list):
        patterns = [_NAMED.sub("(?:", r.pattern) for r in regexes]  # a yes or no needs no groups
        anywhere = [p[len(_ANY_DEPTH):] for p in patterns if p.startswith(_ANY_DEPTH)]
        parts = [f"(?:{p})" for p in patterns if not p.startswith(_ANY_DEPTH)]
        if anywhere:
            parts.insert(0, _ANY_DEPTH + "(?:" + "|".join(anywhere) + ")")
        self._search = re.compile("|".join(parts) or "(?!)").search

    def match_file(self, path: str) -> bool:
        return self._search(path) is not None


_NAMED = re.compile(r"\(\?P<\w+>")
_ANY_DEPTH = "^(?:.+/)?"
_PLAIN = re.compile("").flags


def spec(patterns) -> pathspec.GitIgnoreSpec | _AnyOf:
    """A gitignore-style matcher (``match_file(path)``).

    >>> spec(["backup*", "tests/**"]).match_file("a/backup_1/x.py")
    True
    >>> spec(["**/test_*.py"]).match_file("test_root.py")
    True
    >>> spec(["tests/**", "!tests/keep.py"]).match_file("tests/keep.py")
    False
    """
    matcher = pathspec.GitIgnoreSpec.from_lines(list(patterns))
    used = [p for p in matcher.patterns if p.include is not None]
    if all(p.include for p in used) and all(getattr(p, "regex", None) is not None and p.regex.flags == _PLAIN
                                            for p in used):
        return _AnyOf([p.regex for p in used])  # the common case, a few times faster
    return matcher


def module_name(rel: str, roots: tuple[str, ...], root_name: str = "root") -> tuple[str, bool]:
    """The dotted module name of root-relative path ``rel`` and whether it is a package.

    The most specific configured root that contains the file decides the name.

    >>> module_name("src/pkg/__init__.py", ("src", "."))
    ('pkg', True)
    >>> module_name("scripts/tool.py", ("src", "."))
    ('scripts.tool', False)
    """
    path_parts = rel.split("/")  # discovery gives POSIX paths; pathlib would cost more than the walk
    best: tuple[str, ...] | None = None
    for root in roots:
        root_parts = _root_parts(root)
        if tuple(path_parts[: len(root_parts)]) == root_parts and (best is None or len(root_parts) > len(best)):
            best = root_parts
    parts = path_parts[len(best or ()) :]
    is_package = parts[-1] == "__init__.py"
    if is_package:
        parts.pop()
    else:
        parts[-1] = parts[-1][: -len(".py")]
    return (".".join(parts) or root_name), is_package


@lru_cache(maxsize=64)
def _root_parts(root: str) -> tuple[str, ...]:
    return PurePosixPath(root).parts if root not in ("", ".") else ()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def discover(root: str | Path, config: Config) -> tuple[list[SourceFile], list[Diagnostic]]:
    """List the ``.py`` files to audit, sorted by path, and the diagnostics met on the way."""
    root_path = Path(root)
    if not root_path.exists():
        raise InputError(f"{root}: no such folder (give the root of the code to audit)")
    if not root_path.is_dir():
        raise InputError(f"{root}: not a folder (give the root of the code to audit)")
    real_root = os.path.realpath(root_path)
    root_name = root_path.resolve().name
    excluded = spec([*ALWAYS_EXCLUDED, *config.exclude])
    tests = spec(config.tests)
    files: list[SourceFile] = []
    diagnostics: list[Diagnostic] = []
    stack = [("", "")]  # (path as shown, path on disk): they differ where a name is not UTF-8
    while stack:
        rel_dir, fs_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(real_root, fs_dir)), key=lambda e: e.name)
        except OSError as exc:
            diagnostics.append(Diagnostic(rel_dir or ".", "read-error", None, f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            shown = shown_name(entry.name)
            rel = f"{rel_dir}/{shown}" if rel_dir else shown
            fs_rel = f"{fs_dir}/{entry.name}" if fs_dir else entry.name
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir()  # a link: what it points at
            except OSError:
                is_link, is_dir = True, False
            if not is_dir and not entry.name.endswith(".py"):  # skipped either way: no need to match it
                continue
            if excluded.match_file(rel + "/" if is_dir else rel):
                continue
            if is_link:
                # A link inside the root points at something audited under its own path anyway.
                real = os.path.realpath(entry.path)
                if not _inside(real, real_root):
                    diagnostics.append(Diagnostic(rel, "outside-root", None, "link leaves the audited root; not followed"))
                elif not os.path.exists(real):
                    diagnostics.append(Diagnostic(rel, "read-error", None, "broken link"))
                continue
            if is_dir:
                subdirs.append((rel, fs_rel))
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                diagnostics.append(Diagnostic(rel, "read-error", None, f"cannot stat: {exc.strerror}"))
                continue
            if not stat.S_ISREG(info.st_mode):  # a FIFO named x.py would block every read forever
                diagnostics.append(Diagnostic(rel, "read-error", None,
                                              "not a regular file (a FIFO, socket or device): not read"))
                continue
            name, is_package = module_name(rel, config.roots, root_name)
            # a dot inside a file or folder name ("a.b.c.py") would pose as a dotted module name
            valid = is_module_name(name) and "." not in rel[:-3]
            if not valid:
                diagnostics.append(Diagnostic(rel, "bad-module-name", None, f"{name!r} is not an importable module "
                                              "name: audited as a script, not a module of the import graph"))
            files.append(SourceFile(rel, name, is_package, tests.match_file(rel), info.st_size, valid,
                                    fs_rel if fs_rel != rel else None, info.st_mtime_ns, info.st_ino))
        stack.extend(reversed(subdirs))
    files.sort(key=lambda f: f.path)
    return files, diagnostics + _shadowed(files)


def shown_name(name: str) -> str:
    """A file name as every output shows it: bytes that are not UTF-8 (``os.scandir`` gives
    them as surrogates) become ``\\xNN`` escapes, so that standard output stays valid UTF-8.

    >>> shown_name("caf\\udce9.py"), shown_name("ok.py")
    ('caf\\\\xe9.py', 'ok.py')
    """
    if name.isprintable():
        return name
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    # a newline or another control character in a name would break every line-oriented output
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in text)


def is_module_name(dotted: str) -> bool:
    """Whether every segment of ``dotted`` can be imported: an identifier, not a keyword.

    >>> is_module_name("pkg.mod"), is_module_name("my-tool"), is_module_name("a.class"), is_module_name("a.b.c.d")
    (True, False, False, True)
    """
    package, _, last = dotted.rpartition(".")
    return _importable(last) and (not package or _importable_package(package))


def _importable(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


@lru_cache(maxsize=4096)
def _importable_package(dotted: str) -> bool:
    """:func:`is_module_name` of a package: asked once per folder, not once per file.

    A loop over the segments, not a call per parent package: a tree's folders may nest
    thousands deep, past Python's recursion limit.
    """
    return all(_importable(part) for part in dotted.split("."))


def _shadowed(files: list[SourceFile]) -> list[Diagnostic]:
    """A module file beside a same-named package is dead code: Python loads the package."""
    packages = {f.module: f.path for f in files if f.is_package and f.is_module}
    return [Diagnostic(f.path, "shadowed-module", None, f"Python imports the package {packages[f.module]} for "
                       f"{f.module!r}, never this file") for f in files
            if f.is_module and not f.is_package and f.module in packages]
