"""The accuracy oracle of benchmarks/accuracy.py, on a small tree whose every use is known.

The oracle is wsaudit's second opinion on real code (Django, pandas, ...): an AST walk that
shares no code with the engine. These tests keep it honest: on a billing package that uses a
deprecated module and function in every way the benchmark counts (aliases, a re-export, a star
import, relative imports, dotted strings) and in ways it must not count (a parameter or a local
of the same name, a docstring, an f-string, another module's function of the same name), the
oracle finds exactly the rows written out below, and the script's comparison with a real
``wsaudit scan`` agrees row for row and prints the table.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write_tree

ACCURACY = REPO / "benchmarks" / "accuracy.py"

RULES = (
    ("BL1", "module", "billing.legacy"),
    ("BL2", "symbol", "billing.legacy.make_invoice"),
)

TREE = {
    "billing/__init__.py": """\
        from billing.legacy import make_invoice as create_invoice
        """,
    "billing/legacy/__init__.py": '''\
        """Old invoices: make_invoice is deprecated."""


        def make_invoice(order):
            return {"order": order}
        ''',
    "billing/legacy/pdf.py": """\
        from . import make_invoice


        def render(order):
            return str(make_invoice(order))
        """,
    "billing/exports.py": """\
        from billing.legacy import *
        from billing.legacy.pdf import render

        __all__ = ["render"]


        def export(order):
            invoice = make_invoice(order)
            return render(invoice)
        """,
    "shop/__init__.py": "",
    "shop/checkout.py": '''\
        """Checkout: calls make_invoice through every name it has."""
        from typing import TYPE_CHECKING

        import billing.legacy as legacy
        from billing import create_invoice
        from billing.legacy import make_invoice as mk

        if TYPE_CHECKING:
            from billing.legacy import make_invoice

        BUILDERS = {"default": mk}


        def pay(order):
            first = create_invoice(order)
            second = legacy.make_invoice(order)
            note = f"made by billing.legacy.make_invoice for {order}"
            return first, second, note


        def pay_later(make_invoice):
            return make_invoice("later")


        def pay_local(order):
            mk = print
            return mk(order)
        ''',
    "shop/decoys.py": """\
        def make_invoice(order):
            return order


        def run():
            return make_invoice(1)
        """,
    "tests/test_checkout.py": """\
        import importlib
        from unittest import mock


        def test_pay():
            with mock.patch("billing.legacy.make_invoice") as fake:
                module = importlib.import_module("billing.legacy.pdf")
                module.render(1)
            assert fake.called
        """,
}

# Every use above, found by reading the tree: (rule, category, path, line, col).
EXPECTED = [
    ("BL1", "module", "billing/__init__.py", 1, 0),
    ("BL1", "module", "billing/exports.py", 1, 0),
    ("BL1", "module", "billing/exports.py", 2, 0),
    ("BL1", "module", "billing/legacy/pdf.py", 1, 0),
    ("BL1", "module", "shop/checkout.py", 4, 0),
    ("BL1", "module", "shop/checkout.py", 6, 0),
    ("BL1", "module", "shop/checkout.py", 9, 4),
    ("BL1", "string", "tests/test_checkout.py", 6, 20),
    ("BL1", "string", "tests/test_checkout.py", 7, 41),
    ("BL2", "call", "billing/exports.py", 8, 14),
    ("BL2", "call", "billing/legacy/pdf.py", 5, 15),
    ("BL2", "call", "shop/checkout.py", 15, 12),
    ("BL2", "call", "shop/checkout.py", 16, 13),
    ("BL2", "import", "billing/__init__.py", 1, 0),
    ("BL2", "import", "billing/exports.py", 1, 0),
    ("BL2", "import", "billing/legacy/pdf.py", 1, 0),
    ("BL2", "import", "shop/checkout.py", 5, 0),
    ("BL2", "import", "shop/checkout.py", 6, 0),
    ("BL2", "import", "shop/checkout.py", 9, 4),
    ("BL2", "reference", "shop/checkout.py", 11, 23),
    ("BL2", "string", "tests/test_checkout.py", 6, 20),
]


@pytest.fixture(scope="module")
def accuracy():
    spec = importlib.util.spec_from_file_location("accuracy", ACCURACY)
    module = importlib.util.module_from_spec(spec)
    sys.modules["accuracy"] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["accuracy"]


@pytest.fixture
def billing(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tree", TREE)


def test_the_oracle_finds_every_use_and_nothing_else(accuracy, billing):
    rows = accuracy.Oracle(billing).rows(RULES)
    assert [(r.rule, r.category, r.path, r.line, r.col) for r in rows] == EXPECTED


def test_the_oracle_imports_only_the_standard_library():
    # a second opinion that imported wsaudit's code would repeat its mistakes
    tree = ast.parse(ACCURACY.read_text(encoding="utf-8"))
    imported = {
        alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names
    }
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    outside = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names}
    assert outside == set() and "ast" in imported


def test_scan_agrees_with_the_oracle_and_the_table_says_so(accuracy, billing):
    result = accuracy.measure_tree("billing", billing, RULES, REPO, sys.executable)
    comparison = result["comparison"]
    assert comparison.only_oracle == [] and comparison.only_wsaudit == []
    assert comparison.col_differs == []
    out = io.StringIO()
    accuracy.report([result], 5, REPO, "test", out=out)
    table = out.getvalue()
    assert "| billing | call | 4 | 4 | 4 | 1.0000 | 1.0000 | met |" in table
    assert "| billing | string | 3 | 3 | 3 | 1.0000 | 1.0000 | met |" in table


def test_a_disagreement_is_listed_with_its_source_line(accuracy, billing):
    oracle = accuracy.Oracle(billing).rows(RULES)
    missed = next(r for r in oracle if r.category == "call")
    invented = accuracy.Row("BL2", "call", "shop/decoys.py", 6, 11, "make_invoice")
    found = [r for r in oracle if r != missed] + [invented]
    comparison = accuracy.compare(oracle, found)
    assert comparison.only_oracle == [missed] and comparison.only_wsaudit == [invented]
    result = {
        "tree": "billing",
        "root": billing,
        "rules": RULES,
        "comparison": comparison,
        "stats": accuracy.stats(comparison),
        "files": 8,
        "unparsed": [],
        "suspects": 0,
        "diagnostics": [],
    }
    out = io.StringIO()
    accuracy.report([result], 5, billing, "test", out=out)
    text = out.getvalue()
    assert "| billing | call | 4 | 4 | 3 | 0.7500 | 0.7500 | **missed**" in text
    assert "- `shop/decoys.py:6:11` BL2 `make_invoice` | `return make_invoice(1)`" in text
    assert (
        "- `billing/exports.py:8:14` BL2 `make_invoice` | `invoice = make_invoice(order)`" in text
    )
