"""Every page of a fresh report, opened in headless Chromium as a reader would open it
(``make test-browser``): no console error, no broken image, no dead link, no network request."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from cdp import launch  # noqa: E402
from pages import dead_links, open_tab, visit  # noqa: E402

CHROMIUM = os.environ.get("WSAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    from wsaudit.cli import main

    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(REPO / "data" / "sample_repo"), "--output", str(out), "--runs", "40",
                 "--no-cache", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def visited(report_dir):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `make test-browser` installs Debian's chromium")
    shots = os.environ.get("WSAUDIT_SCREENSHOTS")  # a folder: keep a PNG of each page there
    with launch(CHROMIUM) as browser:
        session = open_tab(browser)
        pages = {}
        for path in sorted(report_dir.glob("*.html")):
            page = visit(browser, session, path)
            pages[page.url] = page
            if shots:
                import base64

                shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
                Path(shots).mkdir(parents=True, exist_ok=True)
                (Path(shots) / f"{path.stem}.png").write_bytes(base64.b64decode(shot["data"]))
    return pages


def test_every_page_loads_cleanly_offline(visited):
    problems = {url: page.problems for url, page in visited.items() if page.problems}
    assert not problems, problems


def test_no_link_is_dead_and_every_page_is_reachable_from_the_index(visited, report_dir):
    assert not dead_links(visited)
    index = visited[(report_dir / "index.html").resolve().as_uri()]
    linked = {link.split("#")[0] for link in index.links}
    assert {url for url in visited if not url.endswith("/index.html")} <= linked
    for url, page in visited.items():
        if not url.endswith("/index.html"):
            assert index.url in {link.split("#")[0] for link in page.links}, f"{url} does not link back"


def test_titles_and_headings_are_words(visited):
    for page in visited.values():
        assert page.title and ".ipynb" not in page.title and "_" not in page.title, page.title
        assert page.headings and all("_" not in h for h in page.headings), (page.url, page.headings)
