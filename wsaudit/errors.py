"""Every error wsaudit raises on purpose.

Each message says what is wrong and how to fix it. The command line turns any
:class:`WsauditError` into one line on standard error and exit code 2.
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


class UsageError(WsauditError):
    """The command line asks for something impossible (bad option combination, unknown format)."""
