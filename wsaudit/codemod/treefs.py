"""Writing into the audited tree, which is untrusted: never through a link, never outside it.

``migrate --apply`` and ``rollback`` write files whose paths come from the plan or from a
rollback point's manifest. Whatever names them, a write lands only on a regular file (or a
missing one) strictly inside the root, reached through real folders: a path that is absolute,
climbs with ``..``, points into ``.git`` or ``.wsaudit``, or crosses a link is refused, and the
final rename replaces the directory entry itself (a link there is never followed). Modes are
sanitised: permission bits only, never setuid, setgid or sticky.

Not defended (``docs/threat-model.md``): a process that swaps a folder for a link between the
check and the write.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path, PurePosixPath

from wsaudit.errors import UnsafePathError as UnsafePath
from wsaudit.iorw import fsync_dir

PERMISSIONS = 0o777  # what a restored or rewritten file may carry: never setuid/setgid/sticky
_RESERVED = (".git", ".wsaudit")


def checked(rel: object) -> str:
    """``rel`` when it is a plain relative POSIX path inside a tree, else :class:`UnsafePath`.

    >>> checked("pkg/mod.py")
    'pkg/mod.py'
    >>> for bad in ("../victim/t.txt", "/etc/passwd", "a/../../b", ".git/config", "", "a//b"):
    ...     try:
    ...         checked(bad)
    ...     except UnsafePath as exc:
    ...         print(str(exc).split(":")[0])
    '../victim/t.txt'
    '/etc/passwd'
    'a/../../b'
    '.git/config'
    ''
    'a//b'
    """
    if not isinstance(rel, str) or not rel or "\0" in rel or "\\" in rel:
        raise UnsafePath(f"{rel!r}: not a relative path inside the tree")
    parts = rel.split("/")
    if rel.startswith("/") or PurePosixPath(rel).is_absolute():
        raise UnsafePath(f"{rel!r}: an absolute path; only paths inside the tree are written")
    if any(p in ("", ".", "..") for p in parts):
        raise UnsafePath(f"{rel!r}: '..', '.' or an empty part; only plain paths inside the tree are written")
    if parts[0] in _RESERVED:
        raise UnsafePath(f"{rel!r}: inside {parts[0]}/, which wsaudit never writes as a tree file")
    return rel


def real_folder(root: Path, rel_dir: str, create: bool = False, allow_missing: bool = False) -> Path:
    """The folder ``root/rel_dir``, checked to be a real folder at every step (no link), made
    when ``create`` and missing (with ``allow_missing``, the missing rest is not checked: it
    cannot be a link)."""
    here = Path(root)
    parts = [p for p in rel_dir.split("/") if p]
    for i, part in enumerate(parts):
        here = here / part
        try:
            info = os.lstat(here)
        except FileNotFoundError:
            if allow_missing and not create:
                return here.joinpath(*parts[i + 1:])
            if not create:
                raise UnsafePath(f"{here}: missing") from None
            os.mkdir(here, 0o755)
            info = os.lstat(here)
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePath(f"{here}: a link; wsaudit never writes through links (remove it)")
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafePath(f"{here}: not a folder")
    return here


def regular_or_missing(path: Path) -> os.stat_result | None:
    """``lstat`` of ``path`` when it is a regular file, None when missing; else :class:`UnsafePath`."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{path}: a link; wsaudit never writes through links")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{path}: not a regular file")
    return info


def target(root: Path, rel: str, allow_missing: bool = False) -> Path:
    """The file ``rel`` inside ``root``, after every check (:func:`checked`, real folders up
    to it, a regular file or nothing there); folders are not created (a missing one is an
    error unless ``allow_missing``)."""
    rel = checked(rel)
    parent, _, name = rel.rpartition("/")
    folder = real_folder(root, parent, allow_missing=allow_missing)
    path = folder / name
    regular_or_missing(path)
    return path


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, opened without following a link."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafePath(f"{path}: not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def write_file(root: Path, rel: str, data: bytes, mode: int, *, create_folders: bool = False) -> None:
    """Replace ``root/rel`` with ``data`` atomically (a temporary file in the same folder,
    fsynced, renamed over the entry), with permission bits ``mode & 0o777``.

    Raises
    ------
    UnsafePath
        The path is not a plain path inside the tree, crosses a link, or is not a regular file.
    OSError
        The write itself failed (disk full, read-only, immutable file).
    """
    rel = checked(rel)
    parent, _, name = rel.rpartition("/")
    folder = real_folder(root, parent, create=create_folders)
    path = folder / name
    regular_or_missing(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".wsaudit-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode & PERMISSIONS)
        os.replace(tmp, path)  # replaces the entry itself: a link swapped in is not followed
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(folder)
