"""FLEET.toml hands paths, URLs and revisions to git: none may become an option or a command,
and a bad fleet file is one line per problem naming the file and the key (exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "functional"))
from fleet_repos import SHARED, d, git_service  # noqa: E402


def _fleet(tmp_path: Path, repos: str, shared: str = SHARED) -> Path:
    path = tmp_path / "FLEET.toml"
    path.write_text(shared + d(repos), encoding="utf-8")
    return path


@pytest.mark.parametrize("key, value, problem", [
    ("revision", "--output=/tmp/x", "repo[0].revision: a revision cannot start with '-'"),
    ("revision", "main..evil", "repo[0].revision: expected a branch, tag, commit id or HEAD~N"),
    ("url", "--upload-pack=touch PWNED", "repo[0].url: a URL cannot start with '-'"),
    ("url", "ext::sh -c touch% PWNED", "repo[0].url: expected a git URL"),
    ("url", "fd::17", "repo[0].url: expected a git URL"),
])
def test_what_would_reach_git_as_an_option_is_refused(cli, tmp_path, monkeypatch, key, value, problem):
    monkeypatch.chdir(tmp_path)
    where = 'url = "file:///nowhere"' if key == "revision" else ""
    path = _fleet(tmp_path, f"""
        [[repo]]
        name = "svc"
        {where}
        {key} = "{value}"
        """)
    run = cli("fleet", path, "-q")
    assert run.code == 2 and run.out == ""
    assert run.err.splitlines() == [f"wsaudit: configuration error: FLEET.toml: {problem}" + run.err.split(problem, 1)[1]
                                    .splitlines()[0]]
    assert not (tmp_path / "PWNED").exists() and not Path("/tmp/x").exists()


def test_a_bad_fleet_file_names_every_problem_once(cli, tmp_path):
    path = _fleet(tmp_path, """
        [[repo]]
        path = "a"
        url = "https://example.invalid/a.git"
        team = 3

        [[repo]]
        name = "b"
        path = "b"

        [[repo]]
        name = "b"
        path = "c"
        """, shared='colour = "blue"\n' + SHARED.replace('id = "PK001"', 'id = 7'))
    run = cli("fleet", path, "-q")
    assert run.code == 2
    assert run.err.splitlines() == [
        "wsaudit: configuration error: FLEET.toml: colour: unknown key (allowed: title, config, config_file, repo)",
        "wsaudit: configuration error: FLEET.toml: repo[0].name: missing: every repository needs a name (letters, "
        "digits, '.', '_', '-')",
        "wsaudit: configuration error: FLEET.toml: repo[0]: give exactly one of path (a local folder) and url (a git URL)",
        "wsaudit: configuration error: FLEET.toml: repo[0].team: expected a string, got an integer",
        "wsaudit: configuration error: FLEET.toml: repo[2].name: 'b' is used twice: names must be unique",
        "wsaudit: configuration error: FLEET.toml: config.rule[0].id: expected a string, got an integer",
    ]


def test_a_clone_or_revision_that_fails_is_a_row(cli, tmp_path):
    git_service(tmp_path / "search", "search", [(1, 0, 0)])
    path = _fleet(tmp_path, f"""
        [[repo]]
        name = "unknown-revision"
        url = "{(tmp_path / 'search').as_uri()}"
        revision = "release-9"

        [[repo]]
        name = "unreachable"
        url = "{(tmp_path / 'nowhere').as_uri()}"

        [[repo]]
        name = "search"
        url = "{(tmp_path / 'search').as_uri()}"
        """)
    run = cli("fleet", path, "-q", "--format", "json")
    assert run.code == 0
    rows = {r["name"]: r for r in run.json()["repositories"]}
    assert "'release-9' names no commit of this repository" in rows["unknown-revision"]["error"]
    assert rows["unreachable"]["error"].startswith(f"cannot clone {(tmp_path / 'nowhere').as_uri()} [git: ")
    assert rows["search"]["error"] is None and rows["search"]["violations"] == 3
