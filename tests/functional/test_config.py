"""Configuration: where it is read from, how profiles merge, and one clear line per problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wsaudit.config import load, profile
from wsaudit.errors import ConfigError


def test_builtin_profile_is_the_seed(tmp_path):
    cfg = load(tmp_path)
    assert cfg.source == "profile:netra-websocket"
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


def test_pyproject_without_tool_table_falls_back_to_the_profile(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load(tmp_path).source == "profile:netra-websocket"


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
