"""``wsaudit init``: a configuration for a tree, written and proved on that tree.

:func:`init` builds the configuration from the deprecated thing (``--symbol`` or ``--module``),
validates it as any configuration is validated, audits the tree with it, and only then writes
it (``wsaudit.toml``, or a ``[tool.wsaudit]`` table appended to ``pyproject.toml``), never over
an existing one unless asked. It says what the rule matches now (the uses, or the closest names
the tree defines or imports when it matches nothing: a typo otherwise gates nothing), and
proposes a Golden Path from the import graph, each module with its reason, unless it is given
(``--golden-path``). With a baseline path, it writes the gate's first baseline too.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from wsaudit.api import Audit, audit
from wsaudit.config import Config, from_table, parse_toml
from wsaudit.engine.golden import match_module
from wsaudit.errors import ConfigError, UsageError
from wsaudit.iorw import write_text

RULE_ID = "DEP001"
GOLDEN_PATH_SIZE = 5  # modules proposed when none are given
ENTRY_NAMES = frozenset({"__main__", "main", "cli", "app", "application", "wsgi", "asgi", "server", "manage",
                         "routes", "views", "api", "handlers"})


@dataclass(frozen=True)
class Proposed:
    """A Golden Path module proposed, and why."""

    module: str
    reason: str


@dataclass
class Initialised:
    """What :func:`init` did: the file written, the rule's uses, the Golden Path and the baseline."""

    path: Path  # the file written
    config: Config
    uses: int  # violations of the rule in the tree now
    files: int  # files holding them
    by_category: dict[str, int]
    unmatched: str | None  # the notice when the rule matches nothing (with the closest names)
    golden_path: list[Proposed]
    baseline: Path | None = None
    baseline_entries: int = 0
    warnings: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The ``wsaudit init --format json`` document."""
        return {"version": 1, "written": str(self.path), "config": self.config.source,
                "rule": {"id": RULE_ID, "target": self.config.rules[0].target, "uses": self.uses,
                         "files": self.files, "by_category": dict(sorted(self.by_category.items())),
                         "unmatched": self.unmatched},
                "golden_path": [{"module": p.module, "reason": p.reason} for p in self.golden_path],
                "baseline": None if self.baseline is None else {"path": str(self.baseline),
                                                                 "entries": self.baseline_entries},
                "warnings": list(self.warnings)}


def init(path: str | Path = ".", *, symbol: str | None = None, module: str | None = None,
         replacement: str | None = None, pyproject: bool = False, golden_path: tuple[str, ...] = (),
         baseline: str | Path | None = None, force: bool = False, cache: bool = True) -> Initialised:
    """Write a configuration for the tree at ``path`` (see the module's docstring).

    Parameters
    ----------
    path : str or Path
        The tree's root: the configuration is written there.
    symbol, module : str
        The deprecated callable or class (its dotted path, or a pattern with ``*``/``**``), or the
        deprecated module: exactly one.
    replacement : str, optional
        What replaces it (a dotted path): in the rule's message, and for ``wsaudit migrate``.
    pyproject : bool
        Append ``[tool.wsaudit]`` to ``pyproject.toml`` instead of writing ``wsaudit.toml``.
    golden_path : tuple of str
        The Golden Path's modules (names or globs); by default proposed from the import graph.
    baseline : str or Path, optional
        Also write the gate's first baseline there (every current violation accepted).
    force : bool
        Overwrite an existing ``wsaudit.toml`` (a ``[tool.wsaudit]`` table is never replaced).
    """
    root = Path(path)
    if (symbol is None) == (module is None):
        raise UsageError("wsaudit init needs exactly one of --symbol DOTTED or --module DOTTED")
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder (give the root of the code to audit)")
    target = root / ("pyproject.toml" if pyproject else "wsaudit.toml")
    _refuse_overwrite(root, target, pyproject, force)
    rule: dict[str, Any] = {"id": RULE_ID, "symbol" if symbol is not None else "module": symbol or module}
    if replacement is not None:
        rule["replacement"] = replacement
    what = symbol or module
    rule["message"] = f"{what} is deprecated" + (f"; use {replacement}" if replacement else "")
    table: dict[str, Any] = {"rule": [rule]}
    shown = "pyproject.toml" if pyproject else "wsaudit.toml"
    config = from_table(table, shown, "tool.wsaudit." if pyproject else "")  # every problem, before anything
    result = audit(root, config, cache=cache)
    given = tuple(golden_path)
    proposed = _given(result, given) if given else propose_golden_path(result.graph)
    if proposed:
        table["golden_path"] = {"modules": list(given) if given else [p.module for p in proposed]}
    text = _toml(table, proposed, given)
    config = from_table(table, shown, "tool.wsaudit." if pyproject else "")
    _write(target, text, pyproject)
    rows = result.violation_records
    unmatched = next((n.message for n in result.notices if n.kind == "unmatched-rule"), None)
    done = Initialised(target, config, len(rows), len({v.path for v in rows}), dict(Counter(v.category for v in rows)),
                       unmatched, proposed, warnings=[] if unmatched is None else [unmatched])
    if baseline is not None:
        from wsaudit.gate.check import run_check

        check = run_check(root, baseline=baseline, update=True, cache=cache)
        done.baseline, done.baseline_entries = Path(baseline), (check.written or {}).get("entries", 0)
    return done


def _refuse_overwrite(root: Path, target: Path, pyproject: bool, force: bool) -> None:
    """Never replace a configuration without ``force``; never edit an existing [tool.wsaudit]."""
    if pyproject:
        if os.path.lexists(target) and "wsaudit" in (parse_toml(target.read_bytes(), "pyproject.toml").get("tool") or {}):
            raise UsageError(f"{target}: already has a [tool.wsaudit] table (edit it, or remove it and run "
                             "wsaudit init again)")
        if os.path.lexists(root / "wsaudit.toml"):
            raise UsageError(f"{root / 'wsaudit.toml'}: exists and would win over [tool.wsaudit] (remove it first)")
    elif os.path.lexists(target) and not force:
        raise UsageError(f"{target}: exists (give --force to replace it)")
    if os.path.lexists(target) and not target.is_file():
        raise UsageError(f"{target}: not a regular file: not written")


def propose_golden_path(G: nx.DiGraph, size: int = GOLDEN_PATH_SIZE) -> list[Proposed]:
    """The modules a critical flow most likely runs through, each with its reason: those named
    like an entry point (``__main__``, ``cli``, ``app``, ``routes``, ...), then those that reach
    the most of the tree through their imports (they run the most code). Test modules are not
    proposed; ties go to the module name.

    >>> G = nx.DiGraph([("pkg.cli", "pkg.core"), ("pkg.core", "pkg.util"), ("pkg.web", "pkg.core")])
    >>> for n in G: G.nodes[n]["is_test"] = False
    >>> [(p.module, p.reason) for p in propose_golden_path(G, 2)]  # doctest: +NORMALIZE_WHITESPACE
    [('pkg.cli', 'an entry point by its name; reaches 2 of the 4 modules through its imports'),
     ('pkg.web', 'reaches 2 of the 4 modules through its imports')]
    """
    code = [n for n in G if not G.nodes[n].get("is_test") and not _test_like(n)]
    if not code:
        return []
    # the reach of the modules that import the most (a bound: a reach is one search of the graph)
    candidates = sorted(code, key=lambda n: (-G.out_degree(n), n))[:50]
    candidates += [n for n in code if n.rpartition(".")[2] in ENTRY_NAMES and n not in candidates]
    reach = {n: len(nx.descendants(G, n)) for n in candidates}
    entry = sorted((n for n in candidates if n.rpartition(".")[2] in ENTRY_NAMES and reach[n]),
                   key=lambda n: (-reach[n], n))
    rest = sorted((n for n in candidates if n not in entry and reach[n]), key=lambda n: (-reach[n], n))
    total = len(G)
    out = []
    for n in (entry + rest)[:size]:
        how = f"reaches {reach[n]} of the {total} modules through its imports"
        out.append(Proposed(n, f"an entry point by its name; {how}" if n in entry else how))
    return out


def _test_like(module: str) -> bool:
    """Whether a module's name says it is a test's (``pkg.test.util``, ``pkg.testing``,
    ``pkg.test_x``), whatever the ``tests`` patterns say: a test is not the product's flow."""
    return any(part in ("test", "tests", "testing", "conftest") or part.startswith("test_")
               for part in module.split("."))


def _given(result: Audit, patterns: tuple[str, ...]) -> list[Proposed]:
    """The Golden Path given by name or glob: every pattern must match a module of the tree."""
    modules = sorted(result.graph)
    out, missing = [], []
    for pattern in patterns:
        matched = [m for m in modules if match_module(pattern, m)] if "*" in pattern else (
            [pattern] if pattern in result.graph else [])
        if not matched:
            missing.append(pattern)
        out += [Proposed(m, f"given (--golden-path {pattern})") for m in matched]
    if missing:
        raise ConfigError([("--golden-path", "", f"{p!r} matches no module in the tree") for p in missing])
    return out


def _toml(table: dict[str, Any], proposed: list[Proposed], given: tuple[str, ...]) -> str:
    """The configuration as TOML, with comments a person reads (TOML strings are JSON's)."""
    lines = ["# wsaudit's configuration, written by `wsaudit init` (every key: docs/configuration.md).", ""]
    if "golden_path" in table:
        lines += ["[golden_path]"]
        if not given:
            lines += ["# proposed from the import graph: make it the modules your critical flow runs through"]
            lines += [f"#   {p.module}: {p.reason}" for p in proposed]
        lines += [f"modules = [{', '.join(json.dumps(m, ensure_ascii=False) for m in table['golden_path']['modules'])}]",
                  ""]
    for rule in table["rule"]:
        lines += ["[[rule]]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in rule.items()), ""]
    return "\n".join(lines)


def _write(target: Path, text: str, pyproject: bool) -> None:
    """Write ``text`` as ``target`` (``wsaudit.toml``), or append it as ``[tool.wsaudit]`` to
    ``target`` (``pyproject.toml``), checking that the whole file still parses and holds it."""
    if not pyproject:
        write_text(target, text)
        return
    body = text.replace("[golden_path]", "[tool.wsaudit.golden_path]").replace("[[rule]]", "[[tool.wsaudit.rule]]")
    before = target.read_text(encoding="utf-8") if target.is_file() else ""
    joined = before + ("" if not before or before.endswith("\n") else "\n") + ("\n" if before else "") + body
    from_table(parse_toml(joined.encode("utf-8"), "pyproject.toml")["tool"]["wsaudit"], "pyproject.toml",
               "tool.wsaudit.")
    write_text(target, joined)
