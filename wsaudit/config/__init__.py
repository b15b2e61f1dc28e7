"""Read and validate the configuration.

Where it comes from, in order: ``--config FILE``; ``wsaudit.toml`` at the audited root;
``[tool.wsaudit]`` in its ``pyproject.toml``; else the built-in ``netra-websocket`` profile.
A file may start from a profile (``profile = "..."``): the keys it names replace the
profile's, the rest come from the profile. Every problem is collected and reported at once.

``settings`` holds the records, ``validate`` the checks of every key, ``templates`` the checks of
symbols and call templates, ``loading`` where a configuration is found. Every key, its type and
default: ``docs/configuration.md``.
"""

from wsaudit.config.loading import from_table, load, parse_toml, profile
from wsaudit.config.settings import (
    ALWAYS_EXCLUDED,
    BASELINE_COUNTS,
    BASELINE_DAYS,
    BASELINE_KEYS,
    DEFAULT_EXCLUDE,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_PARSE_MEMORY,
    DEFAULT_PROFILE,
    DEFAULT_TESTS,
    PROFILES,
    Config,
    GoldenPath,
    RankSettings,
    ReportBaseline,
    ReportSettings,
    SimulateSettings,
)
from wsaudit.config.templates import import_statement_names, symbol_problem, template_fields, template_problems

__all__ = ["ALWAYS_EXCLUDED", "BASELINE_COUNTS", "BASELINE_DAYS", "BASELINE_KEYS", "DEFAULT_EXCLUDE",
           "DEFAULT_MAX_FILE_SIZE", "DEFAULT_MAX_PARSE_MEMORY", "DEFAULT_PROFILE", "DEFAULT_TESTS", "PROFILES",
           "Config", "GoldenPath", "RankSettings", "ReportBaseline", "ReportSettings", "SimulateSettings",
           "from_table", "import_statement_names", "load", "parse_toml", "profile", "symbol_problem", "template_fields",
           "template_problems"]
