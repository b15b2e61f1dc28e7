"""Which files ``wsaudit migrate`` works on: named files, a wave of a wave plan, the files
holding violations of some tiers, or the intersection of those; and how a typed path becomes
a path relative to the audited root.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from wsaudit.api import Audit
from wsaudit.cells import cell_text
from wsaudit.errors import InputError, UsageError


def root_relative(root: Path, path: str) -> str:
    """``path`` relative to ``root``, POSIX-style (an absolute path must lie under it).

    >>> root_relative(Path("/repo"), "./pkg/a.py")
    'pkg/a.py'
    """
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(root.resolve())
        except ValueError:
            raise InputError(f"{path}: not under {root}") from None
    return p.as_posix().removeprefix("./")


def _typed_path(root: Path, path: str) -> str:
    """A path as typed: relative to the current folder when it exists there, else to the root."""
    p = Path(path)
    if not p.is_absolute() and p.exists() and not (root / p).exists():
        p = p.resolve()
    return root_relative(root, str(p))


def read_plan(plan_csv: str | Path) -> list[dict]:
    """The rows of a wave plan CSV, each cell's text as it was before it was written (a path
    that starts with ``@`` or ``-`` is written quoted: :mod:`wsaudit.cells`)."""
    try:
        with open(plan_csv, newline="", encoding="utf-8") as handle:
            rows = [{k: cell_text(v) if isinstance(v, str) else v for k, v in row.items()}
                    for row in csv.DictReader(handle)]
    except OSError as exc:
        raise InputError(f"{plan_csv}: cannot read: {exc.strerror}") from None
    if rows and not {"wave", "path"} <= set(rows[0]):
        raise InputError(f"{plan_csv}: not a wave plan (needs the columns wave and path)")
    return rows


def rows_of_wave(rows: list[dict], wave: int, source: str) -> list[dict]:
    """The rows of wave ``wave`` of a plan (read from ``source``, for the messages)."""
    out = []
    for row in rows:
        try:
            number = int(row["wave"])
        except (TypeError, ValueError):
            raise InputError(f"{source}: wave {row['wave']!r} is not a number") from None
        if number == wave and row.get("path"):
            out.append(row)
    if not out:
        waves = sorted({int(r["wave"]) for r in rows if str(r.get("wave", "")).isdigit()})
        raise InputError(f"{source}: no file in wave {wave} (waves: {', '.join(map(str, waves)) or 'none'})")
    return out


def simulated_plan(a: Audit) -> tuple[list[dict], str]:
    """The wave plan that ``wsaudit simulate --plan`` writes (the recommended strategy, seed 0),
    computed in memory, and that strategy's name."""
    simulation = a.simulate(seed=0)
    strategy = simulation.recommended()
    return simulation.plan_rows(strategy), strategy


def tests_first(a: Audit, selected: list[str] | None, wave_tests: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The selection split for ``--tests-first``: the tests (test files of the selection, and the
    tests the wave plan names for its wave that hold violations), then the rest."""
    with_violations = {v.path for v in a.violation_records}
    chosen = set(selected) if selected is not None else with_violations
    is_test = {f.path: f.is_test for f in a.files}
    tests = {p for p in chosen if is_test.get(p)} | {p for p in wave_tests if p in with_violations}
    return sorted(tests), sorted(chosen - tests)


def files_of_tiers(a: Audit, tiers: Iterable[str]) -> list[str]:
    """The files holding at least one violation of the given tiers (``P0``, ``P1``, ``P2``)."""
    wanted = set(tiers)
    return sorted({r.violation.path for r in a.ranked if r.tier in wanted})


def select_files(a: Audit, root: Path, *, files: list[str] | None = None, tiers: str | None = None,
                 plan_csv: str | None = None, wave: int | None = None,
                 plan_rows: list[dict] | None = None) -> list[str] | None:
    """The files ``migrate`` works on: the intersection of the selectors given (None: all).

    Parameters
    ----------
    a : Audit
        The audit of ``root`` (for ``tiers``).
    root : Path
        The audited root; the paths returned are relative to it.
    files : list of str, optional
        Paths as typed on the command line (``--files``).
    tiers : str, optional
        Comma-separated tiers (``--tier P0,P1``).
    plan_csv, wave : optional
        A wave plan CSV and the number of one of its waves (``--plan``, ``--wave``).
    plan_rows : list of dict, optional
        The plan's rows, when it was computed rather than read (``--wave`` alone).
    """
    chosen: set[str] | None = None

    def narrow(paths: Iterable[str]) -> None:
        nonlocal chosen
        paths = set(paths)
        chosen = paths if chosen is None else chosen & paths

    if files is not None:
        narrow(_typed_path(root, p) for p in files)
    if wave is not None:
        if plan_rows is not None:
            rows = plan_rows
        elif plan_csv is not None:
            rows = read_plan(plan_csv)
        else:
            raise ValueError("a wave needs the plan: its rows (plan_rows) or its CSV (plan_csv)")
        narrow(_typed_path(root, row["path"]) for row in rows_of_wave(rows, wave, plan_csv or "the wave plan"))
    if tiers is not None:
        wanted = [t.strip().upper() for t in tiers.split(",") if t.strip()]
        bad = [t for t in wanted if t not in ("P0", "P1", "P2")]
        if bad or not wanted:
            raise UsageError(f"--tier {tiers}: expected P0, P1 or P2 (comma-separated)")
        narrow(files_of_tiers(a, wanted))
    return sorted(chosen) if chosen is not None else None
