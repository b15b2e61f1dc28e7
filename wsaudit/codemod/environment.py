"""The modules of the environment that will run the migrated code, found statically.

A rewrite may add an import of something outside the audited tree (``import secrets``, a
``from setuptools.errors import ...`` when the tree is not setuptools). Whether it exists is
answered the way Python's path finder would find it, without importing anything: search the
interpreter's import paths (``sys.path``) for the module's file or package folder, and read
the names a module binds from its source, parsed with wsaudit's own parser (never executed).

What cannot be read statically says so (``None``), and the checks then refuse rather than
guess: a compiled extension's names, a built-in module's names when this interpreter has not
loaded it.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from wsaudit.engine.parse import parse_source

SOURCE = "source"  # a .py file, or a package's __init__.py
NAMESPACE = "namespace"  # a folder without __init__.py (PEP 420)
COMPILED = "compiled"  # an extension module or a sourceless .pyc: it exists, its names are unknown
BUILTIN = "builtin"  # compiled into the interpreter


@dataclass(frozen=True)
class Found:
    """Where the environment has a module.

    Attributes
    ----------
    name : str
        The dotted module name.
    kind : str
        :data:`SOURCE`, :data:`NAMESPACE`, :data:`COMPILED` or :data:`BUILTIN`.
    path : str or None
        The file (or folder) found; None for a built-in module.
    is_package : bool
        Whether submodules can be found under it.
    """

    name: str
    kind: str
    path: str | None
    is_package: bool


def search_path(root: str | Path | None = None) -> tuple[str, ...]:
    """The interpreter's import paths, without the current folder and the audited root (the
    tree's own modules are answered from its facts, never from disk)."""
    skip = {os.path.realpath(root)} if root is not None else set()
    out = []
    for entry in sys.path:
        if not entry or not isinstance(entry, str):
            continue
        real = os.path.realpath(entry)
        if real in skip:
            continue
        if os.path.isdir(real) or (os.path.isfile(real) and zipfile.is_zipfile(real)):
            out.append(real)
    return tuple(dict.fromkeys(out))


class Environment:
    """The modules that ``paths`` hold, found as Python's path finder would (nothing imported).

    >>> env = Environment(search_path())
    >>> env.find("json.decoder").kind, env.find("json").is_package, env.find("json.nope") is None
    ('source', True, True)
    >>> env.names("json") is not None and "loads" in env.names("json")
    True
    """

    def __init__(self, paths: tuple[str, ...]):
        self.paths = paths
        self._found: dict[str, Found | None] = {}
        self._names: dict[str, frozenset[str] | None] = {}
        self._zips: dict[str, frozenset[str]] = {}

    def find(self, name: str) -> Found | None:
        """Where ``name`` is, or None when no import path holds it.

        Its packages are found first, outermost first, in a loop: a dotted name in the tree
        may have thousands of segments, past Python's recursion limit.
        """
        todo = []
        while name not in self._found:
            todo.append(name)
            if "." not in name:
                break
            name = name.rpartition(".")[0]
        for name in reversed(todo):
            self._found[name] = self._find_one(name)
        return self._found[name]

    def _find_one(self, name: str) -> Found | None:
        """Where ``name`` is, its parent package being found already."""
        parent, _, last = name.rpartition(".")
        if not parent:
            if name in sys.builtin_module_names:
                return Found(name, BUILTIN, None, False)
            return self._search(name, last, self.paths)
        above = self._found[parent]
        if above is not None and above.is_package and above.path is not None:
            return self._search(name, last, self._package_dirs(parent, above))
        return None

    def _package_dirs(self, name: str, found: Found) -> tuple[str, ...]:
        """Where a package's submodules are: its folder; for a namespace package, every
        portion of it on the paths (PEP 420)."""
        if found.kind != NAMESPACE:
            return (os.path.dirname(found.path),) if found.path and found.path.endswith(".py") else (found.path,)
        return tuple(p for base in self.paths for p in [os.path.join(base, *name.split("."))] if os.path.isdir(p))

    def _search(self, name: str, last: str, dirs: tuple[str, ...]) -> Found | None:
        portion = None
        for base in dirs:
            if base is None:
                continue
            if os.path.isfile(base):
                hit = self._in_zip(name, base)
                if hit is not None:
                    return hit
                continue
            folder = os.path.join(base, last)
            init = os.path.join(folder, "__init__.py")
            if os.path.isfile(init):
                return Found(name, SOURCE, init, True)
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                if os.path.isfile(folder + suffix):
                    return Found(name, COMPILED, folder + suffix, False)
            if os.path.isfile(folder + ".py"):
                return Found(name, SOURCE, folder + ".py", False)
            if os.path.isfile(folder + ".pyc"):
                return Found(name, COMPILED, folder + ".pyc", False)
            if portion is None and os.path.isdir(folder):
                portion = Found(name, NAMESPACE, folder, True)
        return portion

    def _in_zip(self, name: str, archive: str) -> Found | None:
        if archive not in self._zips:
            try:
                with zipfile.ZipFile(archive) as z:
                    self._zips[archive] = frozenset(z.namelist())
            except (OSError, zipfile.BadZipFile):
                self._zips[archive] = frozenset()
        members = self._zips[archive]
        inner = "/".join(name.split("."))
        if f"{inner}/__init__.py" in members or f"{inner}/__init__.pyc" in members:
            return Found(name, COMPILED, None, True)  # submodules of a zipped package: names unknown
        if f"{inner}.py" in members or f"{inner}.pyc" in members:
            return Found(name, COMPILED, None, False)
        return None

    def names(self, name: str) -> frozenset[str] | None:
        """The names module ``name`` binds at module level (its literal ``__all__`` too, and what
        its star imports bring from the environment), or None when they cannot be read
        statically (compiled, unreadable, a module-level ``__getattr__``)."""
        if name in self._names:
            return self._names[name]
        self._names[name] = None  # a star-import cycle answers "unknown"
        found = self.find(name)
        result: frozenset[str] | None = None
        if found is not None and found.kind == BUILTIN:
            loaded = sys.modules.get(name)  # read, never imported: only what this process already has
            result = frozenset(dir(loaded)) if loaded is not None else None
        elif found is not None and found.kind == NAMESPACE:
            result = frozenset()
        elif found is not None and found.kind == SOURCE and found.path:
            result = self._source_names(name, found.path, found.is_package)
        self._names[name] = result
        return result

    def _source_names(self, name: str, path: str, is_package: bool) -> frozenset[str] | None:
        """The names module ``name`` binds, read from its source file ``path``; None when they
        cannot be read statically."""
        try:
            facts = parse_source(Path(path).read_bytes())
        except OSError:
            return None
        if facts.problems or "__getattr__" in facts.namespace:
            return None
        names = set(facts.namespace) | set(facts.all_names or ())
        package = name if is_package else name.rpartition(".")[0]
        for index in facts.stars:
            level, module = facts.bindings[index].star_target()
            if level:
                parts = package.split(".")
                if level - 1 >= len(parts):
                    return None
                base = ".".join(parts[: len(parts) - (level - 1)] + ([module] if module else []))
            else:
                base = module
            if self.find(base) is None:
                continue  # another platform's module (``from nt import *``): it brings nothing here
            more = self.names(base)
            if more is None:
                return None
            names |= {n for n in more if not n.startswith("_")}
        return frozenset(names)

    def has(self, module: str, name: str) -> bool | None:
        """Whether ``from module import name`` finds something: a submodule or a bound name;
        None when it cannot be known statically."""
        if self.find(f"{module}.{name}") is not None:
            return True
        names = self.names(module)
        if names is None:
            return None
        return name in names


@lru_cache(maxsize=8)
def environment_for(paths: tuple[str, ...]) -> Environment:
    """One :class:`Environment` per set of import paths, shared by every pass of a run."""
    return Environment(paths)
