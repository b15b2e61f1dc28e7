"""SARIF as code scanning reads it: every log of ``scan``, ``rank`` and ``check`` valid against the
official schema, every result with the gate's fingerprint, every rule with a ``helpUri``, and
artifact paths relative to the top of the git repository that holds the audited tree."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import tomllib
from urllib.parse import unquote

import jsonschema
import pytest
from conftest import REPO, SAMPLE, sarif_schema

from wsaudit.config import Config
from wsaudit.model import Rule
from wsaudit.render.sarif import DOCUMENTATION_URL, VIOLATIONS_ANCHOR, repository_top, sarif

GIT = shutil.which("git")


def validate(log: dict) -> None:
    schema = sarif_schema()
    errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def results(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def uri(result: dict) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def identity(result: dict) -> tuple:
    """What makes a result the same violation, from its fields (not its fingerprint)."""
    region = result["locations"][0]["physicalLocation"]["region"]
    return (uri(result), region["startLine"], region["startColumn"], result["ruleId"],
            result["properties"]["category"], result["message"]["text"])


def three_logs(cli, root, tmp_path) -> dict[str, dict]:
    baseline = tmp_path / "baseline.json"
    assert cli("check", root, "--baseline", baseline, "--update-baseline", "--no-cache").code == 0
    return {"scan": cli("scan", root, "--format", "sarif", "--no-cache").json(),
            "rank": cli("rank", root, "--format", "sarif", "--no-cache").json(),
            "check": cli("check", root, "--baseline", baseline, "--format", "sarif", "--no-cache").json()}


def git_top(path) -> str | None:
    """What git itself says (run on our own folders only, hooks and configuration aside)."""
    proc = subprocess.run([GIT, "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "rev-parse",
                           "--show-toplevel"], cwd=path, capture_output=True, text=True, check=False,
                          env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    return proc.stdout.strip() if proc.returncode == 0 else None


def test_scan_rank_and_check_are_valid_and_carry_the_same_fingerprints(cli, tmp_path):
    logs = three_logs(cli, SAMPLE, tmp_path)
    fingerprints = {}
    for name, log in logs.items():
        validate(log)
        assert all(len(r["partialFingerprints"]["wsaudit/v1"]) == 32 for r in results(log)), name
        fingerprints[name] = {identity(r): r["partialFingerprints"]["wsaudit/v1"] for r in results(log)
                              if r["properties"]["category"] not in ("definition", "unverified")}
    assert len(fingerprints["scan"]) == 102
    assert fingerprints["scan"] == fingerprints["rank"] == fingerprints["check"]  # one identity everywhere
    gate = cli("check", SAMPLE, "--format", "json", "--no-cache").json()
    assert {v["fingerprint"] for v in gate["violations"]} == set(fingerprints["scan"].values())


def test_every_rule_links_to_its_documentation(cli):
    log = cli("scan", SAMPLE, "--format", "sarif", "--no-cache").json()
    documentation = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"][
        "Documentation"]
    expected = documentation.partition("#")[0] + "#" + VIOLATIONS_ANCHOR
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules and [r["helpUri"] for r in rules] == [expected] * len(rules)
    assert DOCUMENTATION_URL == documentation  # the fallback of an uninstalled source tree
    # the anchor is the README's section on violations, as GitHub slugs its heading
    headings = re.findall(r"^#+ (.+)$", (REPO / "README.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
    assert VIOLATIONS_ANCHOR in slugs


def test_a_rule_with_its_own_url_links_there():
    # the [[rule]] key `url` is read with getattr: a Rule that has the attribute is enough
    WithUrl = dataclasses.make_dataclass("WithUrl", [("url", "str | None", None)], bases=(Rule,), frozen=True)
    rules = (WithUrl("R1", module="a.old", url="https://example.invalid/rules/R1"), Rule("R2", module="b.old"))
    log = sarif([], Config(rules=rules), "0")
    validate(log)
    assert [r["helpUri"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == [
        "https://example.invalid/rules/R1", DOCUMENTATION_URL.partition("#")[0] + "#" + VIOLATIONS_ANCHOR]


def test_paths_are_relative_to_the_repository_that_holds_the_tree(cli, tree, tmp_path):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"})  # tmp_path/repo
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    logs = three_logs(cli, root, tmp_path / "out")  # the baseline beside, not in the tree
    for name, log in logs.items():
        validate(log)
        assert {uri(r) for r in results(log)} >= {"repo/pkg/user.py"}, name
        assert all(uri(r).startswith("repo/") for r in results(log)), name
        base = log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["description"]["text"]
        assert base == "The top level of the git repository"


def test_a_worktree_git_file_counts_and_a_stray_git_folder_does_not(cli, tree, tmp_path):
    root = tree()
    (tmp_path / ".git").write_text("gitdir: /elsewhere/.git/worktrees/repo\n")  # a linked worktree's
    assert repository_top(root) == tmp_path.resolve()
    assert uri(results(cli("scan", root, "--format", "sarif", "--no-cache").json())[0]).startswith("repo/")
    (tmp_path / ".git").unlink()
    (tmp_path / ".git").mkdir()  # no HEAD: not a repository (nor is an empty file, or a FIFO)
    (root / ".git").write_text("not a pointer\n")
    assert repository_top(root) is None
    log = cli("scan", root, "--format", "sarif", "--no-cache").json()
    assert all(uri(r).startswith("pkg/") for r in results(log))
    assert log["runs"][0]["originalUriBaseIds"]["SRCROOT"]["description"]["text"] == "The audited root"


@pytest.mark.skipif(GIT is None, reason="needs git to compare with")
def test_the_top_is_the_one_git_finds(tmp_path):
    top = tmp_path / "project"
    (top / "src" / "deep").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run([GIT, "init", "-q", str(top)], check=True, env=env)
    for folder in (top, top / "src", top / "src" / "deep"):
        assert str(repository_top(folder)) == git_top(folder)
    # and the sample, inside this repository when the tests run from a checkout (a linked
    # worktree's .git is a file)
    found = repository_top(SAMPLE)
    assert (str(found) if found else None) == git_top(SAMPLE)


def test_a_sarif_log_names_no_absolute_path(cli, tmp_path):
    logs = three_logs(cli, SAMPLE, tmp_path)
    for log in logs.values():
        assert str(REPO) not in json.dumps(log)


def test_a_file_name_that_is_not_utf8_has_the_gate_fingerprint_in_scan(cli, tree):
    root = tree()
    with open(os.fsencode(root / "pkg") + b"/caf\xe9.py", "wb") as handle:
        handle.write(b"from pkg.core import (  # wrapped\n    create_websocket_manager,\n)\n")
    shown = "pkg/caf\\xe9.py"
    scan = cli("scan", root, "--format", "sarif", "--no-cache").json()
    ours = [r["partialFingerprints"]["wsaudit/v1"] for r in results(scan) if unquote(uri(r)) == shown]  # a URI
    gate = [v["fingerprint"] for v in cli("check", root, "--format", "json", "--no-cache").json()["violations"]
            if v["path"] == shown]
    assert ours and ours == gate  # read at the file's own name: the statement, not the snippet


def test_a_git_fifo_is_never_opened(tree, tmp_path):
    root = tree()
    os.mkfifo(tmp_path / ".git")  # opening it for reading would block forever
    os.symlink("/dev/zero", root / ".git")  # nor is a device read
    assert repository_top(root) is None
