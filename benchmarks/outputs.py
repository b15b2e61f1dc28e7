"""Every output of every command on three trees, written into one folder: compare two folders
with ``diff -r`` to check that a change of the internals changed no output.

The trees are the embedded sample, a generated 10,000-file tree (``gentree.py``, seed 0) and a
generated git history (``genhistory.py``, 400 modules over 12 commits), built under
``$TMPDIR/wsaudit-outputs/`` at fixed paths (the JSON documents hold the audited root; outside
any repository, whose commit a report would show). For
each, the outputs of ``scan`` (every format, cold and warm, and after a one-file edit),
``graph`` (every format), ``rank`` (per violation and per file), ``simulate`` (and its plan),
``check`` (a baseline written, then checked against), ``migrate`` (the diff and its JSON) and
``history``, plus the sample's ``report`` folder (executed notebooks, HTML pages, figures and
tables), ``migrate --apply`` then ``rollback`` on a copy of the sample (the tree's digest at
each step), and the standard error of each command. The same commit gives the same folder,
but for what a report stamps on its pages (the date, papermill's timings and the id it gives
the cell it injects), which ``--compare`` leaves out.

    .venv/bin/python benchmarks/outputs.py AFTER [--trees sample,gen10k,history] [--no-report]
    git worktree add /tmp/before REV && .venv/bin/python /tmp/before/benchmarks/outputs.py BEFORE
    .venv/bin/python benchmarks/outputs.py --compare BEFORE AFTER     # the files that differ
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = Path(tempfile.gettempdir()) / "wsaudit-outputs"  # --work: the same for two runs to compare
WSAUDIT = [sys.executable, "-m", "wsaudit"]
sys.path.insert(0, str(HERE))

SCAN = ("table", "json", "csv", "sarif")
GRAPH = ("json", "graphml", "gexf", "dot")


def _tree(name: str) -> Path:
    """The tree ``name`` at its fixed place, built when missing."""
    dest = WORK / "trees" / name
    if name == "sample":
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(REPO / "data" / "sample_repo", dest)
        return dest
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    if name == "gen10k":
        from gentree import generate_tree

        generate_tree(dest, 10_000, 0)
    elif name == "history":
        from genhistory import history_commits

        from wsaudit.history.sample import write_repository

        write_repository(dest, history_commits(400, 12, 0), checkout=True)
    else:
        raise SystemExit(f"no tree named {name!r}")
    return dest


class Outputs:
    def __init__(self, dest: Path):
        self.dest = dest
        dest.mkdir(parents=True, exist_ok=True)
        # this checkout's wsaudit, whichever is installed: a worktree of another commit compares with it
        self.env = {**os.environ, "PYTHONHASHSEED": "random", "COLUMNS": "100", "PYTHONPATH": str(REPO)}

    def run(self, name: str, args: list[str], cwd: Path | None = None) -> int:
        """``wsaudit ARGS``: its standard output, error and exit code under ``name``."""
        # ``-m`` puts the working folder first on the path: this checkout's, as PYTHONPATH says
        proc = subprocess.run([*WSAUDIT, *args], capture_output=True, cwd=cwd or REPO, env=self.env, check=False)
        (self.dest / f"{name}.out").write_bytes(proc.stdout)
        (self.dest / f"{name}.err").write_bytes(proc.stderr.replace(str(WORK).encode(), b"$WORK"))
        (self.dest / f"{name}.rc").write_text(f"{proc.returncode}\n")
        print(f"{name}: exit {proc.returncode}", file=sys.stderr)
        return proc.returncode


def digest(root: Path) -> str:
    """Every file under ``root`` (but wsaudit's own folder) with the SHA-256 of its bytes."""
    lines = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith(".wsaudit/") and not rel.startswith(".git/"):
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {rel}")
    return "\n".join(lines) + "\n"


def tree_outputs(out: Outputs, name: str, root: Path, report: bool) -> None:
    tree = str(root)
    cache = WORK / "cache" / name
    shutil.rmtree(cache, ignore_errors=True)
    for fmt in SCAN:
        out.run(f"{name}.scan.{fmt}", ["scan", tree, "--no-cache", "-q", "--format", fmt])
    out.run(f"{name}.scan.fill", ["scan", tree, "-q", "--format", "json", "--cache-dir", str(cache)])
    out.run(f"{name}.scan.warm", ["scan", tree, "-q", "--format", "json", "--cache-dir", str(cache)])
    for fmt in GRAPH:
        out.run(f"{name}.graph.{fmt}", ["graph", tree, "-q", "--format", fmt, "--cache-dir", str(cache)])
    for by in ("violation", "file"):
        out.run(f"{name}.rank.{by}", ["rank", tree, "-q", "--format", "json", "--by", by, "--cache-dir", str(cache)])
    out.run(f"{name}.rank.table", ["rank", tree, "-q", "--no-cache"])
    plan = out.dest / f"{name}.plan.csv"
    out.run(f"{name}.simulate", ["simulate", tree, "-q", "--no-cache", "--format", "json", "--runs", "20",
                                 "--plan", str(plan)])
    baseline = WORK / f"{name}.baseline.json"
    baseline.unlink(missing_ok=True)
    out.run(f"{name}.check.update", ["check", tree, "-q", "--no-cache", "--baseline", str(baseline),
                                     "--update-baseline", "--format", "json"])
    shutil.copyfile(baseline, out.dest / f"{name}.baseline.json")
    for fmt in ("text", "json", "sarif", "github"):
        out.run(f"{name}.check.{fmt}", ["check", tree, "-q", "--no-cache", "--format", fmt])
    out.run(f"{name}.check.baselined", ["check", tree, "-q", "--no-cache", "--baseline", str(baseline)])
    out.run(f"{name}.migrate.diff", ["migrate", tree, "-q", "--no-cache"])
    out.run(f"{name}.migrate.json", ["migrate", tree, "-q", "--no-cache", "--format", "json"])
    if (root / ".git").is_dir():
        for fmt in ("table", "json", "csv"):
            out.run(f"{name}.history.{fmt}", ["history", tree, "-q", "--no-cache", "--format", fmt])
        out.run(f"{name}.history.cached", ["history", tree, "-q", "--format", "json", "--cache-dir", str(cache)])
        out.run(f"{name}.history.warm", ["history", tree, "-q", "--format", "json", "--cache-dir", str(cache)])
    else:  # an edit after a stored result: the patched result
        edited = sorted(p for p in root.rglob("*.py") if "import" in p.read_text(encoding="utf-8", errors="replace"))
        target = edited[len(edited) // 2]
        before, stat = target.read_bytes(), target.stat()
        try:
            target.write_bytes(before + b"\n\ndef _added_by_outputs():\n    return None\n")
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # not racy if the tree is not
            out.run(f"{name}.scan.edited", ["scan", tree, "-q", "--format", "json", "--cache-dir", str(cache)])
            out.run(f"{name}.scan.edited-cold", ["scan", tree, "-q", "--format", "json", "--no-cache"])
        finally:  # the tree as it was, for the next run
            target.write_bytes(before)
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    if report:
        folder = WORK / "report" / name
        shutil.rmtree(folder, ignore_errors=True)
        out.run(f"{name}.report", ["report", tree, "-q", "--no-cache", "--output", str(folder)])
        shutil.copytree(folder, out.dest / f"{name}.report")


def migrate_outputs(out: Outputs) -> None:
    root = _tree("sample")
    (out.dest / "sample.apply.before").write_text(digest(root))
    out.run("sample.apply", ["migrate", str(root), "-q", "--no-cache", "--apply", "--force"])
    (out.dest / "sample.apply.after").write_text(digest(root))
    out.run("sample.rollback", ["rollback", str(root), "-q"])
    (out.dest / "sample.apply.rolled-back").write_text(digest(root))


_STAMPS = [  # what a report stamps on its pages, which no two runs share
    (re.compile(rb'celltag_injected-parameters" id="cell-id=[0-9a-f]+"'), rb'celltag_injected-parameters" id="cell-id=_"'),
    (re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"), b"_"),
    (re.compile(rb"\[IPKernelApp\][^\n]*\n"), b""),
]


def normalised(name: str, data: bytes) -> bytes:
    """``data`` without the stamps: papermill's timings and the id of the cell it injects, in
    an executed notebook; dates and times, and the kernel's own log lines, anywhere."""
    if name.endswith(".ipynb"):
        doc = json.loads(data)
        doc["metadata"].pop("papermill", None)
        for cell in doc["cells"]:
            cell["metadata"].pop("execution", None)
            cell["metadata"].pop("papermill", None)
            if "injected-parameters" in cell["metadata"].get("tags", ()):
                cell["id"] = "_"
        data = json.dumps(doc, indent=1, sort_keys=True).encode()
    for pattern, replacement in _STAMPS:
        data = pattern.sub(replacement, data)
    return data


def compare(a: Path, b: Path) -> int:
    """Print the files of two output folders that differ (once their stamps are left out)."""
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()} | {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    differ = [n for n in sorted(names) if not (a / n).is_file() or not (b / n).is_file()
              or normalised(str(n), (a / n).read_bytes()) != normalised(str(n), (b / n).read_bytes())]
    for n in differ:
        print(n)
    print(f"{len(differ)} of {len(names)} files differ", file=sys.stderr)
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--compare"]:
        return compare(Path(argv[1]), Path(argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder to write (created)")
    parser.add_argument("--trees", default="sample,gen10k,history")
    parser.add_argument("--no-report", action="store_true", help="leave the report out (the slowest part)")
    parser.add_argument("--work", type=Path, help="where the trees are built (default $TMPDIR/wsaudit-outputs)")
    args = parser.parse_args(argv)
    global WORK
    WORK = (args.work or WORK).resolve()
    out = Outputs(args.dest)
    for name in args.trees.split(","):
        tree_outputs(out, name, _tree(name), report=not args.no_report and name != "history")
    if "sample" in args.trees.split(","):
        migrate_outputs(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
