"""simulate --calibrate and --backtest REV on a small history built for them."""

from __future__ import annotations

import json

import pytest

from wsaudit.history.sample import SampleCommit, write_repository

CONFIG = '''\
[golden_path]
modules = ["shop.api"]

[[rule]]
id = "LG001"
symbol = "shop.legacy.make_client"
replacement = "shop.client.Client"
'''

CALLER = "from shop.legacy import make_client\n\n\ndef {name}():\n    return make_client(), make_client()\n"
DONE = "from shop.client import Client\n\n\ndef {name}():\n    return Client(), Client()\n"
NAMES = ("orders", "billing", "search", "audit", "mail", "stock")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A shop whose six modules (all on the Golden Path) drop a legacy factory one a day, each a
    working day after the last: a team far slower than the defaults expect."""
    api = "from shop import " + ", ".join(NAMES) + "\n"
    start = {"wsaudit.toml": CONFIG, "shop/__init__.py": "", "shop/api.py": api,
             "shop/client.py": "class Client:\n    pass\n", "shop/legacy.py": "def make_client():\n    return None\n",
             **{f"shop/{n}.py": CALLER.format(name=n) for n in NAMES}}
    commits = [SampleCommit("Start", "2024-03-04T09:00:00+00:00", start)]
    days = ("05", "06", "07", "08", "11", "12")
    for n, day in zip(NAMES, days):
        commits.append(SampleCommit(f"Migrate {n}", f"2024-03-{day}T09:00:00+00:00",
                                    {f"shop/{n}.py": DONE.format(name=n)}))
    return write_repository(tmp_path_factory.mktemp("bt") / "shop", commits, checkout=True)


def revision(repo, subject):
    from conftest import git

    return git(repo, "log", "--format=%H", f"--grep={subject}").split()[0]


def test_backtest_prints_and_plots_the_error_and_calibration_halves_it(shop, cli, tmp_path):
    rev = revision(shop, "Migrate billing")
    figure = tmp_path / "bt.png"
    args = ("simulate", shop, "--backtest", rev, "--runs", "20", "--no-codemod", "--no-cache")
    doc = cli(*args, "--format", "json", "--figure", figure).json()
    assert doc["rev"] == rev and doc["plan_used"] == "calibrated"
    assert doc["observed_days_to_zero"]["P0"] == 4.0  # billing on the 6th, stock on Tuesday the 12th
    assert doc["calibration"]["source"] == "history" and doc["calibration"]["commits"] == 2
    default, calibrated = abs(doc["default"]["error_days"]["P0"]), abs(doc["calibrated"]["error_days"]["P0"])
    assert calibrated <= default / 2
    assert doc["error_days"] == doc["calibrated"]["error_days"]["P0"]
    assert set(doc["per_tier"]) == {"P0", "P1", "P2"}
    png = figure.read_bytes()
    assert png.startswith(b"\x89PNG")
    again = cli(*args, "--format", "json", "--figure", figure).json()
    assert again == doc and figure.read_bytes() == png  # deterministic, the figure too
    table = cli(*args).out
    assert f"Error on the day of the last P0: default {default:.2f} working days, calibrated {calibrated:.2f}." in table


def test_calibrate_fits_on_the_history_and_says_so(shop, cli):
    doc = cli("simulate", shop, "--calibrate", "--runs", "5", "--no-codemod", "--format", "json").json()
    assert doc["calibration"]["source"] == "history" and doc["calibration"]["commits"] == 6
    assert "Effort model fitted on 6 commits" in cli("simulate", shop, "--calibrate", "--runs", "5",
                                                     "--no-codemod").out


def test_calibrate_without_history_keeps_the_defaults_and_says_why(tree, cli):
    from test_plan_codemod import SHOP

    result = cli("simulate", tree(SHOP, base=False), "--calibrate", "--runs", "5", "--no-codemod", "--no-cache")
    assert result.code == 0, result.err
    assert "Effort model: the defaults ([simulate] of the configuration), not fitted on history: no git history" \
        in result.out


def test_backtest_needs_a_revision_of_the_history(shop, cli):
    result = cli("simulate", shop, "--figure", "x.png")
    assert result.code == 2 and "--figure needs --backtest REV" in result.err
    assert json.loads(cli("simulate", shop, "--runs", "3", "--no-codemod", "--format", "json").out)["recommended"]
