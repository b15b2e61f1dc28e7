"""The import-graph explorer in headless Chromium, as a reader uses it: on the sample and on a
generated tree, it loads with no console error and no network request, a click on a package
expands it, a click on a module highlights its chain from the Golden Path (the chain of its
rank), and a tier filter changes how many modules are shown."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "benchmarks"))

from cdp import launch  # noqa: E402
from pages import _event_problems, open_tab  # noqa: E402

CHROMIUM = os.environ.get("WSAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _tree(name: str, tmp_path_factory) -> Path:
    if name == "sample":
        return REPO / "data" / "sample_repo"
    from gentree import generate_tree

    dest = tmp_path_factory.mktemp("gen") / "gen300"
    generate_tree(dest, 300)
    return dest


@pytest.fixture(scope="module", params=["sample", "gen300"])
def explorer(request, tmp_path_factory):
    """(the tree's audit, the page opened in a browser: a function that evaluates JavaScript in
    it, a function that clicks at a node, and the problems seen since it was opened)."""
    import wsaudit
    from wsaudit.render.explorer import explorer_html

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `make test-browser` installs Debian's chromium")
    tree = _tree(request.param, tmp_path_factory)
    a = wsaudit.audit(tree, cache=False)
    page = tmp_path_factory.mktemp("explorer") / "explorer.html"
    page.write_text(explorer_html(a), encoding="utf-8")
    with launch(CHROMIUM) as browser:
        session = open_tab(browser)
        start = len(browser.events)
        browser.send("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        browser.drain(0.5)

        def js(expression: str):
            answer = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True}, session=session)
            assert "exceptionDetails" not in answer, answer
            return answer["result"].get("value")

        def click(node_id: str) -> None:
            """A real mouse click at the node's place on the screen."""
            x, y = js(f"""(() => {{ const X = window.wsauditExplorer, n = X.cy.getElementById({json.dumps(node_id)});
                const box = X.cy.container().getBoundingClientRect(), p = n.renderedPosition();
                return [box.left + p.x, box.top + p.y]; }})()""")
            for kind in ("mousePressed", "mouseReleased"):
                browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                          "clickCount": 1}, session=session)
            browser.drain(0.3)

        yield a, js, click, lambda: _event_problems(browser.events[start:], session)


def test_it_loads_cleanly_offline(explorer):
    a, js, _, problems = explorer
    assert js("window.wsauditExplorer.ready") is True
    assert js("window.wsauditExplorer.visibleModules()") == len(a.graph)
    assert not problems()


def test_a_click_on_a_module_highlights_its_chain_from_the_golden_path(explorer):
    a, js, click, problems = explorer
    # the module with violations farthest from the Golden Path (ties: the first by name)
    reached = [r for r in a.module_ranks.values()
               if r.golden_distance and any(v.module == r.module for v in a.violation_records)]
    target = min(reached, key=lambda r: (-r.golden_distance, r.module))
    names = js("window.wsauditExplorer.data.modules.map(m => m[0])")
    index = names.index(target.module)
    group = js(f"window.wsauditExplorer.data.modules[{index}][2]")
    js("window.wsauditExplorer.unselect(); window.wsauditExplorer.cy.fit(); true")
    click(f"g{group}")  # the package, collapsed at first, opens
    assert js(f"window.wsauditExplorer.state.expanded.has({group})") is True
    js(f"window.wsauditExplorer.cy.fit(window.wsauditExplorer.cy.getElementById('m{index}'), 200); true")
    click(f"m{index}")
    assert js("window.wsauditExplorer.chain()") == list(target.golden_chain)
    assert js("window.wsauditExplorer.highlighted()") == sorted(target.golden_chain)
    # the side panel names the module and lists its violations
    panel = js("document.getElementById('panel').textContent")
    assert target.module in panel and f"Violations ({sum(v.module == target.module for v in a.violation_records)})" in panel
    assert not problems()


def test_a_tier_filter_changes_the_modules_shown(explorer):
    a, js, _, problems = explorer
    js("window.wsauditExplorer.unselect(); true")
    before = js("window.wsauditExplorer.visibleModules()")
    p2 = sum(r.tier == "P2" for r in a.module_ranks.values())
    assert p2 > 0
    js("document.getElementById('tier-P2').click(); true")  # the checkbox, as a reader unticks it
    assert js("window.wsauditExplorer.visibleModules()") == before - p2
    js("document.getElementById('tier-P2').click(); true")
    assert js("window.wsauditExplorer.visibleModules()") == before
    assert not problems()
