#!/usr/bin/env python
"""Wall-clock benchmark of ``wsaudit scan`` / ``wsaudit graph`` against peer import-graph builders.

Not a test: it prints a Markdown table (and, with ``--json FILE``, writes the numbers).

Targets
    gen10k   a synthetic, seeded tree of 10,000 modules (``benchmarks/.work/gen10k/``) with a
             deprecated ``app.core.factory.create_manager`` used by ~5% of the modules
    pandas   the ``.py`` files of the installed pandas, copied to ``benchmarks/.work/pandas_src/pandas``
             so that the audited root is ``pandas_src`` and module names start at ``pandas``

Commands timed on each target, each as a subprocess, best of ``--repeat`` runs
    wsaudit scan  --no-cache            (cold: parse everything)
    wsaudit scan  --cache-dir FRESH     (warm: the same cache dir, filled by one untimed run first)
    wsaudit graph --no-cache
    ruff analyze graph                  (the reference: ratios are against it)
    grimp.build_graph(..., cache_dir=None)  in a fresh interpreter with PYTHONPATH=ROOT

Run:  .venv/bin/python benchmarks/bench_scan.py [--repeat N] [--regen] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
GEN_VERSION = 1  # bump when the generator changes: the tree is regenerated
N_MODULES = 10_000
DEPRECATED_SHARE = 0.05
DECOY_SHARE = 0.01


# ============================================================================ synthetic tree

TOPS = ["app", "billing", "insights", "infra_common"]
SUBPACKAGES = [
    "core", "api", "auth", "storage", "workers", "domain", "integrations", "reporting",
    "notifications", "search", "admin", "pipeline", "scheduling", "accounts", "catalog", "gateway",
]
LEAF_PACKAGES = [
    "users", "orders", "invoices", "payments", "sessions", "metrics", "events", "queues",
    "caching", "tokens", "policies", "schemas", "ledgers", "batches", "jobs", "channels",
    "messages", "profiles", "exports", "imports_", "webhooks", "tenants", "quotas", "limits",
    "audits", "emails", "files", "tags", "regions", "currencies",
]
NOUNS = [
    "user", "order", "invoice", "payment", "account", "session", "report", "metric", "event",
    "queue", "cache", "config", "token", "policy", "schema", "record", "ledger", "batch", "job",
    "task", "channel", "message", "profile", "export", "tenant", "quota", "webhook", "region",
    "currency", "customer", "product", "price", "discount", "shipment", "address", "audit",
    "rule", "window", "snapshot", "cursor",
]
SUFFIXES = [
    "service", "model", "utils", "handler", "client", "store", "views", "helpers", "validator",
    "adapter", "repository", "serializer", "tasks", "routes", "schemas", "mapper", "loader",
    "writer", "resolver", "builder",
]
VERBS = [
    "get", "build", "load", "save", "compute", "validate", "render", "sync", "parse", "merge",
    "apply", "fetch", "normalize", "refresh", "resolve", "summarize", "dispatch", "collect",
]
STDLIB = [
    "import os", "import json", "import re", "import time", "import itertools",
    "import functools", "import dataclasses", "import collections", "from pathlib import Path",
    "from datetime import datetime, timedelta", "import hashlib", "import uuid",
]
PHRASES = [
    "for the current tenant", "from the backing store", "in a single pass", "with retries",
    "as a plain dictionary", "before it is persisted", "for the reporting layer",
    "using the configured policy", "lazily", "and cache the result",
]

DEPRECATED_MODULE = "app.core.factory"
DEPRECATED_SYMBOL = "app.core.factory.create_manager"


@dataclass
class Mod:
    name: str  # dotted
    is_package: bool = False
    is_test: bool = False
    functions: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    @property
    def package(self) -> str:  # the package this module lives in
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def leaf(self) -> str:
        return self.name.rpartition(".")[2]

    @property
    def path(self) -> str:
        parts = self.name.split(".")
        return "/".join(parts) + "/__init__.py" if self.is_package else "/".join(parts) + ".py"


def _camel(*words: str) -> str:
    return "".join(w.capitalize() for w in words)


def plan_tree(rng: random.Random) -> list[Mod]:
    """Packages (4 top-level, 8 sub-packages each with ~10 leaf packages and a tests package)
    and then plain modules spread over them until there are exactly N_MODULES files."""
    packages: list[tuple[str, float]] = []  # (dotted name, weight for receiving modules)
    for top in TOPS:
        packages.append((top, 0.1))
        subs = rng.sample(SUBPACKAGES, 8)
        if top == "app" and "core" not in subs:
            subs[0] = "core"
        for sub in subs:
            packages.append((f"{top}.{sub}", 0.5))
            for leaf in rng.sample(LEAF_PACKAGES, rng.randint(8, 12)):
                packages.append((f"{top}.{sub}.{leaf}", 1.0))
            packages.append((f"{top}.{sub}.tests", 0.8))
    mods = [Mod(name, is_package=True) for name, _ in packages]
    fixed = [Mod(DEPRECATED_MODULE), Mod("app.core.manager", classes=["Manager"])]
    taken: dict[str, set[str]] = {name: set() for name, _ in packages}
    taken["app.core"].update({"factory", "manager"})
    names = [name for name, _ in packages]
    weights = [w for _, w in packages]
    plain: list[Mod] = []
    for _ in range(N_MODULES - len(mods) - len(fixed)):
        pkg = rng.choices(names, weights)[0]
        is_test = pkg.endswith(".tests")
        while True:
            leaf = f"{rng.choice(NOUNS)}_{rng.choice(SUFFIXES)}"
            if is_test:
                leaf = "test_" + leaf
            if leaf in taken[pkg]:
                leaf = f"{leaf}_{len(taken[pkg])}"
            if leaf not in taken[pkg]:
                break
        taken[pkg].add(leaf)
        mod = Mod(f"{pkg}.{leaf}", is_test=is_test)
        if not is_test:
            funcs: list[str] = []
            for _ in range(rng.randint(2, 4)):
                fn = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
                if fn not in funcs:
                    funcs.append(fn)
            mod.functions = funcs
            mod.classes = sorted({_camel(rng.choice(NOUNS), rng.choice(SUFFIXES))
                                  for _ in range(rng.choice([0, 1, 1, 2]))})
        plain.append(mod)
    return mods + fixed + sorted(plain, key=lambda m: m.name)


def _docstring(rng: random.Random, what: str) -> list[str]:
    return [
        f'"""{what.capitalize()} {rng.choice(PHRASES)}.',
        "",
        f"Part of the {rng.choice(NOUNS)} subsystem; see the architecture notes for how the",
        f"{rng.choice(NOUNS)} and {rng.choice(NOUNS)} layers fit together.",
        '"""',
    ]


class ModuleWriter:
    """Renders one module: sibling imports, functions, classes, optional deprecated usage."""

    def __init__(self, rng: random.Random, mod: Mod, by_package: dict[str, list[Mod]],
                 by_top: dict[str, list[Mod]], everything: list[Mod]):
        self.rng, self.mod = rng, mod
        self.by_package, self.by_top, self.everything = by_package, by_top, everything
        self.bound: set[str] = set(mod.functions) | set(mod.classes) | {"logger", "DEFAULT_LIMIT"}
        self.imports: list[str] = []
        self.callables: list[str] = []  # expressions callable with one positional argument

    def bind(self, name: str) -> str:
        """A free local name based on ``name``."""
        candidate, i = name, 2
        while candidate in self.bound:
            candidate, i = f"{name}_{i}", i + 1
        self.bound.add(candidate)
        return candidate

    def import_of(self, target: Mod) -> None:
        rng, here = self.rng, self.mod
        what = rng.choice(target.functions + target.classes)
        pkg = here.package
        parent = pkg.rpartition(".")[0]
        if target.package == pkg:
            if rng.random() < 0.5:
                alias = self.bind(target.leaf)
                tail = "" if alias == target.leaf else f" as {alias}"
                self.imports.append(f"from . import {target.leaf}{tail}")
                self.callables.append(f"{alias}.{what}")
            else:
                alias = self.bind(what)
                tail = "" if alias == what else f" as {alias}"
                self.imports.append(f"from .{target.leaf} import {what}{tail}")
                self.callables.append(alias)
            return
        if parent and target.package == parent and rng.random() < 0.6:
            alias = self.bind(what)
            tail = "" if alias == what else f" as {alias}"
            self.imports.append(f"from ..{target.leaf} import {what}{tail}")
            self.callables.append(alias)
            return
        form = rng.random()
        if form < 0.4:
            alias = self.bind(what)
            tail = "" if alias == what else f" as {alias}"
            self.imports.append(f"from {target.name} import {what}{tail}")
            self.callables.append(alias)
        elif form < 0.7:
            alias = self.bind(target.leaf)
            tail = "" if alias == target.leaf else f" as {alias}"
            self.imports.append(f"from {target.package} import {target.leaf}{tail}")
            self.callables.append(f"{alias}.{what}")
        else:
            alias = self.bind(target.leaf.split("_")[0] + "_mod")
            self.imports.append(f"import {target.name} as {alias}")
            self.callables.append(f"{alias}.{what}")

    def pick_targets(self) -> list[Mod]:
        rng, here = self.rng, self.mod
        top = here.name.split(".")[0]
        targets: list[Mod] = []
        for _ in range(rng.randint(1, 4)):
            roll = rng.random()
            if roll < 0.55:
                pool = self.by_package.get(here.package, [])
            elif roll < 0.85:
                pool = self.by_top[top]
            else:
                pool = self.everything
            for _attempt in range(3):  # a few draws instead of filtering a 10k-long pool
                pick = rng.choice(pool) if pool else None
                if pick is not None and pick is not here and all(pick is not t for t in targets):
                    targets.append(pick)
                    break
        return targets

    def function(self, name: str, extra: list[str] | None = None) -> list[str]:
        rng = self.rng
        noun = name.partition("_")[2] or "item"
        call = rng.choice(self.callables) if self.callables else "dict"
        body = [f"def {name}(payload, options=None):",
                f'    """{name.split("_")[0].capitalize()} the {noun} {rng.choice(PHRASES)}."""']
        body += [f"    {line}" for line in extra or []]
        shape = rng.randrange(3)
        if shape == 0:
            body += [f"    result = {call}(payload)",
                     "    if not result:",
                     f'        logger.debug("no {noun} for %r", payload)',
                     "        return None",
                     "    return result"]
        elif shape == 1:
            body += ["    options = options or {}",
                     "    items = []",
                     "    for index, entry in enumerate(payload or []):",
                     "        if index >= options.get(\"limit\", DEFAULT_LIMIT):",
                     "            break",
                     f"        items.append({call}(entry))",
                     "    return items"]
        else:
            body += ["    try:",
                     f"        value = {call}(payload)",
                     "    except (KeyError, ValueError) as exc:",
                     f'        logger.warning("cannot {name.split("_")[0]} {noun}: %s", exc)',
                     "        raise",
                     f"    return {{\"{noun}\": value, \"options\": options}}"]
        return body + ["", ""]

    def klass(self, name: str) -> list[str]:
        rng = self.rng
        call = rng.choice(self.callables) if self.callables else "dict"
        method = f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}"
        return [f"class {name}:",
                f'    """{name} {rng.choice(PHRASES)}."""',
                "",
                "    def __init__(self, source=None, *, limit=DEFAULT_LIMIT):",
                "        self.source = source",
                "        self.limit = limit",
                "        self._seen = {}",
                "",
                f"    def {method}(self, key):",
                f'        """Return the cached value for ``key``, computing it {rng.choice(PHRASES)}."""',
                "        if key not in self._seen:",
                f"            self._seen[key] = {call}(key)",
                "        return self._seen[key]",
                "",
                "    def __repr__(self):",
                f'        return f"{name}(source={{self.source!r}})"',
                "", ""]

    def render(self, deprecated: str | None, decoy: bool) -> str:
        rng, mod = self.rng, self.mod
        for target in self.pick_targets():
            self.import_of(target)
        top_imports: list[str] = []
        dep_imports: list[str] = []
        dep_module_lines: list[str] = []  # module-level statements after the constants
        dep_extra: list[str] = []  # first statements of the first function
        dep_func: list[str] = []  # a whole extra function
        if deprecated:
            dep_imports, dep_module_lines, dep_extra, dep_func = deprecated_usage(deprecated, mod)
        lines = _docstring(rng, f"{mod.leaf.replace('_', ' ')} module")
        lines += ["", "from __future__ import annotations", ""]
        std = sorted(rng.sample(STDLIB, rng.randint(1, 3)))
        lines += ["import logging"] + std + top_imports + [""]
        lines += self.imports + dep_imports + [""]
        lines += ["logger = logging.getLogger(__name__)", f"DEFAULT_LIMIT = {rng.choice([10, 50, 100, 500])}"]
        if dep_module_lines:
            lines += [""] + dep_module_lines
        if decoy:
            lines += ["", "# create_manager() from app.core.factory is deprecated: this module has its own.",
                      "", "", "def create_manager(config=None):",
                      '    """Local helper, unrelated to app.core.factory.create_manager."""',
                      "    return {\"config\": config, \"note\": \"create_manager\"}"]
        lines += ["", ""]
        for i, fn in enumerate(mod.functions):
            lines += self.function(fn, dep_extra if i == 0 else None)
        if decoy:
            lines += ["def local_manager(payload):", "    return create_manager(payload)", "", ""]
        lines += dep_func
        for cls in mod.classes:
            lines += self.klass(cls)
        while lines and lines[-1] == "":
            lines.pop()
        return "\n".join(lines) + "\n"


DEPRECATED_VARIANTS = [
    "direct", "alias", "module_alias", "from_package", "dotted", "reexport", "reexport_renamed",
    "cross_reexport", "function_level", "try_import", "type_checking", "value_ref",
]


def deprecated_usage(variant: str, mod: Mod) -> tuple[list[str], list[str], list[str], list[str]]:
    """(module-level imports, module-level statements, first-function prologue, extra function)."""
    call_fn = ["def make_default_manager(config=None):",
               '    """Build the manager the legacy way."""']
    if variant == "direct":
        return (["from app.core.factory import create_manager"], [], [],
                call_fn + ["    return create_manager(config)", "", ""])
    if variant == "alias":
        return (["from app.core.factory import create_manager as make_manager"], [], [],
                call_fn + ["    return make_manager(config, retries=3)", "", ""])
    if variant == "module_alias":
        return (["import app.core.factory as manager_factory"], [], [],
                call_fn + ["    return manager_factory.create_manager(config)", "", ""])
    if variant == "from_package":
        return (["from app.core import factory"], [], [],
                call_fn + ["    return factory.create_manager(config)", "", ""])
    if variant == "dotted":
        return (["import app.core.factory"], [], [],
                call_fn + ["    return app.core.factory.create_manager(config)", "", ""])
    if variant == "reexport":
        return (["from app.core import create_manager"], [], [],
                call_fn + ["    return create_manager(config)", "", ""])
    if variant == "reexport_renamed":
        return (["from app import build_manager"], [], [],
                call_fn + ["    return build_manager(config)", "", ""])
    if variant == "cross_reexport":
        return (["from billing import create_manager"], [], [],
                call_fn + ["    return create_manager(config)", "", ""])
    if variant == "function_level":
        return ([], [], ["from app.core.factory import create_manager", "manager = create_manager(options)",
                         "logger.debug(\"manager %r\", manager)"], [])
    if variant == "try_import":
        return (["try:", "    from app.core.factory import create_manager",
                 "except ImportError:  # pragma: no cover", "    create_manager = None"], [], [],
                call_fn + ["    if create_manager is None:", "        raise RuntimeError(\"no manager\")",
                           "    return create_manager(config)", "", ""])
    if variant == "type_checking":
        return (["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:",
                 "    from app.core.factory import create_manager"], [], [],
                ["def describe_factory(factory: type[create_manager] | None = None) -> str:",
                 '    """Name of the factory, for logs."""', "    return repr(factory)", "", ""])
    if variant == "value_ref":
        return (["from app.core.factory import create_manager"],
                ["FACTORIES = {\"default\": create_manager}"], [], [])
    if variant == "relative":
        depth = len(mod.package.split(".")) - 2  # dots needed to reach app.core from mod.package
        dots = "." * (depth + 1)
        return ([f"from {dots}factory import create_manager"], [], [],
                call_fn + ["    return create_manager(config)", "", ""])
    if variant == "mock_patch":
        return (["from unittest import mock"], [], [],
                ["def test_manager_is_patched():",
                 '    with mock.patch("app.core.factory.create_manager") as fake:',
                 "        fake.return_value = object()",
                 "        assert fake() is fake.return_value", "", ""])
    raise ValueError(variant)


def render_package(rng: random.Random, mod: Mod, children: list[Mod]) -> str:
    lines = _docstring(rng, f"the {mod.name} package")
    exports: list[str] = []
    if mod.name == "app.core":
        lines += ["", "from .factory import create_manager", "from .manager import Manager"]
        exports = ["Manager", "create_manager"]
    elif mod.name == "app":
        lines += ["", "from app.core import create_manager as build_manager"]
        exports = ["build_manager"]
    elif mod.name == "billing":
        lines += ["", "from app.core.factory import create_manager"]
        exports = ["create_manager"]
    elif children and not mod.name.endswith(".tests") and rng.random() < 0.3:
        lines.append("")
        for child in rng.sample(children, min(2, len(children))):
            name = (child.classes or child.functions)[0]
            lines.append(f"from .{child.leaf} import {name}")
            exports.append(name)
    if exports:
        lines += ["", "__all__ = [" + ", ".join(f'"{e}"' for e in sorted(set(exports))) + "]"]
    return "\n".join(lines) + "\n"


FACTORY_SOURCE = '''"""Legacy manager factory.

Deprecated: instantiate :class:`app.core.manager.Manager` directly. ``create_manager`` stays
only until every caller has migrated.
"""

from __future__ import annotations

import warnings

from .manager import Manager


def create_manager(config=None, **options):
    """Return a new :class:`Manager` (deprecated)."""
    warnings.warn("create_manager() is deprecated; use Manager()", DeprecationWarning, stacklevel=2)
    return Manager(config, **options)


def _legacy_defaults():
    return {"retries": 3, "timeout": 30}
'''

MANAGER_SOURCE = '''"""The canonical manager."""

from __future__ import annotations


class Manager:
    """Owns the connections of one user session."""

    def __init__(self, config=None, **options):
        self.config = config or {}
        self.options = options

    def close(self):
        self.options.clear()
'''


def generate_tree(dest: Path) -> dict:
    """Write the 10k-module tree into ``dest`` (created fresh); return its manifest."""
    rng = random.Random(0)
    mods = plan_tree(rng)
    by_package: dict[str, list[Mod]] = {}
    by_top: dict[str, list[Mod]] = {}
    importable = [m for m in mods if not m.is_package and not m.is_test and m.functions]
    for m in importable:
        by_package.setdefault(m.package, []).append(m)
        by_top.setdefault(m.name.split(".")[0], []).append(m)
    plain = [m for m in mods if not m.is_package and m.name not in (DEPRECATED_MODULE, "app.core.manager")]
    chosen = rng.sample(plain, round(DEPRECATED_SHARE * len(plain)))
    variant_of: dict[str, str] = {}
    for m in chosen:
        if m.is_test:
            variant = rng.choice(["mock_patch", "direct", "module_alias"])
        elif m.name.startswith("app.core.") and rng.random() < 0.5:
            variant = "relative"
        else:
            variant = rng.choice(DEPRECATED_VARIANTS)
        variant_of[m.name] = variant
    rest = [m for m in plain if m.name not in variant_of and not m.is_test]
    decoys = {m.name for m in rng.sample(rest, round(DECOY_SHARE * len(plain)))}

    dest.mkdir(parents=True)
    children: dict[str, list[Mod]] = {}
    for m in importable:
        children.setdefault(m.package, []).append(m)
    total_lines = 0
    for m in mods:
        if m.is_package:
            text = render_package(rng, m, children.get(m.name, []))
        elif m.name == DEPRECATED_MODULE:
            text = FACTORY_SOURCE
        elif m.name == "app.core.manager":
            text = MANAGER_SOURCE
        else:
            writer = ModuleWriter(rng, m, by_package, by_top, importable)
            if m.is_test:
                m.functions = [f"test_{rng.choice(VERBS)}_{rng.choice(NOUNS)}_{i}" for i in range(rng.randint(2, 4))]
                writer.bound.update(m.functions)
            text = writer.render(variant_of.get(m.name), m.name in decoys)
        path = dest / m.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        total_lines += text.count("\n")

    golden = [m.name for m in importable if m.name.startswith("app.") and not m.name.startswith("app.core")][:2]
    config = [
        "# Generated by benchmarks/bench_scan.py (seeded, deterministic).",
        'roots = ["."]',
        'exclude = [".venv", "build", "backup*"]',
        'tests = ["**/tests/**", "**/test_*.py", "**/conftest.py"]',
        "",
        "[golden_path]",
        "modules = [" + ", ".join(f'"{g}"' for g in golden) + "]",
        "",
        "[[rule]]",
        'id = "GEN001"',
        f'symbol = "{DEPRECATED_SYMBOL}"',
        'replacement = "app.core.manager.Manager"',
        'message = "create_manager() is deprecated; instantiate Manager"',
        "",
        "[[rule]]",
        'id = "GEN002"',
        f'module = "{DEPRECATED_MODULE}"',
        'replacement = "app.core.manager"',
        "",
    ]
    (dest / "wsaudit.toml").write_text("\n".join(config), encoding="utf-8", newline="\n")
    counts: dict[str, int] = {}
    for v in variant_of.values():
        counts[v] = counts.get(v, 0) + 1
    planted = {"variants": dict(sorted(variant_of.items())), "decoys": sorted(decoys)}
    (dest / ".bench-planted.json").write_text(json.dumps(planted, indent=1) + "\n", encoding="utf-8")
    return {
        "generator_version": GEN_VERSION,
        "modules": len(mods),
        "packages": sum(m.is_package for m in mods),
        "test_modules": sum(m.is_test for m in mods),
        "lines": total_lines,
        "deprecated_users": len(variant_of),
        "deprecated_variants": dict(sorted(counts.items())),
        "decoys": len(decoys),
        "top_packages": TOPS,
    }


def ensure_gen10k(regen: bool) -> tuple[Path, dict]:
    root = WORK / "gen10k"
    marker = root / ".bench-manifest.json"
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("generator_version") == GEN_VERSION:
            return root, manifest
    print(f"generating {N_MODULES} modules into {root.relative_to(REPO)} ...", file=sys.stderr)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="gen10k.", dir=WORK))
    try:
        manifest = generate_tree(tmp / "tree")
        (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp / "tree", root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root, manifest


# ============================================================================ pandas target

PANDAS_CONFIG = """# Written by benchmarks/bench_scan.py: audit the pandas sources for a few internal helpers.
roots = ["."]
exclude = [".venv", "build", "backup*"]
tests = ["**/tests/**", "**/test_*.py", "**/conftest.py"]

[[rule]]
id = "PD001"
symbol = "pandas.util._decorators.deprecate_kwarg"
message = "deprecate_kwarg is used widely: benchmark rule"

[[rule]]
id = "PD002"
symbol = "pandas.util._decorators.deprecate"

[[rule]]
id = "PD003"
module = "pandas.core.common"

# Not deprecated: a helper used in ~80 files, so that detection has real work to do.
[[rule]]
id = "PD004"
symbol = "pandas.util._exceptions.find_stack_level"
"""


def ensure_pandas(regen: bool) -> tuple[Path, dict] | None:
    try:
        import pandas
    except ImportError:
        print("pandas is not importable: skipping the pandas target", file=sys.stderr)
        return None
    src = Path(pandas.__file__).resolve().parent
    root = WORK / "pandas_src"
    marker = root / ".bench-manifest.json"
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("pandas_version") == pandas.__version__ and manifest.get("source") == str(src):
            config = root / "wsaudit.toml"
            if not config.is_file() or config.read_text(encoding="utf-8") != PANDAS_CONFIG:
                config.write_text(PANDAS_CONFIG, encoding="utf-8")
            return root, manifest
    print(f"copying the .py files of pandas {pandas.__version__} from {src} ...", file=sys.stderr)
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pandas_src.", dir=WORK))
    try:
        files = lines = 0
        for path in sorted(src.rglob("*.py")):
            rel = path.relative_to(src)
            if "__pycache__" in rel.parts:
                continue
            out = tmp / "tree" / "pandas" / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out)
            files += 1
            lines += path.read_bytes().count(b"\n")
        (tmp / "tree" / "wsaudit.toml").write_text(PANDAS_CONFIG, encoding="utf-8")
        manifest = {"pandas_version": pandas.__version__, "source": str(src), "modules": files,
                    "lines": lines, "top_packages": ["pandas"]}
        (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if root.exists():
            shutil.rmtree(root)
        os.replace(tmp / "tree", root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root, manifest


# ============================================================================ timing

@dataclass
class Result:
    target: str
    tool: str
    command: list[str]
    status: str = "ok"  # ok | failed | timeout | bad-output | skipped
    runs: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user+sys seconds of each run, children included
    best: float | None = None
    best_cpu: float | None = None  # CPU seconds of the best run: less sensitive to a busy machine
    output: str = ""  # what the command produced (counts), to check the tools did comparable work
    detail: str = ""  # failure detail (stderr tail)
    ratio_vs_ruff: float | None = None


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name  # the venv's bin, not resolved through symlinks
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(cmd: list[str], cwd: Path, out_file: Path, timeout: float,
              env: dict[str, str] | None = None) -> tuple[float, int | None, str, float]:
    """Run once with stdout into ``out_file``;
    return (seconds, exit code or None on timeout, stderr, CPU seconds of the process tree)."""
    cpu_before = _children_cpu()
    with open(out_file, "wb") as out:
        start = time.perf_counter()
        # Own process group, so that a hung command's worker processes can be stopped with it.
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            elapsed = time.perf_counter() - start
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, err = proc.communicate()
            return elapsed, None, err.decode("utf-8", "replace"), _children_cpu() - cpu_before
        elapsed = time.perf_counter() - start
    return elapsed, proc.returncode, err.decode("utf-8", "replace"), _children_cpu() - cpu_before


def _tail(text: str, n: int = 25) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(lines[-n:])


def measure(result: Result, cwd: Path, repeat: int, timeout: float, check, env=None,
            budget: float = 0) -> Result:
    """Best of ``repeat`` runs; stop at the first failure and keep its stderr.

    With ``budget`` > 0, a further run starts only if the runs so far plus one more (estimated
    by the fastest so far) stay within ``budget`` seconds; the first run always happens.
    """
    with tempfile.TemporaryDirectory(prefix="bench-out.") as tmp:
        out_file = Path(tmp) / "stdout"
        for _ in range(repeat):
            if budget > 0 and result.runs and sum(result.runs) + min(result.runs) > budget:
                break
            seconds, code, err, cpu = run_timed(result.command, cwd, out_file, timeout, env)
            if code is None:
                result.status, result.detail = "timeout", f"> {timeout:.0f}s\n{_tail(err)}"
                break
            if code != 0:
                result.status, result.detail = "failed", f"exit code {code}\n{_tail(err)}"
                break
            result.runs.append(seconds)
            result.cpu.append(cpu)
        if result.status == "ok":
            try:
                result.output = check(out_file.read_bytes())
            except Exception as exc:  # noqa: BLE001 - any unexpected output shape is reported
                result.status = "bad-output"
                result.detail = f"{type(exc).__name__}: {exc}"
    if result.runs and result.status == "ok":
        result.best = min(result.runs)
        result.best_cpu = result.cpu[result.runs.index(result.best)]
    tag = f"{result.best:.2f}s" if result.best is not None else result.status.upper()
    runs = ", ".join(f"{t:.2f}" for t in result.runs)
    print(f"  {result.tool:<28} {tag:>8}   runs: {runs}", file=sys.stderr)
    return result


def check_scan(data: bytes) -> str:
    doc = json.loads(data)
    cats: dict[str, int] = {}
    for v in doc["violations"]:
        cats[v["category"]] = cats.get(v["category"], 0) + 1
    parts = ", ".join(f"{k.removeprefix('deprecated-')} {n}" for k, n in sorted(cats.items()))
    return (f"{doc['files_scanned']} files, {len(doc['violations'])} violations ({parts}), "
            f"{len(doc['diagnostics'])} diagnostics")


def check_graph(data: bytes) -> str:
    doc = json.loads(data)
    pairs = {(e["source"], e["target"]) for e in doc["edges"] if e["source"] != e["target"]}
    return f"{len(doc['nodes'])} nodes, {len(doc['edges'])} edges ({len(pairs)} distinct module pairs)"


def check_ruff(data: bytes) -> str:
    doc = json.loads(data)
    edges = sum(len(v) for v in doc.values())
    return f"{len(doc)} files, {edges} edges"


def check_grimp(data: bytes) -> str:
    doc = json.loads(data)
    return f"{doc['modules']} modules, {doc['edges']} edges (in-process {doc['seconds']:.2f}s)"


GRIMP_SNIPPET = """
import importlib.util, json, os, sys, time
root = os.path.realpath(sys.argv[1])
packages = sys.argv[2:]
for name in packages:
    spec = importlib.util.find_spec(name)
    origin = os.path.realpath(spec.origin) if spec and spec.origin else None
    if not origin or not origin.startswith(root + os.sep):
        sys.exit(f"grimp would read {name!r} from {origin}, not from {root}")
import grimp
start = time.perf_counter()
graph = grimp.build_graph(*packages, cache_dir=None)
seconds = time.perf_counter() - start
print(json.dumps({"modules": len(graph.modules), "edges": graph.count_imports(), "seconds": seconds}))
"""


def bench_target(name: str, root: Path, manifest: dict, repeat: int, timeout: float,
                 jobs: int | None, budget: float) -> list[Result]:
    wsaudit, ruff = _tool("wsaudit"), _tool("ruff")
    results: list[Result] = []
    print(f"[{name}] {root}", file=sys.stderr)
    # Read every file once so that the first timed command does not pay for a cold page cache.
    for path in root.rglob("*.py"):
        path.read_bytes()
    jobs_arg = ["--jobs", str(jobs)] if jobs else []

    if wsaudit is None:
        results.append(Result(name, "wsaudit", ["wsaudit"], status="skipped", detail="wsaudit not found"))
    else:
        base = [wsaudit, "scan", str(root), "--format", "json", "--quiet", *jobs_arg]
        cold = measure(Result(name, "wsaudit scan (cold)", base + ["--no-cache"]),
                       root, repeat, timeout, check_scan, budget=budget)
        results.append(cold)
        with tempfile.TemporaryDirectory(prefix="wsaudit-cache.") as cache:
            warm_cmd = base + ["--cache-dir", cache]
            fill = measure(Result(name, "wsaudit scan (cache fill)", warm_cmd), root, 1, timeout, check_scan)
            results.append(fill)
            if fill.status == "ok":
                warm = measure(Result(name, "wsaudit scan (warm cache)", warm_cmd),
                               root, repeat, timeout, check_scan, budget=budget)
                if warm.status == "ok" and cold.status == "ok" and warm.output != cold.output:
                    warm.detail = f"warm output differs from cold: {warm.output} vs {cold.output}"
            else:
                warm = Result(name, "wsaudit scan (warm cache)", warm_cmd, status="skipped",
                              detail="cache fill failed")
            results.append(warm)
        results.append(measure(
            Result(name, "wsaudit graph", [wsaudit, "graph", str(root), "--format", "json",
                                           "--no-cache", "--quiet", *jobs_arg]),
            root, repeat, timeout, check_graph, budget=budget))

    if ruff is None:
        results.append(Result(name, "ruff analyze graph", ["ruff"], status="skipped", detail="ruff not found"))
    else:
        # --isolated: ignore the repository's pyproject.toml (its project root would break
        # first-party resolution); run from ROOT so that ROOT is the import root.
        # respect-gitignore=false: benchmarks/.work/ is gitignored by the enclosing repository.
        cmd = [ruff, "analyze", "graph", "--isolated", "--config", "respect-gitignore = false", "."]
        results.append(measure(Result(name, "ruff analyze graph", cmd), root, repeat, timeout, check_ruff,
                               budget=budget))

    try:
        import grimp  # noqa: F401 - only to know whether it is installed
    except ImportError:
        results.append(Result(name, "grimp build_graph", [], status="skipped",
                              detail="grimp not installed (pip install -e '.[bench]')"))
    else:
        env = dict(os.environ, PYTHONPATH=str(root))
        cmd = [sys.executable, "-c", GRIMP_SNIPPET, str(root), *manifest["top_packages"]]
        results.append(measure(Result(name, "grimp build_graph", cmd), root, repeat, timeout,
                               check_grimp, env=env, budget=budget))

    ruff_best = next((r.best for r in results if r.tool == "ruff analyze graph"), None)
    for r in results:
        if r.best is not None and ruff_best:
            r.ratio_vs_ruff = r.best / ruff_best
    return results


# ============================================================================ report

def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for tool, args in (("wsaudit", ["--version"]), ("ruff", ["--version"])):
        exe = _tool(tool)
        try:
            versions[tool] = subprocess.run([exe, *args], check=False, capture_output=True, text=True,
                                            timeout=30).stdout.strip() if exe else None
        except (OSError, subprocess.TimeoutExpired):
            versions[tool] = None
    try:
        import grimp
        versions["grimp"] = getattr(grimp, "__version__", "?")
    except ImportError:
        versions["grimp"] = None
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "wsaudit"],
                               check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        versions["wsaudit_git"] = rev + ("+dirty" if dirty else "") if rev else None
    except OSError:
        versions["wsaudit_git"] = None
    return {
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def markdown(results: list[Result], files: dict[str, int]) -> str:
    rows = ["| target | files | tool / command | seconds (best) | cpu s | runs | vs ruff | output |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        seconds = f"{r.best:.2f}" if r.best is not None else r.status.upper()
        cpu = f"{r.best_cpu:.1f}" if r.best_cpu is not None else "-"
        ratio = f"{r.ratio_vs_ruff:.1f}x" if r.ratio_vs_ruff is not None else "-"
        if r.status == "ok":
            note = r.output
        else:
            lines = r.detail.splitlines()
            note = " / ".join(dict.fromkeys(lines[:1] + lines[-1:]))  # "exit code 2 / last stderr line"
        if r.status == "ok" and r.detail:
            note += f" **{r.detail}**"
        rows.append(f"| {r.target} | {files[r.target]:,} | {r.tool} | {seconds} | {cpu} | {len(r.runs)} "
                    f"| {ratio} | {note} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="timed runs per command (best kept)")
    parser.add_argument("--regen", action="store_true", help="rebuild the generated tree and the pandas copy")
    parser.add_argument("--json", metavar="FILE", help="also write all numbers as JSON")
    parser.add_argument("--targets", default="gen10k,pandas", help="comma-separated: gen10k, pandas")
    parser.add_argument("--jobs", type=int, metavar="N", help="pass --jobs N to wsaudit (default: its own)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a command counts as hung")
    parser.add_argument("--budget", type=float, default=30, metavar="SECONDS",
                        help="per command: skip further runs once they would exceed SECONDS in total "
                             "(default 30, keeps the whole run under ~5 min; 0 = always --repeat runs)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(wanted) - {"gen10k", "pandas"}
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")

    started = time.perf_counter()
    targets: list[tuple[str, Path, dict]] = []
    if "gen10k" in wanted:
        root, manifest = ensure_gen10k(args.regen)
        targets.append(("gen10k", root, manifest))
    if "pandas" in wanted:
        found = ensure_pandas(args.regen)
        if found:
            targets.append(("pandas", *found))

    info = machine()
    results: list[Result] = []
    for name, root, manifest in targets:
        results += bench_target(name, root, manifest, args.repeat, args.timeout, args.jobs, args.budget)
    files = {name: manifest["modules"] for name, _, manifest in targets}
    info["loadavg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None

    print(f"machine: nproc={info['nproc']} (cpu_count={info['cpu_count']}), {info['cpu']}, "
          f"{info['implementation']} {info['python']}, {info['platform']}")
    v = info["versions"]
    load, now = info["loadavg_at_start"], info["loadavg_at_end"]
    if load and now:
        print(f"load average: {load[0]:.2f} at start, {now[0]:.2f} at end (1 min)")
        if max(load[0], now[0]) > 0.5 * (info["nproc"] or 1):
            print("WARNING: the machine was busy with other work; timings are inflated and noisy")
    print(f"tools: {v.get('wsaudit')} (git {v.get('wsaudit_git')}), {v.get('ruff')}, grimp {v.get('grimp')}")
    for name, root, manifest in targets:
        extra = ""
        if name == "gen10k":
            extra = (f", {manifest['deprecated_users']} modules use the deprecated API "
                     f"({manifest['decoys']} decoys)")
        elif name == "pandas":
            extra = f", pandas {manifest['pandas_version']}"
        print(f"{name}: {manifest['modules']:,} .py files, {manifest['lines']:,} lines{extra}; root {root}")
    budget = f", fewer when a command's runs would exceed {args.budget:g}s" if args.budget > 0 else ""
    print(f"best of up to {args.repeat} run(s){budget}; wall clock per subprocess; "
          "vs ruff = seconds / ruff analyze graph seconds on the same target")
    print()
    print(markdown(results, files))
    failures = [r for r in results if r.status not in ("ok", "skipped")]
    for r in failures:
        print(f"\n### {r.target}: {r.tool} {r.status}\n\n$ {' '.join(r.command[:3])} ...\n```\n{r.detail}\n```")
    elapsed = time.perf_counter() - started
    print(f"\n(total benchmark time {elapsed:.0f}s)")

    if args.json:
        doc = {"machine": info, "repeat": args.repeat, "budget_seconds": args.budget,
               "targets": [{"name": n, "root": str(r), "manifest": m} for n, r, m in targets],
               "results": [asdict(r) for r in results], "elapsed_seconds": elapsed}
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
