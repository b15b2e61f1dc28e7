"""Read and validate the configuration.

Where it comes from, in order: ``--config FILE``; ``--profile NAME`` (a built-in profile, by
name); else the nearest ``wsaudit.toml`` or ``[tool.wsaudit]`` in a ``pyproject.toml``, in the
audited folder or its parents, whose folder is the tree's root (:func:`locate`); none is an error.
A file may start from a profile (``profile = "..."``): the keys it names replace the
profile's, the rest come from the profile. Every problem is collected and reported at once.

``settings`` holds the records, ``validate`` the checks of every key, ``templates`` the checks of
symbols and call templates, ``loading`` where a configuration is found. Every key, its type and
default: ``docs/configuration.md``.
"""

from wsaudit.config.loading import Located, from_table, load, locate, parse_toml, profile, within
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
           "Config", "GoldenPath", "Located", "RankSettings", "ReportBaseline", "ReportSettings", "SimulateSettings",
           "from_table", "import_statement_names", "load", "locate", "parse_toml", "profile", "symbol_problem",
           "template_fields", "template_problems", "within"]
