"""``# wsaudit: ignore[RULE] -- reason``: one use accepted in the code itself, with its reason.

Before, the only way to accept a use was the baseline, which says nothing of why."""

from __future__ import annotations

import pytest
from conftest import RULES
from test_warm import age

from wsaudit.api import audit

NAME = "create_websocket_manager"
DEF = '"""Home."""\n\ndef create_websocket_manager(user_context=None):\n    return user_context\n'
USE = (
    f"from pkg.core import (  # wsaudit: ignore[R1] -- the v1 route keeps the factory until May\n"
    f"    {NAME},\n"
    f")\n"
    f"\n"
    f"a = {NAME}()\n"
    f"b = {NAME}()  # wsaudit: ignore[R1] -- measured: WebSocketManager costs 40 ms here\n"
    f"c = wrap(  # wsaudit: ignore[R1] -- the whole statement, from its first line\n"
    f"    {NAME}(),\n"
    f")\n"
    f"d = 1  # wsaudit: ignore[R1] -- nothing to accept here\n"
    f"e = {NAME}()  # wsaudit: ignore[R1]\n"
    f"f = {NAME}()  # wsaudit: ignore[R2] -- another rule's\n"
    f"s = '# wsaudit: ignore[R1] -- a string, not a comment'\n"
)


TEMPLATE = '\n[[rule.rewrite]]\narguments = []\ncall = "Manager()"\nimports = ["from pkg.core.manager import Manager"]\n'


@pytest.fixture
def suppressed_tree(tree):
    rules = RULES.replace('replacement = "pkg.core.manager.Manager"\n', 'replacement = "pkg.core.manager.Manager"\n' + TEMPLATE)
    return tree({"wsaudit.toml": rules, "pkg/core/manager.py": "class Manager:\n    pass\n", "pkg/__init__.py": "", "pkg/core/__init__.py": "from .impl import " + NAME + "\n",
                 "pkg/core/impl.py": DEF, "app/__init__.py": "", "app/use.py": USE})


def test_scan_takes_the_suppressed_rows_out_with_their_reasons(suppressed_tree, cli):
    doc = cli("scan", suppressed_tree, "--no-cache", "--format", "json").json()
    rows = {(v["line"], v["category"]) for v in doc["violations"] if v["path"] == "app/use.py"}
    assert rows == {(5, "deprecated-call"), (11, "deprecated-call"), (12, "deprecated-call")}
    out = {(s["line"], s["category"], s["reason"]) for s in doc["suppressed"]}
    assert out == {(1, "deprecated-import", "the v1 route keeps the factory until May"),
                   (6, "deprecated-call", "measured: WebSocketManager costs 40 ms here"),
                   (8, "deprecated-call", "the whole statement, from its first line")}
    problems = {(d["line"], d["kind"]) for d in doc["diagnostics"] if d["path"] == "app/use.py"}
    assert problems == {(10, "unused-suppression"), (11, "bad-suppression"), (12, "unused-suppression")}
    table = cli("scan", suppressed_tree, "--no-cache").out
    assert "3 uses suppressed by a comment" in table and "-- measured: WebSocketManager costs 40 ms here" in table
    assert "3 suppression comments to fix:" in table


def test_the_gate_never_fails_on_a_suppressed_use_and_the_baseline_does_not_hold_it(suppressed_tree, cli, tmp_path):
    baseline = tmp_path / "baseline.json"
    adopted = cli("check", suppressed_tree, "--no-cache", "--baseline", baseline, "--update-baseline", "--format", "json")
    held = {(e["path"], e["statement"]) for e in __import__("json").loads(baseline.read_text())["entries"]}
    assert ("app/use.py", f"b = {NAME}()") not in held and ("app/use.py", f"a = {NAME}()") in held
    assert len(adopted.json()["suppressed"]) == 3
    gate = cli("check", suppressed_tree, "--no-cache")
    assert gate.code == 1 and "app/use.py:6:" not in gate.out and "app/use.py:5:" in gate.out
    assert "3 uses suppressed by a comment" in gate.out


def test_rank_and_the_api_leave_them_out(suppressed_tree, cli):
    ranked = cli("rank", suppressed_tree, "--no-cache", "--format", "json").json()
    assert {v["line"] for v in ranked["violations"] if v["path"] == "app/use.py"} == {5, 11, 12}
    assert len(ranked["suppressed"]) == 3
    result = audit(suppressed_tree, cache=False)
    assert [(v.line, why[:8]) for v, why in result.suppressed_records] == [(1, "the v1 r"), (6, "measured"),
                                                                            (8, "the whol")]


def test_migrate_leaves_a_suppressed_use_alone(suppressed_tree, cli):
    diff = cli("migrate", suppressed_tree, "--no-cache").out
    changed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert f"-a = {NAME}()" in changed  # an unsuppressed call is rewritten...
    assert not any(line.startswith(f"-b = {NAME}") for line in changed)  # ...a suppressed one is not


def test_an_edit_that_adds_a_suppression_is_patched_as_a_cold_run_would_audit_it(suppressed_tree):
    age(suppressed_tree)
    audit(suppressed_tree)
    use = suppressed_tree / "app" / "use.py"
    use.write_text(USE.replace(f"a = {NAME}()", f"a = {NAME}()  # wsaudit: ignore[R1] -- added later"))
    age(suppressed_tree)
    warm, cold = audit(suppressed_tree), audit(suppressed_tree, cache=False)
    assert warm.result.how in ("patched", "replayed", "searched")
    assert (warm.violation_records, warm.suppressed_records, warm.diagnostic_records) == (
        cold.violation_records, cold.suppressed_records, cold.diagnostic_records)
    assert (5, "added later") in {(v.line, why) for v, why in warm.suppressed_records}
