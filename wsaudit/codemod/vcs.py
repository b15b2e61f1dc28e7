"""What git says about the audited tree, and what wsaudit asks of it: which files have
uncommitted changes (an apply refuses to overwrite them), the commit a rollback point was made
on, the commits of ``migrate --commit`` and the revert commit of their rollback.

The questions answer None rather than fail when the root is not in a git checkout or git is
missing: migrating a plain folder is allowed (``--commit`` is not).

The checkout is part of the audited tree, so its configuration is untrusted: every git call
goes through :func:`git`, which turns off what would run the tree's own code and what would
wait for a person. Two kinds of settings do that:

* the settings with fixed names (:data:`SAFE`): hooks (``core.hooksPath=/dev/null``), the
  ``core.fsmonitor`` command, a pager, an editor, signing, ``diff.external``, credential
  helpers and ``core.sshCommand``, submodule recursion (a submodule's configuration is another
  repository's, which :func:`git` does not read), automatic gc;
* the drivers, which the configuration names itself and ``.gitattributes`` assigns to files
  (``filter=NAME``, ``diff=NAME``, ``merge=NAME``): ``git status``, ``add`` and ``commit`` run
  a file's clean filter, ``revert`` its smudge filter and, for a file changed on both sides,
  its merge driver. :func:`driver_overrides` lists every driver the configuration defines and
  empties each one, whatever its name (see there why that holds).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from wsaudit.errors import MigrationError
from wsaudit.history.git import git_env

# what in a repository's own configuration runs code or waits for a person, under a fixed name, turned off
SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
        "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false", "-c", "core.pager=cat",
        "-c", "credential.helper=", "-c", "core.askPass=", "-c", "gc.auto=0", "-c", "maintenance.auto=false",
        "-c", "core.editor=false", "-c", "sequence.editor=false", "-c", "diff.external=",
        "-c", "core.sshCommand=false", "-c", "protocol.allow=never", "-c", "submodule.recurse=false",
        "-c", "status.submoduleSummary=false", "-c", "diff.ignoreSubmodules=dirty")
# the environment's editor and pager would override the settings above; git_env() drops GIT_DIR,
# GIT_WORK_TREE, GIT_INDEX_FILE and the caller's GIT_CONFIG_* (the overrides below use them)
_ENV = {"GIT_PAGER": "cat", "GIT_EDITOR": "false", "GIT_SEQUENCE_EDITOR": "false"}
# git status asks each submodule for its changes by running git in it, with the submodule's own
# configuration (whose drivers driver_overrides never read): only a submodule's commit is compared
_NO_SUBMODULE_STATUS = ("--ignore-submodules=dirty",)
# each kind of driver: the settings that hold its commands, and what they become
_NEUTRAL = {b"filter": (("clean", ""), ("smudge", ""), ("process", ""), ("required", "false")),
            b"diff": (("command", ""), ("textconv", "")),
            b"merge": (("driver", "false"),)}


def _git_command(root: str | Path, args: list[str], timeout: float, text: bool,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *SAFE, *args], cwd=root, capture_output=True, timeout=timeout, check=False,
                          text=text, env={**git_env(), **_ENV, **(env or {})}, stdin=subprocess.DEVNULL)


def driver_overrides(root: str | Path) -> dict[str, str] | subprocess.CompletedProcess:
    """The environment that turns off every filter, diff and merge driver the configuration of
    the checkout holding ``root`` defines, whatever its name; the failed ``git config`` when the
    configuration cannot be read (nothing must then run with it).

    Why this holds for any name:

    * a driver exists only where the configuration has a key ``filter.NAME.*``, ``diff.NAME.*``
      or ``merge.NAME.*`` (an attribute naming an undefined driver runs nothing).
      ``git config --null --get-regexp`` lists every such key of every file git reads for the
      command (system, global, the repository's, its worktree's, includes), as it reads them;
      with ``--null`` a key ends at the first newline, which no key can hold, so a name comes back
      byte for byte, whatever it holds (``=``, spaces, quotes, dots, unicode);
    * each command of those drivers is set again, empty (a merge driver to ``false``: a conflict,
      and the revert stops), through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``:
      git reads them as the command line's settings, which come last and win over every file, and
      takes the key as it is, where ``-c filter.a=b.clean=`` would set ``filter.a`` to ``b.clean=``;
    * a filter marked ``required`` would make git fail on an empty command: it is not required any
      more. An empty clean/smudge/process command is no filter at all: git keeps the bytes as they are.

    Parameters
    ----------
    root : str or Path
        A folder of the checkout.

    Returns
    -------
    dict of str to str, or subprocess.CompletedProcess
        ``GIT_CONFIG_*`` variables for :func:`git`; or ``git config``'s result when it failed.
    """
    proc = _git_command(root, ["config", "--null", "--get-regexp", r"^(filter|diff|merge)\."], 30, False)
    if proc.returncode not in (0, 1):  # 1: no such key
        return proc
    names: dict[bytes, set[bytes]] = {kind: set() for kind in _NEUTRAL}
    for record in proc.stdout.split(b"\0"):
        kind, _, rest = record.partition(b"\n")[0].partition(b".")
        name, dot, _ = rest.rpartition(b".")
        if kind in names and dot:  # a two-level key (diff.external, merge.renames) names no driver
            names[kind].add(name)
    env: dict[str, str] = {}
    count = 0
    for kind, settings in _NEUTRAL.items():
        for name in sorted(names[kind]):
            for key, value in settings:
                env[f"GIT_CONFIG_KEY_{count}"] = os.fsdecode(kind + b"." + name + b"." + key.encode())
                env[f"GIT_CONFIG_VALUE_{count}"] = value
                count += 1
    env["GIT_CONFIG_COUNT"] = str(count)
    return env


def git(root: str | Path, *args: str, timeout: float = 60, text: bool = False) -> subprocess.CompletedProcess:
    """Run ``git SAFE... args`` in ``root`` with every driver of the configuration off (raises
    OSError when git is missing); when the configuration cannot be read, that failure instead."""
    overrides = driver_overrides(root)
    if isinstance(overrides, subprocess.CompletedProcess):
        if text:
            overrides.stdout = overrides.stdout.decode("utf-8", "replace")
            overrides.stderr = overrides.stderr.decode("utf-8", "replace")
        return overrides
    return _git_command(root, list(args), timeout, text, overrides)


def dirty_files(root: str | Path, paths: Iterable[str]) -> list[str] | None:
    """The ``paths`` with uncommitted changes (or untracked) in the git checkout holding
    ``root``; None when ``root`` is not in a git checkout (or git is missing)."""
    paths = list(paths)
    try:
        proc = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", *_NO_SUBMODULE_STATUS, "--",
                   *paths)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    top = git(root, "rev-parse", "--show-toplevel", text=True)
    base = Path(top.stdout.strip()).resolve()
    dirty = set()
    entries = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        if entry[0] in "RC":
            i += 1  # the rename's source path follows
        full = (base / entry[3:]).resolve()
        try:
            dirty.add(full.relative_to(Path(root).resolve()).as_posix())
        except ValueError:
            continue
    return sorted(p for p in paths if p in dirty)


def git_head(root: str | Path) -> str | None:
    """The commit checked out at ``root``, or None outside a git checkout."""
    try:
        proc = git(root, "rev-parse", "HEAD", timeout=30, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _fail(what: str, proc: subprocess.CompletedProcess) -> MigrationError:
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
    first = next((line.strip() for line in err.splitlines() if line.strip()), f"exit {proc.returncode}")
    return MigrationError(f"git {what} failed: {first}")


def dirty_tree(root: str | Path) -> list[str] | None:
    """Every change in the checkout holding ``root`` (staged, unstaged, untracked; ignored
    files aside), as ``git status`` shows them; None outside a git checkout."""
    try:
        proc = git(root, "status", "--porcelain=v1", "--untracked-files=normal", *_NO_SUBMODULE_STATUS, text=True)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return [line for line in proc.stdout.splitlines() if line.strip()]


def commit(root: str | Path, paths: Iterable[str], subject: str, body: str) -> str:
    """Commit exactly ``paths`` (root-relative) with the message ``subject`` / ``body``; the
    new commit's hash. The tree's hooks do not run (:data:`SAFE`)."""
    paths = list(paths)
    added = git(root, "add", "--", *paths)
    if added.returncode != 0:
        raise _fail("add", added)
    done = git(root, "commit", "--no-verify", "--no-gpg-sign", "-q", "-m", subject, "-m", body, "--", *paths)
    if done.returncode != 0:
        raise _fail("commit", done)
    head = git_head(root)
    if head is None:
        raise MigrationError("git commit left no HEAD")
    return head


def revert(root: str | Path, commits: list[str], subject: str, body: str) -> str:
    """One commit that reverts ``commits`` (newest first); its hash. A conflict aborts the
    revert and leaves the checkout as it was."""
    undo = git(root, "revert", "--no-commit", "--no-edit", *reversed(commits))
    if undo.returncode != 0:
        git(root, "revert", "--abort")
        raise _fail("revert", undo)
    done = git(root, "commit", "--no-verify", "--no-gpg-sign", "-q", "-m", subject, "-m", body)
    if done.returncode != 0:
        git(root, "revert", "--abort")
        raise _fail("commit", done)
    head = git_head(root)
    assert head is not None
    return head
