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
from collections import Counter
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


def workdays(start: str, end: str) -> int:
    """Working days (Monday to Friday) from the date ``start`` to ``end`` (ISO dates).

    >>> workdays("2026-01-02", "2026-01-05"), workdays("2026-01-05", "2026-01-05")
    (1, 0)
    """
    import numpy as np

    return int(np.busday_count(start, end))


def plan_points(first: dict[str, Any], simulation: dict[str, Any]) -> list[tuple[float, int]]:
    """The plan made at the ``first`` kept run, as (working days since that run, violations
    left): its counts at day 0, each tier gone at its median day to zero of the recommended
    strategy (``simulation.json``), nothing left at its median day to done.

    >>> first = {"violations": 6, "P0": 1, "P1": 5, "P2": 0}
    >>> best = {"name": "tier", "days_to_zero_p0": {"p50": 0.5}, "days_to_zero_p1": {"p50": 2.0},
    ...         "days_to_zero_p2": {"p50": 0.0}, "days_to_done": {"p50": 2.0}}
    >>> plan_points(first, {"recommended": "tier", "strategies": [best]})
    [(0.0, 6), (0.5, 5), (2.0, 0)]
    """
    best = {s["name"]: s for s in simulation["strategies"]}[simulation["recommended"]]
    gone = sorted((float(best[f"days_to_zero_{t.lower()}"]["p50"]), t) for t in TIERS if first[t])
    points, left = [(0.0, int(first["violations"]))], int(first["violations"])
    for day, tier in gone:
        left -= int(first[tier])
        points.append((day, max(left, 0)))
    points.append((float(best["days_to_done"]["p50"]), 0))
    out: list[tuple[float, int]] = []
    for day, n in sorted(points, key=lambda p: (p[0], -p[1])):  # one point per day: the lowest
        if out and out[-1][0] == day:
            out[-1] = (day, min(out[-1][1], n))
        else:
            out.append((day, n))
    return out


def planned_left(points: Sequence[tuple[float, int]], day: float) -> float:
    """Violations left ``day`` working days after the plan's run, between its points.

    >>> planned_left([(0.0, 6), (2.0, 0)], 1), planned_left([(0.0, 6), (2.0, 0)], 5)
    (3.0, 0.0)
    """
    import numpy as np

    return float(np.interp(day, [p[0] for p in points], [p[1] for p in points]))


def positions(rows: Sequence[dict[str, Any]]) -> list[float]:
    """Each run's place on the trend's axis: working days since the first run, the runs of one
    day spread across it in the order they ran (a day's runs at one point would hide all but
    the last).

    >>> positions([{"date": "2026-01-05"}, {"date": "2026-01-05"}, {"date": "2026-01-06"}])
    [0.0, 0.5, 1.0]
    """
    days = [float(workdays(rows[0]["date"], r["date"])) for r in rows]
    per_day = Counter(days)
    seen: Counter = Counter()
    out = []
    for d in days:
        out.append(d + seen[d] / per_day[d])
        seen[d] += 1
    return out


def trend_figure(rows: Sequence[dict[str, Any]], plan: Sequence[tuple[float, int]] = ()):
    """Violations per tier and in total over the kept runs, by working days since the first
    (one point per run), and the plan made at the first run (dashed, its median); its alt text
    says the first and last counts and the plan's."""
    from matplotlib.figure import Figure

    from wsaudit.report.plots import TIER_COLORS

    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.add_subplot()
    x = positions(rows)
    ax.plot(x, [r["violations"] for r in rows], marker="o", color="#000000", label="total")
    for t in TIERS:
        ax.plot(x, [r[t] for r in rows], marker="o", color=TIER_COLORS[t], label=t)
    if plan:
        ax.plot([p[0] for p in plan], [p[1] for p in plan], linestyle="--", color="#555555",
                label=f"plan at {rows[0]['run']}")
    same_day = len({r["date"] for r in rows}) < len(rows)
    ax.set_xlabel(f"working days since {rows[0]['date']}"
                  + ("\n(the runs of one day side by side, in the order they ran)" if same_day else ""))
    ax.set_ylabel("violations")
    ax.set_ylim(bottom=0)
    ax.set_title("Violations per tier over the kept runs")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    first, last = rows[0], rows[-1]

    def told(r: dict[str, Any]) -> str:
        return f"{r['violations']} violations (" + ", ".join(f"{r[t]} {t}" for t in TIERS) + f") at {r['run']}"

    alt = (f"Line chart of violations per tier over {len(rows)} kept runs: "
           + (f"{told(first)}, {told(last)}." if len(rows) > 1 else f"{told(first)}."))
    if plan:
        alt += (f" Dashed: the plan made at {first['run']}, {planned_left(plan, workdays(first['date'], last['date'])):.0f} violations left by "
                f"{last['date']}, none after {plan[-1][0]:.1f} working days.")
    fig.alt_text = alt
    return fig
