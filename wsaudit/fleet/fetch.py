"""Where a repository of the fleet is read from: its local folder, or a clone of its URL.

A clone is bare (nothing checked out, no hook, no filter: only git objects), made in a
temporary folder that goes when the task is done, or in ``CACHE/fleet-clones/`` to be fetched
again on the next run; never in an audited repository. git runs as :mod:`wsaudit.history.git`
runs it (hooks, fsmonitor, credential helpers and askpass off, no prompt), with only its
ordinary transports allowed (``https``, ``http``, ``ssh``, ``git``, ``file``; never ``ext::``,
which runs a command), and ``--`` before the URL so that it is never an option.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wsaudit.fleet.settings import FleetRepo
from wsaudit.history.git import GitError, Repository, git_args, git_env

CLONE_TIMEOUT = 1800  # seconds: a URL that hangs fails its row, not the fleet
_TRANSPORTS = ("https", "http", "ssh", "git", "file")


@dataclass(frozen=True)
class Where:
    """A repository ready to read: ``folder`` (a folder audited as a checkout is) or ``git_dir``
    with the ``revision`` to audit from git objects."""

    folder: str | None
    git_dir: str | None
    revision: str | None


def _clone_args(*args: str, git_dir: str | None = None) -> list[str]:
    out = git_args(git_dir=git_dir)  # the safe settings, protocol.allow=never among them
    allowed = [item for t in _TRANSPORTS for item in ("-c", f"protocol.{t}.allow=always")]
    return out[:1] + allowed + out[1:] + list(args)


def _run_git(args: list[str], what: str) -> None:
    try:
        proc = subprocess.run(args, capture_output=True, env=git_env(), check=False, timeout=CLONE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed (a fleet's URLs are cloned with git)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"{what}: no answer in {CLONE_TIMEOUT} s") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        why = detail[-1].removeprefix("fatal: ") if detail else f"git exited with {proc.returncode}"
        raise GitError(f"{what} [git: {why}]")


def _clone(url: str, dest: Path) -> None:
    if (dest / "HEAD").is_file():  # cloned by an earlier run: bring it up to date
        _run_git(_clone_args("fetch", "--quiet", "--prune", "--tags", "origin", "+refs/heads/*:refs/heads/*",
                             git_dir=str(dest)), f"cannot fetch {url}")
        return
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    _run_git(_clone_args("clone", "--bare", "--quiet", "--", url, str(tmp)), f"cannot clone {url}")
    tmp.rename(dest)


@contextlib.contextmanager
def obtain(repo: FleetRepo, cache_dir: str | None = None) -> Iterator[Where]:
    """The repository ready to read; a clone in a temporary folder is removed afterwards.
    Raises :class:`~wsaudit.history.git.GitError` (a clone that fails) or
    :class:`~wsaudit.errors.InputError` (a folder that is not there)."""
    if repo.folder is not None:
        if not Path(repo.folder).is_dir():
            raise GitError(f"{repo.source}: no such folder (as seen from where the task runs)")
        if repo.revision is None:
            yield Where(repo.folder, None, None)
        else:
            yield Where(None, repo.folder, repo.revision)
        return
    assert repo.url is not None
    if cache_dir is not None:
        folder = Path(cache_dir) / "fleet-clones"
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / (hashlib.sha256(repo.url.encode()).hexdigest()[:24] + ".git")
        _clone(repo.url, dest)
        yield Where(None, str(dest), repo.revision or "HEAD")
        return
    tmp = tempfile.mkdtemp(prefix="wsaudit-clone-")
    try:
        dest = Path(tmp) / "repo.git"
        _clone(repo.url, dest)
        yield Where(None, str(dest), repo.revision or "HEAD")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def last_commit(where: Where) -> tuple[str, str] | None:
    """The id and committer date of the commit audited (a folder: its ``HEAD`` when the folder is
    the top of a git work tree), or None."""
    if where.git_dir is None:
        assert where.folder is not None
        if not (Path(where.folder) / ".git").exists():  # a folder inside another repository is not its commit
            return None
        try:
            with Repository.open(where.folder) as repo:
                oid = repo.resolve("HEAD")
                info = repo.commits([oid])[oid]
        except GitError:
            return None
    else:
        with Repository.open(where.git_dir) as repo:
            oid = repo.resolve(where.revision or "HEAD")
            info = repo.commits([oid])[oid]
    return (oid, info.date) if info is not None else (oid, "")
