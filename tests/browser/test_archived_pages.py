"""The landing page of a kept run (``report --archive``), second run of a small repository,
opened in headless Chromium (``make test-browser``): its change table and trend figure are
there, no console error, no broken image, no dead link, no network request; and the report
folder's own ``index.html`` (the latest run's page, its links resolved in the run's folder)
just as well."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cdp import launch
from conftest import BASE_TREE, commit, git, stand_in_notebooks, write_tree
from pages import dead_links, open_tab, visit

CHROMIUM = os.environ.get("WSAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# A chat service: the lobby and the rooms build their manager the old way; then a commit adds
# direct messages the old way too and moves the lobby to the new API.
BEFORE = {
    **BASE_TREE,
    "pkg/chat/__init__.py": "",
    "pkg/chat/lobby.py": "from pkg.core import create_websocket_manager\n\n"
                         "def open_lobby(ctx):\n    return create_websocket_manager(ctx)\n",
    "pkg/chat/rooms.py": "from pkg.core import create_websocket_manager\n\n"
                         "def open_room(ctx):\n    return create_websocket_manager(ctx)\n",
}
AFTER = {
    "pkg/chat/lobby.py": "from pkg.core.manager import Manager\n\ndef open_lobby(ctx):\n    return Manager()\n",
    "pkg/chat/direct.py": "import pkg.core\n\n"
                          "def open_direct(ctx):\n    return pkg.core.create_websocket_manager(user_context=ctx)\n",
}

CHANGES = """(() => ({
  rows: Array.from(document.querySelectorAll('table.change-table tbody tr')).map(r => r.cells[0].textContent),
  trend: Array.from(document.querySelectorAll('img.trend')).map(i => i.complete && i.naturalWidth > 0),
  first: document.querySelector('main h2') && document.querySelector('main h2').textContent,
}))()"""


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    from wsaudit.cli import main

    base = tmp_path_factory.mktemp("archived")
    repo = write_tree(base / "repo", BEFORE)
    git(repo, "init", "--quiet", "-b", "main")
    commit(repo, "chat service")
    nbs = stand_in_notebooks(base / "nbs")
    out = base / "out"
    args = ["report", str(repo), "--output", str(out), "--runs", "5", "--notebooks", str(nbs), "--archive",
            "--no-cache", "--quiet"]
    assert main(args) == 0
    write_tree(repo, AFTER)
    commit(repo, "direct messages; the lobby on Manager")
    assert main(args) == 0
    return out, json.loads((out / "runs.json").read_text())[-1]["run"]


@pytest.fixture(scope="module")
def visited(archived):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `make test-browser` installs Debian's chromium")
    out, run = archived
    with launch(CHROMIUM) as browser:
        session = open_tab(browser)
        pages, shown = {}, {}
        for path in [out / "index.html", *sorted((out / "runs" / run).glob("*.html"))]:
            page = visit(browser, session, path)
            pages[page.url] = page
            if path.name == "index.html":
                shown[path] = browser.send("Runtime.evaluate", {"expression": CHANGES, "returnByValue": True},
                                           session=session)["result"]["value"]
    return pages, shown


def test_the_second_runs_landing_page_shows_the_change_and_the_trend(archived, visited):
    out, run = archived
    _, shown = visited
    for path in (out / "index.html", out / "runs" / run / "index.html"):
        seen = shown[path]
        assert seen["first"] == "What changed since the previous run", seen
        assert seen["rows"] == ["New", "Fixed", "Fixed"], seen
        assert seen["trend"] == [True], seen


def test_every_page_of_the_run_loads_cleanly_offline_with_no_dead_link(visited):
    pages, _ = visited
    problems = {url: page.problems for url, page in pages.items() if page.problems}
    assert not problems, problems
    assert not dead_links(pages)
