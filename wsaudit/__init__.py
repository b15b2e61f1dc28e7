"""wsaudit: find, rank and migrate every use of a deprecated Python API, statically.

>>> import wsaudit
>>> callable(wsaudit.audit)
True
"""

from wsaudit.api import Audit, audit
from wsaudit.config import Config
from wsaudit.exceptions import ConfigError, InputError, UsageError, WsauditError

__version__ = "0.1.0"
__all__ = ["Audit", "Config", "ConfigError", "InputError", "UsageError", "WsauditError", "audit"]
