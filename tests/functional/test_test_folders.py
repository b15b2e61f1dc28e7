"""Which files are tests, said and configured per folder: a service whose runtime health-check
plugins are modules named ``test_*.py`` (``test_database.py`` checks the database at run
time), beside its real test suite. The default ``tests`` patterns take the plugins for tests;
``[test_folders]`` (or a ``!`` pattern) says they are not, and ``scan --explain`` says why."""

from __future__ import annotations

import json

import pytest
from conftest import write_tree

RULE = """
[[rule]]
id = "DB001"
symbol = "healthsvc.db.legacy_connect"
replacement = "healthsvc.db.connect"
"""

SERVICE = {
    "healthsvc/__init__.py": "",
    "healthsvc/db.py": "def legacy_connect(url):\n    return url\n\n\ndef connect(url):\n    return url\n",
    "healthsvc/plugins/__init__.py": "",
    "healthsvc/plugins/test_database.py": ("from healthsvc.db import legacy_connect\n\n\n"
                                           "def run(settings):\n    return legacy_connect(settings.url)\n"),
    "healthsvc/plugins/test_smtp.py": "def run(settings):\n    return settings.smtp\n",
    "healthsvc/plugins/checks/test_fixture_data.py": "from healthsvc.db import legacy_connect\n",
    "tests/test_plugins.py": "from healthsvc.db import legacy_connect\n\n\ndef test_it():\n    legacy_connect('x')\n",
    "build/lib/healthsvc/db.py": "def legacy_connect(url):\n    return url\n",
}


def service(tmp_path, config: str):
    return write_tree(tmp_path / "svc", {**SERVICE, "wsaudit.toml": config + RULE})


def is_test_by_path(cli, root) -> dict[str, bool]:
    out = cli("scan", root, "--no-cache", "--format", "json").json()
    return {v["path"]: v["is_test"] for v in out["violations"]}


def test_the_default_patterns_take_plugins_named_test_for_tests(tmp_path, cli):
    assert is_test_by_path(cli, service(tmp_path, "")) == {
        "healthsvc/plugins/checks/test_fixture_data.py": True, "healthsvc/plugins/test_database.py": True,
        "tests/test_plugins.py": True}


def test_a_test_folder_says_which_of_its_files_are_tests_with_patterns_relative_to_it(tmp_path, cli):
    root = service(tmp_path, '[test_folders]\n"healthsvc/plugins" = ["checks/**"]\n')
    assert is_test_by_path(cli, root) == {
        "healthsvc/plugins/checks/test_fixture_data.py": True,  # under checks/, as the folder says
        "healthsvc/plugins/test_database.py": False,  # a plugin, not a test: production code
        "tests/test_plugins.py": True}  # elsewhere, `tests` still decides


def test_an_empty_test_folder_holds_no_test_and_the_deepest_folder_decides(tmp_path, cli):
    root = service(tmp_path, '[test_folders]\n"healthsvc/plugins" = []\n"healthsvc/plugins/checks" = ["test_*.py"]\n')
    assert is_test_by_path(cli, root) == {
        "healthsvc/plugins/checks/test_fixture_data.py": True, "healthsvc/plugins/test_database.py": False,
        "tests/test_plugins.py": True}


def test_a_negated_pattern_in_tests_takes_files_out_as_gitignore_does(tmp_path, cli):
    root = service(tmp_path, 'tests = ["tests/**", "**/test_*.py", "!healthsvc/plugins/test_*.py"]\n')
    assert is_test_by_path(cli, root) == {
        "healthsvc/plugins/checks/test_fixture_data.py": True, "healthsvc/plugins/test_database.py": False,
        "tests/test_plugins.py": True}
    out = cli("scan", root, "--explain", root / "healthsvc/plugins/test_database.py")
    assert out.code == 0
    assert ("  test: no: the pattern '!healthsvc/plugins/test_*.py' of wsaudit.toml: tests takes it out "
            "(after '**/test_*.py')") in out.out.splitlines()


def test_explain_says_which_pattern_of_which_key_of_which_file_decided(tmp_path, cli, monkeypatch):
    root = service(tmp_path, '[test_folders]\n"healthsvc/plugins" = ["checks/**"]\n')
    monkeypatch.chdir(root)
    plugin = cli("scan", "--explain", "healthsvc/plugins/test_database.py")
    assert plugin.code == 0 and plugin.err == ""
    assert plugin.out.splitlines() == [
        "healthsvc/plugins/test_database.py: audited",
        "  excluded: no: no pattern of exclude, wsaudit's default (wsaudit.toml does not set it) matches it "
        "(3 patterns: '.venv', 'build', 'backup*')",
        "  test: no: no pattern of wsaudit.toml: test_folders.\"healthsvc/plugins\" (it replaces tests under "
        "healthsvc/plugins/; matched against test_database.py) matches it (1 pattern: 'checks/**')"]
    suite = cli("scan", ".", "--explain", "tests/test_plugins.py").out.splitlines()
    assert suite[2] == ("  test: yes: by the pattern 'tests/**' of tests, wsaudit's default (wsaudit.toml does not "
                        "set it) (also: '**/tests/**', '**/test_*.py')")
    built = cli("scan", "--explain", "build/lib/healthsvc/db.py").out.splitlines()
    assert built[:2] == ["build/lib/healthsvc/db.py: not audited (excluded)",
                         "  excluded: yes: its folder build/: by the pattern 'build' of exclude, wsaudit's default "
                         "(wsaudit.toml does not set it)"]
    doc = cli("scan", "--explain", "healthsvc/plugins/checks/test_fixture_data.py", "--format", "json").json()
    assert doc == {"path": "healthsvc/plugins/checks/test_fixture_data.py", "exists": True, "excluded": False,
                   "excluded_by": doc["excluded_by"], "audited": True, "test_folder": "healthsvc/plugins",
                   "is_test": True, "config": "wsaudit.toml",
                   "test_by": "by the pattern 'checks/**' of wsaudit.toml: test_folders.\"healthsvc/plugins\" (it "
                              "replaces tests under healthsvc/plugins/; matched against checks/test_fixture_data.py)"}


def test_explain_names_the_key_as_a_pyproject_writes_it_and_what_is_never_audited(tmp_path, cli):
    root = write_tree(tmp_path / "svc", {**SERVICE, "pyproject.toml": "[tool.wsaudit]\ntests = [\"tests/**\"]\n"
                                         + RULE.replace("[[rule]]", "[[tool.wsaudit.rule]]")})
    (root / ".git").mkdir()
    lines = cli("scan", root, "--explain", root / "tests/test_plugins.py").out.splitlines()
    assert lines[2] == "  test: yes: by the pattern 'tests/**' of pyproject.toml: tool.wsaudit.tests"
    hidden = cli("scan", root, "--explain", root / ".git/hooks.py").out.splitlines()
    assert hidden[1].startswith("  excluded: yes: .git/ is never audited")


def test_explain_of_a_file_outside_the_tree_is_one_usage_line(tmp_path, cli):
    root = service(tmp_path, "")
    result = cli("scan", root, "--explain", tmp_path / "elsewhere.py")
    assert result.code == 2 and result.out == "" and len(result.err.strip().splitlines()) == 1
    assert "not inside the audited tree" in result.err


def test_a_warm_scan_after_the_folders_change_classifies_again(tmp_path, cli):
    root = service(tmp_path, "")
    assert cli("scan", root, "--format", "json").json()["violations"][1]["is_test"] is True  # stored in the cache
    config = root / "wsaudit.toml"
    config.write_text('[test_folders]\n"healthsvc/plugins" = []\n' + config.read_text())
    warm = {v["path"]: v["is_test"] for v in cli("scan", root, "--format", "json").json()["violations"]}
    assert warm["healthsvc/plugins/test_database.py"] is False


@pytest.mark.parametrize(("table", "key", "problem"), [
    ('test_folders = ["plugins"]', "test_folders", "expected a table of folder = [patterns], got a list"),
    ('[test_folders]\n"../outside" = []', 'test_folders."../outside"', "must be a folder inside the audited root"),
    ('[test_folders]\n"/abs" = []', 'test_folders."/abs"', "must be a folder inside the audited root"),
    ('[test_folders]\n"." = []', 'test_folders."."', "for the whole tree, use tests"),
    ('[test_folders]\n"plug*" = []', 'test_folders."plug*"', "is a folder, not a pattern"),
    ('[test_folders]\nplugins = "checks/**"', "test_folders.plugins", "expected a list of strings, got a string"),
    ('[test_folders]\nplugins = ["[z-a]"]', "test_folders.plugins", "is not a valid gitignore-style pattern"),
    ('[test_folders]\nplugins = []\n"plugins/" = []', 'test_folders."plugins/"', "the folder 'plugins' is given twice"),
])
def test_a_bad_test_folder_is_one_line_naming_the_file_and_the_key(tmp_path, cli, table, key, problem):
    root = service(tmp_path, table + "\n")
    result = cli("scan", root, "--no-cache")
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"wsaudit: configuration error: wsaudit.toml: {key}: ") and problem in lines[0]


def test_a_key_the_profile_gives_is_named_as_the_profiles(tmp_path, cli):
    root = write_tree(tmp_path / "svc", {**SERVICE, "wsaudit.toml": 'profile = "netra-websocket"\n'})
    doc = json.loads(cli("scan", root, "--explain", root / "tests/test_plugins.py", "--format", "json").out)
    assert doc["is_test"] is True and doc["test_by"].startswith("by the pattern 'tests/**' of profile:netra-websocket: "
                                                                "tests")


def test_the_deepest_folder_decides_however_deep_the_path():
    """One walk down the folders' segments, over the longest folder's length of the path: a
    tree nested thousands of folders deep is classified as a shallow one is."""
    from wsaudit.config import Config
    from wsaudit.engine.discover import TestFiles

    folders = TestFiles(Config(test_folders=(("a", ()), ("a/a/a", ("test_*.py",)), ("plugins", ("ci/**",)))))
    deep = "a/" * 3000 + "test_x.py"
    assert [folders.folder_of(p) for p in (deep, "a/a/test_x.py", "a/ab/x.py", "plugins/ci/x.py", "plug/x.py")] == [
        "a/a/a", "a", "a", "plugins", None]
    assert [folders.match_file(p) for p in (deep, "a/a/test_x.py", "plugins/ci/x.py", "plugins/test_x.py")] == [
        True, False, True, False]
