"""Seeded generator of a git history: a generated tree (``gentree.py``) migrating off its deprecated API.

The history starts from :func:`gentree.generate_tree` (its ``wsaudit.toml`` made a pattern rule,
``app.core.**.create_manager``, so that a copy of the factory moved anywhere under ``app.core``
is still the deprecated symbol) and then, commit after commit:

* **migration** steps: a few files have their deprecated lines (the manifest's planted lines)
  rewritten to the canonical ``Manager``; the re-exporting packages go last;
* ordinary edits (a function appended to a module) and new modules;
* a **deletion** of a batch of legacy test modules;
* a **re-introduced definition**: ``app/core/compat.py`` defines ``create_manager`` again and
  a few modules import it;
* a **rename** of a handful of modules;
* a **mass edit** that breaks a share of the files (a syntax error at the top), fixed in the
  next commit.

The same arguments always give the same commits (and so, written with
``wsaudit.history.sample.write_repository``, the same hashes). Used by
``bench_history.py`` (5,000 modules, 200 commits) and the tests (smaller).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import random
import re
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from wsaudit.history.sample import SampleCommit

HERE = Path(__file__).resolve().parent
_CALLS = re.compile(r"\b(?:manager_factory\.|factory\.|app\.core\.factory\.)?(?:create_manager|make_manager|build_manager)\b")
BROKEN = "def mass_edit(:\n    pass\n"
COMPAT = '''"""A compatibility copy of the factory, for the callers that were not migrated yet."""

from app.core.manager import Manager


def create_manager(config=None, **options):
    return Manager(config, **options)
'''


def load_gentree():
    """``benchmarks/gentree.py`` as a module."""
    if "gentree" in sys.modules:
        return sys.modules["gentree"]
    spec = importlib.util.spec_from_file_location("gentree", HERE / "gentree.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gentree"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def migrate_line(line: str) -> str:
    """A planted line rewritten to the canonical API (indentation kept).

    >>> migrate_line("    from app.core.factory import create_manager as make_manager")
    '    from app.core.manager import Manager'
    >>> migrate_line("    return manager_factory.create_manager(config)")
    '    return Manager(config)'
    >>> migrate_line('    with mock.patch("app.core.factory.create_manager") as fake:')
    '    with mock.patch("app.core.manager.Manager") as fake:'
    """
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith(("from ", "import ")):
        return indent + "from app.core.manager import Manager"
    return _CALLS.sub("Manager", line.replace("app.core.factory.create_manager", "app.core.manager.Manager"))


def migrated(text: str, lines: set[int]) -> str | None:
    """``text`` with its planted ``lines`` (1-based) migrated, or None when that does not parse."""
    out = text.split("\n")
    for number in lines:
        if 0 < number <= len(out):
            out[number - 1] = migrate_line(out[number - 1])
    result = "\n".join(out)
    try:
        ast.parse(result)
    except SyntaxError:
        return None
    return result


def _date(day: int, commit: int) -> str:
    """Working days from Monday 2024-01-01, a few commits a day (weekends skipped)."""
    week, weekday = divmod(day, 5)
    date = f"2024-01-01T{9 + commit % 8:02d}:{(commit * 7) % 60:02d}:00+00:00"
    when = datetime.fromisoformat(date) + timedelta(days=7 * week + weekday)
    return when.isoformat()


def history_commits(n_modules: int = 5000, n_commits: int = 200, seed: int = 0, *, commits_per_day: int = 3,
                    deprecated_share: float | None = None) -> list[SampleCommit]:
    """The commits of the generated migration (see the module's docstring)."""
    gentree = load_gentree()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="wsaudit-genhistory-") as tmp:
        tree = Path(tmp) / "tree"
        share = {} if deprecated_share is None else {"deprecated_share": deprecated_share}
        gentree.generate_tree(tree, n_modules, seed, **share)
        manifest = json.loads((tree / ".bench-planted.json").read_text(encoding="utf-8"))
        files = {p.relative_to(tree).as_posix(): p.read_text(encoding="utf-8") for p in sorted(tree.rglob("*"))
                 if p.is_file() and p.name != ".bench-planted.json"}
    files["wsaudit.toml"] = files["wsaudit.toml"].replace('symbol = "app.core.factory.create_manager"',
                                                          'symbol = "app.core.**.create_manager"')
    planted: dict[str, set[int]] = defaultdict(set)
    for row in manifest["violations"]:
        planted[row["path"]].add(row["line"])
    planted.pop(gentree.DEPRECATED_MODULE.replace(".", "/") + ".py", None)  # the factory itself stays
    reexporters = sorted(p for p in planted if p.endswith("__init__.py"))
    users = [p for p in sorted(planted) if p not in reexporters]
    rng.shuffle(users)
    tests = [p for p in users if "/tests/" in p]
    deleted = set(rng.sample(tests, len(tests) * 2 // 5))
    queue = [p for p in users if p not in deleted] + reexporters  # the migration order; shim last
    plain = sorted(p for p in files if p.endswith(".py") and not p.endswith("__init__.py") and p not in planted)

    current = dict(files)
    out = [SampleCommit("Initial import of the generated tree", _date(0, 0), dict(files))]
    steps = n_commits - 1
    events = {round(steps * 0.3): "delete", round(steps * 0.5): "reintroduce", round(steps * 0.6): "rename",
              round(steps * 0.75): "break"}
    migrations = steps - len(events) - 1 - steps // 12 * 2  # less the fix, the edits and the new modules
    per_step = max(1, -(-len(queue) // max(1, migrations)))
    broken: dict[str, str] = {}
    for i in range(1, n_commits):
        changes: dict[str, str | None] = {}
        renames: tuple[tuple[str, str], ...] = ()
        event = events.get(i)
        if broken:  # the fix of the mass edit
            changes, message, broken = dict(broken), "Fix the mass edit", {}
        elif event == "delete":
            changes = {p: None for p in sorted(deleted)}
            message = f"Delete {len(deleted)} legacy test modules"
        elif event == "reintroduce":
            callers = rng.sample(plain, 3)
            changes = {"app/core/compat.py": COMPAT}
            changes.update({p: current[p] + "\n\nfrom app.core.compat import create_manager as _compat_manager\n"
                            for p in callers})
            message = "Bring back a compat factory for three callers"
        elif event == "rename":
            picked = rng.sample([p for p in plain if "/tests/" not in p], 5)
            renames = tuple((p, p[:-3] + "_v2.py") for p in picked)
            for old, new in renames:
                current[new] = current.pop(old)
                plain[plain.index(old)] = new
            message = "Rename five modules"
        elif event == "break":
            victims = rng.sample(sorted(p for p in current if p.endswith(".py") and current[p] is not None),
                                 max(1, len(current) * 6 // 100))
            broken = {p: current[p] for p in victims}
            changes = {p: BROKEN + current[p] for p in victims}
            message = f"Mass edit of {len(victims)} files (it breaks them)"
        elif i % 12 == 6:
            target = rng.choice(plain)
            changes = {target: current[target] + f"\n\ndef appended_{i}(payload):\n    return payload\n"}
            message = f"Edit {target}"
        elif i % 12 == 11:
            new = f"app/extra/module_{i}.py"
            changes = {new: f'"""Module added in commit {i}."""\n\nVALUE = {i}\n'}
            if "app/extra/__init__.py" not in current:
                changes["app/extra/__init__.py"] = ""
            message = f"Add {new}"
        else:
            batch, queue = queue[:per_step], queue[per_step:]
            for path in batch:
                text = migrated(current[path], planted[path]) if path in current else None
                if text is not None:
                    changes[path] = text
            message = f"Migrate {len(changes)} files" if changes else "Nothing left to migrate"
        for path, text in changes.items():
            if text is None:
                current.pop(path, None)
            else:
                current[path] = text
        out.append(SampleCommit(message, _date(i // commits_per_day, i), changes, renames))
    return out
