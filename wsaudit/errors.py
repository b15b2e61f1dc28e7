"""Every error wsaudit raises on purpose: one hierarchy, in one module.

Each message says what is wrong and how to fix it. The command line turns any
:class:`WsauditError` into one line on standard error and exit code 2; the API raises only
these (never a bare ``KeyError`` or ``ValueError`` for a mistake of the caller's).
"""

from __future__ import annotations


class WsauditError(Exception):
    """Base class of wsaudit's own errors."""


class ConfigError(WsauditError):
    """The configuration is invalid.

    Holds every problem found, so that a user fixes them all in one go.
    Each problem is ``(file, key, message)``.
    """

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{file}: {key}: {msg}" if key else f"{file}: {msg}" for file, key, msg in self.problems]


class InputError(WsauditError):
    """The audited path or another input file cannot be used (missing, not a folder, corrupt)."""


class UsageError(WsauditError, ValueError):
    """The caller asks for something impossible: a bad option combination, an unknown format,
    strategy or ranking. It is a ``ValueError`` too, for callers of the Python API."""


class OutputError(WsauditError, OSError):
    """An output cannot be written (a read-only or full disk, a folder where a file should be,
    a closed standard output). Also an ``OSError``, for code that handles any write failure."""


class ReportError(WsauditError):
    """A notebook failed, or the report folder cannot be written."""


class MigrationError(WsauditError):
    """A migration cannot be applied as asked (dirty files, a failed verification, ...)."""


class RollbackError(WsauditError):
    """A rollback point cannot be made or restored (missing, corrupt, files changed since)."""


class UnsafePathError(WsauditError):
    """A path that wsaudit refuses to write into an audited tree: absolute, climbing out with
    ``..``, inside ``.git``/``.wsaudit``, through a link, or not a regular file."""
