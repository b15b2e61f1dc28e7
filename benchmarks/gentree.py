"""Seeded generator of a synthetic Python tree that uses a deprecated API in known ways.

The trees are the ``gen10k`` and ``gen100k`` targets of ``bench.py``: packages and
plain modules with sibling imports, functions, classes and docstrings, a deprecated
``app.core.factory.create_manager`` re-exported by ``app.core``, ``app`` and ``billing``, used by
a share of the modules in one of several ways, and decoy modules with a look-alike of their own.
The same arguments always give the same files.

Besides the files, :func:`generate_tree` writes ``.bench-planted.json``, what was planted:
which module uses which variant, the decoys, the re-exporting packages, and every violation
that a correct audit must report (path, line, rule, category, name, context). The generator
knows them because it wrote them: each line of generated code that holds a deprecated use is
a :class:`Planted` line carrying its expected rows.

    python benchmarks/gentree.py DEST [--modules N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

# Bump when the generator's output changes (files or manifests): cached trees are regenerated.
# 2: .bench-planted.json lists every expected violation; the tree is parameterised.
GEN_VERSION = 2
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
SYMBOL_RULE, MODULE_RULE = "GEN001", "GEN002"  # the rules of the generated wsaudit.toml
IMPORT, CALL, MODULE, REFERENCE = "deprecated-import", "deprecated-call", "deprecated-module", "deprecated-reference"


class Planted(str):
    """A line of generated source and the violations a correct audit reports on it:
    ``rows`` of ``(rule_id, category, name, context)``."""

    rows: tuple[tuple[str, str, str, str], ...]

    def __new__(cls, text: str, *rows: tuple[str, str, str, str]) -> Self:
        line = super().__new__(cls, text)
        line.rows = rows
        return line


def _indent(line: str, prefix: str = "    ") -> str:
    """``prefix + line``, keeping what a :class:`Planted` line carries."""
    return Planted(prefix + line, *line.rows) if isinstance(line, Planted) else prefix + line


def _planted_rows(lines: list[str]) -> list[tuple[int, str, str, str, str]]:
    """``(line number, rule_id, category, name, context)`` of the Planted lines of a file."""
    return [(number, *row) for number, line in enumerate(lines, start=1) if isinstance(line, Planted)
            for row in line.rows]


def _import_rows(name: str, context: str, module: str | None = DEPRECATED_MODULE):
    """The rows of ``from MODULE import create_manager [as name]``: the symbol, and the deprecated
    module when the statement names it (``module``, as written: relative dots included)."""
    rows = [(SYMBOL_RULE, IMPORT, name, context)]
    if module is not None:
        rows.append((MODULE_RULE, MODULE, module, context))
    return tuple(rows)


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


def layout(n_modules: int) -> tuple[int, int, int]:
    """Sub-packages per top-level package and the range of leaf packages per sub-package.

    10,000 modules (and more) get 8 sub-packages of 8-12 leaves each (390 packages, ~4% of the
    files); smaller trees shrink both with the square root, so packages stay a small share.

    >>> layout(10_000), layout(400)
    ((8, 8, 12), (2, 2, 2))
    """
    f = min(1.0, math.sqrt(n_modules / N_MODULES))
    low = max(1, round(8 * f))
    return max(2, round(8 * f)), low, max(low, round(12 * f))


def plan_tree(rng: random.Random, n_modules: int = N_MODULES) -> list[Mod]:
    """Packages (4 top-level, each with sub-packages of leaf packages and a tests package, see
    :func:`layout`) and then plain modules spread over them until there are exactly
    ``n_modules`` files."""
    n_subs, low, high = layout(n_modules)
    packages: list[tuple[str, float]] = []  # (dotted name, weight for receiving modules)
    for top in TOPS:
        packages.append((top, 0.1))
        subs = rng.sample(SUBPACKAGES, n_subs)
        if top == "app" and "core" not in subs:
            subs[0] = "core"
        for sub in subs:
            packages.append((f"{top}.{sub}", 0.5))
            for leaf in rng.sample(LEAF_PACKAGES, rng.randint(low, high)):
                packages.append((f"{top}.{sub}.{leaf}", 1.0))
            packages.append((f"{top}.{sub}.tests", 0.8))
    mods = [Mod(name, is_package=True) for name, _ in packages]
    fixed = [Mod(DEPRECATED_MODULE), Mod("app.core.manager", classes=["Manager"])]
    taken: dict[str, set[str]] = {name: set() for name, _ in packages}
    taken["app.core"].update({"factory", "manager"})
    names = [name for name, _ in packages]
    weights = [w for _, w in packages]
    plain: list[Mod] = []
    if n_modules < len(mods) + len(fixed):
        raise ValueError(f"{n_modules} modules are fewer than the {len(mods) + len(fixed)} packages and fixed modules")
    for _ in range(n_modules - len(mods) - len(fixed)):
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
        self.planted: list[tuple[int, str, str, str, str]] = []  # set by render: see _planted_rows

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
                pool = self.by_top.get(top, [])
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
        body += [_indent(line) for line in extra or []]
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
        self.planted = _planted_rows(lines)
        return "\n".join(lines) + "\n"


DEPRECATED_VARIANTS = [
    "direct", "alias", "module_alias", "from_package", "dotted", "reexport", "reexport_renamed",
    "cross_reexport", "function_level", "try_import", "type_checking", "value_ref",
]


def deprecated_usage(variant: str, mod: Mod) -> tuple[list[str], list[str], list[str], list[str]]:
    """(module-level imports, module-level statements, first-function prologue, extra function).

    The lines that hold a deprecated use are :class:`Planted` with the rows they must give:
    imports sit at module level (or in ``try``, under ``TYPE_CHECKING``, in the first function);
    calls sit in functions.
    """
    P, S, M = Planted, SYMBOL_RULE, MODULE_RULE
    call_fn = ["def make_default_manager(config=None):",
               '    """Build the manager the legacy way."""']

    def calls(name: str, text: str) -> list[str]:
        return call_fn + [P(text, (S, CALL, name, "function")), "", ""]

    if variant == "direct":
        return ([P("from app.core.factory import create_manager", *_import_rows("create_manager", "module"))], [], [],
                calls("create_manager", "    return create_manager(config)"))
    if variant == "alias":
        return ([P("from app.core.factory import create_manager as make_manager",
                   *_import_rows("make_manager", "module"))], [], [],
                calls("make_manager", "    return make_manager(config, retries=3)"))
    if variant == "module_alias":
        return ([P("import app.core.factory as manager_factory", (M, MODULE, "manager_factory", "module"))], [], [],
                calls("manager_factory.create_manager", "    return manager_factory.create_manager(config)"))
    if variant == "from_package":
        return ([P("from app.core import factory", (M, MODULE, "factory", "module"))], [], [],
                calls("factory.create_manager", "    return factory.create_manager(config)"))
    if variant == "dotted":
        return ([P("import app.core.factory", (M, MODULE, "app.core.factory", "module"))], [], [],
                calls("app.core.factory.create_manager", "    return app.core.factory.create_manager(config)"))
    if variant == "reexport":  # app.core is not the deprecated module: only the symbol
        return ([P("from app.core import create_manager", *_import_rows("create_manager", "module", None))], [], [],
                calls("create_manager", "    return create_manager(config)"))
    if variant == "reexport_renamed":
        return ([P("from app import build_manager", *_import_rows("build_manager", "module", None))], [], [],
                calls("build_manager", "    return build_manager(config)"))
    if variant == "cross_reexport":
        return ([P("from billing import create_manager", *_import_rows("create_manager", "module", None))], [], [],
                calls("create_manager", "    return create_manager(config)"))
    if variant == "function_level":
        return ([], [], [P("from app.core.factory import create_manager", *_import_rows("create_manager", "function")),
                         P("manager = create_manager(options)", (S, CALL, "create_manager", "function")),
                         "logger.debug(\"manager %r\", manager)"], [])
    if variant == "try_import":
        # the fallback binding does not hide the import: the function sees both
        return (["try:", P("    from app.core.factory import create_manager", *_import_rows("create_manager", "try")),
                 "except ImportError:  # pragma: no cover", "    create_manager = None"], [], [],
                call_fn + [P("    if create_manager is None:", (S, REFERENCE, "create_manager", "function")),
                           "        raise RuntimeError(\"no manager\")",
                           P("    return create_manager(config)", (S, CALL, "create_manager", "function")), "", ""])
    if variant == "type_checking":
        # the annotation is evaluated where the def runs: module level, not under TYPE_CHECKING
        return (["from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:",
                 P("    from app.core.factory import create_manager", *_import_rows("create_manager", "type-checking"))],
                [], [],
                [P("def describe_factory(factory: type[create_manager] | None = None) -> str:",
                   (S, REFERENCE, "create_manager", "module")),
                 '    """Name of the factory, for logs."""', "    return repr(factory)", "", ""])
    if variant == "value_ref":
        return ([P("from app.core.factory import create_manager", *_import_rows("create_manager", "module"))],
                [P("FACTORIES = {\"default\": create_manager}", (S, REFERENCE, "create_manager", "module"))], [], [])
    if variant == "relative":
        depth = len(mod.package.split(".")) - 2  # dots needed to reach app.core from mod.package
        dots = "." * (depth + 1)
        return ([P(f"from {dots}factory import create_manager",
                   *_import_rows("create_manager", "module", f"{dots}factory"))], [], [],
                calls("create_manager", "    return create_manager(config)"))
    if variant == "mock_patch":
        target = "app.core.factory.create_manager"  # a path into the deprecated module, to the symbol
        return (["from unittest import mock"], [], [],
                ["def test_manager_is_patched():",
                 P(f'    with mock.patch("{target}") as fake:',
                   (S, REFERENCE, target, "function"), (M, REFERENCE, target, "function")),
                 "        fake.return_value = object()",
                 "        assert fake() is fake.return_value", "", ""])
    raise ValueError(variant)


def render_package(rng: random.Random, mod: Mod, children: list[Mod]) -> tuple[str, list[tuple]]:
    """The ``__init__.py`` of a package, and its planted rows (the re-exports of the symbol)."""
    lines = _docstring(rng, f"the {mod.name} package")
    exports: list[str] = []
    if mod.name == "app.core":
        lines += ["", Planted("from .factory import create_manager", *_import_rows("create_manager", "module", ".factory")),
                  "from .manager import Manager"]
        exports = ["Manager", "create_manager"]
    elif mod.name == "app":
        lines += ["", Planted("from app.core import create_manager as build_manager",
                              *_import_rows("build_manager", "module", None))]
        exports = ["build_manager"]
    elif mod.name == "billing":
        lines += ["", Planted("from app.core.factory import create_manager", *_import_rows("create_manager", "module"))]
        exports = ["create_manager"]
    elif children and not mod.name.endswith(".tests") and rng.random() < 0.3:
        lines.append("")
        for child in rng.sample(children, min(2, len(children))):
            name = (child.classes or child.functions)[0]
            lines.append(f"from .{child.leaf} import {name}")
            exports.append(name)
    if exports:
        lines += ["", "__all__ = [" + ", ".join(f'"{e}"' for e in sorted(set(exports))) + "]"]
    return "\n".join(lines) + "\n", _planted_rows(lines)


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


def generate_tree(dest: Path, n_modules: int = N_MODULES, seed: int = 0, *,
                  deprecated_share: float = DEPRECATED_SHARE, decoy_share: float = DECOY_SHARE) -> dict:
    """Write a tree of ``n_modules`` files into ``dest`` (created fresh) and its planted manifest
    ``dest/.bench-planted.json``; return a summary (sizes, counts per variant).

    ``deprecated_share`` of the plain modules use the deprecated API, one variant each;
    ``decoy_share`` more define and call a look-alike ``create_manager`` of their own. The
    defaults give the benchmarks' ``gen10k`` tree.
    """
    rng = random.Random(seed)
    mods = plan_tree(rng, n_modules)
    by_package: dict[str, list[Mod]] = {}
    by_top: dict[str, list[Mod]] = {}
    importable = [m for m in mods if not m.is_package and not m.is_test and m.functions]
    for m in importable:
        by_package.setdefault(m.package, []).append(m)
        by_top.setdefault(m.name.split(".")[0], []).append(m)
    plain = [m for m in mods if not m.is_package and m.name not in (DEPRECATED_MODULE, "app.core.manager")]
    chosen = rng.sample(plain, round(deprecated_share * len(plain)))
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
    decoys = {m.name for m in rng.sample(rest, round(decoy_share * len(plain)))}

    dest.mkdir(parents=True)
    children: dict[str, list[Mod]] = {}
    for m in importable:
        children.setdefault(m.package, []).append(m)
    total_lines = 0
    expected: list[dict] = []  # every violation a correct audit reports
    for m in mods:
        rows: list[tuple] = []
        if m.is_package:
            text, rows = render_package(rng, m, children.get(m.name, []))
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
            rows = writer.planted
        expected += [{"path": m.path, "module": m.name, "line": line, "rule_id": rule, "category": category,
                      "name": name, "context": context} for line, rule, category, name, context in rows]
        path = dest / m.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        total_lines += text.count("\n")

    golden = [m.name for m in importable if m.name.startswith("app.") and not m.name.startswith("app.core")][:2]
    config = [
        f"# Generated by benchmarks/gentree.py ({n_modules} modules, seed {seed}; deterministic).",
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
    expected.sort(key=lambda r: (r["path"], r["line"], r["category"], r["rule_id"]))
    planted = {
        "generator_version": GEN_VERSION,
        "modules": n_modules,
        "seed": seed,
        "rules": {SYMBOL_RULE: DEPRECATED_SYMBOL, MODULE_RULE: DEPRECATED_MODULE},
        "definition": {"module": DEPRECATED_MODULE, "name": DEPRECATED_SYMBOL.rpartition(".")[2]},
        "variants": dict(sorted(variant_of.items())),  # module -> how it uses the deprecated API
        "decoys": sorted(decoys),  # modules with a look-alike of their own: no violation
        "reexporters": sorted({r["module"] for r in expected if r["module"] not in variant_of}),
        "violations": expected,
    }
    (dest / ".bench-planted.json").write_text(json.dumps(planted, indent=1) + "\n", encoding="utf-8")
    return {
        "generator_version": GEN_VERSION,
        "seed": seed,
        "modules": len(mods),
        "packages": sum(m.is_package for m in mods),
        "test_modules": sum(m.is_test for m in mods),
        "lines": total_lines,
        "deprecated_users": len(variant_of),
        "deprecated_variants": dict(sorted(counts.items())),
        "decoys": len(decoys),
        "planted_violations": len(expected),
        "top_packages": TOPS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--modules", type=int, default=N_MODULES, metavar="N", help="number of .py files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.dest.exists():
        parser.error(f"{args.dest} exists")
    print(json.dumps(generate_tree(args.dest, args.modules, args.seed), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
