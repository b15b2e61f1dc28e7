"""Configuration: where it is read from, how profiles merge, and one clear line per problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wsaudit.config import load, locate, profile
from wsaudit.errors import ConfigError


def test_builtin_profile_is_the_seed(tmp_path):
    cfg = load(tmp_path, profile_name="netra-websocket")  # only when asked for by name
    assert cfg.source == "profile:netra-websocket" and load(tmp_path, "profile:netra-websocket") == cfg
    ws001 = cfg.rule("WS001")
    # every def of the factory under websocket_core, wherever a migration moves it
    assert ws001.symbol == "netra_backend.app.websocket_core.**.create_websocket_manager"
    assert ws001.matches("netra_backend.app.websocket_core.create_websocket_manager")
    assert ws001.replacement == "netra_backend.app.websocket_core.websocket_manager.WebSocketManager"
    assert {cfg.rule("WS002").module, cfg.rule("WS003").module} == {
        "netra_backend.app.websocket_core.factory",
        "netra_backend.app.websocket_core.websocket_manager_factory",
    }
    assert cfg.golden_path.modules == (
        "netra_backend.app.routes.websocket_ssot",
        "netra_backend.app.websocket_core.agent_handler",
    )
    assert len(cfg.golden_path.tests) == 3


def test_precedence_config_flag_then_wsaudit_toml_then_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.wsaudit]\nprofile = "netra-websocket"\nroots = ["src"]\n')
    assert load(tmp_path).source == "pyproject.toml"
    assert load(tmp_path).roots == ("src",)
    (tmp_path / "wsaudit.toml").write_text('profile = "netra-websocket"\nroots = ["lib"]\n')
    assert load(tmp_path).roots == ("lib",)
    other = tmp_path / "other.toml"
    other.write_text('profile = "netra-websocket"\nroots = ["x"]\n')
    assert load(tmp_path, other).roots == ("x",)


def test_no_configuration_anywhere_is_an_error_that_says_what_to_do(tmp_path):
    """Before, a tree with no configuration was silently audited for the sample's API: a CI gate
    then passed, checking nothing. A pyproject.toml without [tool.wsaudit] is not one either."""
    (tmp_path / ".git").mkdir()  # the repository's top: the search stops here
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    (line,) = caught.value.lines()
    assert "no configuration found" in line and "wsaudit init" in line and "--config FILE" in line
    assert "--profile netra-websocket" in line
    with pytest.raises(ConfigError, match="no such built-in profile"):
        load(tmp_path, profile_name="nope")


def test_the_nearest_configuration_in_the_folder_or_its_parents_is_the_trees(tmp_path):
    """As ruff finds its own: a sub-folder of a configured tree is audited in that tree."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.wsaudit]\nprofile = "netra-websocket"\n')
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    found = locate(sub)
    assert (found.root, found.scope, found.config.source) == (tmp_path, "src/pkg", "pyproject.toml")
    (tmp_path / "src" / "wsaudit.toml").write_text('profile = "netra-websocket"\nroots = ["."]\n')
    assert (locate(sub).root, locate(sub).scope) == (tmp_path / "src", "pkg")  # the nearest wins
    assert (locate(tmp_path).root, locate(tmp_path).scope) == (tmp_path, "")
    outside = tmp_path / "vendor"
    (outside / ".git").mkdir(parents=True)  # another repository inside: the search stops at its top
    with pytest.raises(ConfigError, match="no configuration found"):
        locate(outside)


def test_profile_merge_replaces_named_keys_only(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(
        'profile = "netra-websocket"\n[[rule]]\nid = "X1"\nmodule = "legacy"\n'
    )
    cfg = load(tmp_path)
    assert [r.id for r in cfg.rules] == ["X1"]
    assert cfg.golden_path == profile().golden_path
    assert cfg.exclude == profile().exclude


def test_every_problem_is_reported_at_once_with_file_and_key(tmp_path):
    (tmp_path / "wsaudit.toml").write_text(
        'roots = "src"\nbogus = 1\nmax_file_size = -3\n[golden_path]\nmodules = [1]\nextra = true\n'
        '[[rule]]\nid = "A"\nsymbol = "no_module"\n[[rule]]\nid = "A"\nmodule = "m"\nsymbol = "m.x"\n'
    )
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    keys = [key for _, key, _ in info.value.problems]
    assert keys == ["bogus", "roots", "max_file_size", "golden_path.extra", "golden_path.modules",
                    "rule[0].symbol", "rule[1].id", "rule[1]"]
    assert all(file == "wsaudit.toml" for file, _, _ in info.value.problems)


def test_pyproject_keys_are_named_in_full(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.wsaudit]\nprofile = "nope"\n')
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.lines() == ["pyproject.toml: tool.wsaudit.profile: unknown profile 'nope' (known: netra-websocket)"]


def test_a_file_without_profile_needs_rules(tmp_path):
    (tmp_path / "wsaudit.toml").write_text('roots = ["."]\n')
    with pytest.raises(ConfigError, match="no \\[\\[rule\\]\\] given"):
        load(tmp_path)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("roots = [", "wsaudit: configuration error: wsaudit.toml: invalid TOML: "),
        ("unknown_key = 1\n", "wsaudit: configuration error: wsaudit.toml: unknown_key: unknown key"),
        ('profile = "netra-websocket"\nexclude = 3\n',
         "wsaudit: configuration error: wsaudit.toml: exclude: expected a list of strings, got an integer"),
        ('profile = "netra-websocket"\n[[rule]]\nsymbol = "a.b"\n',
         "wsaudit: configuration error: wsaudit.toml: rule[0].id: missing"),
        ('profile = "netra-websocket"\n[golden_path]\nmodules = "x"\n',
         "wsaudit: configuration error: wsaudit.toml: golden_path.modules: expected a list of strings"),
    ],
)
def test_configuration_errors_are_one_line_exit_2_no_traceback(tmp_path, text, expected):
    (tmp_path / "wsaudit.toml").write_text(text)
    proc = subprocess.run([sys.executable, "-m", "wsaudit", "scan", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_config_file_and_missing_root_are_errors(cli, tmp_path):
    result = cli("scan", tmp_path, "--config", tmp_path / "nope.toml")
    assert result.code == 2 and "nope.toml: no such file" in result.err
    result = cli("scan", tmp_path / "missing")
    assert result.code == 2 and result.err.count("\n") == 1 and "no such folder" in result.err


def test_usage_errors_exit_2_in_one_line(cli):
    result = cli("scan", "--format", "xml")
    assert result.code == 2 and result.err.count("\n") == 1


def test_a_sub_folder_is_audited_in_its_tree_and_only_its_rows_are_reported(tree, cli, monkeypatch):
    """Before, ``wsaudit scan app/`` of a configured repository fell back to the sample's profile
    (the configuration was looked for at the audited folder only) and resolved nothing above it."""
    root = tree({"app/__init__.py": "", "app/use.py": "from pkg.core.factory import build_manager\nbuild_manager()\n",
                 "pkg/core/old_user.py": "from pkg.core import create_websocket_manager\n"})
    (root / ".git").mkdir()
    whole = cli("scan", root, "--no-cache", "--format", "json").json()
    sub = cli("scan", root / "app", "--no-cache", "--format", "json")
    assert sub.code == 0 and sub.json()["root"] == str(root) and sub.json()["config"] == "wsaudit.toml"
    assert "app/ audited in the tree of" in sub.err and str(root / "wsaudit.toml") in sub.err
    rows = sub.json()["violations"]
    # the alias through a module outside app/ is resolved (the tree is the configuration's)
    assert {(v["path"], v["category"], v["rule_id"]) for v in rows} == {
        ("app/use.py", "deprecated-import", "R1"), ("app/use.py", "deprecated-module", "R2"),
        ("app/use.py", "deprecated-call", "R1")}
    assert rows == [v for v in whole["violations"] if v["path"].startswith("app/")]
    assert len(whole["violations"]) > len(rows) and sub.json()["files_scanned"] == 2
    monkeypatch.chdir(root / "app")  # from inside the sub-folder, as ruff is run
    check = cli("check", ".", "--no-cache", "--format", "json")
    assert check.code == 1 and {f["path"] for f in check.json()["failures"]} == {"app/use.py"}
