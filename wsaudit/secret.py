"""The user's own key: what tells wsaudit's own records (cache entries, rollback points) from
records that someone else planted in an audited tree.

The audited tree is untrusted: a contributor can commit a ``.wsaudit/`` folder. Records that
wsaudit writes there carry an HMAC made with a key that never lives in the tree (it lives in
the user's configuration folder, created on first use, readable by the user only), so a record
this user did not write is ignored or refused. The key can be moved with ``WSAUDIT_KEY_FILE``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

KEY_ENV = "WSAUDIT_KEY_FILE"
_KEY_BYTES = 32


def key_path() -> Path:
    """Where the key lives: ``$WSAUDIT_KEY_FILE``, else ``$XDG_CONFIG_HOME/wsaudit/key``,
    else ``~/.config/wsaudit/key``."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "wsaudit" / "key"


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    return data if len(data) >= _KEY_BYTES else None


@lru_cache(maxsize=4)
def _user_key(path: Path) -> bytes | None:
    found = _read(path)
    if found is not None:
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:  # another process created it first
        return _read(path)
    except OSError:
        return None
    try:
        os.write(fd, secrets.token_bytes(_KEY_BYTES))
    finally:
        os.close(fd)
    return _read(path)


def user_key() -> bytes | None:
    """The key (created on first use), or None when it can be neither read nor created: then
    nothing found in a tree is trusted, and wsaudit works without its records."""
    return _user_key(key_path())


def mac_of(key: bytes, *parts: bytes) -> str:
    """HMAC-SHA256 of ``parts``, each prefixed with its length so that no two splits collide.

    >>> mac_of(b"k", b"a", b"b") == mac_of(b"k", b"a", b"b") != mac_of(b"k", b"ab", b"")
    True
    """
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()

