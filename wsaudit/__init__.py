"""wsaudit: find, rank and migrate every use of a deprecated Python API, statically.

>>> import wsaudit
>>> callable(wsaudit.audit)
True
>>> {"audit", "Audit", "load_audit", "Violation", "ModuleRank"} <= set(dir(wsaudit))
True
"""

from wsaudit.config import Config
from wsaudit.errors import (
    ConfigError,
    InputError,
    MigrationError,
    OutputError,
    ReportError,
    RollbackError,
    UsageError,
    WsauditError,
)
from wsaudit.model import (
    Definition,
    Diagnostic,
    DirectImport,
    FileFacts,
    FileRank,
    ModuleRank,
    Notice,
    RankedViolation,
    Rule,
    SourceFile,
    Violation,
)
from wsaudit.version import __version__ as __version__

_LAZY = {"Audit": "api", "audit": "api", "load_audit": "audit_file", "save_audit": "audit_file"}


def __getattr__(name: str):
    """``Audit`` and ``audit`` are imported on first use, so that a command line run that does
    not need them (``wsaudit check``) does not pay for importing networkx."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"wsaudit.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'wsaudit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What the module holds and what it imports on first use: ``dir(wsaudit)`` is what
    JupyterLab and IPython complete ``wsaudit.`` with."""
    return sorted({*globals(), *__all__})


__all__ = ["Audit", "Config", "ConfigError", "Definition", "Diagnostic", "DirectImport", "FileFacts", "FileRank",
           "InputError", "MigrationError", "ModuleRank", "Notice", "OutputError", "RankedViolation", "ReportError",
           "RollbackError", "Rule", "SourceFile", "UsageError", "Violation", "WsauditError", "audit", "load_audit",
           "save_audit"]
