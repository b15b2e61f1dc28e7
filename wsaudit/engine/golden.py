"""The Golden Path a configuration names, matched against the modules of a tree.

``[golden_path] modules`` are module names or globs (``*`` within a segment, ``**`` across);
``tests`` are file paths or globs. The ranking starts from what they match
(:mod:`wsaudit.analysis.rank`); a pattern that matches nothing is a configuration mistake that
every command reports, as a warning from those that do not rank (:func:`golden_path_notices`)
and as an error from those that do. Nothing here needs the graph: a module's name and path are
enough, so a scan says it without building one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from wsaudit.config import Config
from wsaudit.engine.discover import Regex, spec
from wsaudit.engine.modules import ModuleTable
from wsaudit.model import Notice


@lru_cache(maxsize=256)
def _module_pattern(pattern: str) -> Regex:
    # run by Regex, never by ``re``: the pattern is the tree's own configuration, and forty
    # ``**`` (forty ``.*``) against a deep module name would backtrack for hours
    out = []
    for part in re.split(r"(\*\*|\*)", pattern):
        out.append({"**": r".*", "*": r"[^.]*"}.get(part, re.escape(part)))
    return Regex("^(?:" + "".join(out) + ")$")


def match_module(pattern: str, name: str) -> bool:
    """Whether dotted ``name`` matches ``pattern``: ``*`` within a segment, ``**`` across.

    >>> match_module("app.routes.*", "app.routes.ws")
    True
    >>> match_module("app.*", "app.routes.ws")
    False
    >>> match_module("app.**", "app.routes.ws")
    True
    """
    return _module_pattern(pattern).search(name)


@dataclass(frozen=True)
class GoldenMatch:
    """What a configuration's Golden Path matches in a tree: the modules it names, the modules
    of its test files, and a ``(file, key, message)`` problem per pattern that matches nothing."""

    modules: frozenset[str]
    tests: tuple[str, ...]
    problems: tuple[tuple[str, str, str], ...]


def golden_match(config: Config, paths: Mapping[str, str]) -> GoldenMatch:
    """The Golden Path of ``config`` in a tree whose modules are ``paths`` (module -> path).

    >>> from wsaudit.config import GoldenPath
    >>> cfg = Config(golden_path=GoldenPath(modules=("app.*", "gone"), tests=("tests/test_flow.py",)))
    >>> found = golden_match(cfg, {"app.ws": "app/ws.py", "tests.test_flow": "tests/test_flow.py"})
    >>> sorted(found.modules), found.tests, [p[2] for p in found.problems]
    (['app.ws'], ('tests.test_flow',), ["'gone' matches no module in the tree"])
    """
    problems = []
    modules: set[str] = set()
    for pattern in config.golden_path.modules:
        matched = {n for n in paths if match_module(pattern, n)} if "*" in pattern else (
            {pattern} if pattern in paths else set())
        if not matched:
            problems.append((config.source, "golden_path.modules", f"{pattern!r} matches no module in the tree"))
        modules |= matched
    by_path = {p: n for n, p in paths.items()}
    tests: set[str] = set()
    for pattern in config.golden_path.tests:
        matcher = spec([pattern])
        matched_tests = [by_path[p] for p in sorted(by_path) if matcher.match_file(p)]
        if not matched_tests:
            problems.append((config.source, "golden_path.tests", f"{pattern!r} matches no file in the tree"))
        tests.update(matched_tests)
    return GoldenMatch(frozenset(modules), tuple(sorted(tests)), tuple(problems))


def golden_path_notices(config: Config, modules: Callable[[], ModuleTable]) -> list[Notice]:
    """A warning per Golden Path pattern of ``config`` that matches nothing among the modules of
    the tree (``modules()``, its module table: made only when there are patterns), as the
    ranking would report it."""
    if not config.golden_path.modules and not config.golden_path.tests:
        return []
    found = golden_match(config, {m: f.path for m, f in modules().files.items()})
    return [Notice("unmatched-golden-path", None, f"{file}: {key}: {message}") for file, key, message in found.problems]
