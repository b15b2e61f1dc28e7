"""Where the configuration comes from: ``--config FILE``; ``wsaudit.toml`` at the audited
root; ``[tool.wsaudit]`` in its ``pyproject.toml``; else the built-in profile.

A file found in the audited tree is untrusted input: it is read only if it is a regular file
that stays inside the tree, and it cannot point writes outside it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from wsaudit.config.settings import DEFAULT_PROFILE, PROFILES, Config, ReportSettings
from wsaudit.config.validate import validate
from wsaudit.errors import ConfigError


MAX_CONFIG_SIZE = 4_000_000  # bytes: a configuration is a few kilobytes


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # never blocks: a FIFO named like a configuration is refused below
    except FileNotFoundError:
        raise ConfigError([(shown, "", "no such file")]) from None
    except OSError as exc:
        raise ConfigError([(shown, "", f"cannot read: {exc.strerror}")]) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError([(shown, "", "not a regular file")])
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_CONFIG_SIZE + 1)
    except OSError as exc:
        raise ConfigError([(shown, "", f"cannot read: {exc.strerror}")]) from None
    finally:
        os.close(fd)
    return parse_toml(data, shown)


def parse_toml(data: bytes, shown: str) -> dict[str, Any]:
    """The TOML document in ``data`` (the file ``shown``), or a :class:`ConfigError` saying why
    not: too large, not UTF-8, invalid, or nested too deeply to read (the file may come from
    the audited tree, or from a commit of its history: untrusted either way)."""
    if len(data) > MAX_CONFIG_SIZE:
        raise ConfigError([(shown, "", f"over {MAX_CONFIG_SIZE} bytes: not a configuration")])
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([(shown, "", f"invalid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([(shown, "", "invalid TOML: not UTF-8 text")]) from None
    except (RecursionError, MemoryError):
        raise ConfigError([(shown, "", "invalid TOML: nested too deeply")]) from None


def profile(name: str = DEFAULT_PROFILE) -> Config:
    """A built-in profile as a :class:`Config`.

    >>> [r.id for r in profile().rules]
    ['WS001', 'WS002', 'WS003']
    """
    if name not in PROFILES:
        raise ConfigError([(f"profile:{name}", "profile", f"unknown profile (known: {', '.join(PROFILES)})")])
    from importlib import resources  # 7 ms to import: only a tree without its own rules needs it

    text = resources.files("wsaudit").joinpath(f"profiles/{name}.toml").read_text(encoding="utf-8")
    values, problems = validate(tomllib.loads(text), f"profile:{name}")
    if problems:  # a broken built-in profile is a bug in wsaudit, say so loudly
        raise AssertionError(problems)
    return Config(source=f"profile:{name}", **values)


def from_table(raw: dict[str, Any], source: str, prefix: str = "", trusted: bool = True) -> Config:
    """Validate a raw table (as read from TOML) into a Config; raise ConfigError with every problem.
    ``trusted``: False for a configuration found in the audited tree (see :func:`_validate`)."""
    values, problems = validate(raw, source, prefix, trusted)
    if problems:
        raise ConfigError(problems)
    if isinstance(raw.get("profile"), str):
        base = profile(raw["profile"])
        merged = {k: getattr(base, k) for k in ("roots", "exclude", "tests", "max_file_size", "max_parse_memory",
                                                  "cache_dir", "golden_path", "rules", "rank", "simulate", "report")}
        merged["report"] = _inherited_report(base.report, values)
        merged.update(values)
        values = merged
    elif not values.get("rules"):
        raise ConfigError([(source, prefix + "rule", ("no [[rule]] given: add one, or start from a profile "
                                            f"with profile = \"{DEFAULT_PROFILE}\""))])
    return Config(source=source, **values)


def _in_tree(root: Path, path: Path, shown: str) -> Path:
    """``path`` if it stays inside ``root`` (a link to elsewhere is refused: the tree is untrusted)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ConfigError([(shown, "", "a link that leaves the audited tree: not read (give it with --config)")])
    return path


def _inherited_report(report: ReportSettings, values: dict[str, Any]) -> ReportSettings:
    """The profile's ``[report]`` words that still hold for a file that starts from it: its
    Golden Path sentence describes its own Golden Path, its title and baseline its own rules.

    >>> base = profile().report
    >>> _inherited_report(base, {"rules": ()}).baseline is None, _inherited_report(base, {}) == base
    (True, True)
    """
    if "golden_path" in values:
        report = replace(report, golden_path=None)
    if "rules" in values:
        report = replace(report, title=None, baseline=None)
    return report


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
    if os.path.lexists(candidate):
        return from_table(_read_toml(_in_tree(root, candidate, "wsaudit.toml"), "wsaudit.toml"), "wsaudit.toml",
                          trusted=False)
    pyproject = root / "pyproject.toml"
    if os.path.lexists(pyproject):
        data = _read_toml(_in_tree(root, pyproject, "pyproject.toml"), "pyproject.toml")
        table = data.get("tool", {}).get("wsaudit") if isinstance(data.get("tool"), dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError([("pyproject.toml", "tool.wsaudit", "expected a table")])
            return from_table(table, "pyproject.toml", "tool.wsaudit.", trusted=False)
    return replace(profile(DEFAULT_PROFILE), implicit=True)
