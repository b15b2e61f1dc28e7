"""The fleet result from hand-built rows: teams, the suggested order, the CSV, the page."""

from __future__ import annotations

from wsaudit.fleet.document import fleet_csv, suggested_order, teams, totals
from wsaudit.fleet.page import fleet_page


def row(name, team, p0, p1, p2, error=None):
    counts = None if error else {"P0": p0, "P1": p1, "P2": p2}
    return {"name": name, "source": name, "revision": None, "commit": None, "commit_date": None, "owner": None,
            "team": team, "files": 10, "violations": None if error else p0 + p1 + p2, "by_tier": counts,
            "by_category": None, "by_rule": None, "p0_files": ["a.py"] if p0 else [], "definitions": 0,
            "diagnostics": 0, "suspects": 0, "config": "F", "error": error, "warnings": []}


ROWS = [row("api", "core", 1, 9, 9), row("web", "front", 3, 0, 0), row("jobs", "core", 1, 9, 10),
        row("done", "front", 0, 0, 0), row("tests-only", None, 0, 0, 4), row("broken", "core", 0, 0, 0, "boom")]


def test_the_order_puts_the_most_p0_first_then_p1_then_uses_then_the_name():
    order = suggested_order(ROWS)
    assert [o["name"] for o in order] == ["web", "jobs", "api", "tests-only"]  # done: nothing; broken: no row
    assert order[0]["reason"] == "3 P0 use(s) in 1 file(s) on or reached from the Golden Path"
    assert order[-1]["reason"] == "only P2 uses (tests): 4"


def test_teams_hold_their_repositories_p0s_and_failures():
    got = {t["team"]: (t["repositories"], t["failed"], t["P0"], t["violations"]) for t in teams(ROWS)}
    assert got == {"core": (3, 1, 2, 39), "front": (2, 0, 3, 3), "(no team)": (1, 0, 0, 4)}
    assert [t["team"] for t in teams(ROWS)] == ["front", "core", "(no team)"]
    assert totals(ROWS)["repositories_with_p0"] == 3 and totals(ROWS)["failed"] == 1


def test_csv_cells_from_a_repository_are_never_formulas():
    text = fleet_csv([row("=HYPERLINK(1)", "@team", 1, 0, 0)])
    assert text.splitlines()[1].startswith("'=HYPERLINK(1),'=HYPERLINK(1),,,,,'@team,10,1,1,0,0,")


def test_the_page_escapes_what_the_fleet_file_says():
    doc = {"title": "<script>alert(1)</script>", "config": "F", "totals": totals(ROWS), "teams": teams(ROWS),
           "order": suggested_order(ROWS), "repositories": [row("<img src=x>", "core", 1, 0, 0)], "trend": None}
    page = fleet_page(doc)
    assert "<script>" not in page and "<img" not in page and "&lt;img src=x&gt;" in page


def test_a_task_whose_worker_died_is_a_row_with_the_error():
    from wsaudit.fleet.run import _row_of
    from wsaudit.fleet.settings import FleetRepo

    class Died:  # what Dask hands back for a task whose workers kept dying
        status = "error"

        def exception(self):
            return RuntimeError("KilledWorker: attempted to run task 3 times")

    repo = FleetRepo("mono", "/srv/mono", "/srv/mono", None, None, "kim", "core")
    row = _row_of(Died(), repo)
    assert row["name"] == "mono" and row["team"] == "core" and row["violations"] is None
    assert row["error"] == "the task failed on the cluster (RuntimeError: KilledWorker: attempted to run task 3 times)"
