"""The import graph equals grimp's on real packages: explicit edges are grimp's edges, runtime
edges are grimp's with ``exclude_type_checking_imports=True``.

grimp does not see modules inside folders without ``__init__.py`` (namespace folders); wsaudit
does, so the comparison is over the modules both know.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import grimp
import pytest

from wsaudit.api import audit
from wsaudit.config import Config
from wsaudit.model import Rule


@pytest.fixture(scope="module", params=["networkx", "libcst"])
def package(request, tmp_path_factory, monkeypatch_module):
    name = request.param
    source = Path(importlib.import_module(name).__file__).parent
    root = tmp_path_factory.mktemp(f"parity-{name}")
    shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd"))
    monkeypatch_module.syspath_prepend(str(root))  # grimp finds the copy, never the installed one
    config = Config(source="test", rules=(Rule("R", module="no_such_module"),), exclude=(), tests=())
    return name, audit(root, config, cache=False)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _grimp_edges(name: str, exclude_type_checking: bool) -> tuple[set[str], set[tuple[str, str]]]:
    g = grimp.build_graph(name, cache_dir=None, exclude_type_checking_imports=exclude_type_checking)
    return set(g.modules), {(a, b) for a in g.modules for b in g.find_modules_directly_imported_by(a)}


def test_explicit_edges_are_grimps_edges(package):
    name, result = package
    modules, expected = _grimp_edges(name, False)
    G = result.graph
    assert modules <= set(G)
    ours = {(a, b) for a, b, d in G.edges(data=True) if not d["implicit"] and a in modules and b in modules}
    assert len(expected) > 100
    assert ours == expected


def test_runtime_edges_are_grimps_without_type_checking_imports(package):
    name, result = package
    modules, expected = _grimp_edges(name, True)
    G = result.graph
    ours = {(a, b) for a, b, d in G.edges(data=True)
            if not d["implicit"] and d["context"] != "type-checking" and a in modules and b in modules}
    assert ours == expected
