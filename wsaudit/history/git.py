"""Read a git repository's commits, trees and blobs with git's own plumbing, nothing else.

Everything goes through ``git rev-list``, ``git ls-tree -r -z``, ``git diff-tree -r -z`` and
one long-lived ``git cat-file --batch`` (and ``--batch-check``) process per run. No command here
checks anything out, touches the index or the work tree, or writes into the repository: the
audited repository is untrusted input. So every git call:

* names the repository by its git directory (``--git-dir``), never through a work tree, and
  drops ``GIT_DIR``, ``GIT_WORK_TREE``, ``GIT_INDEX_FILE`` and the like from the environment
  (a hook that runs wsaudit must not make it read another repository);
* runs with ``core.fsmonitor=false`` and ``core.hooksPath=/dev/null`` (no helper program of the
  repository's configuration starts), ``protocol.allow=never`` and ``GIT_NO_LAZY_FETCH=1``
  (a partial clone's missing objects are reported missing, never fetched over the network),
  ``GIT_OPTIONAL_LOCKS=0``, ``GIT_TERMINAL_PROMPT=0`` and literal pathspecs;
* reads the objects themselves, never what ``refs/replace/`` (or a graft) puts in their place
  (``GIT_NO_REPLACE_OBJECTS=1``): a replace ref found in the repository could otherwise hand
  another commit, tree or configuration blob for the one named.

No driver of the repository's configuration (``filter.NAME``, ``diff.NAME``, ``merge.NAME``,
whatever the name) can run here, because no command here runs one: ``cat-file`` applies a
filter or textconv only with ``--filters``/``--textconv``, ``diff-tree --raw`` compares object
ids (``--no-textconv --no-ext-diff`` say so again), and nothing checks out, merges or reads the
work tree. A call that did would have to turn every driver off by name, as
:func:`wsaudit.codemod.vcs.driver_overrides` does.

A crafted or damaged object is an answer (``None``, an error string), never an exception that
stops the run: :class:`GitError` only for what makes the whole repository unusable.
"""

from __future__ import annotations

import datetime as _dt
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from wsaudit.errors import InputError

# Per request batch to cat-file: requests are written before answers are read, so a batch must
# fit in a pipe buffer (64 KiB) or both processes would wait on each other.
_BATCH = 500
LINK_MODE, GITLINK_MODE = "120000", "160000"
_DROPPED_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR", "GIT_NAMESPACE",
                "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CEILING_DIRECTORIES",
                "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_SSH", "GIT_SSH_COMMAND",
                "GIT_ASKPASS", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT")
_SAFE_CONFIG = ("core.fsmonitor=false", "core.hooksPath=/dev/null", "protocol.allow=never", "credential.helper=",
                "core.askPass=", "core.sshCommand=false", "diff.external=", "core.untrackedCache=false")


class GitError(InputError):
    """The folder is not a git repository git can read, or git itself is missing."""


def git_env() -> dict[str, str]:
    """The environment of every git call (see the module's docstring)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV and not k.startswith("GIT_CONFIG_KEY_")
           and not k.startswith("GIT_CONFIG_VALUE_")}
    env.update({"GIT_NO_LAZY_FETCH": "1", "GIT_NO_REPLACE_OBJECTS": "1", "GIT_OPTIONAL_LOCKS": "0",
                "GIT_TERMINAL_PROMPT": "0", "GIT_LITERAL_PATHSPECS": "1", "LC_ALL": "C", "LANGUAGE": "C"})
    return env


def git_args(*args: str, git_dir: str | None = None) -> list[str]:
    """``git -c ... [--git-dir DIR] ARGS``: the command line of a safe git call.

    >>> git_args("rev-list", "HEAD", git_dir="/r/.git")[-4:]
    ['--git-dir', '/r/.git', 'rev-list', 'HEAD']
    """
    out = ["git", "--no-pager", "--literal-pathspecs"]
    for setting in _SAFE_CONFIG:
        out += ["-c", setting]
    if git_dir is not None:
        out += ["--git-dir", git_dir]
    return out + list(args)


class Commit(NamedTuple):
    """One commit as the history reports it."""

    oid: str
    tree: str
    parents: tuple[str, ...]
    date: str  # committer date, ISO 8601 with the committer's UTC offset (git's %cI)
    subject: str


class Change(NamedTuple):
    """One line of ``git diff-tree --raw``: ``status`` is ``A``, ``D``, ``M``, ``T`` or ``R``."""

    status: str
    old_path: str | None
    new_path: str | None
    old_mode: str
    new_mode: str
    old_oid: str
    new_oid: str


class Entry(NamedTuple):
    """A file of a tree: its mode (``100644``, ``120000`` for a link, ``160000`` for a submodule) and object id."""

    mode: str
    oid: str


def _decode(raw: bytes) -> str:
    return os.fsdecode(raw)  # as os.scandir names the files of a checkout


def _commit_date(line: bytes) -> str:
    """The ISO date of an ``author``/``committer`` header (``... <mail> 1700000000 +0100``).

    >>> _commit_date(b"committer A <a@b> 1700000000 +0100")
    '2023-11-14T23:13:20+01:00'
    """
    stamp, zone = line.rsplit(b">", 1)[1].split()[:2]
    sign = -1 if zone.startswith(b"-") else 1
    digits = zone.lstrip(b"+-")
    offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    return _dt.datetime.fromtimestamp(int(stamp), _dt.timezone(sign * offset)).isoformat()


def parse_commit(oid: str, body: bytes) -> Commit | None:
    """A commit object's tree, parents, committer date and subject; None when it is malformed.

    >>> c = parse_commit("c1", b"tree t1\\nparent p1\\nauthor A <a@b> 0 +0000\\ncommitter A <a@b> 86400 +0000\\n\\nFix it\\nmore\\n\\nbody\\n")
    >>> (c.tree, c.parents, c.date, c.subject)
    ('t1', ('p1',), '1970-01-02T00:00:00+00:00', 'Fix it more')
    """
    head, _, message = body.partition(b"\n\n")
    tree, parents, date, encoding = None, [], None, "utf-8"
    for line in head.split(b"\n"):
        if line.startswith(b"tree "):
            tree = line[5:].decode("ascii", "replace")
        elif line.startswith(b"parent "):
            parents.append(line[7:].decode("ascii", "replace"))
        elif line.startswith(b"committer "):
            try:
                date = _commit_date(line)
            except (ValueError, IndexError, OverflowError, OSError):
                date = None
        elif line.startswith(b"encoding "):
            encoding = line[9:].decode("ascii", "replace").strip() or "utf-8"
    if tree is None or date is None:
        return None
    try:
        text = message.decode(encoding, "replace")
    except LookupError:  # an unknown encoding header
        text = message.decode("utf-8", "replace")
    subject = " ".join(text.strip().split("\n\n", 1)[0].split()) if text.strip() else ""
    return Commit(oid, tree, tuple(parents), date, subject)


class _CatFile:
    """One ``git cat-file --batch`` or ``--batch-check`` process, restarted if it dies.

    git 2.39 ends the process on a missing object of a partial clone (it tries to fetch it and
    is not allowed to); the object asked for is then reported missing and the rest still asked.
    """

    def __init__(self, git_dir: str, mode: str):
        self.git_dir, self.mode = git_dir, mode
        self.proc: subprocess.Popen | None = None

    def _start(self) -> tuple[IO[bytes], IO[bytes]]:
        """The running process's standard input and output (started now if it is not running)."""
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(git_args("cat-file", self.mode, git_dir=self.git_dir), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env())
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both are pipes
        return self.proc.stdin, self.proc.stdout

    def ask(self, oids: Sequence[str]) -> dict[str, tuple[str, int, bytes | None] | None]:
        """``oid -> (type, size, content or None for --batch-check)``, or None when it is missing."""
        out: dict[str, tuple[str, int, bytes | None] | None] = {}
        todo = list(dict.fromkeys(oids))
        while todo:
            chunk, todo = todo[:_BATCH], todo[_BATCH:]
            done = self._chunk(chunk, out)
            if done < len(chunk):  # the process died on chunk[done]: that one is missing
                out[chunk[done]] = None
                self.close()
                todo = chunk[done + 1 :] + todo
        return out

    def _chunk(self, chunk: list[str], out: dict) -> int:
        stdin, stdout = self._start()
        try:
            stdin.write(b"".join(o.encode("ascii") + b"\n" for o in chunk))
            stdin.flush()
        except (BrokenPipeError, OSError):
            return 0
        for i, oid in enumerate(chunk):
            header = stdout.readline()
            if not header.endswith(b"\n"):
                return i
            fields = header.split()
            if len(fields) < 3 or fields[1] in (b"missing", b"ambiguous"):
                out[oid] = None
                continue
            kind, size = fields[1].decode("ascii", "replace"), int(fields[2])
            content = None
            if self.mode == "--batch":
                content = stdout.read(size + 1)[:-1]
                if len(content) < size:
                    return i
            out[oid] = (kind, size, content)
        return len(chunk)

    def close(self) -> None:
        if self.proc is not None:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


@dataclass
class Repository:
    """A git repository and, inside it, the folder being audited (``prefix``, "" for the top)."""

    git_dir: str
    prefix: str
    bare: bool
    partial: bool

    def __post_init__(self) -> None:
        self._batch = _CatFile(self.git_dir, "--batch")
        self._check = _CatFile(self.git_dir, "--batch-check")

    # -- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Repository:
        """The repository that ``path`` (a work tree folder, the top of one, or a bare repository) is in."""
        folder = Path(path)
        if not folder.is_dir():
            raise GitError(f"{path}: no such folder (give a folder of a git repository)")
        info = _git(["-C", str(folder), "rev-parse", "--absolute-git-dir", "--is-bare-repository",
                     "--is-inside-git-dir"], None, f"{path}: not a git repository (run 'git init', or give the "
                     "folder of a clone)")
        git_dir, bare, inside = (info.decode(errors="replace").splitlines() + ["", "", ""])[:3]
        prefix = ""
        if bare != "true" and inside != "true":
            prefix = _git(["-C", str(folder), "rev-parse", "--show-prefix"], None,
                          f"{path}: cannot locate the folder in its work tree").decode(errors="replace").strip()
        config = subprocess.run(git_args("config", "--get-regexp", r"^(remote\..*\.promisor|extensions\.partialclone)$",
                                         git_dir=git_dir), capture_output=True, env=git_env(), check=False)
        partial = any(line.split(b" ", 1)[-1].strip() not in (b"false", b"")
                      for line in config.stdout.splitlines())
        return cls(git_dir, prefix.rstrip("/"), bare == "true" or inside == "true", partial)

    def close(self) -> None:
        self._batch.close()
        self._check.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commits -------------------------------------------------------------------

    def rev_list(self, revisions: str | None, *, first_parent: bool, since: str | None = None,
                 until: str | None = None) -> list[str]:
        """The commits of ``revisions`` (default ``HEAD``), oldest first (parents before children)."""
        spec = revisions or "HEAD"
        if spec.startswith("-"):
            raise InputError(f"--rev-range {spec!r}: a revision range cannot start with '-' (e.g. main~50..main)")
        args = ["rev-list", "--reverse", "--topo-order"]
        if first_parent:
            args.append("--first-parent")
        if since:
            args.append(f"--since={since}")
        if until:
            args.append(f"--until={until}")
        out = _git(args + ["--end-of-options", spec], self.git_dir,
                   f"--rev-range {spec!r} names no commits of this repository (e.g. main~50..main, or a tag)"
                   if revisions else "HEAD names no commit: the repository has no commits yet")
        return out.decode("ascii", "replace").split()

    def resolve(self, revision: str) -> str:
        """The full id of the commit ``revision`` names (a hash, branch, tag, ``HEAD~3``)."""
        if revision.startswith("-"):
            raise InputError(f"{revision!r}: a revision cannot start with '-' (e.g. HEAD~3, a tag or a hash)")
        out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], self.git_dir,
                   f"{revision!r} names no commit of this repository (e.g. HEAD~3, a tag or a hash)")
        return out.decode("ascii", "replace").strip()

    def commits(self, oids: Sequence[str]) -> dict[str, Commit | None]:
        """Each commit's tree, parents, date and subject (None: unreadable or malformed)."""
        answers = self._batch.ask(oids)
        out: dict[str, Commit | None] = {}
        for oid in oids:
            answer = answers.get(oid)
            out[oid] = parse_commit(oid, answer[2]) if answer and answer[0] == "commit" and answer[2] is not None \
                else None
        return out

    def missing_objects(self, commits: Iterable[str]) -> set[str]:
        """For a partial clone, the objects of these commits' trees that are not here (nothing is fetched)."""
        if not self.partial:
            return set()
        proc = subprocess.run(git_args("rev-list", "--objects", "--missing=print", "--no-walk", "--stdin",
                                       git_dir=self.git_dir), input="\n".join(commits).encode() + b"\n",
                              capture_output=True, env=git_env(), check=False)
        return {line[1:].split()[0].decode("ascii", "replace") for line in proc.stdout.splitlines()
                if line.startswith(b"?")}

    # -- trees ---------------------------------------------------------------------

    def _pathspec(self) -> list[str]:
        return ["--", self.prefix + "/"] if self.prefix else []

    def _relative(self, raw: bytes) -> str | None:
        path = _decode(raw)
        if not self.prefix:
            return path
        head = self.prefix + "/"
        return path[len(head):] if path.startswith(head) else None

    def list_tree(self, commit: str) -> dict[str, Entry] | str:
        """``path -> Entry`` of every file of the commit's tree under the audited folder (paths
        relative to it), or the reason it cannot be read."""
        proc = subprocess.run(git_args("ls-tree", "-r", "-z", "--full-tree", commit, *self._pathspec(),
                                       git_dir=self.git_dir), capture_output=True, env=git_env(), check=False)
        if proc.returncode != 0:
            return _tree_problem(proc.stderr)
        out: dict[str, Entry] = {}
        for record in proc.stdout.split(b"\0"):
            if not record:
                continue
            meta, _, raw = record.partition(b"\t")
            fields = meta.split()
            rel = self._relative(raw)
            if len(fields) != 3 or rel is None or not rel:
                continue
            out[rel] = Entry(fields[0].decode("ascii", "replace"), fields[2].decode("ascii", "replace"))
        return out

    def diff_tree(self, old: str, new: str, renames: bool = True) -> list[Change] | str:
        """What changed between two commits under the audited folder (``-M``: renames, found as
        ``git log --stat`` finds them), or the reason it cannot be read."""
        args = ["diff-tree", "-r", "-z", "--raw", "--no-commit-id", "--no-textconv", "--no-ext-diff",
                "-M" if renames else "--no-renames", old, new]
        proc = subprocess.run(git_args(*args, *self._pathspec(), git_dir=self.git_dir), capture_output=True,
                              env=git_env(), check=False)
        if proc.returncode != 0:
            return _tree_problem(proc.stderr)
        fields = proc.stdout.split(b"\0")
        out: list[Change] = []
        i = 0
        while i < len(fields) and fields[i].startswith(b":"):
            meta = fields[i][1:].split()
            if len(meta) < 5:
                return "git diff-tree printed a line it was not expected to"
            old_mode, new_mode, old_oid, new_oid = (m.decode("ascii", "replace") for m in meta[:4])
            status = meta[4][:1].decode("ascii", "replace")
            if status in ("R", "C"):
                a, b = self._relative(fields[i + 1]), self._relative(fields[i + 2])
                i += 3
                if status == "C" or a is None or b is None:  # a copy, or a move across the audited folder
                    if b is not None:
                        out.append(Change("A", None, b, "000000", new_mode, "0" * len(new_oid), new_oid))
                    if a is not None and status == "R":
                        out.append(Change("D", a, None, old_mode, "000000", old_oid, "0" * len(old_oid)))
                    continue
                out.append(Change("R", a, b, old_mode, new_mode, old_oid, new_oid))
                continue
            path = self._relative(fields[i + 1])
            i += 2
            if path is None:
                continue
            out.append(Change(status, None if status == "A" else path, None if status == "D" else path,
                              old_mode, new_mode, old_oid, new_oid))
        return out

    # -- blobs ---------------------------------------------------------------------

    def sizes(self, oids: Iterable[str]) -> dict[str, tuple[str, int] | None]:
        """``oid -> (type, size)``, None for an object this repository does not have."""
        answers = self._check.ask(list(oids))
        return {oid: (a[0], a[1]) if a is not None else None for oid, a in answers.items()}

    def read(self, oids: Iterable[str]) -> dict[str, bytes | None]:
        """``oid -> content`` of blobs (None: missing, or not a blob)."""
        answers = self._batch.ask(list(oids))
        return {oid: a[2] if a is not None and a[0] == "blob" else None for oid, a in answers.items()}


def _tree_problem(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip().splitlines()
    message = text[-1].removeprefix("fatal: ") if text else "git could not read the tree"
    return f"cannot read the commit's tree ({message}); a damaged or partial clone: git fsck, or fetch the objects"


def _git(args: list[str], git_dir: str | None, problem: str) -> bytes:
    try:
        proc = subprocess.run(git_args(*args, git_dir=git_dir), capture_output=True, env=git_env(), check=False,
                              timeout=3600)
    except FileNotFoundError:
        raise GitError("git is not installed (wsaudit history reads the repository with git's own commands)") from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        why = detail[-1].removeprefix("fatal: ") if detail else f"git exited with {proc.returncode}"
        raise GitError(f"{problem} [git: {why}]")
    return proc.stdout


def head_commit(path: str | Path) -> tuple[str, str] | None:
    """The commit checked out at ``path`` and ``path``'s folder inside the work tree (``""`` at
    its top, else ending without a slash), or None when ``path`` is not in a git work tree with a
    commit (or git is missing): for links to a source line (``[report] source_url``).

    Read with ``rev-parse`` alone, through the same safe environment as every call here.
    """
    try:
        proc = subprocess.run(git_args("-C", str(path), "rev-parse", "--is-inside-work-tree", "--show-prefix",
                                       "--verify", "--quiet", "HEAD^{commit}"),
                              capture_output=True, env=git_env(), check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if proc.returncode != 0 or len(lines) != 3 or lines[0] != "true" or len(lines[2]) not in (40, 64):
        return None
    return lines[2], lines[1].rstrip("/")
