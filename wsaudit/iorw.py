"""Writing files so that nothing is lost: one atomic writer for every command that writes.

A reader, or a crash, sees the old bytes or the new, never a mix.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from wsaudit.errors import OutputError


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform and file system let us)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not supported on this platform / file system
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, data: bytes | Iterable[bytes], mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that a reader (or a crash) sees the old bytes or the new,
    never a mix: a temporary file in the same folder, fsynced, given ``mode`` (default: the
    current file's permissions), then renamed over the target. A link is followed: the file
    it points to is replaced, the link stays. ``data`` may come in pieces (an iterable of
    bytes), written as they come.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.py"
    >>> atomic_write(p, b"x = 1\\r\\n", 0o640); p.read_bytes(), oct(p.stat().st_mode & 0o777)
    (b'x = 1\\r\\n', '0o640')
    """
    target = Path(os.path.realpath(path))
    if mode is None:
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".wsaudit-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def write_text(path: str | Path, text: str | Iterable[str]) -> None:
    """Write UTF-8 ``text`` (a string, or an iterable of pieces, written as they come) to
    ``path`` atomically, creating its folder; a device or a pipe (``/dev/stdout``, a FIFO) is
    written into, never replaced. Any failure is an :class:`~wsaudit.errors.OutputError`
    naming the file."""
    target = Path(path)
    pieces = [text] if isinstance(text, str) else text
    try:
        if target.is_dir():
            raise OutputError(f"{path}: is a folder; give a file name to write to")
        if target.exists() and not target.is_file():
            with open(target, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(pieces)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, (piece.encode("utf-8", "surrogateescape") for piece in pieces))
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
