"""Rollback points and atomic writes: nothing that ``wsaudit migrate --apply`` writes is lost.

A rollback point is a folder ``.wsaudit/rollback/ID/`` under the audited root holding the
original bytes of every file an apply is about to change (``originals/PATH``) and a manifest
(``manifest.json``: path, SHA-256 before and after, permissions, state). It is complete on
disk, fsynced and renamed into place, *before* the first file is written, so that a crash at
any moment leaves every file either untouched or fully rewritten (each write is a temporary
file in the same folder, fsynced, then ``os.replace``), and the point can undo all of it.

The tree is untrusted, and so is any ``.wsaudit/`` folder found in it. So:

- every manifest carries an HMAC made with the user's key (:mod:`wsaudit.secret`, kept outside
  the tree): a point this user's wsaudit did not write is refused, never restored;
- a restore writes only the manifest's paths that are plain paths inside the tree, through
  real folders, onto regular files (:mod:`wsaudit.codemod.treefs`), with permission bits only
  (never setuid or setgid);
- it is all or nothing: every path is checked and every saved original read and verified
  against its hash before the first write, and a write that fails puts back what was already
  restored; the point's state changes only when the whole restore is done;
- ``.wsaudit`` and ``.wsaudit/rollback`` are never links (nor is anything inside a point);
- a manifest is read with bounds before it is parsed (its size, how deep it nests) and a saved
  original no further than its recorded size: a point that fails is refused with its reason,
  listed by ``rollback --list``, and the other points still restore.

IDs sort in creation order: a four-digit counter and a digest of the change set
(``0001-3f2a9c1d``). A point records the time it was made, but nothing that wsaudit reports
depends on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wsaudit.codemod import treefs
from wsaudit.errors import InputError, RollbackError, UnsafePathError
from wsaudit.iorw import fsync_dir
from wsaudit.secret import key_problem, mac_of, user_key

ROLLBACK_DIR = Path(".wsaudit") / "rollback"
MANIFEST = "manifest.json"
STATES = ("applying", "applied", "rolled-back")
_MAC_DOMAIN = b"wsaudit rollback point v1"
_ID = re.compile(r"[0-9]{4}-[0-9a-f]{8}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# A manifest takes some 300 bytes per file (400,000 files fit in the limit), and nests three deep
# ({"files": [{...}]}). What is larger or deeper was not written by wsaudit, and is refused before
# json reads it: json.loads recurses once per level, and a manifest nested 100,000 deep ends it
# with a RecursionError; the limit bounds the memory that parsing a planted manifest takes.
MANIFEST_LIMIT = 128 << 20
MANIFEST_DEPTH = 16
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def sha256(data: bytes) -> str:
    """
    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


@dataclass
class PointFile:
    path: str  # POSIX, relative to the root
    before_sha256: str
    after_sha256: str
    mode: int
    size: int


@dataclass
class Point:
    """One rollback point, as recorded in its manifest."""

    id: str
    created: str
    state: str
    command: str
    git_head: str | None
    files: list[PointFile] = field(default_factory=list)
    folder: Path = field(kw_only=True, repr=False, compare=False)  # where it lives; not in the manifest
    commits: list[str] = field(default_factory=list)  # the commits ``--commit`` made, oldest first
    revert_commit: str | None = None  # the commit that rolled them back

    def manifest(self) -> dict:
        doc = asdict(self)
        doc.pop("folder")
        return {"version": 1, **doc}

    def original(self, path: str, size: int) -> bytes:
        """The saved bytes of ``path``, read without following a link, and never more than
        ``size`` bytes and one (more is a damaged copy: its hash cannot match)."""
        treefs.checked(path)
        return _read_bounded(self.folder / "originals" / path, size)


def points_dir(root: str | Path) -> Path:
    return Path(root) / ROLLBACK_DIR


def _points_folder(root: str | Path, create: bool) -> Path | None:
    """``.wsaudit/rollback`` under ``root``, checked to be real folders (never links); None when
    it does not exist and ``create`` is false."""
    try:
        folder = treefs.real_folder(Path(root), ROLLBACK_DIR.as_posix(), create=create, allow_missing=not create)
    except UnsafePathError as exc:
        raise RollbackError(f"{exc}; rollback points live in real folders only") from None
    return folder if folder.is_dir() else None


def _signed(doc: dict) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _key() -> bytes:
    key = user_key()
    if key is None:
        raise RollbackError(f"no key to sign the rollback point: {key_problem()} (see 'wsaudit.secret': "
                            "$WSAUDIT_KEY, or the key file $WSAUDIT_KEY_FILE, $XDG_CONFIG_HOME/wsaudit/key or "
                            "~/.config/wsaudit/key)")
    return key


def _write_manifest(folder: Path, point: Point) -> None:
    doc = point.manifest()
    doc["mac"] = mac_of(_key(), _MAC_DOMAIN, _signed(doc))
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    treefs.write_file(folder, MANIFEST, text.encode("utf-8"), 0o600)


def _valid_file(entry: object) -> PointFile:
    if not isinstance(entry, dict) or set(entry) != {"path", "before_sha256", "after_sha256", "mode", "size"}:
        raise ValueError("a file entry has unexpected fields")
    f = PointFile(**entry)
    treefs.checked(f.path)
    if not (isinstance(f.before_sha256, str) and _HEX64.fullmatch(f.before_sha256)
            and isinstance(f.after_sha256, str) and _HEX64.fullmatch(f.after_sha256)):
        raise ValueError(f"{f.path}: a hash is not 64 hex digits")
    if type(f.mode) is not int or type(f.size) is not int or not 0 <= f.mode <= 0o7777 or f.size < 0:
        raise ValueError(f"{f.path}: mode or size is not a small non-negative integer")
    return f


def _read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path`` (opened without following a link nor blocking),
    or :class:`ValueError` when it holds more than ``limit`` bytes: what is over is never read.

    Parameters
    ----------
    path : Path
        The file.
    limit : int
        The most it may hold.

    Returns
    -------
    bytes
        Its content.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafePathError(f"{path.name}: not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{info.st_size} bytes, larger than {limit}")
        chunks, left = [], limit + 1  # one more: a file that grew since is seen to be too large
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def json_depth(raw: bytes) -> int:
    """How deep the arrays and objects of the JSON text ``raw`` nest (brackets inside strings
    aside), found without parsing it: a scan of its brackets once its strings are taken out.

    >>> json_depth(b'{"a": [1, {"b": "[[[["}]}'), json_depth(b"[" * 5 + b"]" * 5), json_depth(b"1")
    (3, 5, 0)
    """
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b"", raw)):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _read_point(folder: Path) -> Point:
    """The point in ``folder``, authenticated; :class:`RollbackError` saying why otherwise."""
    name = folder.name
    try:
        raw = _read_bounded(folder / MANIFEST, MANIFEST_LIMIT)
        if json_depth(raw) > MANIFEST_DEPTH:
            raise ValueError(f"nested deeper than {MANIFEST_DEPTH}")
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")  # noqa: TRY004 (reported as unreadable)
    except (OSError, ValueError, UnsafePathError, RecursionError) as exc:
        raise RollbackError(f"rollback point {name} is unreadable ({exc}); it was not made by this version of "
                            "wsaudit or was damaged") from None
    mac = doc.pop("mac", None)
    # compare_digest refuses a str that is not ASCII (TypeError): such a mac was never ours
    if not isinstance(mac, str) or not mac.isascii() or not hmac.compare_digest(
            mac, mac_of(_key(), _MAC_DOMAIN, _signed(doc))):
        raise RollbackError(f"rollback point {name} was not written by wsaudit for this user (its signature does "
                            "not verify): refused; a point found in a tree may have been planted")
    try:
        if doc.get("version") != 1 or doc.get("id") != name or not _ID.fullmatch(name):
            raise ValueError("its version or ID does not match its folder")
        files = [_valid_file(f) for f in doc["files"]]
        commits, reverted = doc.get("commits", []), doc.get("revert_commit")
        if not (isinstance(commits, list) and all(isinstance(c, str) and _SHA.fullmatch(c) for c in commits)
                and (reverted is None or isinstance(reverted, str) and _SHA.fullmatch(reverted))):
            raise ValueError("its commits are not commit hashes")
        point = Point(doc["id"], doc["created"], doc["state"], doc.get("command", ""), doc.get("git_head"),
                      files, list(doc.get("commits", [])), doc.get("revert_commit"), folder=folder)
    except (KeyError, TypeError, ValueError, UnsafePathError) as exc:
        raise RollbackError(f"rollback point {name} is malformed ({exc})") from None
    if point.state not in STATES:
        raise RollbackError(f"rollback point {name} has an unknown state {point.state!r}")
    return point


def scan_points(root: str | Path) -> tuple[list[Point], list[tuple[str, str]]]:
    """The genuine rollback points under ``root``, oldest first, and the folders refused, with
    why (not signed with this user's key, malformed, a link). Temporary folders of an
    unfinished creation are ignored: no file was written before the point was complete."""
    folder = _points_folder(root, create=False)
    if folder is None:
        return [], []
    points, refused = [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() or not entry.is_dir():
            refused.append((entry.name, "not a folder wsaudit made (a link, or a file)"))
            continue
        try:
            points.append(_read_point(entry))
        except RollbackError as exc:
            refused.append((entry.name, str(exc)))
    return points, refused


def list_points(root: str | Path) -> list[Point]:
    """Every genuine rollback point under ``root``, oldest first."""
    return scan_points(root)[0]


def create_point(root: str | Path, changes: list[tuple[str, bytes, bytes]], command: str = "",
                 git_head: str | None = None) -> Point:
    """Record the original bytes of ``changes`` (``(path, before, after)``) before anything is
    written; the point is in state ``applying`` until :func:`mark` says otherwise."""
    root = Path(root)
    _key()  # fail before anything is written when no key can be had
    base = _points_folder(root, create=True)
    assert base is not None
    try:
        if treefs.regular_or_missing(base / ".gitignore") is None:
            treefs.write_file(base, ".gitignore", b"# wsaudit's rollback points: never commit them\n*\n", 0o644)
    except (OSError, UnsafePathError):
        pass
    files = []
    for path, before, after in changes:
        try:
            info = treefs.regular_or_missing(treefs.target(root, path))
        except UnsafePathError as exc:
            raise RollbackError(f"{exc}; not migrated") from None
        if info is None:
            raise InputError(f"{path}: cannot read: missing")
        files.append(PointFile(path, sha256(before), sha256(after), stat.S_IMODE(info.st_mode), len(before)))
    digest = sha256("\n".join(f"{f.path}\0{f.before_sha256}\0{f.after_sha256}" for f in files).encode())[:8]
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
    try:
        os.mkdir(tmp / "originals", 0o700)
        for path, before, _ in changes:
            treefs.write_file(tmp / "originals", path, before, 0o600, create_folders=True)
        while True:
            numbers = [int(p.name[:4]) for p in base.iterdir() if _ID.fullmatch(p.name)]
            point_id = f"{max(numbers, default=0) + 1:04d}-{digest}"
            point = Point(point_id, created, "applying", command, git_head, files, folder=base / point_id)
            _write_manifest(tmp, point)
            try:
                os.rename(tmp, base / point_id)  # atomic; fails if a concurrent apply took the number
                break
            except OSError:
                if not (base / point_id).exists():
                    raise
        fsync_dir(base)
        return point
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def mark(point: Point, state: str) -> None:
    point.state = state
    _write_manifest(point.folder, point)


def find_point(root: str | Path, point_id: str | None = None) -> Point:
    """The point ``point_id`` (a full ID or its counter, ``0003`` or ``3``), or when None the
    latest genuine point that is still applied (or was interrupted while applying)."""
    points, refused = scan_points(root)
    if point_id is not None:
        for p in points:
            if point_id == p.id or (point_id.isdigit() and int(point_id) == int(p.id[:4])):
                return p
        for name, why in refused:
            if point_id == name or (point_id.isdigit() and name[:4].isdigit() and int(point_id) == int(name[:4])):
                raise RollbackError(why)
        raise RollbackError(f"no rollback point {point_id!r} (see 'wsaudit rollback --list')")
    if not points:
        extra = f" ({len(refused)} refused: {refused[0][1]})" if refused else ""
        raise RollbackError(f"no rollback points in {points_dir(root)}{extra}")
    live = [p for p in points if p.state != "rolled-back"]
    if not live:
        raise RollbackError("every rollback point is already rolled back "
                            f"(latest: {points[-1].id}); name one to restore it again")
    return live[-1]


@dataclass
class Restored:
    point: Point
    restored: list[str]  # rewritten back to the original bytes
    unchanged: list[str]  # already byte-identical to the original
    forced: list[str]  # changed since the apply, overwritten because of --force
    revert_commit: str | None = None  # a committed apply is rolled back by this revert commit


def _current(root: Path, f: PointFile) -> tuple[bytes | None, int | None]:
    """The bytes of ``f`` in the tree now (None: missing, its folder too maybe) and its mode;
    :class:`RollbackError` when its path is not one wsaudit may write."""
    try:
        path = treefs.target(root, f.path, allow_missing=True)
        info = treefs.regular_or_missing(path)
        if info is None:
            return None, None
        return treefs.read_regular(path), stat.S_IMODE(info.st_mode)
    except UnsafePathError as exc:
        raise RollbackError(f"rollback point: {exc}; nothing was restored") from None
    except OSError as exc:
        raise RollbackError(f"{f.path}: cannot read: {exc.strerror}; nothing was restored") from None


def restore(root: str | Path, point_id: str | None = None, force: bool = False) -> Restored:
    """Put every file of a rollback point back to its original bytes, verified by hash: all of
    them or none.

    A file changed since the apply (neither the original nor what wsaudit wrote) is not
    overwritten unless ``force``: then nothing at all is restored, and the error lists them.
    A saved original that does not match its hash, a path that is not a regular file inside
    the tree, or a write that fails: nothing is restored (what was already written is put
    back) and the point keeps its state.
    """
    root = Path(root)
    point = find_point(root, point_id)
    if point.commits:
        return _revert(root, point)
    plan: list[tuple[PointFile, str, bytes | None, int | None]] = []
    changed = []
    for f in point.files:
        now, mode = _current(root, f)
        current = sha256(now) if now is not None else None
        what = "unchanged" if current == f.before_sha256 else "restored" if current == f.after_sha256 else "forced"
        if what == "forced":
            changed.append(f.path)
        plan.append((f, what, now, mode))
    if changed and not force:
        raise RollbackError(f"rollback point {point.id}: {len(changed)} file(s) changed since the apply, not "
                            f"overwritten (use --force to restore them anyway): {', '.join(changed)}")
    originals: dict[str, bytes] = {}
    for f, what, _, _ in plan:  # every saved copy read and verified before the first write
        if what == "unchanged":
            continue
        try:
            data = point.original(f.path, f.size)
        except (OSError, UnsafePathError, ValueError) as exc:  # ValueError: larger than recorded
            raise RollbackError(f"rollback point {point.id}: the saved copy of {f.path} cannot be read ({exc}); "
                                "the point is damaged: nothing was restored") from None
        if sha256(data) != f.before_sha256:
            raise RollbackError(f"rollback point {point.id}: the saved copy of {f.path} does not match its hash; "
                                "the point is damaged: nothing was restored")
        originals[f.path] = data
    done = Restored(point, [], [], [])
    written: list[tuple[PointFile, bytes | None, int | None]] = []
    try:
        for f, what, now, mode in plan:
            if what == "unchanged":
                os.chmod(treefs.target(root, f.path), f.mode & treefs.PERMISSIONS)
            else:
                treefs.write_file(root, f.path, originals[f.path], f.mode, create_folders=True)
                written.append((f, now, mode))
                if sha256(treefs.read_regular(treefs.target(root, f.path))) != f.before_sha256:
                    raise OSError(f"{f.path}: restored bytes do not match the recorded hash")
            getattr(done, what).append(f.path)
    except (OSError, UnsafePathError) as exc:
        undone = _put_back(root, written)
        raise RollbackError(f"rollback point {point.id}: cannot restore ({exc}); {undone} — nothing was restored, "
                            f"the point stays {point.state}") from None
    mark(point, "rolled-back")
    return done


def _revert(root: Path, point: Point) -> Restored:
    """Roll back an apply made with ``--commit``: one revert commit of its commits, then the
    files checked byte for byte against the point."""
    from wsaudit.codemod import vcs
    from wsaudit.errors import MigrationError

    if point.revert_commit:
        raise RollbackError(f"rollback point {point.id} was already reverted by commit {point.revert_commit[:12]}")
    dirty = vcs.dirty_tree(root)
    if dirty is None:
        raise RollbackError(f"rollback point {point.id} was committed, but {root} is not a git checkout any more")
    if dirty:
        raise RollbackError(f"the checkout has {len(dirty)} uncommitted change(s) ({dirty[0].strip()}, ...): commit "
                            "or stash them, then roll back again (a committed apply is undone by a revert commit)")
    subject = f"wsaudit rollback {point.id}: revert {len(point.commits)} migration commit(s)"
    body = "\n".join([f"Reverts {c}" for c in point.commits] + [f"Rollback point: {point.id}"])
    try:
        sha = vcs.revert(root, point.commits, subject, body)
    except MigrationError as exc:
        raise RollbackError(f"{exc}; nothing was changed (the files changed since the apply? revert by hand)") from None
    done = Restored(point, [], [], [], sha)
    for f in point.files:
        now, _ = _current(root, f)
        if now is None or sha256(now) != f.before_sha256:
            raise RollbackError(f"commit {sha[:12]} reverted the migration, but {f.path} is not byte-identical to "
                                "its original (a git filter or line-end setting?); see 'git show'")
        done.restored.append(f.path)
    point.revert_commit = sha
    mark(point, "rolled-back")
    return done


def _put_back(root: Path, written: list[tuple[PointFile, bytes | None, int | None]]) -> str:
    """Undo a partial restore: each file written gets its bytes of before the restore back."""
    failed = []
    for f, now, mode in reversed(written):
        try:
            if now is None:
                treefs.target(root, f.path).unlink()
            else:
                treefs.write_file(root, f.path, now, mode if mode is not None else f.mode)
        except (OSError, UnsafePathError):
            failed.append(f.path)
    if failed:
        return f"{len(written) - len(failed)} of the {len(written)} file(s) written were put back, not {', '.join(failed)}"
    return f"the {len(written)} file(s) already written were put back"


# ------------------------------------------------------------------------ command-line helpers


def parse_target(target: list[str]) -> tuple[str | None, Path]:
    """``wsaudit rollback [ID] [PATH]``: an existing folder is the root, anything else the ID."""
    if len(target) > 2:
        raise InputError("rollback takes at most an ID and a PATH")
    point_id, root = None, None
    for item in target:
        if Path(item).is_dir() and root is None:
            root = Path(item)
        elif point_id is None:
            point_id = item
        else:
            raise InputError(f"{item}: not a folder (the root to restore)")
    return point_id, root if root is not None else Path(".")
