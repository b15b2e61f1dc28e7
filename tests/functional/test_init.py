"""``wsaudit init``: a new user's own codebase configured in one command, on real code.

The tree is a copy of networkx's own source (installed with wsaudit: a real package nobody here
wrote), and the deprecated API one of its decorators, used by hundreds of its functions."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import networkx
import pytest

SYMBOL = "networkx.utils.decorators.not_implemented_for"


@pytest.fixture(scope="module")
def networkx_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nx")
    shutil.copytree(Path(networkx.__file__).parent, root / "networkx",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


@pytest.fixture
def project(networkx_copy, tmp_path) -> Path:
    """A fresh copy per test (init writes into it)."""
    root = tmp_path / "project"
    shutil.copytree(networkx_copy, root)
    return root


def test_init_on_a_real_package_then_the_gate_passes_and_catches_a_new_use(project, cli, monkeypatch):
    monkeypatch.chdir(project)
    done = cli("init", "--symbol", SYMBOL, "--replacement", "networkx.utils.decorators.argmap",
               "--baseline", "wsaudit-baseline.json", "--format", "json")
    assert done.code == 0, done.err
    doc = done.json()
    assert doc["written"] == "wsaudit.toml" and doc["rule"]["unmatched"] is None
    assert doc["rule"]["uses"] > 300 and doc["rule"]["by_category"]["deprecated-call"] > 100
    assert doc["baseline"]["entries"] >= doc["rule"]["uses"]
    proposed = doc["golden_path"]
    assert 1 <= len(proposed) <= 5 and all("reaches" in p["reason"] for p in proposed)
    assert not any(".tests." in p["module"] or p["module"].endswith(".tests") for p in proposed)
    written = tomllib.loads((project / "wsaudit.toml").read_text(encoding="utf-8"))
    assert written["rule"] == [{"id": "DEP001", "symbol": SYMBOL, "replacement": "networkx.utils.decorators.argmap",
                                "message": f"{SYMBOL} is deprecated; use networkx.utils.decorators.argmap"}]
    assert written["golden_path"]["modules"] == [p["module"] for p in proposed]

    gate = cli("check", "--strict", "--baseline", "wsaudit-baseline.json")
    assert gate.code == 0 and "passed" in gate.out, gate.out + gate.err
    (project / "networkx" / "new_feature.py").write_text(
        "from networkx.utils import not_implemented_for\n\n\n@not_implemented_for('directed')\ndef f(G):\n    pass\n")
    gate = cli("check", "--strict", "--baseline", "wsaudit-baseline.json")
    assert gate.code == 1 and "networkx/new_feature.py:1:" in gate.out and "[new]" in gate.out


def test_a_rule_that_matches_nothing_says_the_closest_names(project, cli):
    typo = SYMBOL.replace("not_implemented_for", "not_implemented_fro")
    done = cli("init", project, "--symbol", typo)
    assert done.code == 0 and "matches nothing in the tree" in done.out
    assert "closest existing names: networkx.utils.decorators.not_implemented_for" in done.out
    assert "wsaudit: warning: rule DEP001" in done.err
    strict = cli("init", project, "--symbol", typo, "--force", "--strict")
    assert strict.code == 2  # the file is written, and the warning is an error


def test_never_over_an_existing_configuration_and_pyproject_keeps_what_it_had(project, cli):
    assert cli("init", project, "--module", "networkx.utils.backends").code == 0
    again = cli("init", project, "--module", "networkx.utils.backends")
    assert again.code == 2 and "exists (give --force to replace it)" in again.err
    (project / "wsaudit.toml").unlink()
    before = '[project]\nname = "mine"\n\n[tool.ruff]\nline-length = 100\n'
    (project / "pyproject.toml").write_text(before, encoding="utf-8")
    done = cli("init", project, "--module", "networkx.utils.backends", "--pyproject", "--golden-path",
               "networkx.algorithms.shortest_paths.*")
    assert done.code == 0, done.err
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert text.startswith(before)  # what it had, byte for byte, then the new table
    table = tomllib.loads(text)["tool"]["wsaudit"]
    assert table["rule"][0]["module"] == "networkx.utils.backends"
    assert table["golden_path"]["modules"] == ["networkx.algorithms.shortest_paths.*"]
    assert cli("scan", project, "--no-cache", "--format", "json").json()["config"] == "pyproject.toml"
    twice = cli("init", project, "--module", "networkx.utils.backends", "--pyproject", "--force")
    assert twice.code == 2 and "already has a [tool.wsaudit] table" in twice.err


def test_a_golden_path_that_matches_nothing_is_one_line_and_nothing_is_written(project, cli):
    done = cli("init", project, "--symbol", SYMBOL, "--golden-path", "networkx.nowhere.*")
    assert done.code == 2 and done.out == "" and len(done.err.splitlines()) == 1
    assert "'networkx.nowhere.*' matches no module in the tree" in done.err
    assert not (project / "wsaudit.toml").exists()
    assert cli("init", project).code == 2  # --symbol or --module is required
