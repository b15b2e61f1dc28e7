"""``wsaudit fleet``: every repository of FLEET.toml audited into one row, the fleet result and its page."""

from __future__ import annotations

import json
import subprocess

import pytest
from fleet_repos import d, fleet, service, write_folder

from wsaudit.history.git import git_args, git_env


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory):
    return fleet(tmp_path_factory.mktemp("fleet"))


def _rows(out: str) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(out)["repositories"]}


def test_every_repository_is_a_row_and_failures_do_not_stop_the_rest(cli, fleet_file):
    run = cli("fleet", fleet_file, "--format", "json", "--quiet")
    assert run.code == 0, run.err
    doc = json.loads(run.out)
    assert [r["name"] for r in doc["repositories"]] == ["billing", "search", "search-v1", "ledger", "gone",
                                                        "misconfigured"]
    rows = _rows(run.out)
    # billing: 2 calls (+ the import) in the Golden Path's handlers, 1 in a job, 1 in a test
    assert rows["billing"]["by_tier"] == {"P0": 3, "P1": 1, "P2": 2}
    assert rows["billing"]["p0_files"] == ["billing/handlers.py"]
    assert rows["billing"]["commit"] is None and rows["billing"]["team"] == "payments"
    # the URL's HEAD and its tag v1 are two revisions of one clone: (0, 2, 1) and (1, 1, 1)
    assert rows["search"]["by_tier"]["P0"] == 1 and rows["search-v1"]["by_tier"]["P0"] == 2  # the import stays
    assert rows["search"]["commit"] != rows["search-v1"]["commit"]
    assert rows["ledger"]["by_tier"] == {"P0": 4, "P1": 0, "P2": 1}  # HEAD~1: 3 calls and their import
    assert rows["ledger"]["commit_date"] == "2024-03-01T10:00:00+00:00"
    assert "no-such-service: no such folder" in rows["gone"]["error"]
    assert rows["misconfigured"]["error"].startswith("invalid configuration: FLEET.toml: repo[5].config.rank.alpha:")
    assert doc["totals"]["failed"] == 2
    assert [o["name"] for o in doc["order"]] == ["ledger", "billing", "search-v1", "search"]
    assert doc["teams"][0]["team"] == "payments" and doc["teams"][0]["P0"] == 7


def test_the_table_and_csv_say_the_same(cli, fleet_file):
    table = cli("fleet", fleet_file, "--quiet").out
    assert table.splitlines()[1].split()[:3] == ["1", "ledger", "payments"]
    assert "  !  gone: " in table
    csv = cli("fleet", fleet_file, "--quiet", "--format", "csv").out.splitlines()
    assert csv[0].startswith("name,source,revision,commit,commit_date,owner,team,files,violations,P0,P1,P2,")
    assert csv[1].startswith("billing,billing,,,,ana,payments,")


def test_progress_is_a_line_per_repository(cli, fleet_file):
    run = cli("fleet", fleet_file)
    lines = [line for line in run.err.splitlines() if line.startswith("wsaudit: fleet ")]
    assert len(lines) == 6 and lines[-1].startswith("wsaudit: fleet 6/6 misconfigured: error: invalid")


def test_the_report_folder_is_deterministic_and_offline(cli, fleet_file, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("fleet", fleet_file, "--quiet", "--output", first).code == 0
    assert cli("fleet", fleet_file, "--quiet", "--output", second).code == 0
    for name in ("fleet.json", "fleet.csv", "index.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    page = (first / "index.html").read_text(encoding="utf-8")
    assert "default-src 'none'" in page and "<script" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert str(tmp_path) not in (first / "fleet.json").read_text(encoding="utf-8")
    assert "<td>ledger</td>" in page and "Could not be audited" in page


def test_kept_runs_make_a_trend(cli, tmp_path):
    write_folder(tmp_path / "billing", service("billing", 2, 0, 0))
    (tmp_path / "FLEET.toml").write_text(d("""
        [config]
        [[config.rule]]
        id = "PK001"
        symbol = "platformkit.legacy.make_client"

        [[repo]]
        name = "billing"
        path = "billing"
        team = "payments"
        [repo.config]
        golden_path = {modules = ["billing.routes"]}
        """), encoding="utf-8")
    out = tmp_path / "report"
    assert cli("fleet", tmp_path / "FLEET.toml", "-q", "-o", out, "--archive").code == 0
    write_folder(tmp_path / "billing", service("billing", 1, 0, 0))  # one call migrated
    assert cli("fleet", tmp_path / "FLEET.toml", "-q", "-o", out, "--archive").code == 0
    trend = json.loads((out / "fleet.json").read_text(encoding="utf-8"))["trend"]
    assert [(t["run"], t["P0"], t["teams"]) for t in trend] == [("0001", 3, {"payments": 3}),
                                                                 ("0002", 2, {"payments": 2})]
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["0001.json", "0002.json"]
    assert "P0 uses per kept run: run 0001 3, run 0002 2" in (out / "index.html").read_text(encoding="utf-8")


def test_the_audited_repositories_are_never_written(cli, fleet_file, tmp_path):
    root = fleet_file.parent
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    assert cli("fleet", fleet_file, "-q").code == 0
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # no cache, no clone in the tree
    cache = tmp_path / "cache"
    assert cli("fleet", fleet_file, "-q", "--cache-dir", cache).code == 0
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert len(list((cache / "fleet-clones").glob("*.git"))) == 1  # one clone for the URL's two revisions
    again = cli("fleet", fleet_file, "-q", "--cache-dir", cache, "--format", "json")  # fetched, not cloned again
    assert again.out == cli("fleet", fleet_file, "-q", "--format", "json").out


def test_strict_fails_when_a_repository_could_not_be_audited(cli, fleet_file):
    run = cli("fleet", fleet_file, "-q", "--strict")
    assert run.code == 2 and "2 repositories could not be audited and --strict" in run.err


def test_real_packages_as_repositories(cli, tmp_path):
    """Installed packages' sources that call ``asyncio.get_event_loop`` audited as a fleet."""
    import tornado
    import zmq

    text = d(f"""
        title = "asyncio.get_event_loop"
        [config]
        [[config.rule]]
        id = "LOOP001"
        symbol = "asyncio.get_event_loop"
        replacement = "asyncio.get_running_loop"

        [[repo]]
        name = "tornado"
        path = "{tornado.__path__[0]}"
        team = "web"
        [repo.config]
        golden_path = {{modules = ["ioloop"]}}

        [[repo]]
        name = "zmq"
        path = "{zmq.__path__[0]}"
        team = "messaging"
        """)
    (tmp_path / "FLEET.toml").write_text(text, encoding="utf-8")
    run = cli("fleet", tmp_path / "FLEET.toml", "-q", "--format", "json")
    rows = _rows(run.out)
    assert rows["tornado"]["error"] is None and rows["tornado"]["by_tier"]["P0"] >= 1
    assert rows["zmq"]["error"] is None and rows["zmq"]["violations"] >= 1
    assert rows["tornado"]["by_category"]["deprecated-call"] >= 1
