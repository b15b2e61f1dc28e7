"""Read and validate the configuration.

Where it comes from, in order: ``--config FILE``; ``wsaudit.toml`` at the audited root;
``[tool.wsaudit]`` in its ``pyproject.toml``; else the built-in ``netra-websocket`` profile.
A file may start from a profile (``profile = "..."``): the keys it names replace the
profile's, the rest come from the profile. Every problem is collected and reported at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from wsaudit.exceptions import ConfigError
from wsaudit.model import Rule

DEFAULT_PROFILE = "netra-websocket"
PROFILES = ("netra-websocket",)

DEFAULT_EXCLUDE = (".venv", "build", "backup*")
DEFAULT_TESTS = ("tests/**", "**/tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py")
ALWAYS_EXCLUDED = (".git", ".hg", ".svn", ".wsaudit", "__pycache__")
DEFAULT_MAX_FILE_SIZE = 2_000_000


@dataclass(frozen=True)
class GoldenPath:
    modules: tuple[str, ...] = ()  # module names or globs (``*`` within a dotted segment, ``**`` across)
    tests: tuple[str, ...] = ()  # test files (root-relative paths or globs) whose imports define it


@dataclass(frozen=True)
class Config:
    """A validated configuration. ``source`` says where it came from, for reports."""

    source: str = f"profile:{DEFAULT_PROFILE}"
    roots: tuple[str, ...] = (".",)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    tests: tuple[str, ...] = DEFAULT_TESTS
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    cache_dir: str = ".wsaudit/cache"
    golden_path: GoldenPath = field(default_factory=GoldenPath)
    rules: tuple[Rule, ...] = ()

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


# -------------------------------------------------------------------- validation

_STR_LIST = "a list of strings"


def _is_dotted(value: str) -> bool:
    return bool(value) and all(part.isidentifier() for part in value.split("."))


class _Checker:
    """Collects problems as ``(file, key, message)`` while converting raw TOML values."""

    def __init__(self, file: str, prefix: str = ""):
        self.file = file
        self.prefix = prefix  # "tool.wsaudit." inside pyproject.toml
        self.problems: list[tuple[str, str, str]] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append((self.file, self.prefix + key, message))

    def unknown(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> None:
        for key in sorted(set(table) - set(allowed)):
            self.problem(f"{prefix}{key}", f"unknown key (allowed: {', '.join(allowed)})")

    def string(self, key: str, value: Any, dotted: bool = False) -> str | None:
        if not isinstance(value, str):
            self.problem(key, f"expected a string, got {_type_name(value)}")
            return None
        if dotted and not _is_dotted(value):
            self.problem(key, f"expected a dotted Python name like 'pkg.module.name', got {value!r}")
            return None
        return value

    def strings(self, key: str, value: Any) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"expected {_STR_LIST}, got {_type_name(value)}")
            return None
        return tuple(value)

    def positive_int(self, key: str, value: Any) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problem(key, f"expected a positive integer, got {value!r}")
            return None
        return value


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a float",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


TOP_KEYS = ("profile", "roots", "exclude", "tests", "max_file_size", "cache_dir", "golden_path", "rule")
GOLDEN_KEYS = ("modules", "tests")
RULE_KEYS = ("id", "symbol", "module", "replacement", "message")


def _validate(raw: dict[str, Any], file: str, prefix: str = ""):
    """Convert a raw table into Config keyword arguments; collect every problem."""
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
    if "max_file_size" in raw:
        value = check.positive_int("max_file_size", raw["max_file_size"])
        if value is not None:
            out["max_file_size"] = value
    if "cache_dir" in raw:
        value = check.string("cache_dir", raw["cache_dir"])
        if value is not None:
            out["cache_dir"] = value
    if "golden_path" in raw:
        table = raw["golden_path"]
        if not isinstance(table, dict):
            check.problem("golden_path", f"expected a table, got {_type_name(table)}")
        else:
            check.unknown(table, GOLDEN_KEYS, "golden_path.")
            modules = check.strings("golden_path.modules", table.get("modules", []))
            tests = check.strings("golden_path.tests", table.get("tests", []))
            for pattern in modules or ():
                if not _is_dotted(pattern.replace("**", "x").replace("*", "x")):
                    check.problem("golden_path.modules", f"{pattern!r} is not a module name or glob")
            if modules is not None and tests is not None:
                out["golden_path"] = GoldenPath(modules, tests)
    if "rule" in raw:
        out["rules"] = _validate_rules(raw["rule"], check)
    return out, check.problems


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
        symbol = check.string(f"{key}.symbol", table["symbol"], dotted=True) if has_symbol else None
        if symbol is not None and "." not in symbol:
            check.problem(f"{key}.symbol", f"{symbol!r} must name the module too, e.g. 'pkg.mod.{symbol}'")
            symbol = None
        module = check.string(f"{key}.module", table["module"], dotted=True) if has_module else None
        replacement = (
            check.string(f"{key}.replacement", table["replacement"], dotted=True)
            if "replacement" in table
            else None
        )
        message = check.string(f"{key}.message", table["message"]) if "message" in table else None
        if rule_id is not None and (symbol or module):
            rules.append(Rule(rule_id, symbol, module, replacement, message))
    return tuple(rules)


# -------------------------------------------------------------------- loading


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([(shown, "", "no such file")]) from None
    except OSError as exc:
        raise ConfigError([(shown, "", f"cannot read: {exc.strerror}")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([(shown, "", f"invalid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([(shown, "", "invalid TOML: not UTF-8 text")]) from None


def profile(name: str = DEFAULT_PROFILE) -> Config:
    """A built-in profile as a :class:`Config`.

    >>> [r.id for r in profile().rules]
    ['WS001', 'WS002', 'WS003']
    """
    if name not in PROFILES:
        raise ConfigError([(f"profile:{name}", "profile", f"unknown profile (known: {', '.join(PROFILES)})")])
    text = resources.files("wsaudit").joinpath(f"profiles/{name}.toml").read_text(encoding="utf-8")
    values, problems = _validate(tomllib.loads(text), f"profile:{name}")
    if problems:  # a broken built-in profile is a bug in wsaudit, say so loudly
        raise AssertionError(problems)
    return Config(source=f"profile:{name}", **values)


def from_table(raw: dict[str, Any], source: str, prefix: str = "") -> Config:
    """Validate a raw table (as read from TOML) into a Config; raise ConfigError with every problem."""
    values, problems = _validate(raw, source, prefix)
    if problems:
        raise ConfigError(problems)
    if isinstance(raw.get("profile"), str):
        base = profile(raw["profile"])
        merged = {k: getattr(base, k) for k in ("roots", "exclude", "tests", "max_file_size", "cache_dir",
                                                  "golden_path", "rules")}
        merged.update(values)
        values = merged
    elif not values.get("rules"):
        raise ConfigError([(source, prefix + "rule", "no [[rule]] given: add one, or start from a profile "
                                            f"with profile = \"{DEFAULT_PROFILE}\"")])
    return Config(source=source, **values)


def load(root: str | Path, config_path: str | Path | None = None) -> Config:
    """Find and load the configuration for the audited ``root``.

    >>> load("/nonexistent-root").source
    'profile:netra-websocket'
    """
    root = Path(root)
    if config_path is not None:
        shown = str(config_path)
        return from_table(_read_toml(Path(config_path), shown), shown)
    candidate = root / "wsaudit.toml"
    if candidate.is_file():
        return from_table(_read_toml(candidate, "wsaudit.toml"), "wsaudit.toml")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = _read_toml(pyproject, "pyproject.toml")
        table = data.get("tool", {}).get("wsaudit") if isinstance(data.get("tool"), dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError([("pyproject.toml", "tool.wsaudit", "expected a table")])
            return from_table(table, "pyproject.toml", "tool.wsaudit.")
    return profile(DEFAULT_PROFILE)
