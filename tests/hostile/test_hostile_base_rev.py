"""``wsaudit check --base REV`` against a hostile repository: what REV holds is read through the
same guards as a tree's configuration and baseline, git runs nothing of the repository's, and
every problem is one line, exit 2, never a traceback nor a silent pass.

``main`` is adopted (a configuration, a baseline); each test makes a branch of it that holds
something crafted, and gates the working tree with ``--base`` that branch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BASE_TREE, commit, git, write_tree

NEW_USE = "from pkg.core import create_websocket_manager\n\ncreate_websocket_manager()\n"


@pytest.fixture
def repo(tmp_path, cli) -> Path:
    """``main`` adopted (configuration and baseline), checked out."""
    root = write_tree(tmp_path / "repo", {**BASE_TREE, ".gitignore": ".wsaudit/\n", "app/__init__.py": "",
                                          "app/old.py": NEW_USE})
    git(root, "init", "--quiet", "--template=", "--initial-branch=main")
    assert cli("check", root, "--baseline", root / "wsaudit-baseline.json", "--update-baseline").code == 0
    commit(root, "adopt the gate")
    return root


def crafted(root: Path, branch: str, edit) -> None:
    """A branch ``branch`` of main where ``edit(root)`` was committed; main checked out again."""
    git(root, "checkout", "--quiet", "-b", branch)
    edit(root)
    commit(root, branch)
    git(root, "checkout", "--quiet", "main")


def one_line(result) -> str:
    lines = result.err.splitlines()
    assert result.code == 2 and result.out == "" and len(lines) == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    return lines[0]


def gate(cli, root: Path, rev: str, *extra):
    return cli("check", root, "--baseline", root / "wsaudit-baseline.json", f"--base={rev}", *extra)


def _link(root: Path, name: str, target: str) -> None:
    (root / name).unlink()
    os.symlink(target, root / name)


@pytest.mark.parametrize("target", ["/etc/passwd", "app/lenient.toml"])
def test_a_configuration_that_is_a_link_at_rev_is_not_followed(repo, cli, target):
    def edit(root: Path) -> None:
        (root / "app/lenient.toml").write_text('exclude = ["**"]\n[[rule]]\nid = "X"\nmodule = "nothing.here"\n',
                                               encoding="utf-8")
        _link(root, "wsaudit.toml", target)

    crafted(repo, "linked", edit)
    assert one_line(gate(cli, repo, "linked")) == ("wsaudit: configuration error: linked:wsaudit.toml: a link or a "
                                                    "submodule at linked, not a file: not read")


def test_a_baseline_that_is_a_link_at_rev_is_not_followed(repo, cli):
    crafted(repo, "linked", lambda root: _link(root, "wsaudit-baseline.json", "/dev/zero"))
    assert one_line(gate(cli, repo, "linked")) == ("wsaudit: error: linked:wsaudit-baseline.json: a link or a "
                                                    "submodule at linked, not a baseline file: not read")


@pytest.mark.parametrize("text, says", [
    ("a = " + "[" * 50_000, "linked:wsaudit.toml: invalid TOML: "),
    ("\udcff", "linked:wsaudit.toml: invalid TOML: not UTF-8 text"),
    ('cache_dir = "../escaped"\n', ("linked:wsaudit.toml: cache_dir: '../escaped' must be a folder inside the "
                                   "audited tree")),
    ('cache_dir = "/tmp/wsaudit-escaped"\n', "must be a folder inside the audited tree"),
    ('unknown = 1\n', "linked:wsaudit.toml: unknown: unknown key"),
])
def test_a_crafted_configuration_at_rev_is_one_line(repo, cli, tmp_path, text, says):
    def edit(root: Path) -> None:  # put before main's configuration
        (root / "wsaudit.toml").write_bytes(text.encode("utf-8", "surrogateescape")
                                            + (root / "wsaudit.toml").read_bytes())

    crafted(repo, "linked", edit)
    line = one_line(gate(cli, repo, "linked"))
    assert line.startswith("wsaudit: configuration error: ") and says in line, line
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/wsaudit-escaped").exists()


@pytest.mark.parametrize("edit_doc, says", [
    (lambda doc: doc["entries"].pop(), '"count" says'),
    (lambda doc: doc.update(count=len(doc["entries"]) - 1) or doc["entries"].pop(), "checksum mismatch"),
    (lambda doc: doc.update(version=True), "unsupported version True"),
])
def test_a_baseline_edited_by_hand_at_rev_is_one_line_never_a_pass(repo, cli, edit_doc, says):
    def edit(root: Path) -> None:
        doc = json.loads((root / "wsaudit-baseline.json").read_text(encoding="utf-8"))
        edit_doc(doc)
        (root / "wsaudit-baseline.json").write_text(json.dumps(doc), encoding="utf-8")

    crafted(repo, "edited", edit)
    line = one_line(gate(cli, repo, "edited"))
    assert line.startswith("wsaudit: error: edited:wsaudit-baseline.json: not a valid wsaudit baseline: ")
    assert says in line


@pytest.mark.parametrize("rev", ["--output=/tmp/wsaudit-base-written", "-h", "main:wsaudit.toml", "main^{tree}",
                                 "main..main", "", "0" * 40])
def test_a_rev_that_is_not_a_commit_is_one_line_and_never_an_option(repo, cli, rev):
    line = one_line(gate(cli, repo, rev))
    assert line == (f"wsaudit: error: --base {rev!r} names no commit of this repository (a branch, tag or commit; "
                    "in CI, fetch it first: actions/checkout with fetch-depth: 0)")
    assert not Path("/tmp/wsaudit-base-written").exists()


def test_git_runs_nothing_of_the_repositorys_own(repo, cli, tmp_path):
    """The repository's configuration names programs (fsmonitor, hooks, a pager, a diff tool):
    reading REV starts none of them, nor does the second audit with the tree's configuration."""
    marker = tmp_path / "ran"
    script = tmp_path / "hook.sh"
    script.write_text(f"#!/bin/sh\necho ran >> {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    for key in ("core.fsmonitor", "core.hooksPath", "core.pager", "diff.external"):
        git(repo, "config", key, str(script) if key != "core.hooksPath" else str(tmp_path))
    for hook in ("post-checkout", "pre-commit", "reference-transaction"):
        (tmp_path / hook).write_bytes(script.read_bytes())
        (tmp_path / hook).chmod(0o755)
    if marker.exists():
        marker.unlink()
    (repo / "app/new.py").write_text(NEW_USE, encoding="utf-8")
    (repo / "wsaudit.toml").write_text('exclude = ["app/new.py"]\n' + (repo / "wsaudit.toml").read_text())
    result = gate(cli, repo, "main")
    assert result.code == 1 and "app/new.py" in result.out
    assert not marker.exists()
