"""``Audit.explore()`` in a real JupyterLab, in headless Chromium: a notebook that calls it shows
the explorer inline (anywidget's front end, the page in its frame), a selection in the page
reaches the kernel, and the kernel reads it back.

The server is JupyterLab from the ``notebooks`` extra, started for this test on a free port of
localhost with ``--expose-app-in-browser`` (so that the test can run the notebook's cells
through JupyterLab's own commands), and stopped after it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from cdp import launch
from pages import open_tab

CHROMIUM = os.environ.get("WSAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
TARGET = "netra_backend.app.services.compat"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(sample: Path) -> dict:
    cells = [f"import wsaudit\na = wsaudit.audit({str(sample)!r}, cache=False)\nex = a.explore()\nex",
             "print(json.dumps(ex.selection)); print(list(ex.selected['chosen']))"]
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                       "source": ("import json\n" if i else "") + text} for i, text in enumerate(cells)],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


@pytest.fixture
def lab(tmp_path):
    port = _free_port()
    (tmp_path / "explore.ipynb").write_text(json.dumps(_notebook(REPO / "data" / "sample_repo")), encoding="utf-8")
    log = (tmp_path / "lab.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", "--expose-app-in-browser",
         f"--ServerApp.root_dir={tmp_path}", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not listen: {(tmp_path / 'lab.log').read_text(errors='replace')[-2000:]}")
        yield f"http://localhost:{port}/lab/tree/explore.ipynb"
    finally:
        server.terminate()  # our own child, by its handle
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_explore_in_jupyterlab_shows_the_explorer_and_its_selection_reaches_the_kernel(lab):
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `make test-browser` installs Debian's chromium")
    with launch(CHROMIUM, width=1500, height=1000) as browser:
        session = open_tab(browser)
        browser.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True},
                     session=session)
        browser.send("Page.navigate", {"url": lab}, session=session)

        def evaluate(expression: str, where: str = session):
            answer = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True}, session=where)
            assert "exceptionDetails" not in answer, answer
            return answer["result"].get("value")

        def wait(expression: str, where: str = session, seconds: float = 90) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                browser.drain(0.5)
                if evaluate(expression, where):
                    return
            pytest.fail(f"waited {seconds} s for {expression}")

        wait("!!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))")
        wait("(() => { const w = window.jupyterapp.shell.currentWidget;"
             " return !!(w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel); })()")
        evaluate("window.jupyterapp.commands.execute('notebook:run-cell').then(() => true)")  # the first cell
        wait("document.querySelectorAll('.jp-OutputArea iframe').length === 1")
        frames = []
        deadline = time.monotonic() + 30
        while not frames and time.monotonic() < deadline:
            browser.drain(0.5)
            frames = [e["params"]["sessionId"] for e in browser.events if e.get("method") == "Target.attachedToTarget"
                      and e["params"]["targetInfo"]["type"] == "iframe"]
        assert len(frames) == 1, frames
        inside = frames[0]
        browser.send("Runtime.enable", session=inside)
        wait("!!(window.wsauditExplorer && window.wsauditExplorer.ready)", inside)
        chain = evaluate(f"window.wsauditExplorer.select({json.dumps(TARGET)}); window.wsauditExplorer.chain()", inside)
        assert chain[-1] == TARGET
        browser.drain(1.0)
        # the second cell prints what the kernel holds
        evaluate("""(async () => { const nb = window.jupyterapp.shell.currentWidget.content;
            nb.activeCellIndex = 1; await window.jupyterapp.commands.execute('notebook:run-cell'); return true; })()""")
        wait("(() => { const o = window.jupyterapp.shell.currentWidget.content.widgets[1].outputArea.model.toJSON();"
             " return o.length > 0; })()")
        printed = evaluate("window.jupyterapp.shell.currentWidget.content.widgets[1].outputArea.model.toJSON()"
                           ".map(o => o.text).join('')")
    selection, chosen = printed.strip().splitlines()
    assert json.loads(selection) == chain
    assert chosen == str([False] * (len(chain) - 1) + [True])
