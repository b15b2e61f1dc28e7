"""The kept runs of a scheduled report (``wsaudit report --archive [--keep N]``).

Each run is written into ``DIR/runs/<date>-<commit>/`` (the run's date in UTC, the short
commit checked out or ``nogit``, and ``-2``, ``-3``... when the same date and commit run
again), with ``run.json``: its row of the runs table. ``DIR/runs.csv`` and ``DIR/runs.json``
list the kept runs, oldest first; the landing page draws its trend from them
(:func:`trend_figure`). ``--keep N`` deletes the older run folders, only folders whose name
has the runs' form and that hold a ``run.json``, never the run just written.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wsaudit.iorw import write_text
from wsaudit.model import CATEGORIES, TIERS

RUNS = "runs"
RUN_FILE = "run.json"
RUN_NAME = re.compile(r"\A\d{4}-\d{2}-\d{2}-(?:[0-9a-f]{7,64}|nogit)(?:-[1-9][0-9]{0,5})?\Z")
SHORT = 12  # hex digits of the commit in a run's name, as the landing page shows it
RUN_FIELDS = ("run", "seq", "date", "commit", "violations", *TIERS, *CATEGORIES, "files_with_violations",
              "new", "fixed", "moved", "new_p0", "reintroduced")


def run_name(runs_dir: Path, date: _dt.date, commit: str) -> str:
    """The folder name of a new run in ``runs_dir``: ``<date>-<commit>``, suffixed ``-2``,
    ``-3``... when that folder exists.

    >>> import tempfile, pathlib, datetime
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> run_name(d, datetime.date(2026, 1, 5), "")
    '2026-01-05-nogit'
    >>> (d / "2026-01-05-nogit").mkdir(); run_name(d, datetime.date(2026, 1, 5), "")
    '2026-01-05-nogit-2'
    >>> bool(RUN_NAME.match(run_name(d, datetime.date(2026, 1, 5), "0123456789abcdef0123")))
    True
    """
    base = f"{date.isoformat()}-{commit[:SHORT] or 'nogit'}"
    name, n = base, 1
    while (runs_dir / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def kept_runs(output_dir: Path) -> list[dict[str, Any]]:
    """The rows (``run.json``) of the runs kept in ``output_dir/runs``, oldest first (by their
    sequence number, then name). A folder of another name, or without a readable row, is not
    a run."""
    rows = []
    folder = output_dir / RUNS
    if not folder.is_dir():
        return []
    for child in folder.iterdir():
        if not (RUN_NAME.match(child.name) and child.is_dir() and not child.is_symlink()):
            continue
        try:
            row = json.loads((child / RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(row, dict) and row.get("run") == child.name and isinstance(row.get("seq"), int):
            rows.append(row)
    return sorted(rows, key=lambda r: (r["seq"], r["run"]))


def run_row(name: str, seq: int, date: _dt.date, commit: str, headline: dict[str, Any],
            change_counts: dict[str, int] | None) -> dict[str, Any]:
    """A run's row of the runs table (:data:`RUN_FIELDS`; the change counts are None at the
    first run)."""
    change_counts = change_counts or {}
    return {"run": name, "seq": seq, "date": date.isoformat(), "commit": commit,
            **{k: headline[k] for k in ("violations", *TIERS, *CATEGORIES, "files_with_violations")},
            **{k: change_counts.get(k) for k in ("new", "fixed", "moved", "new_p0", "reintroduced")}}


def write_table(output_dir: Path, rows: Sequence[dict[str, Any]]) -> list[Path]:
    """``runs.csv`` and ``runs.json`` in ``output_dir``: the kept runs, oldest first."""
    from wsaudit.render.text import dumps, flat, rows_csv

    rows = [{k: r.get(k) for k in RUN_FIELDS} for r in rows]
    written = []
    for name, text in (("runs.csv", rows_csv(flat(rows), RUN_FIELDS)), ("runs.json", dumps(rows))):
        write_text(output_dir / name, text)
        written.append(output_dir / name)
    return written


def prune(output_dir: Path, kept: Sequence[str], current: str) -> list[str]:
    """Delete the run folders of ``output_dir/runs`` that are runs (:func:`kept_runs`) but not
    in ``kept``; never ``current``. Returns the names deleted."""
    gone = []
    for row in kept_runs(output_dir):
        name = row["run"]
        if name in kept or name == current:
            continue
        shutil.rmtree(output_dir / RUNS / name, ignore_errors=True)
        gone.append(name)
    return sorted(gone)


def trend_figure(rows: Sequence[dict[str, Any]]):
    """Violations per tier and in total over the kept runs (one point per run); its alt text
    says the first and last counts."""
    from matplotlib.figure import Figure

    from wsaudit.report.plots import TIER_COLORS

    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.add_subplot()
    x = list(range(len(rows)))
    ax.plot(x, [r["violations"] for r in rows], marker="o", color="#000000", label="total")
    for t in TIERS:
        ax.plot(x, [r[t] for r in rows], marker="o", color=TIER_COLORS[t], label=t)
    ax.set_xticks(x, [r["run"] for r in rows], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("violations")
    ax.set_ylim(bottom=0)
    ax.set_title("Violations per tier over the kept runs")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    first, last = rows[0], rows[-1]

    def told(r: dict[str, Any]) -> str:
        return f"{r['violations']} violations (" + ", ".join(f"{r[t]} {t}" for t in TIERS) + f") at {r['run']}"

    fig.alt_text = (f"Line chart of violations per tier over {len(rows)} kept runs: "
                    + (f"{told(first)}, {told(last)}." if len(rows) > 1 else f"{told(first)}."))
    return fig
