"""wsaudit migrate on real code: a copy of the setuptools installed beside wsaudit, migrated with
a module rule (``distutils -> setuptools``, the case of issue 15) and with a symbol rule
(``distutils.log.warn -> logging.warning``). Every written file compiles, every module written
still imports (checked by importing the copy in a subprocess), the four patterns that once
broke the package are refused with a reason, and rollback gives the original bytes back."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from wsaudit.codemod import apply, rollback
from wsaudit.codemod.plan import plan
from wsaudit.render.migrate import migration_summary

SETUPTOOLS = Path(sysconfig.get_paths()["purelib"]) / "setuptools"

MODULE_RULE = """
roots = ["."]
exclude = []

[[rule]]
id = "D001"
module = "distutils"
replacement = "setuptools"
"""

SYMBOL_RULE = """
roots = ["."]
exclude = []

[[rule]]
id = "L001"
symbol = "distutils.log.warn"
replacement = "logging.warning"
parameters = ["msg", "arg1", "arg2"]

[[rule.rewrite]]
arguments = ["msg"]
call = "logging.warning({msg})"
imports = ["import logging"]

[[rule.rewrite]]
arguments = ["msg", "arg1"]
call = "logging.warning({msg}, {arg1})"
imports = ["import logging"]

[[rule.rewrite]]
arguments = ["msg", "arg1", "arg2"]
call = "logging.warning({msg}, {arg1}, {arg2})"
imports = ["import logging"]
"""

# the files of setuptools holding the cases of issue 15 (and rewrites that are right); a subset keeps
# the test within seconds, the whole tree is still there for resolution
CASES = ["setuptools/dist.py", "setuptools/command/__init__.py", "setuptools/command/sdist.py",
         "setuptools/command/py36compat.py", "setuptools/command/build_py.py", "setuptools/_distutils/msvccompiler.py",
         "setuptools/_distutils/core.py", "setuptools/extension.py", "setuptools/errors.py"]

pytestmark = pytest.mark.skipif(not (SETUPTOOLS / "_distutils").is_dir(), reason="needs setuptools with _distutils")


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".wsaudit" not in p.relative_to(root).parts}


def copy_of_setuptools(dest: Path, rules: str) -> Path:
    shutil.copytree(SETUPTOOLS, dest / "setuptools", ignore=shutil.ignore_patterns("__pycache__", "*.exe"))
    (dest / "wsaudit.toml").write_text(rules)
    return dest


def imports_of_the_copy(root: Path, modules: list[str]) -> subprocess.CompletedProcess:
    """Import ``modules`` from the copy, in a fresh interpreter (the copy first on the path)."""
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    return subprocess.run([sys.executable, "-W", "ignore", "-c", code, *modules], cwd=root, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
                          check=False)


def module_of(path: str) -> str:
    name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return name.replace("setuptools._distutils", "distutils")  # what the copy's import hook calls it


def test_module_rule_on_setuptools(tmp_path):
    root = copy_of_setuptools(tmp_path, MODULE_RULE)
    original = tree_hashes(root)
    m = plan(root, cache=False, files=CASES)
    assert not m.failed, migration_summary(m)
    reasons = {}
    for item in m.manual:
        reasons.setdefault(item.path, []).append(item.reason)
    # `import distutils.cmd` -> `import setuptools.cmd`, a module that does not exist: refused
    assert any("setuptools.cmd exists neither in the tree nor on the interpreter's import paths" in r
               for r in reasons["setuptools/dist.py"])
    # `from distutils.command.bdist import bdist`: no setuptools.command.bdist, whatever the package binds
    assert any("setuptools.command.bdist exists neither" in r for r in reasons["setuptools/command/__init__.py"])
    # `import distutils.command.sdist as orig` inside setuptools/command/sdist.py: a self-import
    assert any("self-import" in r for r in reasons["setuptools/command/sdist.py"])
    # `from distutils.command import sdist` in py36compat, which sdist.py imports: an import cycle
    assert any("import cycle" in r for r in reasons["setuptools/command/py36compat.py"])
    # the conditional rebinding of MSVCCompiler lives in setuptools' vendored distutils: never re-pointed
    assert all("vendored copy of the deprecated module distutils" in r
               for r in reasons["setuptools/_distutils/msvccompiler.py"])
    assert "-    from distutils.msvc9compiler import MSVCCompiler" not in "".join(
        f.proposed.decode() for f in m.changes)
    written = [f.path for f in m.changes]
    assert written == ["setuptools/extension.py"], migration_summary(m)
    done = apply.apply(m)
    assert done.validation.ok and done.validation.compiled == len(written)
    assert done.validation.undefined_after <= done.validation.undefined_before
    proc = imports_of_the_copy(root, ["setuptools", *map(module_of, written)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    rollback.restore(root)
    assert tree_hashes(root) == original


def test_symbol_rule_on_setuptools(tmp_path):
    root = copy_of_setuptools(tmp_path, SYMBOL_RULE)
    original = tree_hashes(root)
    m = plan(root, cache=False)
    assert not m.failed, migration_summary(m)
    assert len(m.changes) >= 15 and sum(f.rewritten for f in m.changes) >= 40
    assert {item.reason for item in m.manual} <= {"call with *-unpacking: the arguments are not known statically",
                                                 "positional argument that the rule's parameters do not name"}
    done = apply.apply(m)
    v = done.validation
    assert v.ok and v.compiled == len(done.written) and not v.became_undefined, v.problems()
    modules = sorted({module_of(p) for p in done.written})
    proc = imports_of_the_copy(root, ["setuptools", *modules])
    assert proc.returncode == 0, proc.stderr[-3000:]
    left = {item.path for item in m.manual}
    for path in done.written:
        text = (root / path).read_text()
        assert "import logging" in text and ("log.warn(" not in text.replace("logging.warn", "") or path in left)
    rollback.restore(root)
    assert tree_hashes(root) == original
