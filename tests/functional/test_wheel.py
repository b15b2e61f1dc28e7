"""A wheel carries everything ``wsaudit report`` needs: the notebooks and the profiles are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from conftest import REPO, SAMPLE


def test_a_wheel_installed_elsewhere_runs_the_report(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            str(REPO), "-w", str(tmp_path / "dist")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("wsaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n for n in names if n.endswith(".ipynb")) == [
        f"wsaudit/notebooks/{n}.ipynb"
        for n in ("01_import_graph", "02_violations", "03_ranking", "04_migration", "05_summary", "06_burndown")]
    assert "wsaudit/profiles/netra-websocket.toml" in names
    # the explorer's library and its licence
    assert {"wsaudit/explorer/vendor/cytoscape.min.js", "wsaudit/explorer/vendor/cytoscape.LICENSE"} <= set(names)
    # every module of the source tree is in the wheel (pyproject lists the packages by hand)
    sources = {p.relative_to(REPO).as_posix() for p in (REPO / "wsaudit").rglob("*.py")}
    assert sources - set(names) == set()
    site = tmp_path / "site"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                                str(wheel)], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-2000:]
    # The installed copy comes first on the path (and reaches the kernel through the environment),
    # away from the repository, so nothing can be found next to the source tree by accident.
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-c", "import sys, wsaudit, wsaudit.cli; print(wsaudit.__file__); "
                           "sys.exit(wsaudit.cli.main(sys.argv[1:]))", "report", str(SAMPLE), "--output", str(out),
                           "--runs", "5", "--no-cache"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines()[0].startswith(str(site))
    assert {p.name for p in out.glob("*.html")} == {
        "index.html", "explorer.html", "01_import_graph.html", "02_violations.html", "03_ranking.html", "04_migration.html", "05_summary.html"}
    assert "sample_repo: 46 Python files" in (out / "05_summary.html").read_text(encoding="utf-8")
    assert "cytoscape" in (out / "explorer.html").read_text(encoding="utf-8")  # the library, from the wheel
