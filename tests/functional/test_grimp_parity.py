"""The import graph equals grimp's on real packages: its modules, its explicit edges with the
lines of the statements that make them, and its runtime edges (grimp's with
``exclude_type_checking_imports=True``), each with grimp's first line.

The one documented difference (docs/json.md, "JSON of graph"): grimp does not see the modules
inside a folder without ``__init__.py`` (flask's ``sansio``), which Python imports as a namespace
package; wsaudit does. Every other module and edge is compared.

Each package is copied (its ``.py`` files) into a folder of its own, which wsaudit audits; grimp
reads the installed package, the same files.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import grimp
import pytest

from wsaudit.api import Audit, audit
from wsaudit.config import Config
from wsaudit.model import Rule

# real code of every shape: Django (migrations and locale packages only import_module can load),
# SQLAlchemy (TYPE_CHECKING imports beside submodule imports), flask (a namespace folder)
PACKAGES = ["networkx", "libcst", "django", "sqlalchemy", "requests", "flask"]


@dataclass
class Parity:
    name: str
    source: Path  # the installed package, which grimp reads
    result: Audit  # wsaudit's audit of a copy
    explicit: grimp.ImportGraph
    runtime: grimp.ImportGraph  # without the imports under ``if TYPE_CHECKING:``


@pytest.fixture(scope="module", params=PACKAGES)
def parity(request, tmp_path_factory) -> Parity:
    name = request.param
    source = Path(importlib.util.find_spec(name).origin).parent
    root = tmp_path_factory.mktemp(f"parity-{name}")
    shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    config = Config(source="test", rules=(Rule("R", module="no_such_module"),), exclude=(), tests=())
    return Parity(name, source, audit(root, config, cache=False),
                  grimp.build_graph(name, cache_dir=None),
                  grimp.build_graph(name, cache_dir=None, exclude_type_checking_imports=True))


def _grimp_lines(g: grimp.ImportGraph) -> dict[tuple[str, str], set[int]]:
    """``(importer, imported) -> the lines of its import statements``, grimp's edges."""
    return {(a, b): {d["line_number"] for d in g.get_import_details(importer=a, imported=b)}
            for a in g.modules for b in g.find_modules_directly_imported_by(a)}


def _our_lines(p: Parity, runtime: bool) -> dict[tuple[str, str], set[int]]:
    """The same of wsaudit's explicit import records (those that name the target) between the
    modules grimp knows, the ones that run only when ``runtime``."""
    known = set(p.explicit.modules)
    lines: dict[tuple[str, str], set[int]] = defaultdict(set)
    for r in p.result.import_records:
        if r.resolved and not r.implicit and r.source in known and r.target in known \
                and not (runtime and r.context == "type-checking"):
            lines[(r.source, r.target)].add(r.line)
    return dict(lines)


def _edges(p: Parity) -> list[tuple[str, str, dict]]:
    """wsaudit's edges between the modules grimp knows."""
    known = set(p.explicit.modules)
    return [(a, b, d) for a, b, d in p.result.graph.edges(data=True) if a in known and b in known]


def _in_namespace_folder(p: Parity, module: str) -> bool:
    """Whether a folder that holds ``module``'s file, below the package's own, has no ``__init__.py``."""
    parts = module.split(".")[1:-1] if not p.result.graph.nodes[module]["is_package"] else module.split(".")[1:]
    return any(not (p.source.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts) + 1))


def test_the_modules_are_grimps_and_those_of_namespace_folders(parity):
    ours, theirs = set(parity.result.graph), set(parity.explicit.modules)
    assert theirs <= ours
    assert all(_in_namespace_folder(parity, m) for m in ours - theirs), sorted(ours - theirs)
    if parity.name == "flask":  # the difference is real where it is documented
        assert {"flask.sansio.app", "flask.sansio.scaffold"} <= ours - theirs


def test_explicit_edges_are_grimps_edges_with_their_lines(parity):
    expected = _grimp_lines(parity.explicit)
    ours = _our_lines(parity, runtime=False)
    assert len(expected) > 50
    assert ours.keys() == expected.keys()
    assert ours == expected
    # and the graph's explicit edges are those pairs
    assert {(a, b) for a, b, d in _edges(parity) if not d["implicit"]} == expected.keys()


def test_runtime_edges_are_grimps_without_type_checking_imports_with_their_lines(parity):
    expected = _grimp_lines(parity.runtime)
    assert _our_lines(parity, runtime=True) == expected
    assert {(a, b) for a, b, d in _edges(parity)
            if not d["implicit"] and d["context"] != "type-checking"} == expected.keys()


def test_an_edge_carries_grimps_first_line_of_the_statements_that_decide_its_context(parity):
    # docs/json.md: the first explicit statement that runs when one does, else the first
    runtime, every = _grimp_lines(parity.runtime), _grimp_lines(parity.explicit)
    wrong = {(a, b): (d["line"], sorted(runtime.get((a, b), every[a, b])))
             for a, b, d in _edges(parity) if not d["implicit"]
             and d["line"] != min(runtime.get((a, b), every[a, b]))}
    assert wrong == {}
