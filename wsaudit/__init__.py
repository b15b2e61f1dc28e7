"""wsaudit: find, rank and migrate every use of a deprecated Python API, statically.

>>> import wsaudit
>>> callable(wsaudit.audit)
True
"""

from wsaudit.config import Config
from wsaudit.errors import (
    ConfigError,
    InputError,
    MigrationError,
    ReportError,
    RollbackError,
    UsageError,
    WsauditError,
)
from wsaudit.version import __version__ as __version__


def __getattr__(name: str):
    """``Audit`` and ``audit`` are imported on first use, so that a command line run that does
    not need them (``wsaudit check``) does not pay for importing networkx."""
    if name in ("Audit", "audit"):
        from wsaudit import api

        return getattr(api, name)
    if name in ("load_audit", "save_audit"):
        from wsaudit import audit_file

        return getattr(audit_file, name)
    raise AttributeError(f"module 'wsaudit' has no attribute {name!r}")

__all__ = ["Audit", "Config", "ConfigError", "InputError", "MigrationError", "ReportError", "RollbackError", "UsageError",
           "WsauditError", "audit", "load_audit", "save_audit"]
