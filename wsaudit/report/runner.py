"""``wsaudit report``: run the notebooks with papermill and write a report folder.

For each notebook of ``notebooks/`` (whichever there are, in the order of their names): the
executed notebook, a self-contained HTML page without code cells (:mod:`wsaudit.report.page`),
``index.html`` linking them all (:mod:`wsaudit.report.index`), and beside them the tables as
CSV and JSON; one summary row per run is appended to ``history.csv`` so that scheduled runs
build a trend. The notebooks run on a kernel that
uses this very interpreter (registered as ``wsaudit`` in this environment), never on whatever
kernel happens to be installed by hand.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import keyword
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wsaudit.errors import ReportError, UsageError
from wsaudit.iorw import write_text

if TYPE_CHECKING:
    from wsaudit.api import Audit

HISTORY_NOTEBOOK = "06_burndown"  # with --history: the burndown across git history against the plan
KERNEL_NAME = "wsaudit"
EXPLORER_PAGE, EXPLORER_HEADING = "explorer.html", "Import graph explorer"


def notebooks_dir() -> Path:
    """The notebooks: the repository's ``notebooks/``, which an installed wheel carries as the
    package ``wsaudit.notebooks``."""
    import wsaudit.notebooks

    return Path(wsaudit.notebooks.__file__).resolve().parent


def notebook_names(folder: Path | None = None) -> tuple[str, ...]:
    """The notebooks of ``folder`` (default: the package's), by name: adding one adds a page.
    The burndown needs git history: it runs with ``--history`` only."""
    return tuple(sorted(p.stem for p in (folder or notebooks_dir()).glob("*.ipynb") if p.stem != HISTORY_NOTEBOOK))


NOTEBOOKS = notebook_names()


def ensure_kernel() -> str:
    """Register (once) a kernelspec running ``sys.executable`` in this environment; its name.

    Lives in ``sys.prefix/share/jupyter/kernels/wsaudit``; if that folder is not writable,
    in a private folder put first on ``JUPYTER_PATH`` for this process.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    # log_level: the kernel's start-up chatter would otherwise end up on the user's terminal
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--IPKernelApp.log_level=ERROR"],
            "display_name": "Python (wsaudit)", "language": "python", "metadata": {"debugger": True}}
    try:
        current = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if current.argv == spec["argv"]:
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    folder = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    try:
        write_text(folder / "kernel.json", json.dumps(spec, indent=1) + "\n")
    except OSError:
        private = Path(tempfile.mkdtemp(prefix="wsaudit-jupyter-"))
        write_text(private / "kernels" / KERNEL_NAME / "kernel.json", json.dumps(spec, indent=1) + "\n")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(private), os.environ.get("JUPYTER_PATH")]))
    if KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv != spec["argv"]:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(folder.parent.parent),
                                                                    os.environ.get("JUPYTER_PATH")]))
    return KERNEL_NAME


def parse_value(text: str) -> Any:
    """A ``-p key value`` value: JSON when it parses (numbers, booleans, null), else the string.

    >>> parse_value("3"), parse_value("true"), parse_value("null"), parse_value("abc")
    (3, True, None, 'abc')
    """
    try:
        return json.loads(text)
    except ValueError:
        return text


def run_notebook(name: str, output_dir: Path, parameters: dict[str, Any], kernel: str,
                 source_dir: Path | None = None) -> Path:
    """Execute one notebook with papermill into ``output_dir``; raise ReportError naming the
    failing cell (the partial notebook is still written)."""
    import papermill as pm

    source = (source_dir or notebooks_dir()) / f"{name}.ipynb"
    if not source.is_file():
        raise ReportError(f"{source}: notebook not found (give --notebooks DIR)")
    target = output_dir / f"{name}.ipynb"
    parameters = parameters_for(source, parameters)
    try:
        # the kernel starts in the notebook's folder (nbclient's resources), not this process:
        # papermill's cwd= changes the process's folder, and notebooks run side by side in
        # threads would leave it wherever the last one to finish had found it
        pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name=kernel,
                            resources={"metadata": {"path": str(source.parent)}},
                            progress_bar=False, log_output=False,
                            # a report is pages, not a live kernel: the explorer's widget state (its
                            # whole page again, and ipywidgets' random ids) is not kept; the report
                            # has explorer.html
                            store_widget_state=False)
    except pm.PapermillExecutionError as exc:
        without_timing(target)
        raise ReportError(f"{name}.ipynb: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue} "
                          f"(partial notebook written to {target})") from None
    without_timing(target)
    return target


# Inputs the report gives only the notebooks that declare them in their parameters cell:
# papermill warns of every parameter a notebook does not declare ("Passed unknown parameter"),
# which is news when a user's -p names none, noise when the report's own input is meant for
# other notebooks.
OPTIONAL_INPUTS = ("plan_inputs_path",)


def parameters_for(source: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` without those of :data:`OPTIONAL_INPUTS` the notebook ``source`` does not
    declare (a user's own parameters are passed on as given).

    >>> from wsaudit.report.runner import notebooks_dir
    >>> given = {"audit_path": "a.json", "plan_inputs_path": "p.json", "mine": 1}
    >>> sorted(parameters_for(notebooks_dir() / "01_import_graph.ipynb", given))
    ['audit_path', 'mine']
    >>> sorted(parameters_for(notebooks_dir() / "04_migration.ipynb", given))
    ['audit_path', 'mine', 'plan_inputs_path']
    """
    optional = [k for k in OPTIONAL_INPUTS if k in parameters]
    if not optional:
        return parameters
    import papermill as pm

    declared = pm.inspect_notebook(str(source))
    return {k: v for k, v in parameters.items() if k not in optional or k in declared}


# what papermill and nbclient stamp on an executed notebook that is not the notebook's output:
# clock times and durations (the run's date is in the run's name and runs.csv)
_TIMING = ("start_time", "end_time", "duration")


def without_timing(notebook: Path) -> None:
    """Rewrite an executed ``notebook`` without its clock times and durations, and give the
    injected parameters cell a fixed id (papermill makes a random one), so the same input
    gives the same notebook, byte for byte."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for key in _TIMING:
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in _TIMING:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", ()):
            cell["id"] = "injected-parameters"
    write_text(notebook, nbformat.writes(nb))


def run_notebooks(names: tuple[str, ...], output_dir: Path, parameters: dict[str, Any], kernel: str,
                  source_dir: Path | None = None, jobs: int | None = None) -> list[Path]:
    """:func:`run_notebook` for each of ``names``, ``jobs`` at a time (default: every core):
    each notebook waits mostly on its own kernel process, and they share nothing but the
    audit they read. Returns the executed notebooks in ``names`` order; if some fail, the
    error of the first failing one in that order is raised, once all have finished."""
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, min(len(names), jobs or os.cpu_count() or 1))
    if workers == 1:
        return [run_notebook(name, output_dir, parameters, kernel, source_dir) for name in names]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_notebook, name, output_dir, parameters, kernel, source_dir) for name in names]
        return [f.result() for f in futures]


def to_html(notebook: Path, title: str = "wsaudit report", pages: tuple[tuple[str, str], ...] = ()) -> Path:
    """The HTML page of an executed notebook (see :func:`wsaudit.report.page.to_html`)."""
    from wsaudit.report.page import to_html as page

    return page(notebook, title, pages)


def write_explorer(output_dir: Path, audit: Any, pages: tuple[tuple[str, str], ...]) -> Path:
    """``explorer.html``: the import-graph explorer of the audit (:mod:`wsaudit.render.explorer`),
    with the report's navigation bar."""
    from wsaudit.render.explorer import explorer_html
    from wsaudit.report.views import title

    target = output_dir / EXPLORER_PAGE
    write_text(target, explorer_html(audit, pages=pages, title=title(audit)))
    return target


def write_tables(audit: Any, simulation: Any, output_dir: Path) -> list[Path]:
    """The report's tables as CSV and JSON (no absolute paths, sorted rows)."""
    from wsaudit.model import DIAGNOSTIC_FIELDS, FILE_FIELDS, RANK_FIELDS
    from wsaudit.render.graph import graph_parts, node_metrics
    from wsaudit.render.simulate import plan_files
    from wsaudit.render.text import dump_chunks, dumps, flat, rows_csv
    from wsaudit.report import summary

    written = []

    def both(stem: str, rows: list[dict[str, Any]], fields) -> None:
        for suffix, text in ((".csv", rows_csv(flat(rows), fields)), (".json", dumps(rows))):
            write_text(output_dir / f"{stem}{suffix}", text)
            written.append(output_dir / f"{stem}{suffix}")

    both("violations", audit.rank_rows(), RANK_FIELDS)
    both("files", audit.rank_rows("file"), FILE_FIELDS)
    both("diagnostics", [d.row() for d in audit.diagnostic_records], DIAGNOSTIC_FIELDS)
    doc = simulation.document()
    write_text(output_dir / "simulation.json", dumps(doc))
    for path, text in plan_files(simulation, doc["recommended"], str(output_dir / "plan.csv")).items():
        write_text(Path(path), text)
        written.append(Path(path))
    metrics = node_metrics(audit.violation_records, audit.module_ranks)
    write_text(output_dir / "graph.json", dump_chunks(graph_parts(audit.graph, audit.import_records, metrics)))
    write_text(output_dir / "summary.json", dumps(summary.headline(audit, simulation)))
    written += [output_dir / n for n in ("simulation.json", "graph.json", "summary.json")]
    return sorted(written)


def git_commit(path: Path) -> str:
    """The commit checked out at ``path``, or "" when it is not a git checkout."""
    try:
        proc = subprocess.run(["git", "-c", "core.fsmonitor=false", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True, check=False,
                              timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def append_history(output_dir: Path, row: dict[str, Any]) -> Path:
    """Append ``row`` to ``history.csv``; new columns widen the file, old rows keep theirs.

    The new row's text cells go through :func:`wsaudit.render.text.csv_cell` (never a formula);
    the old rows are written back as they were read, which they were written: a number read back
    is text, and must not be quoted as one."""
    from wsaudit.render.text import csv_cell

    row = {k: csv_cell(v) for k, v in row.items()}
    target = output_dir / "history.csv"
    rows: list[dict[str, Any]] = []
    fields: list[str] = []
    if target.exists():
        with open(target, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = list(reader.fieldnames or [])
            rows = list(reader)
    fields += [k for k in row if k not in fields]
    rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(target, out.getvalue())
    return target


def report(path: str | Path, output_dir: str | Path, config: str | Path | None = None, *, seed: int = 0,
           runs: int | None = None, extra: dict[str, Any] | None = None, notebooks: tuple[str, ...] | None = None,
           source_dir: Path | None = None, now: _dt.datetime | None = None, cache: bool = True,
           cache_dir: str | Path | None = None, jobs: int | None = None, history: bool = False,
           archive: bool = False, keep: int | None = None,
           plan_inputs: Callable[[Audit], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run the notebooks on ``path`` into ``output_dir``; returns what was written. ``notebooks``:
    names (default: every notebook of ``source_dir`` but the burndown); ``cache``, ``cache_dir``
    and ``jobs`` are those of :func:`wsaudit.audit`, for the report's own audit. ``history``: also
    ``06_burndown`` (``path`` must be in a git repository), which writes ``history_burndown.png``
    and the series as ``history_*.csv``. ``archive``: write the run into
    ``output_dir/runs/<date>-<commit>/`` with what changed since the previous kept run
    (:mod:`wsaudit.report.runs`, :mod:`wsaudit.report.changes`), make ``output_dir/index.html``
    its landing page, and keep the newest ``keep`` runs (default: all). ``plan_inputs``: given the
    report's audit, what the plan is made with (:func:`wsaudit.analysis.work.plan_inputs_document`:
    the codemod's records and the calibration on history, which the command line computes),
    written as ``plan_inputs.json`` and read by the notebooks."""
    from wsaudit.api import audit as run_audit
    from wsaudit.report.index import write_index
    from wsaudit.report.page import notebook_heading
    from wsaudit.report.views import title

    _check_report_options(extra, archive, keep)
    root = Path(path).resolve()
    out = top = Path(output_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    config_path = str(Path(config).resolve()) if config is not None else None
    result = run_audit(root, config_path, cache=cache, cache_dir=cache_dir, jobs=jobs)  # fails early on bad input
    from wsaudit.analysis.work import plan_inputs as simulate_options

    inputs = plan_inputs(result) if plan_inputs is not None else None
    simulation = result.simulate(seed=seed, runs=runs, **simulate_options(inputs))
    kernel = ensure_kernel()
    moment = (now or _dt.datetime.now(_dt.UTC)).replace(microsecond=0)
    commit = git_commit(root)
    kept = archived = None
    if archive:  # the run's own folder: everything below is written there
        from wsaudit.report import runs as kept_runs

        kept = kept_runs.kept_runs(top)
        name = kept_runs.run_name(top / kept_runs.RUNS, moment.date(), commit)
        out = top / kept_runs.RUNS / name
        out.mkdir(parents=True)
        archived = {"name": name}
    parameters = {"repo_path": str(root), "config_path": config_path, **_inputs_written(out, result, inputs),
                  "output_dir": str(out), "seed": seed,
                  "start_date": moment.date().isoformat(),
                  **({"runs": runs} if runs is not None else {}), **(extra or {})}
    names = (notebooks if notebooks is not None else notebook_names(source_dir)) + (
        (HISTORY_NOTEBOOK,) if history else ())
    executed = run_notebooks(names, out, parameters, kernel, source_dir, jobs)
    # every page links every other one: the headings are known once all notebooks ran
    # the explorer first: where a reader goes to see how the Golden Path reaches each violation
    links = ((EXPLORER_PAGE, EXPLORER_HEADING),
             *((nb.with_suffix(".html").name, notebook_heading(nb)) for nb in executed))
    pages = [to_html(nb, title(result), links) for nb in executed]
    pages.insert(0, write_explorer(out, result, links))
    from wsaudit.report.summary import headline

    row = {"date": moment.isoformat(), "commit": commit, "repo": root.name, "seed": seed,
           **headline(result, simulation)}
    # the tables first: an archived first run's plan line is read from its own simulation.json
    tables = write_tables(result, simulation, out)
    changes = None
    if archived is not None:
        archived.update(_archive(top, out, result, row, kept or [], moment.date(), commit, keep))
        changes = archived.pop("section")
    calibration = (inputs or {}).get("calibration") or {}
    pages.insert(0, write_index(out, result, simulation, links, date=moment.date(), commit=commit,
                                changes=changes, model_note=calibration.get("sentence", "")))
    if history:
        tables = sorted(tables + list(out.glob("history_*.csv")))
    history = append_history(top, row)
    done = {"notebooks": executed, "html": pages, "tables": tables, "history": history, "summary": row,
            "notices": list(result.notices)}
    if archived is not None:
        _finish_archive(top, pages, archived, done)
    return done


def _inputs_written(out: Path, audit: Any, inputs: dict | None) -> dict[str, str]:
    """Write the audit the notebooks read (``audit.json``) and the plan's inputs
    (``plan_inputs.json``, when given) into ``out``: the notebooks' parameters naming them."""
    from wsaudit.audit_file import save_audit

    found = {"audit_path": str(save_audit(audit, out / "audit.json"))}
    if inputs is not None:
        write_text(out / "plan_inputs.json", json.dumps(inputs, indent=1, sort_keys=True) + "\n")
        found["plan_inputs_path"] = str(out / "plan_inputs.json")
    return found


def _check_report_options(extra: dict[str, Any] | None, archive: bool, keep: int | None) -> None:
    """Refuse a parameter name that is not a Python identifier, and ``keep`` without ``archive``."""
    bad = sorted(k for k in (extra or {}) if not (isinstance(k, str) and k.isidentifier() and not keyword.iskeyword(k)))
    if bad:  # papermill writes parameters into a code cell: a name is code too
        raise UsageError(f"-p {bad[0]!r}: a parameter name must be a Python identifier")
    if keep is not None and (not archive or keep < 1):
        raise UsageError("--keep N needs --archive and N at least 1")


def _finish_archive(top: Path, pages: list[Path], archived: dict[str, Any], done: dict[str, Any]) -> None:
    """Make ``top/index.html`` the archived run's landing page, prune old runs, and record both in ``done``."""
    landing = top / "index.html"
    write_text(landing, latest_landing(pages[0].read_text(encoding="utf-8"), archived["name"]))
    from wsaudit.report import runs as kept_runs

    archived["pruned"] = kept_runs.prune(top, archived.pop("kept"), archived["name"])
    done["html"] = [landing, *pages]
    done["archive"] = archived


def _archive(top: Path, out: Path, audit: Any, row: dict[str, Any], kept: list[dict[str, Any]], date: _dt.date,
             commit: str, keep: int | None) -> dict[str, Any]:
    """An archived run's own files: ``findings.json``, ``changes.json`` and ``changes.md`` against
    the previous kept run, ``run.json``, the trend figure, and the runs table in ``top``;
    the landing page's section (``section``) and the runs to keep (``kept``)."""
    from wsaudit.render.text import dumps
    from wsaudit.report import changes, runs
    from wsaudit.report.index import changes_context
    from wsaudit.report.plots import save

    findings = changes.finding_rows(audit)
    write_text(out / "findings.json", dumps(findings))
    previous = kept[-1] if kept else None
    before = _findings(top / runs.RUNS / previous["run"]) if previous else None
    change = changes.delta(before, findings, changes.renames(audit.root, str(previous.get("commit") or ""), commit)
                           ) if before is not None and previous is not None else {}
    if change:
        change = changes.with_blame(change, changes.blame(audit.root, [r for k, rs in change.items()
                                                                       if k != "fixed" for r in rs]))
    doc = changes.document(change, run=out.name, previous=previous["run"] if before is not None else None)
    record = runs.run_row(out.name, (previous["seq"] + 1) if previous else 1, date, commit, row,
                          doc["counts"] if doc["since"] else None)
    write_text(out / runs.RUN_FILE, dumps(record))
    rows = [*kept, record][-keep:] if keep else [*kept, record]
    plan = _plan(top / runs.RUNS / rows[0]["run"] if rows[0] is not record else out, rows[0])
    shown = save(runs.trend_figure(rows, plan), str(out), "trend.png")
    if plan:
        doc["plan"] = {"run": rows[0]["run"], "planned_left": round(runs.planned_left(
            plan, runs.workdays(rows[0]["date"], record["date"])), 1), "actual_left": record["violations"]}
    write_text(out / "changes.json", dumps(doc))
    write_text(out / "changes.md", changes.markdown(doc))
    runs.write_table(top, rows)
    runs.write_table(out, rows)  # the run's own copy: what was kept when it ran
    return {"section": changes_context(doc, rows, shown.png, shown.alt), "kept": [r["run"] for r in rows],
            "changes": doc["counts"], "previous": doc["since"], "folder": out}


def _plan(folder: Path, first: dict[str, Any]) -> list[tuple[float, int]]:
    """The plan made at the first kept run (its ``simulation.json``), or none when unreadable."""
    from wsaudit.report.runs import plan_points

    try:
        return plan_points(first, json.loads((folder / "simulation.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _findings(folder: Path) -> list[dict[str, Any]] | None:
    """A kept run's ``findings.json``, or None when it cannot be read (nothing to compare)."""
    try:
        rows = json.loads((folder / "findings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rows, list):
        return None
    # a row edited by hand, or written by another version, is left out rather than break the run
    return [r for r in rows if isinstance(r, dict) and all(isinstance(r.get(k), str) for k in _FINDING_TEXT)
            and isinstance(r.get("line"), int)]


_FINDING_TEXT = ("fingerprint", "place", "path", "category", "tier", "rule_id", "name")


def latest_landing(page: str, run: str) -> str:
    r"""The latest run's landing page as ``DIR/index.html``: the same page, its links resolved
    in the run's folder (``<base href="runs/<run>/">``).

    >>> latest_landing("<head>\n<meta charset=\"utf-8\">", "2026-01-05-nogit")
    '<head>\n<base href="runs/2026-01-05-nogit/">\n<meta charset="utf-8">'
    """
    return page.replace("<head>\n", f'<head>\n<base href="runs/{run}/">\n', 1)


def refresh(names: tuple[str, ...] | None = None, source_dir: Path | None = None) -> list[Path]:
    """Re-execute the committed notebooks in place with their default parameters (the sample),
    keeping their metadata free of timings, so that nbval has stable outputs to compare with.
    For maintainers: ``python -m wsaudit.report.runner``."""
    import nbformat
    from nbclient import NotebookClient

    kernel = ensure_kernel()
    folder = source_dir or notebooks_dir()
    done = []
    for name in names or notebook_names(folder):
        path = folder / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        kernelspec = nb.metadata.get("kernelspec")
        NotebookClient(nb, kernel_name=kernel, record_timing=False, timeout=600, store_widget_state=False,
                       resources={"metadata": {"path": str(folder)}}).execute()
        if kernelspec is not None:
            nb.metadata["kernelspec"] = kernelspec
        nb.metadata.get("language_info", {}).pop("version", None)  # differs between patch releases
        write_text(path, nbformat.writes(nb) + "\n")
        done.append(path)
    return done


if __name__ == "__main__":
    for refreshed in refresh(tuple(sys.argv[1:]) or None):
        print(f"refreshed {refreshed}")
