"""Time the import-graph explorer in headless Chromium (not a test: prints a table).

    .venv/bin/python benchmarks/bench_explorer.py [TREE ...] [--chromium /usr/bin/chromium]

For each tree (default: the sample and a generated ``gen10k`` tree under
``benchmarks/.work/``): the audit and the page (``wsaudit graph TREE --format html``), its size,
then in headless Chromium (the DevTools pipe of ``tests/browser/cdp.py``) the time from
navigation to the page drawn and ready (``window.wsauditExplorer.ready``, after the next frame),
and the time to answer a click on a module: the module with violations that is farthest from
the Golden Path (the longest chain to highlight), from the call to the next frame drawn. Any
console error or network request is listed; the page must have none.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(HERE))

from cdp import launch  # noqa: E402
from pages import _event_problems, open_tab  # noqa: E402

# the farthest module with violations that the Golden Path reaches (a tie: the first by name)
PICK = """(() => { const M = window.wsauditExplorer.data.modules; let best = -1;
  M.forEach((m, i) => { if (m[9] > 0 && m[4] >= 0 && (best < 0 || m[4] > M[best][4])) best = i; });
  return best; })()"""
CLICK = """new Promise(done => { const t0 = performance.now(); window.wsauditExplorer.select(%d);
  requestAnimationFrame(() => requestAnimationFrame(() => done({ms: performance.now() - t0,
    chain: window.wsauditExplorer.chain(), shown: window.wsauditExplorer.visibleModules()}))); })"""
READY = """new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done({
  ready: !!(window.wsauditExplorer && window.wsauditExplorer.ready), shown: window.wsauditExplorer.visibleModules(),
  nav: performance.timeOrigin, now: performance.now()}))))"""


def build(tree: Path, out: Path) -> tuple[float, int]:
    """Audit ``tree`` and write its explorer page to ``out``: (seconds, bytes)."""
    from wsaudit.cli import main

    start = time.perf_counter()
    code = main(["graph", str(tree), "--format", "html", "--output", str(out), "--quiet", "--no-cache"])
    if code != 0:
        raise SystemExit(f"wsaudit graph {tree} exited {code}")
    return time.perf_counter() - start, out.stat().st_size


def measure(chromium: str, page: Path) -> dict:
    """Open ``page``; the time to load it and to answer a click on a module."""
    with launch(chromium) as browser:
        session = open_tab(browser)
        start_events = len(browser.events)
        t0 = time.perf_counter()
        browser.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired", timeout=120)
        ready = browser.send("Runtime.evaluate", {"expression": READY, "awaitPromise": True, "returnByValue": True},
                             session=session, timeout=120)["result"]["value"]
        load = time.perf_counter() - t0
        pick = browser.send("Runtime.evaluate", {"expression": PICK, "returnByValue": True},
                            session=session)["result"]["value"]
        t1 = time.perf_counter()
        clicked = browser.send("Runtime.evaluate", {"expression": CLICK % pick, "awaitPromise": True,
                                                    "returnByValue": True}, session=session, timeout=120)
        click_wall = time.perf_counter() - t1
        browser.drain(0.5)
        problems = _event_problems(browser.events[start_events:], session)
    value = clicked["result"]["value"]
    return {"load_s": round(load, 3), "ready": ready["ready"], "shown_at_load": ready["shown"],
            "click_s": round(value["ms"] / 1000, 3), "click_wall_s": round(click_wall, 3),
            "chain": value["chain"], "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*", type=Path)
    parser.add_argument("--chromium", default=os.environ.get("WSAUDIT_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--work", type=Path, default=HERE / ".work" / "explorer")
    parser.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    trees = args.trees
    if not trees:
        from gentree import generate_tree

        gen = args.work / "gen10k"
        if not (gen / "wsaudit.toml").is_file():
            generate_tree(gen)
        trees = [REPO / "data" / "sample_repo", gen]
    rows = []
    for tree in trees:
        page = args.work / f"{tree.name}.explorer.html"
        seconds, size = build(tree, page)
        row = {"tree": tree.name, "build_s": round(seconds, 2), "bytes": size, **measure(args.chromium, page)}
        rows.append(row)
    if args.json:
        print(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "rows": rows}, indent=1))
        return 0
    print(f"{platform.platform()}, {os.cpu_count()} cpus")
    print("| tree | audit + page (s) | page (MB) | load (s) | click (s) | chain length | problems |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['tree']} | {r['build_s']:.2f} | {r['bytes'] / 1e6:.2f} | {r['load_s']:.2f} | "
              f"{r['click_s']:.2f} | {len(r['chain'])} | {'; '.join(r['problems']) or 'none'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
