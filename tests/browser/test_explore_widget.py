"""``Audit.explore()`` as JupyterLab runs it, in headless Chromium: the widget's own JavaScript
(its ESM, rendered with a model as anywidget hands it one) shows the explorer in a sandboxed
frame, a real click on a module in that frame sends the module's chain from the Golden Path to
the model, and Python reads it back as ``.selected``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from cdp import launch
from pages import _event_problems, open_tab

CHROMIUM = os.environ.get("WSAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# What anywidget gives ``render``: a model with get, set and save_changes. This one records the
# values set and saved, which the widget's comm would carry to the kernel.
HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>explore() harness</title></head>
<body><div id="out"></div>
<script type="application/json" id="state">%STATE%</script>
<script type="application/json" id="esm">%ESM%</script>
<script type="module">
const state = JSON.parse(document.getElementById("state").textContent);
const esm = JSON.parse(document.getElementById("esm").textContent);
window.saved = [];
const model = {
  get: key => state[key],
  set: (key, value) => { state[key] = value; },
  save_changes: () => { window.saved.push(JSON.parse(JSON.stringify(state.selection))); },
  on: () => {}, off: () => {},
};
const widget = await import(URL.createObjectURL(new Blob([esm], {type: "text/javascript"})));
widget.default.render({model, el: document.getElementById("out")});
window.harnessReady = true;
</script></body></html>
"""


def test_a_click_in_the_widget_brings_the_modules_chain_back_to_python(tmp_path):
    import wsaudit
    from wsaudit.explorer.page import embed_json
    from wsaudit.explorer.widget import _ESM

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `make test-browser` installs Debian's chromium")
    a = wsaudit.audit(REPO / "data" / "sample_repo", cache=False)
    ex = a.explore(height=700)
    state = {"page": ex.page, "modules": ex.modules, "selection": [], "height": ex.height}
    harness = tmp_path / "harness.html"
    harness.write_text(HARNESS.replace("%STATE%", embed_json(state)).replace("%ESM%", embed_json(_ESM)),
                       encoding="utf-8")
    # the module with violations farthest from the Golden Path (ties: the first by name)
    reached = [r for r in a.module_ranks.values()
               if r.golden_distance and any(v.module == r.module for v in a.violation_records)]
    target = min(reached, key=lambda r: (-r.golden_distance, r.module))

    with launch(CHROMIUM) as browser:
        session = open_tab(browser)
        start = len(browser.events)
        # the frame is of another, opaque origin (sandboxed): the harness cannot reach into it,
        # the browser's protocol can, through a session of the frame's own
        browser.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True},
                     session=session)
        browser.send("Page.navigate", {"url": harness.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        browser.drain(1.5)

        def evaluate(expression: str, where: str = session):
            answer = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True}, session=where)
            assert "exceptionDetails" not in answer, answer
            return answer["result"].get("value")

        assert evaluate("window.harnessReady") is True
        frames = [e["params"]["sessionId"] for e in browser.events[start:]
                  if e.get("method") == "Target.attachedToTarget" and e["params"]["targetInfo"]["type"] == "iframe"]
        assert len(frames) == 1, frames
        inside = frames[0]
        browser.send("Runtime.enable", session=inside)
        assert evaluate("!!(window.wsauditExplorer && window.wsauditExplorer.ready)", inside) is True
        names = evaluate("window.wsauditExplorer.data.modules.map(m => m[0])", inside)
        index = names.index(target.module)
        evaluate(f"window.wsauditExplorer.toggle(window.wsauditExplorer.data.modules[{index}][2], true); "
                 f"window.wsauditExplorer.cy.fit(window.wsauditExplorer.cy.getElementById('m{index}'), 200); true",
                 inside)
        browser.drain(0.3)
        # a real mouse click at the module's place on the screen: the frame's offset plus the node's
        fx, fy = evaluate("(() => { const r = document.querySelector('iframe').getBoundingClientRect(); "
                          "return [r.left, r.top]; })()")
        x, y = evaluate(f"""(() => {{ const X = window.wsauditExplorer, n = X.cy.getElementById('m{index}');
            const box = X.cy.container().getBoundingClientRect(), p = n.renderedPosition();
            return [box.left + p.x, box.top + p.y]; }})()""", inside)
        for kind in ("mousePressed", "mouseReleased"):
            browser.send("Input.dispatchMouseEvent", {"type": kind, "x": fx + x, "y": fy + y, "button": "left",
                                                      "clickCount": 1}, session=session)
        browser.drain(0.5)
        saved = evaluate("window.saved")
        problems = _event_problems(browser.events[start:], session) + _event_problems(browser.events[start:], inside)

    assert saved and saved[-1] == list(target.golden_chain)
    ex.set_state({"selection": saved[-1]})  # what the comm does with the saved state
    assert list(ex.selected["module"]) == list(target.golden_chain)
    assert list(ex.selected["chosen"]) == [False] * (len(target.golden_chain) - 1) + [True]
    assert not problems
