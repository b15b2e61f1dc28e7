"""Which file Python loads for each module name, and how relative imports resolve.

The table is the one fact both the import graph and name resolution start from; it holds no
facts about the files' contents, so the graph does not depend on violation detection.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass

from wsaudit.model import SourceFile


def absolute_module(module: str, is_package: bool, level: int, name: str | None) -> str | None:
    """Resolve a (possibly relative) ``from`` import's module; None when it leaves the top package.

    >>> absolute_module("a.b.c", False, 1, "d")
    'a.b.d'
    >>> absolute_module("a.b", True, 1, None)
    'a.b'
    >>> absolute_module("a.b.c", False, 2, None)
    'a'
    >>> absolute_module("top", False, 1, "x") is None
    True
    """
    if level == 0:
        return name
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def ancestors(name: str) -> tuple[str, ...]:
    """The packages above a dotted module name, outermost first.

    >>> ancestors("a.b.c")
    ('a', 'a.b')
    """
    parts = name.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts)))


@dataclass(frozen=True)
class ModuleTable(Mapping[str, SourceFile]):
    """``module name -> SourceFile`` for the files Python would load, plus every package prefix.

    A package wins over a same-named module (``x/__init__.py`` over ``x.py``, as in Python),
    else the first file in path order; files whose names are not module names, and unreadable
    ones (``readable``: the paths that can be read), take no part.

    >>> t = ModuleTable.of([SourceFile("a/__init__.py", "a", True, False, 0),
    ...                     SourceFile("a/b/c.py", "a.b.c", False, False, 0)])
    >>> sorted(t), sorted(t.known)
    (['a', 'a.b.c'], ['a', 'a.b', 'a.b.c'])
    >>> t.absolute("a.b.c", 1, "d")
    'a.b.d'
    """

    files: Mapping[str, SourceFile]
    known: frozenset[str]

    @classmethod
    def of(cls, files: Iterable[SourceFile], readable: Container[str] | None = None) -> ModuleTable:
        table: dict[str, SourceFile] = {}
        for f in files:
            if not f.is_module or (readable is not None and f.path not in readable):
                continue
            held = table.get(f.module)
            # a package wins over a same-named module beside it, as in Python
            if held is None or (f.is_package and not held.is_package):
                table[f.module] = f
        known: set[str] = set(table)
        for name in table:
            known.update(ancestors(name))
        return cls(table, frozenset(known))

    def __getitem__(self, module: str) -> SourceFile:
        return self.files[module]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def __contains__(self, name: object) -> bool:  # faster than Mapping's, which catches KeyError
        return name in self.files

    def absolute(self, module: str, level: int, name: str | None) -> str | None:
        """The absolute module a ``from`` import in ``module`` names."""
        f = self.files.get(module)
        return absolute_module(module, f.is_package if f else False, level, name)

    def owns(self, f: SourceFile) -> bool:
        """Whether ``f`` is the file its module name denotes (not one it shadows)."""
        return self.files.get(f.module) is f
