"""Where the configuration comes from: ``--config FILE``; ``--profile NAME`` (a built-in
profile, asked for by name); else the nearest ``wsaudit.toml`` or ``[tool.wsaudit]`` in a
``pyproject.toml``, in the audited folder or its parents (as ruff finds its own), whose folder
is then the tree's root. None of these is an error that names ``wsaudit init``.

A file found in the audited tree is untrusted input: it is read only if it is a regular file
that stays inside the tree, and it cannot point writes outside it.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wsaudit.config.settings import DEFAULT_PROFILE, PROFILES, Config, ReportSettings
from wsaudit.config.validate import validate
from wsaudit.errors import ConfigError, InputError


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
    raw_keys = [k for k in tomllib.loads(text) if k != "profile"]
    return Config(source=f"profile:{name}", origins=tuple((k, f"profile:{name}") for k in raw_keys), **values)


def from_table(raw: dict[str, Any], source: str, prefix: str = "", trusted: bool = True,
               config_dir: str | None = None) -> Config:
    """Validate a raw table (as read from TOML) into a Config; raise ConfigError with every problem.
    ``trusted``: False for a configuration found in the audited tree; ``config_dir``: the folder
    of a ``--config`` file (see :func:`validate`)."""
    values, problems = validate(raw, source, prefix, trusted, config_dir)
    if problems:
        raise ConfigError(problems)
    origins = tuple((prefix + k, "file") for k in raw if k != "profile")
    if isinstance(raw.get("profile"), str):
        base = profile(raw["profile"])
        merged = {k: getattr(base, k) for k in ("roots", "exclude", "tests", "test_folders", "max_file_size",
                                                  "max_parse_memory", "cache_dir", "golden_path", "rules", "rank",
                                                  "simulate", "report")}
        merged["report"] = _inherited_report(base.report, values)
        merged.update(values)
        values = merged
        origins += tuple((k, where) for k, where in base.origins if k not in raw)
    elif not values.get("rules"):
        raise ConfigError([(source, prefix + "rule", ("no [[rule]] given: add one, or start from a profile "
                                            f"with profile = \"{DEFAULT_PROFILE}\""))])
    return Config(source=source, origins=origins, **values)


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


@dataclass(frozen=True)
class Located:
    """A configuration and the tree it is for: ``root`` is the folder of the configuration
    found (the tree whose imports are resolved), ``scope`` the audited folder inside it
    (``""``: the whole tree), whose rows alone are reported."""

    config: Config
    root: Path
    scope: str = ""


def within(scope: str, path: str) -> bool:
    """Whether the root-relative ``path`` is inside the audited folder ``scope`` (``""``: the tree).

    >>> within("", "a/b.py"), within("a", "a/b.py"), within("a", "ab/c.py")
    (True, True, False)
    """
    return not scope or path == scope or path.startswith(scope + "/")


def locate(path: str | Path, config_path: str | Path | None = None, profile_name: str | None = None) -> Located:
    """The configuration for auditing ``path``, and the tree it is for.

    ``config_path`` (trusted, ``--config``) or ``profile_name`` (``--profile``, a built-in
    profile asked for by name; ``config_path`` may name one as ``profile:NAME``, as a
    configuration's ``source`` does) is the configuration of the tree at ``path``. Otherwise the
    nearest ``wsaudit.toml``, or ``pyproject.toml`` holding ``[tool.wsaudit]``, in ``path`` or
    its parents (up to the repository's top, a folder holding ``.git``, or the file system's
    root) is, and its folder is the tree's root. None anywhere is an error that says what to do.

    >>> locate("/nonexistent-root", profile_name="netra-websocket").config.source
    'profile:netra-websocket'
    """
    path = Path(path)
    if isinstance(config_path, str) and config_path.startswith("profile:") and not os.path.lexists(config_path):
        config_path, profile_name = None, config_path.removeprefix("profile:")  # as a Config's source names one
    if config_path is not None and profile_name is not None:
        raise ConfigError([(str(config_path), "", "give --config or --profile, not both")])
    if config_path is not None:
        shown = str(config_path)
        config_dir = os.path.dirname(os.path.abspath(config_path))  # its baseline is found from there
        return Located(from_table(_read_toml(Path(config_path), shown), shown, config_dir=config_dir), path)
    if profile_name is not None:
        if profile_name not in PROFILES:
            raise ConfigError([(f"profile:{profile_name}", "", f"no such built-in profile (known: {', '.join(PROFILES)})")])
        return Located(profile(profile_name), path)
    if not os.path.isdir(path):  # said as discovery says it (nothing to look for a configuration in)
        what = "not a folder" if os.path.lexists(path) else "no such folder"
        raise InputError(f"{path}: {what} (give the root of the code to audit)")
    start = Path(os.path.abspath(path))
    for folder in (start, *start.parents):
        found = _config_in(folder)
        if found is not None:
            scope = start.relative_to(folder).as_posix()
            return Located(found, path if folder == start else folder, "" if scope == "." else scope)
        if os.path.lexists(folder / ".git"):  # the repository's top: what is above is not this project's
            break
    raise ConfigError([(str(path), "", (
        "no configuration found (no wsaudit.toml, nor [tool.wsaudit] in a pyproject.toml, in it or in its parents "
        f"up to the repository's top): write one with 'wsaudit init {path} --symbol DOTTED' (or --module), "
        f"give one with --config FILE, or audit the built-in example with --profile {DEFAULT_PROFILE}"))])


def _config_in(folder: Path) -> Config | None:
    """The configuration ``folder`` holds (``wsaudit.toml``, else ``[tool.wsaudit]`` in its
    ``pyproject.toml``), or None. Found in the audited tree, it is untrusted: read only if it is
    a regular file inside the folder, and it cannot point writes outside it."""
    candidate = folder / "wsaudit.toml"
    if os.path.lexists(candidate):
        return from_table(_read_toml(_in_tree(folder, candidate, "wsaudit.toml"), "wsaudit.toml"), "wsaudit.toml",
                          trusted=False)
    pyproject = folder / "pyproject.toml"
    if os.path.lexists(pyproject):
        data = _read_toml(_in_tree(folder, pyproject, "pyproject.toml"), "pyproject.toml")
        table = data.get("tool", {}).get("wsaudit") if isinstance(data.get("tool"), dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError([("pyproject.toml", "tool.wsaudit", "expected a table")])
            return from_table(table, "pyproject.toml", "tool.wsaudit.", trusted=False)
    return None


def load(root: str | Path, config_path: str | Path | None = None, profile_name: str | None = None) -> Config:
    """The configuration for auditing ``root`` (:func:`locate`'s).

    >>> load("/nonexistent-root", profile_name="netra-websocket").source
    'profile:netra-websocket'
    """
    return locate(root, config_path, profile_name).config
