"""The fast matcher of exclude/tests patterns says what pathspec's gitignore matcher says."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx
import pathspec

from wsaudit.config import ALWAYS_EXCLUDED
from wsaudit.engine.discover import _AnyOf, spec

PATTERN_SETS = [
    [*ALWAYS_EXCLUDED],
    [*ALWAYS_EXCLUDED, "backup*", "build/", "*.pyi", "docs/**/conf.py"],
    ["tests/**", "**/test_*.py", "*_test.py", "conftest.py", "testing/"],
    ["/top_only.py", "a/*/c.py", "**/algorithms/*/tests", "[abc]*.py", "x?y.py", "**/"],
    ["tests/**", "!tests/keep.py"],  # a negation: pathspec decides
]


def paths() -> list[str]:
    root = Path(networkx.__file__).parent.parent
    found = [p.relative_to(root).as_posix() for p in sorted((root / "networkx").rglob("*.py"))]
    dirs = sorted({p.rsplit("/", 1)[0] + "/" for p in found})
    made = ["/".join(parts) for parts in itertools.product(["a", "tests", "backup_1", "build"],
                                                           ["b", "x", "algorithms"], ["c.py", "test_x.py", "keep.py"])]
    return found + dirs + made + ["top_only.py", "a/top_only.py", "axy.py", "xay.py", "conftest.py", ".git/x.py"]


def test_the_fast_matcher_agrees_with_pathspec_on_every_path():
    everything = paths()
    assert len(everything) > 600
    for patterns in PATTERN_SETS:
        ours, theirs = spec(patterns), pathspec.GitIgnoreSpec.from_lines(patterns)
        assert isinstance(ours, _AnyOf) == ("!tests/keep.py" not in patterns)
        disagree = [p for p in everything if ours.match_file(p) != theirs.match_file(p)]
        assert disagree == [], (patterns, disagree[:5])
        assert any(theirs.match_file(p) for p in everything)  # the patterns do match something
