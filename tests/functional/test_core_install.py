"""`pip install wsaudit` (no extra) is enough for init, scan, check and migrate (what a CI gate
and a pre-commit hook run): nothing they run imports the ranking stack (the `analysis` extra:
numpy, scipy) or the report stack (the `notebooks` extra). A command that needs an extra says
which, in one line, exit 2.

Checked in a subprocess whose import system refuses every module of those extras, which is what
an environment without them looks like to the code, and much faster than building a venv.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO, SAMPLE

NOTEBOOK_STACK = ("pandas", "matplotlib", "papermill", "nbconvert", "nbformat", "nbclient", "jupyter_client",
                  "ipykernel", "jupyterlab", "IPython", "numpy", "scipy")

BLOCKER = f"""
import importlib.abc, sys
BLOCKED = {NOTEBOOK_STACK!r}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not a core dependency)", name=name)
        return None
sys.meta_path.insert(0, Refuse())
import wsaudit.cli
sys.exit(wsaudit.cli.main(sys.argv[1:]))
"""


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER, *args], capture_output=True, text=True, cwd=cwd)


def test_the_core_commands_run_without_the_extras(tmp_path):
    baseline = tmp_path / "baseline.json"
    runs = [("scan", str(SAMPLE), "--format", "json"), ("scan", str(SAMPLE)),
            ("check", str(SAMPLE), "--baseline", str(baseline), "--update-baseline"),
            ("check", str(SAMPLE), "--baseline", str(baseline), "--format", "sarif"),
            ("migrate", str(SAMPLE))]
    for args in runs:
        proc = _run(*args, "--no-cache", "--quiet")
        expected = (0, 1) if args[0] == "check" else (0,)  # the gate may fail: that is its verdict
        assert proc.returncode in expected, (args, proc.stderr[-2000:])
        assert "blocked" not in proc.stderr, (args, proc.stderr[-2000:])
    assert baseline.is_file()


def test_a_command_that_needs_an_extra_says_which_in_one_line(tmp_path):
    """Before, `wsaudit report` on the light install was a traceback (ModuleNotFoundError: pandas)."""
    needs = {("report", str(SAMPLE), "--output", str(tmp_path / "never"), "--runs", "1"): "notebooks",
             ("rank", str(SAMPLE)): "analysis", ("graph", str(SAMPLE)): "analysis",
             ("simulate", str(SAMPLE), "--runs", "5"): "analysis",
             ("check", str(SAMPLE), "--fail-on", "P0"): "analysis"}
    for args, extra in needs.items():
        proc = _run(*args, "--no-cache", "--quiet")
        assert proc.returncode == 2 and proc.stdout == "", (args, proc.stderr[-2000:])
        (line,) = proc.stderr.splitlines()
        assert f"pip install 'wsaudit[{extra}]'" in line and f"'wsaudit {args[0]}' needs" in line, line
    assert not (tmp_path / "never").exists()  # report failed before writing anything


def test_the_dataframes_say_which_extra_they_need():
    code = BLOCKER.replace("import wsaudit.cli\nsys.exit(wsaudit.cli.main(sys.argv[1:]))\n", (
        "import wsaudit\na = wsaudit.audit(sys.argv[1], cache=False)\nprint(len(a.violation_records))\n"
        "try:\n    a.violations\nexcept ModuleNotFoundError as exc:\n    print(exc)\n"))
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, message = proc.stdout.splitlines()
    assert int(count) > 0 and "pip install 'wsaudit[notebooks]'" in message


def test_core_dependencies_leave_the_report_stack_to_the_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {d.split(">")[0].split("[")[0].strip().lower() for d in project["dependencies"]}
    extra = {d.split(">")[0].strip().lower() for d in project["optional-dependencies"]["notebooks"]}
    assert core == {"networkx", "libcst", "pyflakes", "pathspec", "tqdm"}
    assert {"scipy", "numpy"} == {d.split(">")[0] for d in project["optional-dependencies"]["analysis"]}
    assert {"wsaudit[analysis]", "pandas", "matplotlib", "papermill", "nbconvert", "jupyterlab", "ipykernel"} <= extra
    assert "wsaudit[notebooks]" in project["optional-dependencies"]["dev"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"] and (REPO / "LICENSE").is_file()


def test_environment_yml_mirrors_every_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["analysis"],
              *(d for d in project["optional-dependencies"]["notebooks"] if not d.startswith("wsaudit")),
              *(d for d in project["optional-dependencies"]["dev"] if not d.startswith("wsaudit"))]
    text = (REPO / "environment.yml").read_text(encoding="utf-8").replace("_", "-")
    for requirement in wanted:
        assert f"- {requirement.split('#')[0].strip().replace('_', '-')}" in text, requirement


def test_the_pre_commit_hook_runs_when_the_configuration_or_the_baseline_changes():
    import re

    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    pattern = re.compile(re.search(r"^  files: '(.*)'$", text, re.M).group(1))
    assert "types:" not in text  # types would AND with files and drop the TOML and JSON files
    for changed in ("pkg/mod.py", "wsaudit.toml", "pyproject.toml", "ci/wsaudit-baseline.json"):
        assert pattern.search(changed), changed
    assert not pattern.search("README.md") and not pattern.search("data/fixture.json")


def test_check_imports_nothing_it_does_not_use(tmp_path):
    """The gate reads files, searches them and resolves names: no graph, no ranking, no
    codemod, no report stack is imported (a pre-commit hook pays for every import)."""
    heavy = ("networkx", "scipy", "numpy", "libcst", "pyflakes", "pandas", "matplotlib", "tqdm")
    code = ("import sys; from wsaudit.cli import main; code = main(['check', sys.argv[1], '--no-cache', '-q', "
            "'--output', sys.argv[2]]); print(code, sorted(m for m in sys.argv[3:] if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(tmp_path / "out.txt"), *heavy],
                          capture_output=True, text=True)
    assert proc.stdout.strip() == "1 []", proc.stderr[-2000:]  # the sample's gate fails: no baseline


def _git(root, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], cwd=root, check=True,
                   capture_output=True)


def test_the_pre_commit_hook_works_as_the_readme_says_with_try_repo(tmp_path):
    """A project configured with wsaudit init and its baseline: the hook (its default arguments:
    check --strict with wsaudit-baseline.json) passes, then fails on a new use. Before, try-repo
    failed on every existing use: the hook had no baseline."""
    import os

    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "legacy.py").write_text("def make_client():\n    pass\n")
    (project / "app" / "use.py").write_text("from app.legacy import make_client\n\nmake_client()\n")
    init = _run("init", str(project), "--symbol", "app.legacy.make_client", "--baseline",
                str(project / "wsaudit-baseline.json"), "--no-cache")
    assert init.returncode == 0, init.stderr
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "adopt wsaudit")
    pre_commit = [str(Path(sys.executable).parent / "pre-commit"), "try-repo", str(REPO), "wsaudit-check", "--all-files"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    passed = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True)
    assert passed.returncode == 0 and "Passed" in passed.stdout, passed.stdout[-3000:] + passed.stderr[-2000:]
    (project / "app" / "new.py").write_text("from app.legacy import make_client\n")
    _git(project, "add", "-A")
    failed = subprocess.run(pre_commit, cwd=project, env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "app/new.py:1:" in failed.stdout and "[new]" in failed.stdout, failed.stdout[-3000:]


def test_the_hook_environment_is_light(tmp_path):
    """What pre-commit builds for the hook (a virtual environment with wsaudit and its core
    dependencies): under 100 MB. It was 274 MB when scipy and numpy were core (scipy alone 113)."""
    env = tmp_path / "hook-env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True)
    installed = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-3000:]
    size = sum(p.lstat().st_size for p in env.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 100 * 2**20, f"{size / 2**20:.0f} MB"
    names = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "list", "--format", "freeze"],
                           capture_output=True, text=True).stdout.lower()
    assert "scipy" not in names and "numpy" not in names and "networkx" in names
