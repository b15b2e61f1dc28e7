"""A commit's tree seen as :func:`wsaudit.engine.discover.discover` sees a checkout of it.

The same files are found, with the same module names, test flags and diagnostics, from the
tree's entries alone (``path -> (mode, blob id)``), so that a commit audited from git objects
gives what a scan of its checkout gives. Where a tree and a checkout differ:

* a **link** (mode 120000) is never followed, as in a checkout: one that leaves the root is
  ``outside-root``, a broken one ``read-error``, one to a file or folder of the tree is skipped
  (that file is audited under its own path). An absolute target counts as leaving the root (a
  tree does not know where it would be checked out);
* a **submodule** (mode 160000) is a ``submodule`` diagnostic: its files live in another
  repository (a checkout's scan sees an empty folder, or the submodule's own files);
* a blob that a partial clone does not have is a ``missing-blob`` diagnostic, the rest counted.

The configuration of a commit is read from its own tree (the audited folder of it):
``wsaudit.toml``, else ``[tool.wsaudit]`` in ``pyproject.toml``; a commit with neither is an
error row (never the built-in profile, unless asked for by name).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import Any

from wsaudit.config import ALWAYS_EXCLUDED, Config, from_table, parse_toml
from wsaudit.config.loading import MAX_CONFIG_SIZE
from wsaudit.engine.discover import TestFiles, _shadowed, module_name, module_name_problem, spec
from wsaudit.errors import ConfigError
from wsaudit.history.git import GITLINK_MODE, LINK_MODE, Entry
from wsaudit.model import Diagnostic, SourceFile

HISTORY_DIAGNOSTIC_KINDS = ("submodule", "missing-blob")
_LINK_HOPS = 40  # as the kernel's limit on following links
# A link's target is a path: the kernel refuses one over PATH_MAX (4096 bytes), so a checkout
# has no such link. A crafted link blob can hold hundreds of megabytes; it is never read.
LINK_TARGET_MAX = 4096


class _TooLong(str):
    """The target of a link blob over :data:`LINK_TARGET_MAX` bytes (not read)."""


LINK_TOO_LONG = _TooLong()


def missing_blob(path: str, oid: str) -> Diagnostic:
    return Diagnostic(path, "missing-blob", None, f"blob {oid[:12]} is not in this partial clone: not audited "
                      "(clone without --filter, or fetch the history's blobs, to audit it)")


class TreeDiscovery:
    """Discovery for one configuration, its decisions remembered per path: commits share most
    of their paths, so each path is matched against the patterns once per run."""

    def __init__(self, config: Config, root_name: str):
        self.config = config
        self.root_name = root_name
        self._excluded = spec([*ALWAYS_EXCLUDED, *config.exclude])
        self._tests = TestFiles(config)
        self._dirs: dict[str, bool] = {"": False}
        self._files: dict[str, tuple[str, bool, bool, bool] | None] = {}
        self._made: dict[tuple[str, str], SourceFile] = {}
        self._bad: dict[str, str | None] = {}  # path -> its crafted part (see _crafted)

    def _dir_excluded(self, folder: str) -> bool:
        """Whether discovery would not descend into ``folder`` (it, or a folder above it, is excluded).

        Up to the nearest folder already decided, then down again: a loop, not a call per
        parent, since a commit's folders may nest deeper than Python's recursion limit.
        """
        todo = []
        while folder not in self._dirs:
            todo.append(folder)
            folder = folder.rpartition("/")[0]
        known = self._dirs[folder]
        for below in reversed(todo):
            known = known or self._excluded.match_file(below + "/")
            self._dirs[below] = known
        return known

    def _file(self, path: str) -> tuple[str, bool, bool, bool] | None:
        """``(module, is_package, is_test, is_module)`` of a ``.py`` path, None when not audited."""
        if path in self._files:
            return self._files[path]
        answer = None
        if path.endswith(".py") and not self._dir_excluded(path.rpartition("/")[0]) \
                and not self._excluded.match_file(path):
            name, is_package = module_name(path, self.config.roots, self.root_name)
            answer = (name, is_package, self._tests.match_file(path), module_name_problem(path, name) is None)
        self._files[path] = answer
        return answer

    def discover(self, entries: Mapping[str, Entry], size_of: Callable[[str], int | None],
                 link_target: Callable[[str], str | None]) -> tuple[list[SourceFile], list[Diagnostic], dict[str, str]]:
        """The audited files (sorted), the diagnostics met (unsorted) and ``path -> blob id`` of the files.

        ``size_of(oid)``: a blob's size, None for a blob missing from a partial clone;
        ``link_target(oid)``: the target a link blob holds, None when it cannot be read,
        :data:`LINK_TOO_LONG` when it is over :data:`LINK_TARGET_MAX` bytes.
        """
        files: list[SourceFile] = []
        diagnostics: list[Diagnostic] = []
        oids: dict[str, str] = {}
        links: dict[str, Entry] = {}
        crafted = {p for p in entries if self._crafted(p) is not None}
        if crafted:
            diagnostics += self._refused(crafted)
            entries = {p: e for p, e in entries.items() if p not in crafted}
        for path, entry in entries.items():
            if entry.mode == LINK_MODE:
                links[path] = entry
            elif entry.mode == GITLINK_MODE:
                if not self._dir_excluded(path):
                    diagnostics.append(Diagnostic(path, "submodule", None, f"a git submodule (commit {entry.oid[:12]}): "
                                                  "its files are in another repository, not audited here (audit it "
                                                  "on its own)"))
            else:
                info = self._file(path)
                if info is None:
                    continue
                name, is_package, is_test, valid = info
                if not valid:
                    diagnostics.append(Diagnostic(path, "bad-module-name", None, module_name_problem(path, name)))
                made = self._made.get((path, entry.oid))
                if made is None:  # the same file in the next commit is the same record
                    size = size_of(entry.oid)
                    made = SourceFile(path, name, is_package, is_test, size if size is not None else 0, valid)
                    self._made[(path, entry.oid)] = made
                files.append(made)
                oids[path] = entry.oid
        if links:
            diagnostics += self._links(entries, links, link_target)
        files.sort(key=lambda f: f.path)
        return files, diagnostics + _shadowed(files), oids

    def _crafted(self, path: str) -> str | None:
        """The part of ``path`` up to its first name no checkout can have, or None.

        git's trees can be crafted (``git mktree``, ``hash-object --literally``) to hold an
        entry named ``..`` (a checkout would write it above the root), ``.git`` in any case (a
        checkout's own repository, on a case-insensitive file system too), ``.`` or nothing.
        git refuses to check such a tree out, so no scan ever sees these files.
        """
        if path in self._bad:
            return self._bad[path]
        found, parts = None, path.split("/")
        for i, part in enumerate(parts):
            if part in ("", ".", "..") or part.casefold() == ".git":
                found = "/".join(parts[: i + 1])
                break
        self._bad[path] = found
        return found

    def _refused(self, paths: set[str]) -> list[Diagnostic]:
        """One ``read-error`` per crafted name (not one per file below it)."""
        tops = sorted({self._crafted(p) or p for p in paths})
        return [Diagnostic(top, "read-error", None, f"a tree entry named {top.rpartition('/')[2]!r}: a crafted tree "
                           "(git refuses to check it out); not audited") for top in tops]

    def _links(self, entries: Mapping[str, Entry], links: Mapping[str, Entry],
               link_target: Callable[[str], str | None]) -> list[Diagnostic]:
        """Links as discovery meets them: excluded, skipped, ``outside-root`` or a broken link."""
        folders = {""}
        for path in entries:
            parts = path.split("/")
            folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
        targets = {p: link_target(e.oid) for p, e in links.items()}
        out = []
        for path in sorted(links):
            where = _resolve(path, targets, folders, entries)
            is_dir = where == "dir"
            if self._dir_excluded(path.rpartition("/")[0]) or self._excluded.match_file(path + "/" if is_dir else path):
                continue
            if not is_dir and not path.endswith(".py"):
                continue
            if where == "too-long":
                out.append(Diagnostic(path, "read-error", None, f"a link whose target is over {LINK_TARGET_MAX} "
                                      "bytes (no path is; a checkout cannot make it): not followed"))
            elif where == "outside":
                out.append(Diagnostic(path, "outside-root", None, "link leaves the audited root; not followed"))
            elif where == "missing":
                out.append(Diagnostic(path, "read-error", None, "broken link"))
        return out


def _resolve(path: str, targets: Mapping[str, str | None], folders: set[str], entries: Mapping[str, Entry]) -> str:
    """Where link ``path`` leads inside the tree, as ``os.path.realpath`` would find it in a
    checkout: ``dir``, ``file``, ``missing`` (broken, or a loop), ``outside`` or ``too-long``
    (a link on the way whose target is not read: see :data:`LINK_TARGET_MAX`)."""
    todo = path.split("/")
    done: list[str] = []
    hops = 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return "outside"
            done.pop()
            continue
        candidate = "/".join([*done, part])
        if candidate in targets:
            hops += 1
            target = targets[candidate]
            if target is LINK_TOO_LONG:
                return "too-long"
            if target is None or hops > _LINK_HOPS:
                return "missing"
            if target.startswith("/"):
                return "outside"
            todo = target.split("/") + todo
            continue
        done.append(part)
    final = posixpath.normpath("/".join(done)) if done else ""
    if final in ("", ".") or final in folders:
        return "dir"
    entry = entries.get(final)
    return "file" if entry is not None and entry.mode not in (LINK_MODE, GITLINK_MODE) else "missing"


# ---------------------------------------------------------------------------- configuration


def tree_config(entries: Mapping[str, Entry], read: Callable[[str], bytes | None],
                size_of: Callable[[str], int | None] = lambda oid: None) -> Config:
    """The configuration of a commit, from its own ``wsaudit.toml`` or ``pyproject.toml``.

    ``read(oid)``: a blob's bytes, None when the clone does not have it; ``size_of(oid)``: its
    size, None when not known. A blob over the size of a configuration is not read (as a file
    on disk is not: :func:`wsaudit.config.parse_toml` would refuse it once read, and a crafted
    blob of hundreds of megabytes is a few kilobytes in the repository). Raises
    :class:`~wsaudit.errors.ConfigError` as :func:`wsaudit.config.load` does for a folder.
    """
    for name in ("wsaudit.toml", "pyproject.toml"):
        entry = entries.get(name)
        if entry is None or entry.mode in (LINK_MODE, GITLINK_MODE):
            continue
        size = size_of(entry.oid)
        if size is not None and size > MAX_CONFIG_SIZE:
            raise ConfigError([(name, "", f"over {MAX_CONFIG_SIZE} bytes: not a configuration")])
        raw = _toml(read(entry.oid), name, entry.oid)
        if name == "wsaudit.toml":
            return from_table(raw, name)
        table = raw.get("tool", {}).get("wsaudit") if isinstance(raw.get("tool"), dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError([(name, "tool.wsaudit", "expected a table")])
            return from_table(table, name, "tool.wsaudit.")
    raise ConfigError([("wsaudit.toml", "", "none in this commit (nor [tool.wsaudit] in its pyproject.toml): give one "
                        "for every commit with --config FILE, or --profile NAME")])


def _toml(data: bytes | None, shown: str, oid: str) -> dict[str, Any]:
    if data is None:
        raise ConfigError([(shown, "", f"blob {oid[:12]} is not in this partial clone (fetch it to audit this commit)")])
    return parse_toml(data, shown)
