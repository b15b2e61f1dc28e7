"""The audited tree is hostile input: each reproducer below once changed a verdict, wrote outside
the tree, hung or crashed the audit. Nothing in the tree may do that any more."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import SAMPLE, write_tree

from wsaudit.api import audit
from wsaudit.engine.cache import encode, key
from wsaudit.model import FileFacts

SAMPLE_VIOLATIONS = len(audit(SAMPLE, cache=False).violation_records)


def wsaudit(*args: str, stdin=None, stdout=None, timeout: float = 120, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=stdout is None,
                          text=True, timeout=timeout, stdin=stdin, stdout=stdout, env=env)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The run failed with exit 2 and one line on standard error, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("wsaudit: warning:")]
    assert len(lines) == 1 and lines[0].startswith("wsaudit: "), proc.stderr
    return lines[0]


# ---------------------------------------------------------------- the cache in the tree


def _plant(root: Path, facts: dict[bytes, str], mac: str = "0" * 64) -> None:
    folder = root / ".wsaudit" / "cache"
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / "facts.sqlite3")
    db.execute("CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL)")
    db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", [(key(d), t, mac) for d, t in facts.items()])
    db.commit()
    db.close()


def test_a_planted_cache_cannot_hide_the_violations(sample_copy, cli):
    empty = encode(FileFacts())  # "this file imports and uses nothing"
    _plant(sample_copy, {p.read_bytes(): empty for p in sample_copy.rglob("*.py")})
    result = cli("check", sample_copy, "--format", "json")
    assert result.code == 1 and result.json()["summary"]["violations"] == SAMPLE_VIOLATIONS
    assert len(cli("scan", sample_copy, "--format", "json").json()["violations"]) == SAMPLE_VIOLATIONS


@pytest.mark.parametrize("data", ['[1, [[1]], [], {}, [], [], [], null, [], [], []]', '[' * 50_000 + ']' * 50_000,
                                  '"x"', '[0, [[null, "a", 0, 0, [["x"]], 1, "module", "s"]], [], {"n": [99]}, '
                                  '[7], [[1, 2, ["a"], true, "module", "s", [5]]], [], null, [], [], []]'])
def test_crafted_cache_entries_are_misses_not_crashes(sample_copy, cli, data):
    _plant(sample_copy, {p.read_bytes(): data for p in sample_copy.rglob("*.py")})
    result = cli("scan", sample_copy, "--format", "json")
    assert result.code == 0 and len(result.json()["violations"]) == SAMPLE_VIOLATIONS


def test_links_in_the_cache_path_are_never_followed(tree, tmp_path, cli):
    outside = tmp_path / "outside"
    outside.mkdir()
    for link_at in (".wsaudit", ".wsaudit/cache"):
        root = tree({"pkg/a.py": "from pkg.core import create_websocket_manager\n"})
        target = root / link_at
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(outside, target)
        result = cli("scan", root, "--format", "json")
        assert result.code == 0 and list(outside.iterdir()) == []
        assert any(w["kind"] == "cache-refused" for w in result.json()["warnings"])
        target.unlink()


def test_a_linked_cache_database_is_left_alone(tree, tmp_path, cli):
    foreign = tmp_path / "foreign.sqlite3"
    sqlite3.connect(foreign).close()
    before = foreign.read_bytes()
    root = tree()
    (root / ".wsaudit" / "cache").mkdir(parents=True)
    os.symlink(foreign, root / ".wsaudit" / "cache" / "facts.sqlite3")
    assert cli("scan", root).code == 0
    assert foreign.read_bytes() == before


@pytest.mark.parametrize("cache_dir", ["ABSOLUTE", "../escape", "a/../../escape"])
def test_a_trees_own_configuration_cannot_send_the_cache_elsewhere(tree, tmp_path, cache_dir):
    elsewhere = tmp_path / "elsewhere"
    cache_dir = str(elsewhere) if cache_dir == "ABSOLUTE" else cache_dir
    root = tree({"wsaudit.toml": f'cache_dir = "{cache_dir}"\n[[rule]]\nid = "R"\nmodule = "m"\n'})
    line = one_line_error(wsaudit("scan", root))
    assert "wsaudit.toml: cache_dir:" in line and "inside the audited tree" in line
    assert not elsewhere.exists() and not (root.parent / "escape").exists()


# ---------------------------------------------------------------- one file must not stop everything


@pytest.mark.parametrize("codec", ["hex", "undefined", "rot13", "zlib", "base64", "bz2", "uu", "quopri", "punycode"])
def test_any_coding_cookie_is_a_diagnostic_for_that_file_only(tree, codec):
    root = tree({"pkg/odd.py": f"# coding: {codec}\nx = 1\n",
                 "pkg/user.py": "from pkg.core import create_websocket_manager\n"})
    result = audit(root, cache=False)
    assert [(d.path, d.kind) for d in result.diagnostic_records] == [("pkg/odd.py", "decode-error")]
    assert any(v.path == "pkg/user.py" for v in result.violation_records)


def test_a_fifo_named_like_a_module_does_not_hang_any_command(tree, tmp_path):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"})
    os.mkfifo(root / "pkg" / "x.py")
    for command in ("scan", "graph", "rank", "check"):
        proc = wsaudit(command, root, "--no-cache", timeout=60)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    doc = json.loads(wsaudit("scan", root, "--format", "json", "--no-cache").stdout)
    assert ("pkg/x.py", "read-error") in [(d["path"], d["kind"]) for d in doc["diagnostics"]]


def test_a_file_name_that_is_not_utf8_is_escaped_the_same_way_in_every_output(tree, tmp_path):
    root = tree()
    bad = os.fsencode(root / "pkg") + b"/caf\xe9.py"
    with open(bad, "wb") as handle:
        handle.write(b"from pkg.core import create_websocket_manager\n")
    shown = "pkg/caf\\xe9.py"
    for fmt in ("table", "json", "csv", "sarif"):
        out = tmp_path / f"scan.{fmt}"
        proc = wsaudit("scan", root, "--format", fmt, "--no-cache", "--output", out)
        assert proc.returncode == 0, proc.stderr
        text = out.read_bytes().decode("utf-8")  # valid UTF-8
        if fmt in ("json", "sarif"):
            paths = {v["path"] for v in json.loads(text)["violations"]} if fmt == "json" else {
                unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])  # a URI: %5C
                for r in json.loads(text)["runs"][0]["results"]}
            assert shown in paths
        elif fmt == "csv":
            assert shown in text
        else:  # a text output escapes that text once more, injectively: its backslash doubled
            assert "pkg/caf\\\\xe9.py" in text
    proc = wsaudit("check", root, "--no-cache")
    assert proc.returncode == 1 and "pkg/caf\\\\xe9.py" in proc.stdout
    plan = tmp_path / "plan.csv"
    assert wsaudit("simulate", root, "--no-cache", "--runs", "3", "--plan", plan).returncode == 0
    assert shown in plan.read_text(encoding="utf-8")


def test_a_file_too_big_to_parse_within_the_memory_budget_is_degraded_not_parsed(tree):
    body = "from pkg.core import create_websocket_manager\n" + "x = [1, 2, 3]\n" * 20_000
    root = tree({"pkg/huge.py": body, "wsaudit.toml": "max_parse_memory = 10_000_000\n" + open(
        Path(__file__).parent.parent / "conftest.py", encoding="utf-8").read().split('RULES = """')[1].split('"""')[0]})
    result = audit(root, cache=False)
    (problem,) = [d for d in result.diagnostic_records if d.path == "pkg/huge.py"]
    assert problem.kind == "too-large" and "max_parse_memory" in problem.message
    assert [(s.line, s.category) for s in result.suspect_records if s.path == "pkg/huge.py"] == [
        (1, "deprecated-import")]


# ---------------------------------------------------------------- code injection


def test_a_papermill_parameter_name_cannot_be_code(tmp_path):
    marker = tmp_path / "pwned"
    proc = wsaudit("report", SAMPLE, "--output", tmp_path / "out", "--runs", "2", "-p",
                   f'k=__import__("os").system("touch {marker}")#', "1")
    assert "must be a Python identifier" in one_line_error(proc)
    assert not marker.exists()


# ---------------------------------------------------------------- gate integrity


@pytest.mark.parametrize("edit", [
    lambda d: d.update(version=True), lambda d: d.update(version=1.0),
    lambda d: d.update(count=float(d["count"])), lambda d: d.update(scheme=["wsaudit/v1"]),
])
def test_baseline_fields_are_type_exact(sample_copy, tmp_path, edit):
    baseline = tmp_path / "baseline.json"
    assert wsaudit("check", sample_copy, "--baseline", baseline, "--update-baseline", "--no-cache").returncode == 0
    doc = json.loads(baseline.read_text())
    edit(doc)
    baseline.write_text(json.dumps(doc))
    assert "not a valid wsaudit baseline" in one_line_error(wsaudit("check", sample_copy, "--baseline", baseline,
                                                                    "--no-cache"))


@pytest.mark.parametrize("text", ['{"kind": "wsaudit-baseline", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                  '{"kind": "wsaudit-baseline", "count": ' + "7" * 5000 + "}",
                                  '{"kind": "wsaudit-baseline", "entries": ["\\ud800"]}'])
def test_a_hostile_baseline_is_one_error_line_not_a_failed_gate(tree, tmp_path, text):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(text)
    one_line_error(wsaudit("check", tree(), "--baseline", baseline, "--no-cache"))


# ---------------------------------------------------------------- one line and exit 2, never a traceback


def test_unwritable_outputs_are_one_line(tree, tmp_path):
    root = tree()
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(stat.S_IRUSR | stat.S_IXUSR)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    targets = [tmp_path, a_file / "under.json"]
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        targets.append(readonly / "out.json")
    if os.path.exists("/dev/full"):
        targets.append(Path("/dev/full"))
    for target in targets:
        assert "cannot write" in one_line_error(wsaudit("scan", root, "--no-cache", "--output", target)) or \
            "is a folder" in one_line_error(wsaudit("scan", root, "--no-cache", "--output", target))
    one_line_error(wsaudit("check", root, "--no-cache", "--baseline", a_file / "b.json", "--update-baseline"))
    one_line_error(wsaudit("report", root, "--no-cache", "--output", a_file / "report", "--runs", "2"))


def test_a_closed_standard_output_is_one_line(tree):
    proc = subprocess.run([sys.executable, "-c", "import os, sys; os.close(1); from wsaudit.cli import main; "
                           "sys.exit(main(['scan', sys.argv[1], '--no-cache']))", str(tree())],
                          capture_output=False, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "standard output" in proc.stderr


def test_configuration_problems_are_one_line_each(tree, tmp_path):
    deep = tree({"wsaudit.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n"})
    assert "nested too deeply" in one_line_error(wsaudit("scan", deep))
    pattern = tree({"wsaudit.toml": 'exclude = ["[z-a]"]\n[[rule]]\nid = "R"\nmodule = "m"\n'})
    assert "wsaudit.toml: exclude:" in one_line_error(wsaudit("scan", pattern))
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    assert "not a regular file" in one_line_error(wsaudit("scan", tree(), "--config", fifo, timeout=60))


# ---------------------------------------------------------------- reproducibility


def test_outputs_do_not_depend_on_the_hash_seed_or_the_warnings_filter(tmp_path):
    root = write_tree(tmp_path / "repo", {"pkg/__init__.py": "", "pkg/esc.py": 'PATTERN = "\\d+"\n',
                                         "wsaudit.toml": 'profile = "netra-websocket"\n'})
    outputs = set()
    for env in ({"PYTHONHASHSEED": "1"}, {"PYTHONHASHSEED": "2", "PYTHONWARNINGS": "error"}):
        run = {**os.environ, **env}
        scan = wsaudit("scan", SAMPLE, "--format", "json", "--no-cache", env=run)
        rank = wsaudit("rank", SAMPLE, "--format", "json", "--no-cache", env=run)
        escapes = wsaudit("scan", root, "--format", "json", "--no-cache", "-q", env=run)
        assert escapes.stderr == "" and json.loads(escapes.stdout)["diagnostics"] == []  # no SyntaxWarning
        outputs.add((scan.stdout, rank.stdout))
    assert len(outputs) == 1
