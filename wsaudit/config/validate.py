"""Every key of a configuration checked, every problem collected: ``(file, key, message)``.

A user fixes them all in one go; :func:`validate` returns the values for
:class:`~wsaudit.config.settings.Config` and the problems.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path, PurePosixPath
from typing import Any

from wsaudit.config.checker import _Checker, _is_dotted, _type_name
from wsaudit.config.settings import PROFILES, GoldenPath, RankSettings, SimulateSettings
from wsaudit.config.templates import import_statement_names, symbol_problem, template_problems
from wsaudit.config.validate_report import _validate_report
from wsaudit.model import Rewrite, Rule


TOP_KEYS = ("profile", "roots", "exclude", "tests", "test_folders", "max_file_size", "max_parse_memory", "cache_dir", "golden_path",
            "rule", "rank", "simulate", "report")
RANK_KEYS = ("alpha", "type_checking", "p0_max_distance", "golden_test_imports_tier")
GOLDEN_KEYS = ("modules", "tests")
RULE_KEYS = ("id", "symbol", "module", "replacement", "message", "url", "parameters", "rewrite")
REWRITE_KEYS = ("arguments", "call", "imports")


def validate(raw: dict[str, Any], file: str, prefix: str = "", trusted: bool = True,
             config_dir: str | None = None):
    """Convert a raw table into Config keyword arguments; collect every problem.

    ``trusted`` is False for a configuration found in the audited tree: it cannot send writes
    outside the tree (``cache_dir``). ``config_dir``: the folder of a configuration file given
    with ``--config``, which alone may name a ``[report] baseline`` anywhere (relative to it)."""
    check = _Checker(file, prefix)
    check.unknown(raw, TOP_KEYS)
    out: dict[str, Any] = {}
    if "profile" in raw:
        name = check.string("profile", raw["profile"])
        if name is not None and name not in PROFILES:
            check.problem("profile", f"unknown profile {name!r} (known: {', '.join(PROFILES)})")
    for key in ("roots", "exclude", "tests"):
        if key in raw:
            value = check.strings(key, raw[key])
            if value is not None:
                out[key] = value
    if "roots" in out:
        for root in out["roots"]:
            if Path(root).is_absolute() or ".." in Path(root).parts:
                check.problem("roots", f"{root!r} must be a folder inside the audited root")
    for key in ("max_file_size", "max_parse_memory"):
        if key in raw:
            value = check.number(key, raw[key])
            if value is not None:
                out[key] = value
    for key in ("exclude", "tests"):
        for problem in _patterns_problems(out.get(key, ())):
            check.problem(key, problem)
    if "test_folders" in raw:
        folders = _validate_test_folders(raw["test_folders"], check)
        if folders is not None:
            out["test_folders"] = folders
    if "cache_dir" in raw:
        value = check.string("cache_dir", raw["cache_dir"])
        if value is not None and not trusted and (Path(value).is_absolute() or ".." in Path(value).parts
                                                  or not value.strip()):
            check.problem("cache_dir", f"{value!r} must be a folder inside the audited tree (a tree's own "
                          "configuration cannot point writes elsewhere; use --cache-dir for that)")
        elif value is not None:
            out["cache_dir"] = value
    if "golden_path" in raw:
        table = raw["golden_path"]
        if not isinstance(table, dict):
            check.problem("golden_path", f"expected a table, got {_type_name(table)}")
        else:
            check.unknown(table, GOLDEN_KEYS, "golden_path.")
            modules = check.strings("golden_path.modules", table.get("modules", []))
            tests = check.strings("golden_path.tests", table.get("tests", []))
            for problem in _patterns_problems(modules or (), gitignore=False):
                check.problem("golden_path.modules", problem)
            for pattern in modules or ():
                if len(pattern) <= MAX_PATTERN and not _is_dotted(pattern.replace("**", "x").replace("*", "x")):
                    check.problem("golden_path.modules", f"{pattern!r} is not a module name or glob")
            for problem in _patterns_problems(tests or ()):
                check.problem("golden_path.tests", problem)
            if modules is not None and tests is not None:
                out["golden_path"] = GoldenPath(modules, tests)
    if "rule" in raw:
        out["rules"] = _validate_rules(raw["rule"], check)
    if "rank" in raw:
        rank = _validate_rank(raw["rank"], check)
        if rank is not None:
            out["rank"] = rank
    if "simulate" in raw:
        simulate = _validate_simulate(raw["simulate"], check)
        if simulate is not None:
            out["simulate"] = simulate
    if "report" in raw:
        report = _validate_report(raw["report"], check, config_dir)
        if report is not None:
            out["report"] = report
    return out, check.problems


# What a list of patterns may hold. Real ones are a few dozen characters, a few dozen of them;
# the bound keeps what a tree's own configuration can make discovery do (each path is matched
# in time linear in it and in the patterns: wsaudit.engine.discover.Regex) within reason.
MAX_PATTERN = 1_000  # characters in one pattern
MAX_PATTERNS = 1_000  # patterns in one list
MAX_SYMBOL_STARS = 2  # '**' segments in a rule's symbol (each multiplies the work of a match by a name's length)


def _shown(pattern: str) -> str:
    """A pattern as an error quotes it: at most 60 characters of it."""
    return repr(pattern) if len(pattern) <= 60 else repr(pattern[:60]) + f"... ({len(pattern)} characters)"


def _patterns_problems(patterns, gitignore: bool = True) -> list[str]:
    """The problems of a list of patterns: too many, too long, or (gitignore) not valid.

    >>> _patterns_problems(["build/**", "x" * 1001])
    ["'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (1001 characters) is longer than 1000 characters"]
    """
    problems = []
    if len(patterns) > MAX_PATTERNS:
        problems.append(f"{len(patterns)} patterns: at most {MAX_PATTERNS}")
    for pattern in patterns:
        if len(pattern) > MAX_PATTERN:
            problems.append(f"{_shown(pattern)} is longer than {MAX_PATTERN} characters")
        elif gitignore:
            problem = _pattern_problem(pattern)
            if problem:
                problems.append(problem)
    return problems


def _symbol_stars_problem(symbol: str) -> str | None:
    """What is wrong with the ``**`` of a rule's symbol pattern, if anything.

    ``**.**`` says what one ``**`` says, and every ``**`` multiplies the work of matching a
    name by its number of segments (a name in a hostile tree may have thousands).

    >>> _symbol_stars_problem("pkg.**.make") is None
    True
    >>> _symbol_stars_problem("pkg.**.**.make")
    "'pkg.**.**.make': '**.**' is '**': write one"
    """
    parts = symbol.split(".")
    if any(a == b == "**" for a, b in zip(parts, parts[1:])):
        return f"{_shown(symbol)}: '**.**' is '**': write one"
    if parts.count("**") > MAX_SYMBOL_STARS:
        return f"{_shown(symbol)}: at most {MAX_SYMBOL_STARS} '**' segments"
    return None


def _module_problem(module: str) -> str | None:
    """What is wrong with a rule's ``module``: a dotted name, or a pattern whose segments are
    names, ``*`` (one segment) or ``**`` (any number), the last one a name written out (every
    import of a matching module spells it, which is what ``check``'s search reads for).

    >>> _module_problem("site.*.migrations") is None, _module_problem("**.compat") is None
    (True, True)
    >>> _module_problem("pkg.*")
    "'pkg.*': the last segment must be the module's own name, e.g. 'pkg.*.migrations' or '**.compat'"
    >>> _module_problem("pkg.mig*")
    "'pkg.mig*': each segment is a name, '*' (one segment) or '**' (any number), e.g. 'pkg.*.migrations'"
    """
    parts = module.split(".")
    if len(module) > MAX_PATTERN:
        return f"{_shown(module)} is longer than {MAX_PATTERN} characters"
    if not all(p.isidentifier() or p in ("*", "**") for p in parts):
        if "*" not in module:
            return f"expected a dotted Python name like 'pkg.module.name', got {module!r}"
        return f"{_shown(module)}: each segment is a name, '*' (one segment) or '**' (any number), e.g. 'pkg.*.migrations'"
    if not parts[-1].isidentifier():
        return f"{_shown(module)}: the last segment must be the module's own name, e.g. 'pkg.*.migrations' or '**.compat'"
    return None


def _pattern_problem(pattern: str) -> str | None:
    """What is wrong with a gitignore-style pattern, if anything.

    >>> _pattern_problem("build/**") is None
    True
    >>> _pattern_problem("[z-a]").startswith("'[z-a]' is not a valid gitignore-style pattern")
    True
    """
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern]).match_file("x")
    except Exception as exc:  # noqa: BLE001 - pathspec raises re.error, ValueError, ...
        return f"{pattern!r} is not a valid gitignore-style pattern ({exc})"
    return None


def _folder_key(folder: str) -> str:
    """A ``[test_folders]`` key as an error names it: ``test_folders.plugins``, quoted when TOML must.

    >>> _folder_key("plugins"), _folder_key("src/plugins")
    ('test_folders.plugins', 'test_folders."src/plugins"')
    """
    bare = folder and all(c.isascii() and (c.isalnum() or c in "-_") for c in folder)
    return f"test_folders.{folder}" if bare else "test_folders." + json.dumps(folder)


def _validate_test_folders(table: Any, check: _Checker) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """``[test_folders]``: root-relative folders (inside the root, each once) to the patterns
    that decide, relative to the folder, which of its files are tests."""
    if not isinstance(table, dict):
        check.problem("test_folders", f"expected a table of folder = [patterns], got {_type_name(table)}")
        return None
    if len(table) > MAX_PATTERNS:
        check.problem("test_folders", f"{len(table)} folders: at most {MAX_PATTERNS}")
        return None
    out: dict[str, tuple[str, ...]] = {}
    ok = True
    for folder, value in table.items():
        key = _folder_key(folder)
        shown = folder.strip("/")
        parts = PurePosixPath(shown).parts
        if (not shown or shown == "." or folder.startswith("/") or "\\" in folder or ".." in parts
                or len(folder) > MAX_PATTERN or any(p == "." for p in shown.split("/")) or "//" in shown):
            check.problem(key, f"{folder[:60]!r} must be a folder inside the audited root, written from it "
                          "(e.g. \"plugins\" or \"src/app/plugins\"; for the whole tree, use tests)")
            ok = False
            continue
        if any(c in folder for c in "*?[!"):
            check.problem(key, f"{folder!r} is a folder, not a pattern: name it as written")
            ok = False
            continue
        patterns = check.strings(key, value)
        if patterns is None:
            ok = False
            continue
        problems = _patterns_problems(patterns)
        for problem in problems:
            check.problem(key, problem)
        if shown in out:
            check.problem(key, f"the folder {shown!r} is given twice")
            problems = ["twice"]
        if problems:
            ok = False
            continue
        out[shown] = patterns
    return tuple(sorted(out.items())) if ok else None


def _validate_simulate(table: Any, check: _Checker) -> SimulateSettings | None:
    """Every field of SimulateSettings, each in its range (:data:`wsaudit.config.checker.RANGES`)."""
    if not isinstance(table, dict):
        check.problem("simulate", f"expected a table, got {_type_name(table)}")
        return None
    names = tuple(f.name for f in fields(SimulateSettings))
    check.unknown(table, names, "simulate.")
    values: dict[str, Any] = {}
    ok = True
    for name in names:
        if name not in table:
            continue
        value = check.number(f"simulate.{name}", table[name])
        if value is None:
            ok = False
            continue
        values[name] = value
    return SimulateSettings(**values) if ok else None


def _validate_rank(table: Any, check: _Checker) -> RankSettings | None:
    if not isinstance(table, dict):
        check.problem("rank", f"expected a table, got {_type_name(table)}")
        return None
    check.unknown(table, RANK_KEYS, "rank.")
    values: dict[str, Any] = {}
    ok = True
    if "alpha" in table:
        alpha = check.number("rank.alpha", table["alpha"])
        if alpha is None:
            ok = False
        else:
            values["alpha"] = float(alpha)
    if "type_checking" in table:
        if not isinstance(table["type_checking"], bool):
            check.problem("rank.type_checking", f"expected true or false, got {table['type_checking']!r}")
            ok = False
        else:
            values["type_checking"] = table["type_checking"]
    if "p0_max_distance" in table:
        hops = check.number("rank.p0_max_distance", table["p0_max_distance"])
        if hops is None:
            ok = False
        else:
            values["p0_max_distance"] = hops
    if "golden_test_imports_tier" in table:
        tier = table["golden_test_imports_tier"]
        if tier not in ("P0", "P1", "P2"):
            check.problem("rank.golden_test_imports_tier", f"expected \"P0\", \"P1\" or \"P2\", got {tier!r}")
            ok = False
        else:
            values["golden_test_imports_tier"] = tier
    return RankSettings(**values) if ok else None


def _validate_rules(value: Any, check: _Checker) -> tuple[Rule, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        check.problem("rule", "expected an array of tables ([[rule]])")
        return ()
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, table in enumerate(value):
        key = f"rule[{i}]"
        check.unknown(table, RULE_KEYS, f"{key}.")
        rule_id = check.string(f"{key}.id", table.get("id")) if "id" in table else None
        if "id" not in table:
            check.problem(f"{key}.id", "missing (every rule needs an id, e.g. id = \"WS001\")")
        elif rule_id is not None:
            if rule_id in seen:
                check.problem(f"{key}.id", f"duplicate rule id {rule_id!r}")
            seen.add(rule_id)
        has_symbol, has_module = "symbol" in table, "module" in table
        if has_symbol == has_module:
            check.problem(key, "needs exactly one of 'symbol' (a deprecated callable/class) or 'module'")
        symbol = check.string(f"{key}.symbol", table["symbol"]) if has_symbol else None
        if symbol is not None:
            problem = symbol_problem(symbol) or _symbol_stars_problem(symbol)
            if problem:
                check.problem(f"{key}.symbol", problem)
                symbol = None
        module = check.string(f"{key}.module", table["module"]) if has_module else None
        if module is not None:
            problem = _module_problem(module) or _symbol_stars_problem(module)
            if problem:
                check.problem(f"{key}.module", problem)
                module = None
        replacement = (
            check.string(f"{key}.replacement", table["replacement"], dotted=True)
            if "replacement" in table
            else None
        )
        message = check.string(f"{key}.message", table["message"]) if "message" in table else None
        url = check.string(f"{key}.url", table["url"]) if "url" in table else None
        if url is not None and not url.startswith(("https://", "http://")):
            check.problem(f"{key}.url", f"expected an http(s) address (the rule's documentation), got {url!r}")
            url = None
        parameters, rewrites = _validate_rewrites(table, key, check, has_symbol)
        if rule_id is not None and (symbol or module):
            rules.append(Rule(rule_id, symbol, module, replacement, message, parameters, rewrites, url))
    return tuple(rules)


def _validate_rewrites(table: dict[str, Any], key: str, check: _Checker, has_symbol: bool):
    """``parameters`` and ``[[rule.rewrite]]`` of one rule (symbol rules only): see :mod:`wsaudit.codemod.calls`."""
    parameters: tuple[str, ...] | None = None
    if "parameters" in table:
        parameters = check.strings(f"{key}.parameters", table["parameters"])
        for name in parameters or ():
            if not name.isidentifier():
                check.problem(f"{key}.parameters", f"{name!r} is not a Python parameter name")
        if not has_symbol:
            check.problem(f"{key}.parameters", "only a symbol rule has parameters")
    if "rewrite" not in table:
        return parameters, ()
    value = table["rewrite"]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        check.problem(f"{key}.rewrite", "expected an array of tables ([[rule.rewrite]])")
        return parameters, ()
    if not has_symbol:
        check.problem(f"{key}.rewrite", "only a symbol rule has call templates")
    rewrites: list[Rewrite] = []
    for i, entry in enumerate(value):
        where = f"{key}.rewrite[{i}]"
        check.unknown(entry, REWRITE_KEYS, f"{where}.")
        for required in ("arguments", "call"):
            if required not in entry:
                check.problem(f"{where}.{required}", "missing")
        arguments = check.strings(f"{where}.arguments", entry["arguments"]) if "arguments" in entry else None
        for name in arguments or ():
            if not name.isidentifier():
                check.problem(f"{where}.arguments", f"{name!r} is not a Python parameter name")
            elif parameters is not None and name not in parameters:
                check.problem(f"{where}.arguments", f"{name!r} is not one of the rule's parameters")
        imports = check.strings(f"{where}.imports", entry.get("imports", [])) or ()
        bound: set[str] = set()
        for statement in imports:
            names, problem = import_statement_names(statement)
            if problem:
                check.problem(f"{where}.imports", problem)
            bound.update(names)
        call = check.string(f"{where}.call", entry["call"]) if "call" in entry else None
        if call is not None and arguments is not None:
            for problem in template_problems(call, arguments, bound):
                check.problem(f"{where}.call", problem)
        if arguments is not None and call is not None:
            rewrites.append(Rewrite(arguments, call, imports))
    return parameters, tuple(rewrites)
