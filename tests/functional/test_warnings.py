"""Every warning a scan gives, every command gives, in every format; ``--strict`` fails on it.

Before, a mistyped ``symbol`` made ``scan`` warn that the rule matched nothing while ``check``
printed nothing, had no ``warnings`` in its JSON and passed: a gate that checked nothing."""

from __future__ import annotations

import json

import pytest
from conftest import BASE_TREE

TYPO = BASE_TREE["wsaudit.toml"].replace("pkg.core.create_websocket_manager", "pkg.core.create_websocket_manger")
UNMATCHED = "rule R1: symbol 'pkg.core.create_websocket_manger' is neither defined nor imported anywhere in the tree"
CLOSEST = "closest existing names: pkg.core.create_websocket_manager"


@pytest.fixture
def typo(tree):
    return tree({"wsaudit.toml": TYPO, "app/__init__.py": "", "app/use.py": "import pkg.core.factory\n"})


def _said(result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("wsaudit: warning: ")]


@pytest.mark.parametrize("command", ["scan", "check", "rank"])
def test_each_command_says_the_warning_on_stderr_and_strict_fails(typo, cli, command):
    plain = cli(command, typo, "--no-cache")
    assert [w for w in _said(plain) if UNMATCHED in w and CLOSEST in w], plain.err
    assert plain.code == (1 if command == "check" else 0)  # check fails on R2's violation, not on the warning
    strict = cli(command, typo, "--no-cache", "--strict")
    assert strict.code == 2 and "--strict" in strict.err.splitlines()[-1]
    assert strict.out == plain.out  # the output is written all the same
    assert cli(command, typo, "--no-cache", "--quiet").err == ""


def test_every_format_holds_the_warning(typo, cli):
    messages = []
    for command, fmt in [("scan", "json"), ("rank", "json"), ("check", "json")]:
        doc = cli(command, typo, "--no-cache", "-q", "--format", fmt).json()
        messages.append([w["message"] for w in doc["warnings"]])
    for command in ("scan", "rank", "check"):
        log = json.loads(cli(command, typo, "--no-cache", "-q", "--format", "sarif").out)
        notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        messages.append([n["message"]["text"] for n in notes if n["descriptor"]["id"] == "unmatched-rule"])
    github = cli("check", typo, "--no-cache", "-q", "--format", "github").out
    messages.append([line.split("::", 2)[2] for line in github.splitlines() if line.startswith("::warning title=wsaudit unmatched-rule")])
    assert len(messages) == 7 and all(m == [messages[0][0]] for m in messages), messages
    assert UNMATCHED in messages[0][0] and CLOSEST in messages[0][0]


def test_a_golden_path_glob_that_matches_nothing_is_a_warning_before_the_ranking_fails(tree, cli):
    root = tree({"wsaudit.toml": BASE_TREE["wsaudit.toml"] + '\n[golden_path]\nmodules = ["app.nowhere.*"]\n',
                 "app/__init__.py": "", "app/use.py": "import pkg.core.factory\n"})
    expected = "wsaudit.toml: golden_path.modules: 'app.nowhere.*' matches no module in the tree"
    for command in ("scan", "check"):
        result = cli(command, root, "--no-cache", "--format", "json")
        assert [w["message"] for w in result.json()["warnings"]] == [expected]
        assert f"wsaudit: warning: {expected}" in result.err
    ranked = cli("rank", root, "--no-cache")  # the ranking cannot start: an error naming the same
    assert ranked.code == 2 and expected in ranked.err


def test_no_warning_no_invocation_and_the_same_bytes(tree, cli):
    root = tree()
    assert cli("check", root, "--no-cache", "--format", "json").json()["warnings"] == []
    log = json.loads(cli("scan", root, "--no-cache", "--format", "sarif").out)
    assert "invocations" not in log["runs"][0]
    assert cli("scan", root, "--no-cache", "--strict").code == 0
