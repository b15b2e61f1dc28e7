"""Rollback points and atomic writes: nothing that ``wsaudit migrate --apply`` writes is lost.

A rollback point is a folder ``.wsaudit/rollback/ID/`` under the audited root holding the
original bytes of every file an apply is about to change (``originals/PATH``) and a manifest
(``manifest.json``: path, SHA-256 before and after, permissions, state). It is complete on
disk, fsynced and renamed into place, *before* the first file is written, so that a crash at
any moment leaves every file either untouched or fully rewritten (each write is a temporary
file in the same folder, fsynced, then ``os.replace``), and the point can undo all of it.

IDs sort in creation order: a four-digit counter and a digest of the change set
(``0001-3f2a9c1d``). A point records the time it was made, but nothing that wsaudit reports
depends on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from wsaudit.errors import InputError, RollbackError
from wsaudit.iorw import _fsync_dir, atomic_write  # shared by every command that writes

ROLLBACK_DIR = Path(".wsaudit") / "rollback"
MANIFEST = "manifest.json"
STATES = ("applying", "applied", "rolled-back")


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
    folder: Path | None = field(default=None, repr=False, compare=False)

    def manifest(self) -> dict:
        doc = asdict(self)
        doc.pop("folder")
        return {"version": 1, **doc}

    def original(self, path: str) -> bytes:
        return (self.folder / "originals" / path).read_bytes()  # type: ignore[operator]


def points_dir(root: str | Path) -> Path:
    return Path(root) / ROLLBACK_DIR


def _write_manifest(folder: Path, point: Point) -> None:
    text = json.dumps(point.manifest(), indent=2, sort_keys=False) + "\n"
    atomic_write(folder / MANIFEST, text.encode("utf-8"), 0o644)


def _read_point(folder: Path) -> Point:
    try:
        doc = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = [PointFile(**f) for f in doc["files"]]
        point = Point(doc["id"], doc["created"], doc["state"], doc.get("command", ""), doc.get("git_head"),
                      files, folder)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RollbackError(f"rollback point {folder.name} is unreadable ({exc}); it was not made by "
                            "this version of wsaudit or was damaged") from None
    if point.state not in STATES:
        raise RollbackError(f"rollback point {folder.name} has an unknown state {point.state!r}")
    return point


def list_points(root: str | Path) -> list[Point]:
    """Every rollback point under ``root``, oldest first (temporary folders of an unfinished
    creation are ignored: no file was written before the point was complete)."""
    folder = points_dir(root)
    if not folder.is_dir():
        return []
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.name.startswith(".") and (entry / MANIFEST).is_file():
            out.append(_read_point(entry))
    return out


def create_point(root: str | Path, changes: list[tuple[str, bytes, bytes]], command: str = "",
                 git_head: str | None = None) -> Point:
    """Record the original bytes of ``changes`` (``(path, before, after)``) before anything is
    written; the point is in state ``applying`` until :func:`mark` says otherwise."""
    root = Path(root)
    base = points_dir(root)
    base.mkdir(parents=True, exist_ok=True)
    ignore = base / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_text("# wsaudit's rollback points: never commit them\n*\n", encoding="utf-8")
        except OSError:
            pass
    files = []
    for path, before, after in changes:
        try:
            mode = stat.S_IMODE(os.stat(root / path).st_mode)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}") from None
        files.append(PointFile(path, sha256(before), sha256(after), mode, len(before)))
    digest = sha256("\n".join(f"{f.path}\0{f.before_sha256}\0{f.after_sha256}" for f in files).encode())[:8]
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
    try:
        for path, before, _ in changes:
            copy = tmp / "originals" / path
            copy.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(copy, before, 0o600)
        while True:
            numbers = [int(p.name[:4]) for p in base.iterdir() if p.name[:4].isdigit()]
            point_id = f"{max(numbers, default=0) + 1:04d}-{digest}"
            point = Point(point_id, created, "applying", command, git_head, files, base / point_id)
            _write_manifest(tmp, point)
            try:
                os.rename(tmp, base / point_id)  # atomic; fails if a concurrent apply took the number
                break
            except OSError:
                if not (base / point_id).exists():
                    raise
        _fsync_dir(base)
        return point
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def mark(point: Point, state: str) -> None:
    point.state = state
    _write_manifest(point.folder, point)  # type: ignore[arg-type]


def find_point(root: str | Path, point_id: str | None = None) -> Point:
    """The point ``point_id`` (a full ID or its counter, ``0003`` or ``3``), or when None the
    latest point that is still applied (or was interrupted while applying)."""
    points = list_points(root)
    if not points:
        raise RollbackError(f"no rollback points in {points_dir(root)}")
    if point_id is None:
        live = [p for p in points if p.state != "rolled-back"]
        if not live:
            raise RollbackError("every rollback point is already rolled back "
                                f"(latest: {points[-1].id}); name one to restore it again")
        return live[-1]
    for p in points:
        if point_id == p.id or (point_id.isdigit() and int(point_id) == int(p.id[:4])):
            return p
    raise RollbackError(f"no rollback point {point_id!r} (see 'wsaudit rollback --list')")


@dataclass
class Restored:
    point: Point
    restored: list[str]  # rewritten back to the original bytes
    unchanged: list[str]  # already byte-identical to the original
    forced: list[str]  # changed since the apply, overwritten because of --force


def restore(root: str | Path, point_id: str | None = None, force: bool = False) -> Restored:
    """Put every file of a rollback point back to its original bytes, verified by hash.

    A file changed since the apply (neither the original nor what wsaudit wrote) is not
    overwritten unless ``force``: then nothing at all is restored, and the error lists them.
    """
    root = Path(root)
    point = find_point(root, point_id)
    plan: list[tuple[PointFile, str]] = []
    changed = []
    for f in point.files:
        try:
            current = sha256((root / f.path).read_bytes())
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise RollbackError(f"{f.path}: cannot read: {exc.strerror}") from None
        if current == f.before_sha256:
            plan.append((f, "unchanged"))
        elif current == f.after_sha256:
            plan.append((f, "restored"))
        else:
            changed.append(f.path)
            plan.append((f, "forced"))
    if changed and not force:
        raise RollbackError(f"rollback point {point.id}: {len(changed)} file(s) changed since the apply, not "
                            f"overwritten (use --force to restore them anyway): {', '.join(changed)}")
    done = Restored(point, [], [], [])
    for f, what in plan:
        if what != "unchanged":
            data = point.original(f.path)
            if sha256(data) != f.before_sha256:
                raise RollbackError(f"rollback point {point.id}: the saved copy of {f.path} does not match its "
                                    "hash; the point is damaged")
            (root / f.path).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(root / f.path, data, f.mode)
            if sha256((root / f.path).read_bytes()) != f.before_sha256:
                raise RollbackError(f"{f.path}: restored bytes do not match the recorded hash")
        else:
            os.chmod(root / f.path, f.mode)
        getattr(done, what).append(f.path)
    mark(point, "rolled-back")
    return done


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
