"""The benchmark tree generator's planted manifest, checked against a real scan.

benchmarks/gentree.py writes a seeded synthetic tree and ``.bench-planted.json``: which module
uses the deprecated API in which way, the decoys, and every violation it planted (each one
written by hand per variant from the README's rules, not taken from a run). A scan of the tree
with ``wsaudit.audit`` must find exactly those rows: so the benchmarks time a scan that is
right, and a change to detection that loses or invents a row on realistic code fails here.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

import wsaudit

GENTREE = Path(__file__).resolve().parents[2] / "benchmarks" / "gentree.py"


@pytest.fixture(scope="module")
def gentree():
    spec = importlib.util.spec_from_file_location("gentree", GENTREE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gentree"] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["gentree"]


def rows(records) -> list[tuple]:
    return sorted((r["path"], r["line"], r["rule_id"], r["category"], r["name"], r["context"]) for r in records)


# A small tree with a high share of users, so that every variant is planted (checked below), and
# a larger one at the benchmarks' own shares.
@pytest.mark.parametrize(("n_modules", "seed", "share"), [(400, 0, 0.2), (2000, 1, 0.05)])
def test_a_scan_finds_exactly_the_planted_violations(gentree, tmp_path, n_modules, seed, share):
    root = tmp_path / "tree"
    summary = gentree.generate_tree(root, n_modules, seed, deprecated_share=share)
    planted = json.loads((root / ".bench-planted.json").read_text(encoding="utf-8"))
    assert planted["generator_version"] == gentree.GEN_VERSION
    if share == 0.2:  # the small tree must exercise every way of using the API
        assert set(planted["variants"].values()) == {*gentree.DEPRECATED_VARIANTS, "relative", "mock_patch"}
    assert planted["decoys"] and planted["reexporters"] == ["app", "app.core", "billing"]

    audit = wsaudit.audit(root, cache=False)
    assert audit.files_scanned == n_modules == summary["modules"]
    assert audit.diagnostic_records == []
    found = [v.row() for v in audit.violation_records]
    by_module = Counter(v.module for v in audit.violation_records)
    # the planted users and decoys first, for a readable failure; then the whole set
    assert sorted(m for m in planted["variants"] if not by_module[m]) == []
    assert sorted(m for m in planted["decoys"] if by_module[m]) == []
    assert sorted(set(by_module) - set(planted["variants"]) - set(planted["reexporters"])) == []
    assert rows(found) == rows(planted["violations"])


def test_the_same_arguments_give_the_same_tree_and_another_seed_another(gentree, tmp_path):
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    first, again = (gentree.generate_tree(tmp_path / name, 300, 3) for name in ("a", "b"))
    gentree.generate_tree(tmp_path / "c", 300, 4)
    assert first == again and files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")


def test_the_layout_scales_down_but_keeps_the_benchmark_shape_at_ten_thousand(gentree):
    assert gentree.layout(10_000) == gentree.layout(50_000) == (8, 8, 12)
    subs, low, high = gentree.layout(300)
    assert 2 <= subs < 8 and 1 <= low <= high < 12
    with pytest.raises(ValueError, match="fewer than"):
        gentree.plan_tree(random.Random(0), 10)
