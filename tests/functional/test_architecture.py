"""The package's own layering (pyproject's [tool.importlinter]), its fast paths, and the README's map of it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from conftest import REPO, SAMPLE


def test_layers_flow_one_way():
    lint = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint), str(REPO / "pyproject.toml")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 6 kept, 0 broken." in proc.stdout
    assert "Stages flow one way: commands on top, the domain at the bottom KEPT" in proc.stdout
    assert "The engine: its front door on top, the stages below in the order data flows KEPT" in proc.stdout
    assert "Above the engine, only its front door runs the stages KEPT" in proc.stdout
    assert "History: the use case on top, git's plumbing at the bottom KEPT" in proc.stdout
    assert "The fleet: the run on top, a repository's entry in FLEET.toml at the bottom KEPT" in proc.stdout
    assert "No import cycles between the siblings of any package KEPT" in proc.stdout


def test_the_layering_contract_counts_type_checking_imports():
    import tomllib

    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert settings["exclude_type_checking_imports"] is False  # an annotation import is a dependency too
    kinds = {c["type"] for c in settings["contracts"]}
    assert kinds == {"layers", "forbidden", "acyclic_siblings"}
    # the front door's contract forbids direct imports of the stages: through it is the point
    front = next(c for c in settings["contracts"] if c["type"] == "forbidden")
    assert front["allow_indirect_imports"] is True and "wsaudit.api" in front["source_modules"]


def test_scan_does_not_import_pandas_or_matplotlib(tmp_path):
    code = ("import sys; from wsaudit.cli import main; main(['scan', sys.argv[1], '--no-cache', '-q', "
            "'--output', sys.argv[2]]); print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))")
    out = tmp_path / "scan.txt"
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(out)], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stderr


def _stderr_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``args`` with standard error on an 80-column pseudo-terminal; what it drew there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    proc = subprocess.run(args, stderr=follower, stdout=subprocess.DEVNULL)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal has nothing more
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    return proc.returncode, drawn.decode(errors="replace")


def test_progress_bar_only_on_a_terminal(tmp_path):
    out = str(tmp_path / "out.txt")
    args = [sys.executable, "-m", "wsaudit", "scan", str(SAMPLE), "--no-cache", "--output", out]
    piped = subprocess.run(args, capture_output=True, text=True)
    assert piped.returncode == 0 and piped.stderr == ""  # no bar, and nothing to warn of
    code, drawn = _stderr_on_a_terminal(args)
    assert code == 0 and "parsing" in drawn and "/46" in drawn
    code, drawn = _stderr_on_a_terminal([*args, "--quiet"])
    assert code == 0 and drawn == ""


def _listed_modules(readme: str) -> set[str]:
    """The modules the README's architecture tables list, as paths under wsaudit/: a row's first
    cell names one or more (``a.py``, ``b.py``); a name without a folder is in the folder of the
    cell's first name that has one, else in the package the table's heading names (``(`engine/`)``)."""
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    listed: set[str] = set()
    package = ""
    for line in section.splitlines():
        if line.startswith("**"):
            named = re.search(r"\(`(\w+)/`\)", line)
            package = named.group(1) + "/" if named else ""
        elif line.startswith("| `"):
            names = re.findall(r"`([\w/]+\.py)`", line.split(" | ")[0])
            folder = next((n.rpartition("/")[0] + "/" for n in names if "/" in n), package)
            listed |= {n if "/" in n else folder + n for n in names}
    return listed


def test_the_readme_architecture_lists_every_module():
    modules = {p.relative_to(REPO / "wsaudit").as_posix() for p in (REPO / "wsaudit").rglob("*.py")
               if p.name != "__init__.py" or p.parent.name == "wsaudit"}
    listed = _listed_modules((REPO / "README.md").read_text(encoding="utf-8"))
    assert listed == modules, (sorted(modules - listed), sorted(listed - modules))
