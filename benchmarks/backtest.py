"""The back-test of ``wsaudit simulate --backtest REV``, measured on two histories.

* **sample**: the burndown sample (``wsaudit.history.sample.build_sample``), a ten-commit
  migration written by hand.
* **requests**: a real package's sources (psf/requests at v2.27.1, the last release that
  supported Python 2, read from a local clone or mirror) migrated off ``requests.compat`` to a
  replacement module over a staged timeline: one pull request at a time,
  in a seeded order, one file a pull request, each taking ``TEAM_BASE + TEAM_PER_USE * uses`` hours (log-normal noise)
  plus ``TEAM_REVIEW`` hours of review, at ``TEAM_HOURS_A_DAY`` hours a day, working days
  only. The code is real, the timeline is generated: the team's pace is known, which the
  defaults do not know and the calibration has to find from the commits before REV.

For each history and each REV: the default plan's and the calibrated plan's error (working
days) on the day P0 reached zero, and the mean error of the per-tier burndown.

    .venv/bin/python benchmarks/backtest.py [--requests PATH] [--runs N] [--json FILE]

``PATH`` is a clone (or bare mirror) of psf/requests holding the tag v2.27.1.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from wsaudit.api import audit
from wsaudit.history.sample import SampleCommit, build_sample, write_repository

TAG = "v2.27.1"
TEAM_BASE, TEAM_PER_USE, TEAM_REVIEW, TEAM_SIGMA = 1.5, 0.9, 3.0, 0.3
TEAM_HOURS_A_DAY = 4.0
CONFIG = '''\
[golden_path]
modules = ["requests.api"]

[[rule]]
id = "PY2"
module = "requests.compat"
replacement = "requests._py3"
message = "requests.compat is the Python 2 bridge; import from requests._py3"
'''
_IMPORT = re.compile(r"^(\s*from\s+)(\.compat|requests\.compat)(\s+import\b)|^(\s*from\s+\.\s+import\s+)compat\b|"
                     r"^(\s*from\s+requests\s+import\s+)compat\b", re.M)


def _migrated(text: str) -> str:
    """The file with its imports of the compat module pointed at the replacement."""
    def swap(m: re.Match) -> str:
        if m.group(1):
            return m.group(1) + m.group(2).replace("compat", "_py3") + m.group(3)
        head = m.group(4) or m.group(5)
        return head + "_py3 as compat"
    return _IMPORT.sub(swap, text)


def _sources(repo: Path) -> dict[str, str]:
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", TAG], check=True,
                           capture_output=True, text=True).stdout.split()
    out = {}
    for name in names:
        if name.endswith(".py") and (name.startswith("requests/") or name.startswith("tests/")):
            out[name] = subprocess.run(["git", "-C", str(repo), "show", f"{TAG}:{name}"], check=True,
                                       capture_output=True, text=True).stdout
    return out


def _advance(when: datetime, hours: float) -> datetime:
    """``hours`` of team time later, at TEAM_HOURS_A_DAY a day, Monday to Friday."""
    days = hours / TEAM_HOURS_A_DAY
    whole = int(days)
    day = np.busday_offset(when.date(), whole, roll="forward")
    minutes = (days - whole) * 8 * 60  # the rest of a day's work, spread over an eight-hour day
    start = datetime.combine(day.astype(object), when.time()) + timedelta(minutes=minutes)
    if start.hour >= 17:  # past the day's end: the next working day
        nxt = np.busday_offset(start.date(), 1, roll="forward").astype(object)
        start = datetime.combine(nxt, start.time()) - timedelta(hours=8)
    return start.replace(second=0, microsecond=0)


def requests_commits(repo: Path, seed: int = 0) -> list[SampleCommit]:
    """The staged migration of requests off ``requests.compat`` (see the module's docstring)."""
    files = _sources(repo)
    files["requests/_py3.py"] = files["requests/compat.py"]
    files["wsaudit.toml"] = CONFIG
    when = datetime(2024, 1, 8, 9, 0)
    commits = [SampleCommit("Start: requests.compat is deprecated", when.isoformat() + "+00:00", dict(files))]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        uses: dict[str, int] = {}
        for v in audit(root, cache=False).violation_records:
            uses[v.path] = uses.get(v.path, 0) + 1
    rng = random.Random(seed)
    todo = sorted(p for p in uses if p in files and _migrated(files[p]) != files[p])
    rng.shuffle(todo)
    while todo:
        batch, todo = todo[:1], todo[1:]
        hours = TEAM_REVIEW + sum((TEAM_BASE + TEAM_PER_USE * uses[p]) * math.exp(rng.gauss(0, TEAM_SIGMA))
                                  for p in batch)
        when = _advance(when, hours)
        commits.append(SampleCommit(f"Migrate {', '.join(batch)} off requests.compat", when.isoformat() + "+00:00",
                                    {p: _migrated(files[p]) for p in batch}))
    return commits


def _wsaudit(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "wsaudit", *args], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout)


def _row(name: str, repo: Path, rev: str, runs: int) -> dict:
    doc = _wsaudit("simulate", str(repo), "--backtest", rev, "--runs", str(runs), "--no-codemod", "--format", "json",
                   "--quiet")
    row = {"history": name, "rev": doc["rev"][:12], "date": doc["date"][:10],
           "fitted_on": doc["calibration"]["commits"], "observed_p0_days": doc["observed_days_to_zero"]["P0"]}
    for label in ("default", "calibrated"):
        row[f"{label}_p0_error"] = doc[label]["error_days"]["P0"]
        row[f"{label}_burndown_error"] = {t: doc[label]["burndown"][t]["mean_abs_error_days"] for t in ("P0", "P1", "P2")}
    return row


def _revs(repo: Path, shares: tuple[float, ...]) -> list[str]:
    oids = subprocess.run(["git", "-C", str(repo), "rev-list", "--first-parent", "--reverse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.split()
    return [oids[max(1, int(round(s * (len(oids) - 1))))] for s in shares]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", default="/work/.mirror/psf+requests/repo", help="a clone of psf/requests")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", help="write the rows here too")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="wsaudit-backtest-bench-") as folder:
        sample = build_sample(Path(folder) / "shop", checkout=True)
        for rev in _revs(sample, (0.1, 0.2, 0.3)):
            rows.append(_row("sample", sample, rev, args.runs))
        staged = write_repository(Path(folder) / "requests", requests_commits(Path(args.requests)), checkout=True)
        for rev in _revs(staged, (0.25, 0.5)):
            rows.append(_row("requests (staged)", staged, rev, args.runs))
    for r in rows:
        print(json.dumps(r))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
