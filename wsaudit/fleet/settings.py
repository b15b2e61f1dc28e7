"""``FLEET.toml``: the repositories of a fleet and the one configuration they are audited with.

The fleet file is checked like every configuration (:mod:`wsaudit.config.checker`): every
problem collected, each one line naming the file and the key. The shared configuration (an
inline ``[config]`` table, or ``config_file``, a ``wsaudit.toml`` beside the fleet file) is
validated as a ``wsaudit.toml`` is; a repository's ``[repo.config]`` replaces the shared keys of
the same name (as a file replaces its profile's), and when that merge is invalid only that
repository fails, as a row with the error.

The fleet file is trusted (the user wrote it), the repositories are not; still, what it names is
handed to git, so a repository's ``url`` or ``revision`` can never be read as an option of git
(nothing may start with ``-``) nor name one of git's command-running transports (``ext::``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wsaudit.config import Config
from wsaudit.config.checker import _Checker
from wsaudit.config.loading import _read_toml, from_table
from wsaudit.errors import ConfigError

_TOP_KEYS = ("title", "config", "config_file", "repo")
_REPO_KEYS = ("name", "path", "url", "revision", "owner", "team", "config")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
# what git may be asked to clone: its ordinary transports, never "ext::" or another helper
_URL = re.compile(r"(?:(?:https?|ssh|git|file)://[^\s]+|[A-Za-z0-9._-]+@[A-Za-z0-9._-]+:[^\s]+)\Z")
_REVISION = re.compile(r"[A-Za-z0-9_./~^@{}+-]{1,200}\Z")
MAX_REPOSITORIES = 100_000


@dataclass(frozen=True)
class FleetRepo:
    """One repository of the fleet, as ``FLEET.toml`` names it.

    ``folder`` is the absolute local folder (``path`` resolved from the fleet file's folder), or
    None for a ``url``; ``config`` is the shared configuration with this repository's overrides,
    or None when they are invalid (``problem`` says why)."""

    name: str
    source: str  # the path or URL as written
    folder: str | None
    url: str | None
    revision: str | None
    owner: str | None
    team: str | None
    config: Config | None = field(default=None, compare=False)
    problem: str | None = None


@dataclass(frozen=True)
class Fleet:
    """The fleet file read: its title, the shared configuration's source, the repositories in order."""

    file: str  # as shown in messages and documents: the file's name
    title: str
    config_source: str
    repos: tuple[FleetRepo, ...]


def _url_problem(url: str) -> str | None:
    if url.startswith("-"):
        return "a URL cannot start with '-' (git would read it as an option)"
    if not _URL.match(url):
        return ("expected a git URL (https://, ssh://, git://, file:// or user@host:path), got "
                f"{url!r}")
    return None


def _revision_problem(revision: str) -> str | None:
    if revision.startswith("-"):
        return "a revision cannot start with '-' (git would read it as an option)"
    if not _REVISION.match(revision) or ".." in revision:
        return f"expected a branch, tag, commit id or HEAD~N, got {revision!r}"
    return None


def _repo(raw: Any, i: int, check: _Checker, base: Path) -> dict[str, Any] | None:
    key = f"repo[{i}]"
    if not isinstance(raw, dict):
        check.problem(key, "expected a table ([[repo]])")
        return None
    check.unknown(raw, _REPO_KEYS, f"{key}.")
    out: dict[str, Any] = {}
    name = raw.get("name")
    if name is None:
        check.problem(f"{key}.name", "missing: every repository needs a name (letters, digits, '.', '_', '-')")
    elif check.string(f"{key}.name", name) is not None:
        if not _NAME.match(name):
            check.problem(f"{key}.name", f"expected letters, digits, '.', '_', '-' (at most 100), got {name!r}")
        out["name"] = name
    has_path, has_url = "path" in raw, "url" in raw
    if has_path == has_url:
        check.problem(key, "give exactly one of path (a local folder) and url (a git URL)")
    if has_path and check.string(f"{key}.path", raw["path"]) is not None:
        path = raw["path"]
        if not path or "\x00" in path:
            check.problem(f"{key}.path", "expected a folder")
        else:
            out["folder"] = str((base / Path(path).expanduser()).resolve())
            out["source"] = path
    if has_url and check.string(f"{key}.url", raw["url"]) is not None:
        problem = _url_problem(raw["url"])
        if problem:
            check.problem(f"{key}.url", problem)
        out["url"] = out["source"] = raw["url"]
    for opt in ("revision", "owner", "team"):
        if opt in raw and check.string(f"{key}.{opt}", raw[opt]) is not None:
            out[opt] = raw[opt]
    if "revision" in out and (problem := _revision_problem(out["revision"])):
        check.problem(f"{key}.revision", problem)
    if "config" in raw and not isinstance(raw["config"], dict):
        check.problem(f"{key}.config", "expected a table of configuration keys ([repo.config])")
    out["overrides"] = raw.get("config") if isinstance(raw.get("config"), dict) else {}
    return out


def _shared(raw: dict[str, Any], check: _Checker, path: Path, shown: str) -> tuple[dict[str, Any], str] | None:
    """The shared configuration's raw table and its source, or None (a problem said why)."""
    if ("config" in raw) == ("config_file" in raw):
        check.problem("config", "give exactly one of [config] (the shared configuration) and config_file "
                      "(a wsaudit.toml)")
        return None
    if "config" in raw:
        if not isinstance(raw["config"], dict):
            check.problem("config", "expected a table ([config])")
            return None
        return raw["config"], shown
    if check.string("config_file", raw["config_file"]) is None:
        return None
    file = (path.parent / raw["config_file"]).resolve()
    table = _read_toml(file, raw["config_file"])
    return table, raw["config_file"]


def load_fleet(path: str | Path) -> Fleet:
    """Read and check ``FLEET.toml``; a :class:`ConfigError` holds every problem of the fleet
    file and of the shared configuration (each ``file: key: problem``)."""
    path = Path(path)
    shown = path.name
    raw = _read_toml(path, shown)
    check = _Checker(shown)
    check.unknown(raw, _TOP_KEYS)
    title = raw.get("title", path.stem)
    if check.string("title", title) is None:
        title = path.stem
    shared = _shared(raw, check, path, shown)
    repos_raw = raw.get("repo")
    if repos_raw is None:
        check.problem("repo", "no [[repo]] given: list the repositories, each with a name and a path or url")
        repos_raw = []
    elif not isinstance(repos_raw, list):
        check.problem("repo", "expected an array of tables ([[repo]])")
        repos_raw = []
    elif len(repos_raw) > MAX_REPOSITORIES:
        check.problem("repo", f"over {MAX_REPOSITORIES} repositories")
        repos_raw = []
    parsed = [_repo(r, i, check, path.parent) for i, r in enumerate(repos_raw)]
    seen: set[str] = set()
    for i, r in enumerate(parsed):
        if r and "name" in r:
            if r["name"] in seen:
                check.problem(f"repo[{i}].name", f"{r['name']!r} is used twice: names must be unique")
            seen.add(r["name"])
    shared_config = None
    if shared is not None:
        table, source = shared
        prefix = "config." if source == shown else ""
        try:
            shared_config = from_table(table, source, prefix)
        except ConfigError as exc:
            check.problems += exc.problems
    if check.problems:
        raise ConfigError(check.problems)
    assert shared is not None and shared_config is not None
    table, source = shared
    repos = tuple(_fleet_repo(r, i, table, source, shown) for i, r in enumerate(parsed) if r)
    return Fleet(shown, title, source, repos)


def _fleet_repo(r: dict[str, Any], i: int, table: dict[str, Any], source: str, shown: str) -> FleetRepo:
    overrides = r.pop("overrides")
    config, problem = None, None
    try:
        # keys of [repo.config] replace the shared keys of the same name, as a file's replace its profile's
        config = from_table({**table, **overrides}, source)
        if overrides:
            both = f"{source}: config + repo[{i}].config" if source == shown else f"{source} + {shown}: repo[{i}].config"
            config = replace(config, source=both)
    except ConfigError as exc:
        problem = "invalid configuration: " + "; ".join(
            f"{file}: repo[{i}].config.{key}: {msg}" if key else f"{file}: {msg}" for file, key, msg in exc.problems)
    return FleetRepo(r["name"], r["source"], r.get("folder"), r.get("url"), r.get("revision"), r.get("owner"),
                     r.get("team"), config, problem)
