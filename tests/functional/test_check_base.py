"""``wsaudit check --base REV``: the configuration and the baseline come from REV, not from the
pull request's tree.

Each test builds a repository with git: ``main`` holds the configuration, a use of the
deprecated API and the baseline that accepts it; a branch ``pr`` (checked out: the pull
request's working tree) adds a new use and, in the attacks, edits the configuration or the
baseline so that the gate does not see it. Without ``--base`` the attack passes (shown first in
each test); with ``--base main`` the gate fails on the new use and says what the tree's own
configuration or baseline would hide.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from conftest import BASE_TREE, RULES, commit, git, sarif_schema, write_tree

OLD_USE = "from pkg.core import create_websocket_manager\n\n\ndef old():\n    return create_websocket_manager()\n"
NEW_USE = "from pkg.core import create_websocket_manager\n\n\ndef fresh():\n    return create_websocket_manager()\n"
MAIN = {**BASE_TREE, ".gitignore": ".wsaudit/\n", "app/__init__.py": "", "app/old.py": OLD_USE}
BASELINE = "wsaudit-baseline.json"


def make_repository(root: Path, cli, files: dict[str, str] = MAIN) -> Path:
    """``main``: ``files`` and the baseline that accepts their uses; then ``pr`` checked out."""
    write_tree(root, files)
    git(root, "init", "--quiet", "--template=", "--initial-branch=main")
    adopted = cli("check", root, "--baseline", root / BASELINE, "--update-baseline")
    assert adopted.code == 0, adopted.err
    commit(root, "adopt the gate")
    git(root, "checkout", "--quiet", "-b", "pr")
    return root


@pytest.fixture
def repo(tmp_path, cli) -> Path:
    return make_repository(tmp_path / "repo", cli)


def gate(cli, path: Path, *extra):
    root = path if (path / ".git").exists() else next(p for p in path.parents if (p / ".git").exists())
    return cli("check", path, "--baseline", root / BASELINE, *extra)


def one_line_error(result) -> str:
    lines = result.err.splitlines()
    assert result.code == 2 and result.out == "" and len(lines) == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    return lines[0]


def failing_paths_of(doc: dict) -> set[str]:
    return {f["path"] for f in doc["failures"]}


# ---------------------------------------------------------------------------- the configuration


def _prepend(root: Path, name: str, text: str) -> None:
    path = root / name
    path.write_text(text + path.read_text(encoding="utf-8"), encoding="utf-8")


ONLY_R2 = "[[rule]]" + RULES.split("[[rule]]")[2]  # the configuration without the rule R1 the new use breaks
ATTACKS = {
    "excludes the new file": lambda root: _prepend(root, "wsaudit.toml", 'exclude = ["app/new.py"]\n'),
    "points the rule at a symbol that does not exist": lambda root: (root / "wsaudit.toml").write_text(
        RULES.replace("pkg.core.create_websocket_manager", "pkg.core.create_websocket_manager_v0"), encoding="utf-8"),
    "removes the rule": lambda root: (root / "wsaudit.toml").write_text(ONLY_R2, encoding="utf-8"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_pull_request_that_edits_the_configuration_to_hide_its_new_use(repo, cli, attack):
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    ATTACKS[attack](repo)
    commit(repo, "a new use, and the configuration that hides it")

    # the attack: the tree's own configuration decides what is checked, and the gate passes
    assert gate(cli, repo).code == 0

    checked = gate(cli, repo, "--base", "main")
    assert checked.code == 1, checked.err
    assert "app/new.py:1:1  R1  deprecated-import" in checked.out
    assert "app/new.py:5:12  R1  deprecated-call" in checked.out
    commit_id = git(repo, "rev-parse", "main").strip()
    assert (f"note: checked with main's configuration and baseline (commit {commit_id[:12]}): configuration "
            f"main:wsaudit.toml, baseline main:{BASELINE}") in checked.out
    assert ("note: the tree's wsaudit.toml differs from main's: with it, 2 findings would not be reported "
            "(app/new.py:1, app/new.py:5); main's is checked") in checked.out
    assert checked.out.splitlines()[-1].startswith("wsaudit check: FAILED (2 violations)")

    doc = gate(cli, repo, "--base", "main", "--format", "json").json()
    assert not doc["passed"] and failing_paths_of(doc) == {"app/new.py"}
    assert doc["config"] == "main:wsaudit.toml"
    base = doc["base"]
    assert {k: base[k] for k in ("rev", "commit", "config", "baseline", "differs", "differences", "tree_config",
                                 "tree_error")} == {
        "rev": "main", "commit": commit_id, "config": "main:wsaudit.toml", "baseline": f"main:{BASELINE}",
        "differs": True, "differences": ["config"], "tree_config": "wsaudit.toml", "tree_error": None}
    assert [(h["path"], h["line"], h["category"]) for h in base["hidden"]] == [
        ("app/new.py", 1, "deprecated-import"), ("app/new.py", 5, "deprecated-call")]
    assert {h["fingerprint"] for h in base["hidden"]} == {f["fingerprint"] for f in doc["failures"]}

    sarif = gate(cli, repo, "--base", "main", "--format", "sarif").json()
    jsonschema.validate(sarif, sarif_schema())
    assert sarif["runs"][0]["properties"]["base"] == base

    github = gate(cli, repo, "--base", "main", "--format", "github").out.splitlines()
    errors = [line for line in github if line.startswith("::error ")]  # paths from where the command runs
    assert len(errors) == 2 and all("app/new.py," in line for line in errors)
    assert ("::warning title=wsaudit --base::the tree's wsaudit.toml differs from main's: with it, 2 findings would "
            "not be reported (app/new.py:1, app/new.py:5); main's is checked") in github


def test_a_wsaudit_toml_added_beside_the_pyproject_of_main_is_not_read(tmp_path, cli):
    files = {k: v for k, v in MAIN.items() if k != "wsaudit.toml"}
    files["pyproject.toml"] = '[project]\nname = "x"\n\n' + RULES.replace("[[rule]]", "[[tool.wsaudit.rule]]")
    root = make_repository(tmp_path / "repo", cli, files)
    (root / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    # a wsaudit.toml wins over [tool.wsaudit] in the same folder: the pull request adds one that checks nothing new
    (root / "wsaudit.toml").write_text('exclude = ["app"]\n' + RULES, encoding="utf-8")
    assert gate(cli, root).code == 0

    doc = gate(cli, root, "--base", "main", "--format", "json").json()
    assert not doc["passed"] and failing_paths_of(doc) == {"app/new.py"}
    assert doc["config"] == "main:pyproject.toml"
    assert doc["base"]["tree_config"] == "wsaudit.toml" and doc["base"]["differences"] == ["config"]
    assert "the tree's wsaudit.toml differs from main's: with it, 2 findings would not be reported" \
        in doc["base"]["note"]


def test_a_sub_folder_is_audited_in_the_tree_of_the_configuration_at_rev(repo, cli):
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    # a nearer configuration: discovery in the working tree would make app/ a tree of its own, without R1
    (repo / "app/wsaudit.toml").write_text(ONLY_R2, encoding="utf-8")
    commit(repo, "app: a configuration of its own")
    assert gate(cli, repo / "app").code == 0

    checked = gate(cli, repo / "app", "--base", "main")
    assert checked.code == 1
    # the tree is main's configuration's folder (the top): paths and module names are the whole tree's
    assert "app/new.py:5:12  R1  deprecated-call" in checked.out
    assert f"app/ audited in the tree of {repo.resolve()} (main:wsaudit.toml;" in checked.err
    assert ("note: the tree's app/wsaudit.toml differs from main's: with it, 2 findings would not be reported "
            "(app/new.py:1, app/new.py:5)") in checked.out
    doc = gate(cli, repo / "app", "--base", "main", "--format", "json").json()
    assert all(v["path"].startswith("app/") for v in doc["violations"])  # only the sub-folder's rows
    assert doc["base"]["tree_config"] == "app/wsaudit.toml"


def test_a_pull_request_that_accepts_its_new_use_in_the_baseline(repo, cli):
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    # the attack: the pull request accepts its own new use, and the tree's baseline says so
    assert gate(cli, repo, "--update-baseline", "--allow-new").code == 0
    commit(repo, "a new use, accepted in the baseline")
    assert gate(cli, repo).code == 0

    checked = gate(cli, repo, "--base", "main")
    assert checked.code == 1
    assert ("note: the tree's wsaudit-baseline.json differs from main's: with it, 2 findings would not be "
            "reported (app/new.py:1, app/new.py:5); main's is checked") in checked.out
    doc = gate(cli, repo, "--base", "main", "--format", "json").json()
    assert failing_paths_of(doc) == {"app/new.py"} and doc["base"]["differences"] == ["baseline"]
    assert doc["baseline"] == str(repo / BASELINE) and doc["base"]["baseline"] == f"main:{BASELINE}"

    # both at once: the note names both files
    _prepend(repo, "wsaudit.toml", 'exclude = ["app/new.py"]\n')
    both = gate(cli, repo, "--base", "main")
    assert both.code == 1
    assert "note: the tree's wsaudit.toml and wsaudit-baseline.json differ from main's: with them, 2 findings" \
        in both.out


def test_a_baseline_outside_the_repository_is_read_as_given(repo, cli, tmp_path):
    outside = tmp_path / "ci-baseline.json"
    outside.write_bytes((repo / BASELINE).read_bytes())
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    doc = cli("check", repo, "--baseline", outside, "--base", "main", "--format", "json").json()
    assert failing_paths_of(doc) == {"app/new.py"}
    assert doc["base"]["baseline"] == str(outside) and not doc["base"]["differs"]


def test_the_tree_without_a_configuration_of_its_own(repo, cli):
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    (repo / "wsaudit.toml").unlink()
    assert "no configuration found" in one_line_error(gate(cli, repo))  # without --base: no gate at all

    checked = gate(cli, repo, "--base", "main")
    assert checked.code == 1
    assert "note: the tree's configuration differs from main's: with it, the gate would stop on an error (" \
        in checked.out
    assert gate(cli, repo, "--base", "main", "--format", "json").json()["base"]["tree_config"] is None


# ---------------------------------------------------------------------------- nothing else changes


@pytest.mark.parametrize("where", ["", "app"])
@pytest.mark.parametrize("fail_on", [(), ("--fail-on", "P0,P1")])
def test_with_the_configuration_of_rev_the_verdict_is_the_trees_own(repo, cli, where, fail_on):
    """A pull request that leaves the configuration and the baseline alone: the same document,
    but for where the configuration came from (and no second audit: nothing differs)."""
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    path = repo / where if where else repo
    plain = gate(cli, path, *fail_on, "--format", "json").json()
    based = gate(cli, path, *fail_on, "--format", "json", "--base", "main").json()
    assert plain.pop("base") is None
    base = based.pop("base")
    assert (plain.pop("config"), based.pop("config")) == ("wsaudit.toml", "main:wsaudit.toml")
    assert based == plain
    assert not base["differs"] and base["hidden"] == [] and base["note"] is None
    text = gate(cli, path, *fail_on, "--base", "main").out
    assert [line for line in text.splitlines() if line.startswith("note: ")] == [
        (f"note: checked with main's configuration and baseline (commit {base['commit'][:12]}): configuration "
        f"main:wsaudit.toml, baseline main:{BASELINE}")]


def test_only_what_differs_costs_a_second_audit(repo, cli, monkeypatch):
    from wsaudit.gate import check

    calls = []
    real = check.run_check
    monkeypatch.setattr(check, "run_check", lambda *a, **k: calls.append(k.get("base")) or real(*a, **k))
    assert gate(cli, repo, "--base", "main").code == 0
    assert calls == ["main"]  # the gate itself, nothing more
    _prepend(repo, "wsaudit.toml", "# a comment: the same configuration\n")
    assert gate(cli, repo, "--base", "main").code == 0
    assert calls == ["main", "main"]
    _prepend(repo, "wsaudit.toml", 'exclude = ["app"]\n')
    assert gate(cli, repo, "--base", "main").code == 0  # main's: app/old.py is in its baseline
    assert calls == ["main", "main", "main", None]  # and the tree's own gate, to say what it would hide


# ---------------------------------------------------------------------------- errors: one line


def test_a_rev_that_names_no_commit_is_one_line(repo, cli):
    line = one_line_error(gate(cli, repo, "--base", "origin/main"))
    assert line == ("wsaudit: error: --base 'origin/main' names no commit of this repository (a branch, tag or "
                    "commit; in CI, fetch it first: actions/checkout with fetch-depth: 0)")


def test_a_rev_without_a_configuration_is_one_line(repo, cli):
    empty_tree = git(repo, "hash-object", "-w", "-t", "tree", "/dev/null").strip()
    orphan = git(repo, "commit-tree", empty_tree, "-m", "nothing").strip()
    git(repo, "branch", "bare-branch", orphan)
    line = one_line_error(gate(cli, repo / "app", "--base", "bare-branch"))
    assert line == ("wsaudit: configuration error: --base bare-branch: bare-branch holds no configuration (no "
                    "wsaudit.toml, nor [tool.wsaudit] in a pyproject.toml, in app/ or its parents): --base needs "
                    "the gate adopted on bare-branch first")


def test_a_baseline_that_rev_does_not_hold_is_one_line(repo, cli):
    (repo / "other.json").write_bytes((repo / BASELINE).read_bytes())
    line = one_line_error(cli("check", repo, "--baseline", repo / "other.json", "--base", "main"))
    assert line == ("wsaudit: error: --base main: other.json is not in main (commit the baseline there first: with "
                    "--base, a pull request cannot bring its own baseline)")


@pytest.mark.parametrize("extra, says", [
    (("--update-baseline",), "--update-baseline does not go with --base: the baseline is read from REV"),
    (("--update-baseline", "--allow-new"), "--update-baseline does not go with --base"),
    (("--profile", "netra-websocket"), "--base reads the configuration from REV: give --base, or --config/--profile"),
])
def test_options_that_do_not_go_with_base_are_one_line(repo, cli, extra, says):
    assert says in one_line_error(gate(cli, repo, "--base", "main", *extra))
    assert git(repo, "status", "--porcelain") == ""  # nothing written


def test_a_folder_outside_any_repository_is_one_line(tmp_path, cli):
    root = write_tree(tmp_path / "plain", BASE_TREE)
    line = one_line_error(cli("check", root, "--base", "main"))
    assert line.startswith("wsaudit: error: --base main: ") and "not a git repository" in line


def test_the_option_is_documented_and_the_ci_example_uses_it():
    top = Path(__file__).resolve().parents[2]
    assert "| `--base REV` |" in (top / "docs" / "cli.md").read_text(encoding="utf-8")
    readme = (top / "README.md").read_text(encoding="utf-8")
    assert "wsaudit check . --strict --base origin/${{ github.base_ref }} --baseline wsaudit-baseline.json" in readme
    assert "fetch-depth: 0" in readme


@pytest.mark.parametrize("typed", ["--baseli", "--bas"])
def test_an_abbreviated_option_is_refused_not_read_as_another(repo, cli, typed):
    """Once argparse read ``--base main`` as ``--baseline main`` (a file named main, created)."""
    done = cli("check", repo, typed, "main")
    assert done.code == 2 and len(done.err.strip().splitlines()) == 1 and "unrecognized arguments" in done.err
    assert not (repo / "main").exists()
