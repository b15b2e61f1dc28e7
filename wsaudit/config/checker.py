"""The checker every table of a configuration is validated with: it converts raw TOML values
and collects problems as ``(file, key, message)``, and holds the range of every number
(:data:`RANGES`).
"""

from __future__ import annotations

import math
from typing import Any


_STR_LIST = "a list of strings"


def _is_dotted(value: str) -> bool:
    return bool(value) and all(part.isidentifier() for part in value.split("."))


class _Checker:
    """Collects problems as ``(file, key, message)`` while converting raw TOML values."""

    def __init__(self, file: str, prefix: str = ""):
        self.file = file
        self.prefix = prefix  # "tool.wsaudit." inside pyproject.toml
        self.problems: list[tuple[str, str, str]] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append((self.file, self.prefix + key, message))

    def unknown(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> None:
        for key in sorted(set(table) - set(allowed)):
            self.problem(f"{prefix}{key}", f"unknown key (allowed: {', '.join(allowed)})")

    def string(self, key: str, value: Any, dotted: bool = False) -> str | None:
        if not isinstance(value, str):
            self.problem(key, f"expected a string, got {_type_name(value)}")
            return None
        if dotted and not _is_dotted(value):
            self.problem(key, f"expected a dotted Python name like 'pkg.module.name', got {value!r}")
            return None
        return value

    def strings(self, key: str, value: Any) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"expected {_STR_LIST}, got {_type_name(value)}")
            return None
        return tuple(value)

    def number(self, key: str, value: Any, name: str | None = None) -> Any:
        """``value`` when it is a number in the range of ``name`` (default ``key``, without
        the prefix) in :data:`RANGES`, else None and a problem naming the key and the range."""
        name = name or key
        if not _in_range(name, value):
            self.problem(key, f"expected {_range_text(name)}, got {_number_shown(value)}")
            return None
        return value


# The range of every number a configuration can set, (low, high, whole number?): wide enough
# for any real use, narrow enough that a tree's own configuration cannot make a run take all
# the machine's memory or time (``[simulate] runs = 1000000000`` once ran until killed at 2 GB).
RANGES: dict[str, tuple[float, float, bool]] = {
    "max_file_size": (1, 1_000_000_000, True),  # bytes: a Python file of a gigabyte is not source
    "max_parse_memory": (1, 8_000_000_000, True),  # bytes
    "rank.alpha": (0, 1, False),  # both ends excluded: see _EXCLUSIVE
    "rank.p0_max_distance": (0, 1_000, True),  # import hops
    "simulate.base_hours": (0, 1_000, False),
    "simulate.per_violation_hours": (0, 1_000, False),
    "simulate.effort_sigma": (0, 5, False),  # log-normal: e**5 is already a factor of 150
    "simulate.capacity_hours_per_day": (0, 24, False),  # 0 excluded: see _EXCLUSIVE
    "simulate.wave_files": (1, 10_000, True),
    "simulate.validation_hours": (0, 1_000, False),
    "simulate.failure_probability": (0, 1, False),  # 1 excluded: see _EXCLUSIVE
    "simulate.rework_fraction": (0, 10, False),
    "simulate.runs": (1, 100_000, True),
    "simulate.review_hours": (0, 1_000, False),
    "simulate.codemod_wave_files": (1, 1_000_000, True),
    "report.baseline.count": (0, 1_000_000_000_000, True),  # every count of a baseline
    "report.baseline.days": (0, 100_000, False),  # working days of a baseline's plan
    "report.figure_modules": (2, 400, True),  # boxes of the Golden Path figure: 400 is already a poster
}
_EXCLUSIVE = {"rank.alpha": (True, True), "simulate.capacity_hours_per_day": (True, False),
              "simulate.failure_probability": (False, True)}  # (low excluded, high excluded)


def _range_text(name: str) -> str:
    """The range of ``name`` in words, for its error.

    >>> _range_text("simulate.runs"), _range_text("rank.alpha")
    ('a whole number from 1 to 100,000', 'a number above 0 and below 1')
    """
    low, high, whole = RANGES[name]
    low_open, high_open = _EXCLUSIVE.get(name, (False, False))
    what = "a whole number" if whole else "a number"
    if low_open or high_open:
        return (f"{what} {'above' if low_open else 'from'} {low:,} and {'below' if high_open else 'at most'} "
                f"{high:,}")
    return f"{what} from {low:,} to {high:,}"


def _in_range(name: str, value: Any) -> bool:
    """Whether ``value`` is a number of ``name``'s type and range (never a NaN or infinity)."""
    low, high, whole = RANGES[name]
    low_open, high_open = _EXCLUSIVE.get(name, (False, False))
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return (low < value if low_open else low <= value) and (value < high if high_open else value <= high)


def _number_shown(value: Any) -> str:
    """A value as an error shows it: a huge integer by its size (``repr`` refuses past 4,300 digits).

    >>> _number_shown(10 ** 5000), _number_shown(1.5)
    ('an integer of about 5001 digits', '1.5')
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    return repr(value) if not isinstance(value, (dict, list)) else _type_name(value)


def _type_name(value: Any) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a float",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
