"""The user's own key: what tells wsaudit's own records (cache entries, rollback points) from
records that someone else planted in an audited tree.

The audited tree is untrusted: a contributor can commit a ``.wsaudit/`` folder. Records that
wsaudit writes there carry an HMAC made with a key that never lives in the tree (it lives in
the user's configuration folder, created on first use, readable by the user only), so a record
this user did not write is ignored or refused. The key can be moved with ``WSAUDIT_KEY_FILE``.

On a CI runner the home folder is new on every run, so a key made there is new too and a
restored cache folder is never trusted: every gate run would be cold. ``WSAUDIT_KEY`` (a CI
secret) gives the key itself: every run that has the secret trusts what the others wrote,
and a run without it (a pull request from a fork, whose secrets are empty) falls back on the
key file, trusts nothing it did not write and is cold, and right.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

KEY_ENV = "WSAUDIT_KEY_FILE"
SECRET_ENV = "WSAUDIT_KEY"
_KEY_BYTES = 32
MIN_SECRET = 32  # characters of $WSAUDIT_KEY: a short secret could be guessed from one signed entry


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


def _secret() -> str:
    """``$WSAUDIT_KEY`` without surrounding white space (a secret pasted with its line end is
    the same secret); empty when it is not set or empty, as GitHub gives a fork's pull request."""
    return os.environ.get(SECRET_ENV, "").strip()


def _from_secret(text: str) -> bytes:
    """The key made from ``$WSAUDIT_KEY``: a hash of it, under a label of its own, so the
    secret's text is never itself the HMAC key of a record that sits in the tree."""
    return hashlib.sha256(b"wsaudit key from $WSAUDIT_KEY\0" + text.encode("utf-8", "surrogateescape")).digest()


def key_problem() -> str | None:
    """Why there is no key, or None: ``$WSAUDIT_KEY`` too short, or the key file can be
    neither read nor created."""
    secret = _secret()
    if secret:
        if len(secret) < MIN_SECRET:
            return f"${SECRET_ENV} is shorter than {MIN_SECRET} characters (make one with 'openssl rand -hex 32')"
        return None
    if user_key() is None:
        return f"{key_path()} can be neither read nor created"
    return None


def key_source() -> str:
    """Where the key comes from, for messages: ``$WSAUDIT_KEY`` or the key file's path."""
    return f"${SECRET_ENV}" if _secret() else str(key_path())


def user_key() -> bytes | None:
    """The key, or None when there is none: then nothing found in a tree is trusted, and
    wsaudit works without its records.

    ``$WSAUDIT_KEY``, when set and not empty, is the key (a CI secret shared by the runs that
    may trust each other's cache); it must have at least :data:`MIN_SECRET` characters, else
    there is no key. Otherwise the key file (:func:`key_path`, created on first use).
    """
    secret = _secret()
    if secret:
        return _from_secret(secret) if len(secret) >= MIN_SECRET else None
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

