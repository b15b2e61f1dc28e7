"""``wsaudit report``: notebooks run with papermill into a report folder; history; failures."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_DIR, SAMPLE

from wsaudit.report.runner import KERNEL_NAME, NOTEBOOKS, ensure_kernel, report


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    """One full run of the command, as `make audit` does it."""
    from wsaudit.cli import main

    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(SAMPLE), "--output", str(out), "--runs", "50"]) == 0
    return out


def test_report_writes_notebooks_html_tables_and_history(full_report):
    for name in NOTEBOOKS:
        executed = nbformat.read(full_report / f"{name}.ipynb", as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code)
        assert any(c.metadata.get("tags") == ["injected-parameters"] for c in executed.cells)
        html = (full_report / f"{name}.html").read_text(encoding="utf-8")
        assert "wsaudit.audit(repo_path" not in html  # no code cells
        assert "sample_repo: 46 Python files" in html
    rows = json.loads((full_report / "violations.json").read_text())
    assert len(rows) == 102 and {"tier", "reason"} <= set(rows[0])
    assert (full_report / "plan.csv").read_text().startswith("wave,path,module,tier,violations,hours,tests")
    assert str(full_report) not in (full_report / "violations.json").read_text()
    history = list(csv.DictReader(open(full_report / "history.csv")))
    assert len(history) == 1 and history[0]["violations"] == "102" and history[0]["P0"] == "32"
    assert len(history[0]["commit"]) == 40  # the sample sits inside this git checkout
    assert (full_report / "burndown.png").read_bytes()[:4] == b"\x89PNG"


def test_parameters_change_the_outputs_and_history_grows(tmp_path, tree):
    out = tmp_path / "out"
    first = report(SAMPLE, out, seed=0, runs=20, notebooks=("05_summary",))
    second = report(SAMPLE, out, seed=1, runs=20, notebooks=("05_summary",))
    assert first["summary"]["days_to_done_p50"] != second["summary"]["days_to_done_p50"]
    other = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n"})
    third = report(other, out, config=other / "wsaudit.toml", runs=20, notebooks=("05_summary",))
    history = list(csv.DictReader(open(out / "history.csv")))
    assert [(h["repo"], h["seed"]) for h in history] == [("sample_repo", "0"), ("sample_repo", "1"), ("repo", "0")]
    assert history[2]["violations"] == str(third["summary"]["violations"]) != history[0]["violations"]
    executed = nbformat.read(out / "05_summary.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "seed = 0" in injected.source and f'repo_path = "{other}"' in injected.source
    page = (out / "05_summary.html").read_text(encoding="utf-8")
    assert "repo: 6 Python files" in page
    # a tree without [report] baseline: a sentence, not a Python string's repr in quotes
    assert "No baseline is configured ([report] baseline)" in page
    assert not re.search(r"(&#x27;|&#39;|')No baseline", page)


def test_the_same_input_gives_the_same_notebook_and_page_byte_for_byte(tmp_path):
    # papermill stamps clock times and durations on every cell and gives the injected cell a
    # random id: a scheduled report's folder would differ each night with nothing changed
    out, moment = tmp_path / "out", dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    kept = []
    for _ in range(2):
        report(SAMPLE, out, seed=0, runs=20, notebooks=("05_summary",), now=moment)
        kept.append({name: (out / name).read_bytes() for name in ("05_summary.ipynb", "05_summary.html", "index.html")})
    assert kept[0] == kept[1]
    executed = nbformat.read(out / "05_summary.ipynb", as_version=4)
    assert not any(key in executed.metadata.papermill for key in ("start_time", "end_time", "duration"))
    assert [c.id for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])] == ["injected-parameters"]


def test_notebooks_run_side_by_side_never_move_the_callers_folder(tmp_path, monkeypatch):
    # notebooks run in threads: a process-wide chdir per notebook (papermill's cwd=) left the
    # caller in the notebooks' folder whenever a later notebook outlived an earlier one (seen on
    # `make audit`: "Tables: ... in notebooks/reports"); the kernels start in that folder instead
    import os

    import nbformat as nbf

    folder = tmp_path / "nbs"
    folder.mkdir()
    for name in ("01_first", "02_second"):
        nb = nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("seed = 0"), nbf.v4.new_code_cell("import os; print(os.getcwd())")],
                                 metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}})
        nb.cells[0].metadata["tags"] = ["parameters"]
        nbf.write(nb, folder / f"{name}.ipynb")
    caller = tmp_path / "caller"
    caller.mkdir()
    monkeypatch.chdir(caller)
    moves = []
    monkeypatch.setattr(os, "chdir", lambda path, _chdir=os.chdir: (moves.append(str(path)), _chdir(path)))
    report(SAMPLE, tmp_path / "out", runs=5, notebooks=("01_first", "02_second"), source_dir=folder, jobs=2)
    # (papermill's file handler still chdirs around each read and write, to a folder it found
    # earlier: a global of papermill's, restored each time, never the notebooks')
    assert str(folder) not in moves and Path.cwd() == caller
    executed = nbformat.read(tmp_path / "out" / "02_second.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"].strip() == str(folder)  # the kernel ran in the notebooks' folder


def test_extra_parameters_reach_the_notebook(tmp_path):
    from wsaudit.cli import main

    assert main(["report", str(SAMPLE), "--output", str(tmp_path), "--runs", "5", "-p", "runs", "7",
                 "--notebooks", str(_only(tmp_path / "nbs", "04_migration"))]) == 0
    executed = nbformat.read(tmp_path / "04_migration.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "runs = 7" in injected.source


def _only(folder: Path, *names: str) -> Path:
    """A notebooks folder holding the given notebooks, and stand-ins that just succeed."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        if name in names:
            shutil.copy(NOTEBOOK_DIR / f"{name}.ipynb", folder)
        else:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("seed = 0")],
                                          metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                                                    "language_info": {"name": "python"}})
            nb.cells[0].metadata["tags"] = ["parameters"]
            nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_a_failing_cell_fails_the_command_naming_cell_and_error(tmp_path):
    folder = _only(tmp_path / "nbs")
    broken = nbformat.read(folder / "02_violations.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("x = 1"))
    broken.cells.append(nbformat.v4.new_code_cell("raise ValueError('planted failure')"))
    nbformat.write(broken, folder / "02_violations.ipynb")
    proc = subprocess.run([sys.executable, "-m", "wsaudit", "report", str(SAMPLE), "--output", str(tmp_path / "out"),
                           "--runs", "5", "--notebooks", str(folder)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "wsaudit: error: 02_violations.ipynb: cell 4 failed: ValueError: planted failure")
    assert "Traceback" not in proc.stderr
    partial = nbformat.read(tmp_path / "out" / "02_violations.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in partial.cells if c.cell_type == "code" for o in c.outputs)
    assert not (tmp_path / "out" / "history.csv").exists()


def test_the_papermill_cli_runs_a_notebook_the_same_way(tmp_path):
    out = tmp_path / "violations.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    proc = subprocess.run([str(papermill), str(NOTEBOOK_DIR / "02_violations.ipynb"), str(out),
                           "-p", "repo_path", str(SAMPLE), "--cwd", str(NOTEBOOK_DIR)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    executed = nbformat.read(out, as_version=4)
    texts = [o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert "sample_repo: 46 Python files; configuration: wsaudit.toml\n" in texts


def test_the_kernel_is_this_interpreter():
    from jupyter_client.kernelspec import KernelSpecManager

    assert ensure_kernel() == KERNEL_NAME
    assert KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv[0] == sys.executable


# ---------------------------------------------------------------- pages for people (issue 16)

STORY = ("seed", "netra", "login", "AI response", "critical flow", "567", "remediation", "WebSocketManager",
         "line-regex scanner")


def test_index_links_every_page_and_every_page_links_back(full_report):
    index = (full_report / "index.html").read_text(encoding="utf-8")
    pages = sorted(p.name for p in full_report.glob("*.html") if p.name not in ("index.html", "explorer.html"))
    assert pages == [f"{n}.html" for n in NOTEBOOKS]
    # the explorer is linked first, from the index and from every page's navigation
    links = re.findall(r'<li><a href="([^"]+)"', index)
    assert links[0] == "explorer.html" and links[1:] == pages
    explorer = (full_report / "explorer.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in explorer and "<script src=" not in explorer
    assert re.search(r"<title>[^<_]+ - [^<_]+</title>", explorer)
    for page in pages:
        assert '<a href="explorer.html">' in (full_report / page).read_text(encoding="utf-8")
    for page in pages:
        assert f'href="{page}"' in index
        text = (full_report / page).read_text(encoding="utf-8")
        assert 'href="index.html"' in text
        assert "<script src=" not in text and "cdnjs" not in text and "mathjax" not in text.lower()
        assert re.search(r"<title>[^<_]+ - [^<_]+</title>", text), page  # in words, not a file name
        assert 'alt="A figure of this report"' not in text  # every figure says what it shows
        assert all(alt.strip() for alt in re.findall(r'<img[^>]*alt="([^"]*)"', text))
        assert "data:image/png;base64," in text or page == "02_violations.html"  # embedded, not linked
    for words in ("102", "32", "violations in 30 files", "Against the baseline", "567"):
        assert words in index  # the headline, and the profile's own baseline


def test_a_report_of_another_tree_has_none_of_the_samples_words(tmp_path, tree):
    other = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n",
                  "wsaudit.toml": RULES_WITH_GOLDEN_PATH})
    out = tmp_path / "out"
    report(other, out, config=other / "wsaudit.toml", runs=10)
    for page in out.glob("*.html"):
        text = _visible_text(page.read_text(encoding="utf-8"))
        found = [w for w in STORY if re.search(rf"\b{re.escape(w)}\b", text, re.I)]
        assert not found, (page.name, found)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Deprecated API audit of repo" in index and "No baseline is configured" in index


def test_the_configured_words_and_baseline_reach_the_pages(tmp_path, tree):
    previous = {"violations": 9, "P0": 1, "files_with_violations": 4, "days_to_done_p50": 3.5}
    other = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n",
                  "reports/summary.json": json.dumps(previous),
                  "wsaudit.toml": RULES_WITH_GOLDEN_PATH + '[report]\ntitle = "Core factory removal"\n'
                                  'golden_path = "The Golden Path is the checkout flow."\n'
                                  'baseline = "reports/summary.json"\n'})
    out = tmp_path / "out"
    report(other, out, config=other / "wsaudit.toml", runs=10)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Core factory removal</h1>" in index and "The Golden Path is the checkout flow." in index
    assert "the previous report (reports/summary.json)" in index and "working days to done" in index
    summary_page = (out / "05_summary.html").read_text(encoding="utf-8")
    assert "<title>Summary - Core factory removal</title>" in summary_page and "checkout flow" in summary_page


def _visible_text(page: str) -> str:
    """What a reader can read on a page (and its alt texts): no styles, scripts or image data."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + alts


RULES_WITH_GOLDEN_PATH = """
[golden_path]
modules = ["pkg.user"]

[[rule]]
id = "R1"
symbol = "pkg.core.create_websocket_manager"
replacement = "pkg.core.manager.Manager"
message = "create_websocket_manager() is deprecated; use pkg.core.manager.Manager"
"""


def test_the_committed_notebooks_run_on_the_wsaudit_kernel():
    for name in NOTEBOOKS:
        nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
        assert nb.metadata["kernelspec"]["name"] == KERNEL_NAME, name


def test_papermill_paths_are_relative_to_the_caller(tmp_path):
    from conftest import REPO

    papermill = Path(sys.executable).parent / "papermill"
    out = tmp_path / "violations.ipynb"
    proc = subprocess.run([str(papermill), "notebooks/02_violations.ipynb", str(out),
                           "-p", "repo_path", "data/sample_repo", "-p", "output_dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    texts = [o.get("text", "") for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"
             for o in c.outputs]
    assert "sample_repo: 46 Python files; configuration: wsaudit.toml\n" in texts


def test_the_report_audits_once_and_hands_the_audit_to_every_notebook(full_report):
    import wsaudit

    snapshot = full_report / "audit.json"
    for name in NOTEBOOKS:
        executed = nbformat.read(full_report / f"{name}.ipynb", as_version=4)
        injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f"audit_path = {str(snapshot)!r}".replace("'", '"') in injected.source
    loaded = wsaudit.load_audit(snapshot, SAMPLE)
    fresh = wsaudit.audit(SAMPLE, cache=False)
    assert loaded.rank_rows() == fresh.rank_rows() and loaded.violation_records == fresh.violation_records
    assert sorted(loaded.graph.edges(data=True)) == sorted(fresh.graph.edges(data=True))
    assert str(SAMPLE) not in snapshot.read_text(encoding="utf-8")  # the root is given again when loading


def test_the_ranking_travels_with_the_audit_and_is_the_ranking_made_afresh(full_report, monkeypatch):
    import wsaudit
    import wsaudit.analysis.rank

    fresh = wsaudit.audit(SAMPLE, cache=False)
    expected = (fresh.module_ranks, fresh.ranked, fresh.rank_rows("file"))

    def no_ranking(*args):
        raise AssertionError("ranked again")

    monkeypatch.setattr(wsaudit.analysis.rank, "rank_modules", no_ranking)
    loaded = wsaudit.load_audit(full_report / "audit.json", SAMPLE)
    assert (loaded.module_ranks, loaded.ranked, loaded.rank_rows("file")) == expected
    assert all(r.violation is v for r, v in zip(sorted(loaded.ranked, key=lambda r: r.violation.sort_key()),
                                                loaded.violation_records))  # the audit's own records


def test_an_audit_saved_with_another_configuration_is_refused(full_report, tmp_path):
    import pytest

    import wsaudit
    from wsaudit.errors import InputError

    other = tmp_path / "other.toml"
    other.write_text('[[rule]]\nid = "R"\nmodule = "netra_backend.app.websocket_core.factory"\n')
    with pytest.raises(InputError, match="another configuration"):
        wsaudit.load_audit(full_report / "audit.json", SAMPLE, other)
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    with pytest.raises(InputError, match="not an audit written by wsaudit"):
        wsaudit.load_audit(broken, SAMPLE)


def test_notebooks_run_side_by_side_and_the_first_failure_in_order_is_the_one_reported(tmp_path):
    from wsaudit.errors import ReportError
    from wsaudit.report.runner import run_notebooks

    folder = tmp_path / "nbs"
    folder.mkdir()
    cells = {"a_slow_failure": "import time; time.sleep(3); raise ValueError('first in order')",
             "b_quick_failure": "raise ValueError('second in order')", "c_fine": "x = 1", "d_fine": "y = 2"}
    for name, code in cells.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("seed = 0"), nbformat.v4.new_code_cell(code)],
                                      metadata={"kernelspec": {"name": "python3", "language": "python",
                                                               "display_name": "Python 3"}})
        nb.cells[0].metadata["tags"] = ["parameters"]
        nbformat.write(nb, folder / f"{name}.ipynb")
    out = tmp_path / "out"
    out.mkdir()
    kernel = ensure_kernel()
    with pytest.raises(ReportError, match=r"a_slow_failure.ipynb: cell \d+ failed: ValueError: first in order"):
        run_notebooks(tuple(cells), out, {"seed": 1}, kernel, folder, jobs=3)
    assert sorted(p.name for p in out.glob("*.ipynb")) == [f"{n}.ipynb" for n in sorted(cells)]  # all ran
    done = run_notebooks(("d_fine", "c_fine"), out, {"seed": 1}, kernel, folder, jobs=2)
    assert [p.name for p in done] == ["d_fine.ipynb", "c_fine.ipynb"]


def test_pages_show_no_index_and_one_chain_per_row(full_report):
    for name in NOTEBOOKS:
        page = (full_report / f"{name}.html").read_text(encoding="utf-8")
        assert 'class="dataframe"' not in page, name  # every table is a Table: no DataFrame index
    ranking = (full_report / "03_ranking.html").read_text(encoding="utf-8")
    # the reason names the chain (files and import lines); the module chain beside it said it again
    assert ("netra_backend/app/services/user_sessions.py (Golden Path) imports "
            "netra_backend/app/services/compat.py (line 4)") in ranking
    assert "netra_backend.app.services.user_sessions -&gt; netra_backend.app.services.compat" not in ranking


def test_the_stylesheet_is_one_shared_file(full_report):
    style = (full_report / "style.css").read_text(encoding="utf-8")
    assert ".jp-OutputArea" in style and "table.wsaudit-table" in style  # the lab template's, and the report's
    for name in NOTEBOOKS:
        page = (full_report / f"{name}.html").read_text(encoding="utf-8")
        assert '<link href="style.css" rel="stylesheet"/>' in page or '<link rel="stylesheet" href="style.css">' in page
        assert "<style" not in page, name  # every page carried all ~260 KB of it inline


def test_the_violations_page_leads_with_the_files_to_fix_and_ends_with_the_regex_appendix(full_report):
    page = (full_report / "02_violations.html").read_text(encoding="utf-8")
    first_table = page.index('<table class="wsaudit-table">')
    assert page.index("What to fix, file by file") < first_table < page.index("The rules")
    assert '<th scope="col">tier</th>' in page[first_table:page.index("</table>", first_table)]
    assert page.index("Diagnostics") < page.index("Appendix: against a line-regex count")


def test_files_to_fix_link_to_their_first_line_with_the_configured_source_url():
    import wsaudit
    from wsaudit.report import views

    audit = wsaudit.audit(SAMPLE)
    table = views.files_to_fix(audit, "https://git.example/shop/blob/{commit}/{path}#L{line}", "c" * 40,
                               "data/sample_repo")
    first = table.frame.iloc[0]
    assert first["tier"] == "P0" and "url" not in table.frame  # the address is the link, not a column
    href = f'https://git.example/shop/blob/{"c" * 40}/data/sample_repo/{first["file"]}#L{first["first line"]}'
    assert f'<a href="{href}">{first["file"]}</a>' in table._repr_html_()
    assert "<a " not in views.files_to_fix(audit, source_url="")._repr_html_()  # no template: no link
