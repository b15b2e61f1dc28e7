"""Broken input is a diagnostic, never fatal; audited code never runs; output is deterministic."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from conftest import rows

from wsaudit.api import audit
from wsaudit.engine import store

BAD_TREE = {
    "pkg/syntax.py": "from pkg.core import create_websocket_manager\ndef broken(:\n    pass\n",
    "pkg/binary.py": b"x = 1\ny = '\xff\xfe'\n",
    "pkg/deep.py": "x = " + "+".join(["1"] * 60_000) + "\n",
    "pkg/user.py": "from pkg.core import create_websocket_manager\ncreate_websocket_manager()\n",
}


def test_a_broken_tree_is_still_audited_in_full(cli, tree):
    root = tree(BAD_TREE)
    os.symlink("/", root / "pkg" / "escape")
    os.symlink("/etc/hostname", root / "pkg" / "leak.py")
    result = cli("scan", root, "--format", "json", "--no-cache")
    assert result.code == 0
    doc = result.json()
    diagnostics = [(d["path"], d["kind"], d["line"]) for d in doc["diagnostics"]]
    assert diagnostics == [
        ("pkg/binary.py", "decode-error", 2),
        ("pkg/deep.py", "too-complex", None),
        ("pkg/escape", "outside-root", None),
        ("pkg/leak.py", "outside-root", None),
        ("pkg/syntax.py", "syntax-error", 2),
    ]
    assert ("pkg/user.py", 2, "R1", "deprecated-call", "create_websocket_manager") in rows(result)
    assert doc["files_scanned"] == 9  # 5 of the base tree + 4 above; links are not files of the tree


def test_files_over_the_size_limit_are_diagnosed_not_read(cli, tree):
    root = tree({"pkg/big.py": "x = 1\n" * 100,
                 "wsaudit.toml": 'max_file_size = 200\n[[rule]]\nid = "R"\nmodule = "m"\n'})
    doc = cli("scan", root, "--format", "json", "--no-cache").json()
    assert [(d["path"], d["kind"]) for d in doc["diagnostics"]] == [("pkg/big.py", "too-large")]


def test_recursion_and_memory_errors_become_diagnostics(monkeypatch, tree):
    root = tree()

    def explode(text, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("wsaudit.engine.parse.ast.parse", explode)
    result = audit(root, cache=False, jobs=1)
    assert {d.kind for d in result.diagnostic_records} == {"too-complex"}
    assert len(result.diagnostic_records) == len(result.files)


def test_audited_code_is_never_imported_or_run(cli, tree, tmp_path):
    marker = tmp_path / "was_imported"
    payload = f"open({str(marker)!r}, 'w').write('ran')\nimport pkg.core\n"
    root = tree({"pkg/side_effect.py": payload, "pkg/__main__.py": payload, "setup.py": payload,
                 "conftest.py": payload})
    assert cli("scan", root, "--format", "json").code == 0
    assert cli("graph", root).code == 0
    assert not marker.exists()


def test_two_scans_are_byte_identical_and_warm_equals_cold(cli, sample_copy):
    cold = cli("scan", sample_copy, "--format", "json", "--no-cache").out
    again = cli("scan", sample_copy, "--format", "json", "--no-cache").out
    fill = cli("scan", sample_copy, "--format", "json").out
    warm = cli("scan", sample_copy, "--format", "json").out
    assert cold == again == fill == warm
    assert (sample_copy / ".wsaudit" / "cache" / ".gitignore").read_text().strip().endswith("*")
    graph_cold = cli("graph", sample_copy, "--no-cache").out
    assert graph_cold == cli("graph", sample_copy).out


def test_a_warm_run_reparses_only_what_changed(monkeypatch, tree):
    root = tree({"pkg/user.py": "import pkg.core\n"})
    audit(root, jobs=1)
    parsed = []
    real = store.parse_source
    monkeypatch.setattr(store, "parse_source", lambda data: parsed.append(data) or real(data))
    audit(root, jobs=1)
    assert parsed == []
    (root / "pkg" / "user.py").write_text("import pkg.core\nfrom pkg.core import create_websocket_manager\n")
    result = audit(root, jobs=1)
    assert len(parsed) == 1
    assert any(v.path == "pkg/user.py" for v in result.violation_records)


def test_a_corrupt_cache_is_rebuilt_not_fatal(cli, tree):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"})
    first = cli("scan", root, "--format", "json").out
    db = root / ".wsaudit" / "cache" / "facts.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    assert cli("scan", root, "--format", "json").out == first
    assert sqlite3.connect(db).execute("SELECT count(*) FROM facts").fetchone()[0] > 0
    con = sqlite3.connect(db)
    con.execute("UPDATE facts SET data = 'garbage'")
    con.commit()
    assert cli("scan", root, "--format", "json").out == first


def test_parallel_parsing_gives_the_same_result(monkeypatch, tree):
    files = {f"pkg/gen/m{i}.py": f"from pkg.core import create_websocket_manager as c{i}\nc{i}()\n"
             for i in range(60)}
    root = tree({**files, "pkg/gen/__init__.py": ""})
    serial = audit(root, cache=False, jobs=1)
    monkeypatch.setattr(store, "PARALLEL_THRESHOLD", 10)
    parallel = audit(root, cache=False, jobs=2)
    assert serial.violation_records == parallel.violation_records
    assert len(serial.violation_records) > 120


def test_forked_workers_parse_the_bytes_they_inherited_not_bytes_sent_to_them(monkeypatch):
    """On a fork the workers hold the parent's bytes already: what goes through the pool's
    pipes is an index per file, never the file (17 MB on 10,000 files), and the facts are a
    serial parse's; nothing is kept once the call returns."""
    from concurrent.futures import ProcessPoolExecutor

    from wsaudit.engine.parse import parse_source

    sent: list[type] = []
    real = ProcessPoolExecutor.map

    def spy(self, fn, *iterables, **kw):
        items = list(iterables[0])
        sent.extend({type(item) for item in items})
        return real(self, fn, items, **kw)

    monkeypatch.setattr(ProcessPoolExecutor, "map", spy)
    blobs = [f"from billing.tax import rate as r{i}\nr{i}({i})\n".encode() for i in range(store.PARALLEL_THRESHOLD)]
    blobs[7] = b"def broken(:\n"
    assert store.parse_many(blobs, jobs=2) == [parse_source(b) for b in blobs]
    assert sent == [int] and store._INHERITED == {}


def test_parallel_parsing_works_from_a_script_without_a_main_guard(tree):
    """The API called from code read from standard input (or any script without an ``if
    __name__ == "__main__"`` guard): workers that re-import the main module (``spawn``) would
    fail or run the caller's script again; forked ones do not."""
    files = {f"pkg/gen/m{i}.py": f"from pkg.core import create_websocket_manager as c{i}\nc{i}()\n"
             for i in range(store.PARALLEL_THRESHOLD + 10)}
    root = tree({**files, "pkg/gen/__init__.py": ""})
    script = f"import wsaudit\nprint(len(wsaudit.audit({str(root)!r}, cache=False, jobs=2).violation_records))\n"
    proc = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout) == len(audit(root, cache=False, jobs=1).violation_records) > 400


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "sarif"])
def test_scan_formats_write_to_output_atomically(cli, tree, tmp_path, fmt):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"})
    out = tmp_path / "out" / f"scan.{fmt}"
    assert cli("scan", root, "--format", fmt, "--output", out, "--no-cache").code == 0
    assert "pkg/user.py" in out.read_text()
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_output_to_a_pipe_writes_into_it_instead_of_replacing_it(cli, tree, tmp_path):
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    assert cli("scan", tree(), "--format", "json", "--no-cache", "--output", fifo).code == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert '"violations"' in received[0]
