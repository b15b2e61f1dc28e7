"""wsaudit migrate finishes its work: the import a rewrite leaves unused goes, files outside the
import graph are migrated, ``import M`` then ``M.attr`` follows the module's replacement, and the
shim carries PEP 702's ``@deprecated``.

The trees are a small invoicing application in the middle of a Python 2 cleanup: its own
``invoices.compat`` module still provides ``text_type``, which the rule replaces by ``str``.
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from wsaudit.codemod import apply
from wsaudit.codemod.plan import plan
from wsaudit.codemod.records import Migration

COMPAT_RULES = """
[[rule]]
id = "PY2-TEXT"
symbol = "invoices.compat.text_type"
replacement = "builtins.str"
parameters = ["value"]

[[rule.rewrite]]
arguments = ["value"]
call = "str({value})"
imports = []
"""

COMPAT = ('"""Python 2 and 3 compatibility, kept while the cleanup lasts."""\n\nPY2 = False\n\n\n'
          "def text_type(value=''):\n    return str(value)\n")

# The application: each module is a scenario of what becomes of `compat` once its calls go.
INVOICES = {
    "invoices/__init__.py": "",
    "invoices/compat.py": COMPAT,
    "invoices/currency.py": "SYMBOL = '€'\n",
    "wsaudit.toml": COMPAT_RULES,
    # the import goes: its only use is rewritten
    "invoices/render.py": ('"""Render invoice lines."""\nfrom invoices import compat\n\n\n'
                           "def label(number):\n    return compat.text_type(number)\n"),
    # only the alias goes: the other one is still used
    "invoices/totals.py": ("from invoices import compat, currency\n\n\n"
                           "def total(amount):\n    return compat.text_type(amount) + currency.SYMBOL\n"),
    # a function-level import goes with its function's last use
    "invoices/lazy.py": ("def describe(amount):\n    import invoices.compat\n\n"
                         "    return invoices.compat.text_type(amount)\n"),
    # stays: another use of the name is left
    "invoices/export.py": ("from invoices import compat\n\n\ndef header():\n    return compat.text_type('x')\n\n\n"
                           "def legacy_mode():\n    return compat.PY2\n"),
    # stays: a use the codemod does not rewrite (unpacking) is left for a person
    "invoices/bulk.py": ("from invoices import compat\n\n\ndef labels(args):\n"
                         "    return compat.text_type(*args), compat.text_type(1)\n"),
    # stays: re-exported through __all__
    "invoices/api.py": ("from invoices import compat\n\n__all__ = ['compat', 'title']\n\n\n"
                        "def title(x):\n    return compat.text_type(x)\n"),
    # stays: the explicit re-export form
    "invoices/public.py": "from invoices import compat as compat\n\nNAME = compat.text_type('invoice')\n",
    # stays: a package's __init__ re-exports what it imports
    "invoices/formats/__init__.py": "from invoices import compat\n\nDEFAULT = compat.text_type('pdf')\n",
    # stays: named in a string annotation
    "invoices/typed.py": ("from invoices import compat\n\n\ndef parse(x: 'compat.Any'):\n"
                          "    return compat.text_type(x)\n"),
}


def _hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file of the tree but wsaudit's own records."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".wsaudit" not in p.relative_to(root).parts}


def _diffs(m: Migration) -> dict[str, str]:
    return {f.path: f.after.decode() for f in m.changes}


@pytest.fixture
def invoices_plan(tree):
    root = tree(INVOICES, base=False)
    return plan(root, cache=False)


def test_the_import_goes_with_the_last_use_it_served(invoices_plan):
    after = _diffs(invoices_plan)
    assert after["invoices/render.py"] == ('"""Render invoice lines."""\n\n\n'
                                           "def label(number):\n    return str(number)\n")
    assert after["invoices/totals.py"].startswith("from invoices import currency\n\n\n")
    assert after["invoices/lazy.py"] == "def describe(amount):\n    return str(amount)\n"
    assert not invoices_plan.failed


@pytest.mark.parametrize("path, kept", [
    ("invoices/export.py", "from invoices import compat\n"),
    ("invoices/bulk.py", "from invoices import compat\n"),
    ("invoices/api.py", "from invoices import compat\n"),
    ("invoices/public.py", "from invoices import compat as compat\n"),
    ("invoices/formats/__init__.py", "from invoices import compat\n"),
    ("invoices/typed.py", "from invoices import compat\n"),
])
def test_the_import_stays_when_something_may_still_need_it(invoices_plan, path, kept):
    after = _diffs(invoices_plan)[path]
    assert after.startswith(kept), after
    assert "str(" in after  # the call itself was rewritten


def test_a_migrated_file_leaves_no_unused_import_and_rollback_is_byte_identical(tree, cli):
    root = tree(INVOICES, base=False)
    before = _hashes(root)
    apply.apply(plan(root, cache=False))
    for path in ("invoices/render.py", "invoices/totals.py", "invoices/lazy.py"):
        tree_ = ast.parse((root / path).read_text())
        imported = {a.asname or a.name.split(".")[0] for n in ast.walk(tree_)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        read = {n.id for n in ast.walk(tree_) if isinstance(n, ast.Name)}
        assert imported <= read, (path, imported - read)
    for path in sorted(root.rglob("invoices/**/*.py")):
        compile(path.read_bytes(), str(path), "exec")  # byte-compiles, as py_compile would (without writing)
    assert cli("rollback", root, "-q").code == 0
    assert _hashes(root) == before


def test_a_rebinding_import_stays(tree):
    root = tree({**INVOICES, "invoices/optional.py": (
        "try:\n    from invoices import compat\nexcept ImportError:\n    compat = None\n\n"
        "LABEL = compat.text_type(1)\n")}, base=False)
    after = _diffs(plan(root, cache=False, files=["invoices/optional.py"]))["invoices/optional.py"]
    assert "    from invoices import compat\n" in after and "LABEL = str(1)\n" in after


def test_a_flagged_import_of_the_name_stays_when_it_is_a_re_export(tree):
    root = tree({**INVOICES,
                 "invoices/shortcuts.py": ("from invoices.compat import text_type as text_type\n\n"
                                           "EMPTY = text_type('')\n"),
                 "invoices/pdf/__init__.py": "from invoices.compat import text_type\n\nEMPTY = text_type('')\n",
                 "invoices/pdf/page.py": "from invoices.compat import text_type\n\nEMPTY = text_type('')\n"},
                base=False)
    m = plan(root, cache=False, files=["invoices/shortcuts.py", "invoices/pdf/__init__.py", "invoices/pdf/page.py"])
    reasons = {x.path: x.reason for x in m.manual if x.category == "deprecated-import"}
    assert "explicit re-export form" in reasons["invoices/shortcuts.py"]
    assert "a package's __init__ imports 'text_type'" in reasons["invoices/pdf/__init__.py"]
    assert "invoices/pdf/page.py" not in reasons
    assert _diffs(m)["invoices/pdf/page.py"] == "EMPTY = str('')\n"


# ------------------------------------------------------------------------ import M, then M.attr

MODULE_RULES = """
[[rule]]
id = "WS-MOD"
module = "chat.legacy.ws"
replacement = "chat.realtime.manager"
"""

CHAT = {
    "chat/__init__.py": "",
    "chat/legacy/__init__.py": "",
    "chat/legacy/ws.py": "TIMEOUT = 3\n\n\ndef create_websocket_manager(user=None):\n    return user\n",
    "chat/legacy/auth.py": "TOKEN = 'x'\n",
    "chat/realtime/__init__.py": "",
    "chat/realtime/manager.py": ("TIMEOUT = 3\n\n\nclass WebSocketManager:\n    pass\n\n\n"
                                 "def create_websocket_manager(user=None):\n    return WebSocketManager()\n"),
    "wsaudit.toml": MODULE_RULES,
}


def test_a_full_dotted_path_follows_the_module_to_its_replacement(tree):
    root = tree({**CHAT, "chat/server.py": (
        "import chat.legacy.ws\n\n\ndef serve(user):\n"
        "    manager = chat.legacy.ws.create_websocket_manager(user)\n"
        "    return manager, chat.legacy.ws.TIMEOUT\n")}, base=False)
    m = plan(root, cache=False)
    assert _diffs(m)["chat/server.py"] == (
        "import chat.realtime.manager\n\n\ndef serve(user):\n"
        "    manager = chat.realtime.manager.create_websocket_manager(user)\n"
        "    return manager, chat.realtime.manager.TIMEOUT\n")
    assert not m.manual and not m.failed


@pytest.mark.parametrize("body, reason", [
    ("chat.legacy.ws.RETRIES", ("line 3 reads chat.legacy.ws.RETRIES, but 'RETRIES' does not exist in "
                                "chat.realtime.manager (the replacement of chat.legacy.ws)")),
    ("chat.legacy.auth.TOKEN", ("line 3 reads chat.legacy.auth.TOKEN, which import chat.realtime.manager would "
                                "not bind")),
    ("print(chat.legacy.ws)", "line 3 reads chat.legacy.ws: the module object itself is used"),
    # only a module that assigns __all__ has it
    ("chat.legacy.ws.__all__", "'__all__' does not exist in chat.realtime.manager"),
])
def test_a_full_dotted_path_is_refused_with_the_precise_reason(tree, body, reason):
    root = tree({**CHAT, "chat/server.py": f"import chat.legacy.ws\n\n{body}\n"}, base=False)
    m = plan(root, cache=False)
    [item] = [x for x in m.manual if x.path == "chat/server.py"]
    assert reason in item.reason
    assert m.changes == []


# ------------------------------------------------------------------------ files outside the import graph

OUTSIDE = {
    # a dot in the name: no module name reaches it, it runs as a script
    "invoices/export.v1.py": ("from invoices.compat import text_type\nfrom .compat import text_type as tt\n\n"
                              "LABEL = text_type(1) + tt(2)\n"),
    "bin.d/send-invoices.py": "from invoices import compat\n\nprint(compat.text_type(3))\n",
    # beside the package invoices/formats/, which Python loads instead
    "invoices/formats.py": "from .compat import text_type\n\nPDF = text_type('pdf')\n",
    # names that are not identifiers, but modules all the same (import_module, python -m)
    "invoices/tools/__init__.py": "",
    "invoices/tools/2fa.py": "import invoices.compat\n\nCODE = invoices.compat.text_type(2)\n",
    "scripts/run-server.py": "from invoices.compat import text_type\n\nprint(text_type(4))\n",
}


def test_files_outside_the_graph_get_their_absolute_imports_and_calls_rewritten(tree):
    root = tree({**INVOICES, **OUTSIDE}, base=False)
    m = plan(root, cache=False, files=sorted(p for p in OUTSIDE if not p.endswith("__init__.py")))
    assert m.skipped == [] and not m.failed
    after = _diffs(m)
    assert after["invoices/export.v1.py"] == "from .compat import text_type as tt\n\nLABEL = str(1) + str(2)\n"
    assert after["bin.d/send-invoices.py"] == "print(str(3))\n"
    assert after["invoices/formats.py"] == "from .compat import text_type\n\nPDF = str('pdf')\n"
    assert after["invoices/tools/2fa.py"] == "CODE = str(2)\n"
    assert after["scripts/run-server.py"] == "print(str(4))\n"
    reasons = {x.path: x.reason for x in m.manual}
    assert set(reasons) == {"invoices/export.v1.py", "invoices/formats.py"}
    assert reasons["invoices/export.v1.py"].startswith(
        "relative import in a file outside the import graph (no module name makes Python load "
        "invoices/export.v1.py (it runs as a script))")
    assert "(Python loads invoices/formats/__init__.py for invoices.formats, never this file)" in \
        reasons["invoices/formats.py"]


# ------------------------------------------------------------------------ the shim, for type checkers


@pytest.mark.parametrize("python", ["3.11", "3.13"])
def test_a_type_checker_strikes_the_shim_through(sample_copy, cli, tmp_path, python):
    shim = cli("migrate", sample_copy, "--emit-shim", "-q").out
    project = tmp_path / "project"
    (project / "legacy").mkdir(parents=True)
    (project / "legacy" / "__init__.py").write_text("")
    # the replacement the shim imports, as a stand-in
    (project / "legacy" / "shim.py").write_text(shim.replace(
        "from netra_backend.app.websocket_core.websocket_manager import WebSocketManager, WebSocketManagerMode",
        "from legacy.manager import WebSocketManager, WebSocketManagerMode"))
    (project / "legacy" / "manager.py").write_text(
        "import enum\n\n\nclass WebSocketManagerMode(enum.Enum):\n    TEST = 'test'\n\n\n"
        "class WebSocketManager:\n    def __init__(self, **kwargs: object) -> None:\n        pass\n")
    (project / "caller.py").write_text("from legacy.shim import create_websocket_manager\n\n"
                                       "manager = create_websocket_manager()\n")
    found = subprocess.run([sys.executable, "-m", "mypy", "--python-version", python, "--enable-error-code",
                            "deprecated", "--no-incremental", "--cache-dir", str(tmp_path / "cache"),
                            "caller.py", "legacy"], cwd=project, capture_output=True, text=True, check=False)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "caller.py:1: error: function legacy.shim.create_websocket_manager is deprecated: " \
           "create_websocket_manager is deprecated." in found.stdout
    assert found.stdout.count("error:") == 1, found.stdout


# ------------------------------------------------------------------------ per violation: automatable or manual


def test_triage_gives_one_verdict_per_violation_as_the_plan_decides(sample_copy):
    from collections import Counter

    from wsaudit.api import audit
    from wsaudit.codemod.triage import triage

    a = audit(sample_copy, cache=False)
    m = plan(sample_copy, audit=a)
    verdicts = triage(a, migration=m)
    assert [v.violation for v in verdicts] == list(a.violation_records)
    assert sum(v.automatable for v in verdicts) == sum(f.rewritten for f in m.changes) == 62
    assert Counter((v.violation.path, v.violation.rule_id, v.violation.category, v.violation.name, v.reason)
                   for v in verdicts if not v.automatable) == \
        Counter((x.path, x.rule_id, x.category, x.name, x.reason) for x in m.manual)
    for f in m.changes:
        assert sum(v.automatable for v in verdicts if v.violation.path == f.path) == f.rewritten, f.path


def test_triage_tells_two_calls_on_one_line_apart(tree):
    from wsaudit.api import audit
    from wsaudit.codemod.triage import triage

    root = tree({**INVOICES, "invoices/mixed.py": ("from invoices import compat\n\n\ndef labels(args):\n"
                                                   "    return compat.text_type(1), compat.text_type(*args)\n")},
                base=False)
    a = audit(root, cache=False)
    for path in ("invoices/bulk.py", "invoices/mixed.py"):  # the call left for a person first, then second
        verdicts = [v for v in triage(a, [path]) if v.violation.category == "deprecated-call"]
        by_col = {v.violation.col: (v.automatable, v.reason) for v in verdicts}
        first, second = sorted(by_col)
        star, plain = (first, second) if path.endswith("bulk.py") else (second, first)
        assert by_col[star] == (False, "call with *-unpacking: the arguments are not known statically"), path
        assert by_col[plain] == (True, None), path
