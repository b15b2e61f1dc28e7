"""The figures a team already works from (``[report] baseline``), beside the measured ones.

(Not the gate's baseline of accepted violations: that is :mod:`wsaudit.gate.baseline`.)
A baseline is counts given in the configuration, or a previous report's ``summary.json``
(root-relative, read now: a scheduled report compares itself with the last one). A missing
file is not an error (the first run has none); a file that is not a summary is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from wsaudit.config import BASELINE_COUNTS, BASELINE_DAYS, ReportBaseline
from wsaudit.errors import ReportError

MAX_BYTES = 1_000_000  # a summary.json is a few hundred bytes; anything larger is not one
# summary.json (summary.headline) key of each baseline figure
HEADLINE_KEYS = {"violations": "violations", "files": "files_with_violations",
                 "days_to_zero_p0": "days_to_zero_p0_p50", "days_to_done": "days_to_done_p50"}
LABELS = {"violations": "violations", "files": "files with violations", "days_to_zero_p0": "working days to no P0",
          "days_to_done": "working days to done"}


def figures(baseline: ReportBaseline, root: Path) -> tuple[str, dict[str, float]] | str:
    """``(label, {figure: value})``, or a sentence saying why there is nothing to compare with."""
    if baseline.path is None:
        return baseline.label or "the configured baseline", dict(baseline.counts)
    if baseline.base is not None:  # from a --config file: trusted, anywhere
        path = Path(baseline.base, baseline.path)
    else:
        path = (root / baseline.path).resolve()
    if baseline.base is None and not path.is_relative_to(root.resolve()):  # a link out of the tree
        raise ReportError(f"[report] baseline {baseline.path!r} leads outside the audited root")
    if not path.is_file():
        return f"No previous report at {baseline.path} yet: nothing to compare with."
    if path.stat().st_size > MAX_BYTES:
        raise ReportError(f"[report] baseline {baseline.path}: not a summary.json (larger than {MAX_BYTES} bytes)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ReportError(f"[report] baseline {baseline.path}: not a summary.json ({exc})") from None
    if not isinstance(doc, dict):
        raise ReportError(f"[report] baseline {baseline.path}: not a summary.json (expected a JSON object)")
    found = {}
    for name in (*BASELINE_COUNTS, *BASELINE_DAYS):
        value = doc.get(HEADLINE_KEYS.get(name, name))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found[name] = value
    if not found:
        raise ReportError(f"[report] baseline {baseline.path}: not a summary.json (no figure in it)")
    return f"the previous report ({baseline.path})", found


def comparison(measured: dict[str, Any], label: str, base: dict[str, float]) -> pd.DataFrame:
    """One row per baseline figure: its value, the measured one, and the difference."""
    rows = []
    for name, value in base.items():
        now = measured.get(HEADLINE_KEYS.get(name, name))
        rows.append({"figure": LABELS.get(name, name), label: value, "measured now": now,
                     "difference": None if now is None else now - value})
    return pd.DataFrame(rows, columns=["figure", label, "measured now", "difference"])
