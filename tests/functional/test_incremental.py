"""Incremental audits equal cold ones along a random walk of edits: a differential test.

Each step makes one edit of a kind a migration makes (a new use of the deprecated API, a use
removed, a re-export added or dropped, a name shadowed or taken through another module, an
import added, a file added, deleted or renamed), then
audits with the cache (answered from the last stored result wherever it can be) and without it:
the two must be the same records. The walk is seeded: a failure names its seed and step."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import networkx
import pytest
from test_warm import age

import wsaudit.engine.patch
from wsaudit.api import audit

NAME = "create_websocket_manager"
# where each tree's edits import the deprecated factory from
API = {"sample": "netra_backend.app.websocket_core", "sparse": "pkg.core"}
# a tree where few files can hold a violation: most of them are read only for their imports
SPARSE = {f"app/m{i}.py": f"import json\nfrom app import m{(i * 7) % 25}\n\n\ndef f{i}():\n    return {i}\n"
          for i in range(25)} | {"app/__init__.py": ""}


def python_files(root):
    return sorted(p for p in root.rglob("*.py") if ".wsaudit" not in p.parts)


def module_of(root, path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def edit(root, rng: random.Random, step: int, aliases: list[tuple[str, str]], api: str) -> str:
    """One random edit of the tree at ``root``; ``aliases``: (module path, name) of re-exports
    that some file imports, made or not yet made (a re-export made after its importer is a new
    deprecated name in a file that did not change)."""
    files = python_files(root)
    path = rng.choice(files)
    kind = rng.choice(["use", "unuse", "re-export", "re-export", "re-export-use", "re-export-use", "import", "add",
                       "delete", "rename", "plain", "shadow", "through"])
    text = path.read_text(encoding="utf-8", errors="replace")
    if kind == "use":
        path.write_text(text + f"\nfrom {api} import {NAME}\n\n\ndef use_{step}():\n    return {NAME}()\n")
    elif kind == "unuse" and not module_of(root, path).startswith(api):  # the API itself stays
        path.write_text("\n".join(line for line in text.split("\n") if NAME not in line) + "\n")
    elif kind == "re-export":  # one that an importer waits for, or a new one
        where, alias = aliases.pop() if aliases and rng.random() < 0.8 else (str(path.relative_to(root)), f"alias_{step}")
        target = root / where if (root / where).exists() else path
        target.write_text(target.read_text(encoding="utf-8", errors="replace")
                          + f"\nfrom {api} import {NAME} as {alias}\n")
        path = target
    elif kind == "re-export-use":  # an import of a re-export that may not exist yet
        other = rng.choice(files)
        alias = f"alias_{step}"
        aliases.append((str(other.relative_to(root)), alias))
        path.write_text(text + f"\nfrom {module_of(root, other)} import {alias}\n{alias}()\n")
    elif kind == "shadow":  # a function of its own under the deprecated name: what imports it from here is fine
        path.write_text(text + f"\n\ndef {NAME}():\n    return {step}\n")
    elif kind == "through":  # the deprecated name taken from another file, which may or may not bind it
        path.write_text(text + f"\nfrom {module_of(root, rng.choice(files))} import {NAME}\n")
    elif kind == "import":
        path.write_text(text + f"\nimport {module_of(root, rng.choice(files))}\n")
    elif kind == "add":
        (path.parent / f"added_{step}.py").write_text(f"from {module_of(root, path)} import *\nx = {step}\n")
    elif kind == "delete" and len(files) > 30:
        path.unlink()
    elif kind == "rename":
        path.rename(path.parent / f"renamed_{step}.py")
    else:
        path.write_text(text + f"\n\ndef plain_{step}():\n    return {step}\n")
    return f"{kind} {path.relative_to(root)}"


def records(result) -> tuple:
    return (result.violation_records, result.diagnostic_records, result.import_records, result.definition_records,
            result.suspect_records, result.notices, result.deprecated, result.unreadable)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("kind", ["sample", "sparse"])
def test_a_random_walk_of_edits_keeps_incremental_and_cold_audits_equal(sample_copy, tree, kind, seed):
    root = sample_copy if kind == "sample" else tree(SPARSE)
    rng, aliases = random.Random(seed), []
    age(root)
    audit(root)  # the first stored result
    for step in range(16):
        what = edit(root, rng, step, aliases, API[kind])
        age(root)
        incremental, cold = audit(root), audit(root, cache=False)
        assert records(incremental) == records(cold), f"{kind} tree, seed {seed}, step {step}: {what}"


def test_a_random_walk_of_edits_on_a_real_package_keeps_incremental_and_cold_audits_equal(tmp_path):
    """networkx's own source (580 files), with a rule on a decorator that 400 of its functions
    use: most edits are patched (the edited file and the files whose answers read it detected
    again), and every result is the cold one."""
    root = tmp_path / "tree"
    shutil.copytree(Path(networkx.__file__).parent, root / "networkx", ignore=shutil.ignore_patterns("__pycache__"))
    home, name = "networkx.utils.decorators", "not_implemented_for"
    (root / "wsaudit.toml").write_text(f'[[rule]]\nid = "NX1"\nsymbol = "{home}.{name}"\n')
    patched: list[bool] = []
    real = wsaudit.engine.patch.patch

    def patch(*args):
        found = real(*args)
        patched.append(found is not None)
        return found

    files = python_files(root)
    rng = random.Random(7)
    age(root)
    audit(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wsaudit.engine.patch, "patch", patch)
        for step in range(8):
            path = rng.choice(files)
            text = path.read_text(encoding="utf-8")
            kind = ["use", "shadow", "re-export", "drop"][step % 4]
            if kind == "use":
                path.write_text(text + f"\nfrom {home} import {name}\n{name}('directed')\n")
            elif kind == "shadow":
                path.write_text(text + f"\n\ndef {name}(*graph_types):\n    return graph_types\n")
            elif kind == "re-export":
                path.write_text(text + f"\nfrom {home} import {name} as alias_{step}\n")
            else:
                path.write_text("\n".join(line for line in text.split("\n") if name not in line) + "\n")
            age(root)
            incremental, cold = audit(root), audit(root, cache=False)
            assert records(incremental) == records(cold), f"step {step}: {kind} {path.relative_to(root)}"
    assert sum(patched) >= 4, patched  # most edits were patched, not searched for in the whole tree again
