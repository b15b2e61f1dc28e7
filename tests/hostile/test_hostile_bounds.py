"""Bounds a hostile tree cannot pass: every reproducer below once hung, crashed or took
gigabytes. Each runs the command in a subprocess with a timeout, so that a regression fails
instead of hanging the suite; none asserts a time."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pathspec
import pytest
from conftest import write_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hostile_tree import one_line_error

from wsaudit.engine.discover import spec
from wsaudit.engine.golden import match_module

RULE = '[[rule]]\nid = "R"\nmodule = "m"\n'


def wsaudit(*args, timeout: float = 60, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsaudit", *map(str, args)], capture_output=True, text=True, check=False,
                          timeout=timeout, env=env)


def git(root: Path, *args: str, input: bytes | None = None) -> str:
    return subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "user.email=t@t", "-c", "user.name=t",
                           *args], cwd=root, check=True, capture_output=True, input=input).stdout.decode().strip()


def commit_all(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tree")


# ---------------------------------------------------------------- patterns: linear matching

DEEP = 45  # folders: module names of 45 dotted segments, paths of 45 segments


def _glob_tree(root: Path, exclude: list[str], tests: list[str], golden: list[str]) -> Path:
    a, b = "a/" * DEEP, "b/" * DEEP
    toml = (f"exclude = {json.dumps(exclude)}\ntests = {json.dumps(tests)}\n"
            f"[golden_path]\nmodules = {json.dumps(golden)}\n" + RULE)
    return write_tree(root, {"wsaudit.toml": toml, f"{a}m.py": "import m\n", f"{a}x/gone.py": "import m\n",
                             f"{a}y/test_t.py": "import m\n", f"{b}n.py": "import m\n"})


def test_patterns_with_many_double_stars_match_in_linear_time(tmp_path):
    """``**`` compiles to ``.*`` (Golden Path) or ``(?:/.+)?`` (gitignore): forty of them
    backtracked for hours in ``re`` against a deep path or module name that does not match."""
    hostile = _glob_tree(tmp_path / "hostile" / "repo", ["**/" * 40 + "x", "a/**/" * 20 + "x", "a/" + "*/**/" * 12 + "z"],
                         ["a/**/" * 20 + "y"], [".".join(["**"] * 40) + ".m"])
    sane = _glob_tree(tmp_path / "sane" / "repo", ["**/x", "a/**/x", "a/*/**/z"], ["a/**/y"], ["**.m"])
    outputs = []
    for root in (hostile, sane):
        scan = wsaudit("scan", root, "--format", "json", "--no-cache")
        rank = wsaudit("rank", root, "--format", "json", "--no-cache")
        assert scan.returncode == 0 and rank.returncode == 0, (scan.stderr, rank.stderr)
        outputs.append((json.loads(scan.stdout)["violations"], json.loads(rank.stdout)["violations"]))
    assert outputs[0] == outputs[1]
    violations = outputs[0][1]
    assert not any("/x/" in v["path"] for v in violations)  # excluded
    assert {v["path"].rsplit("/", 1)[1]: v["tier"] for v in violations} == {"m.py": "P0", "test_t.py": "P2",
                                                                           "n.py": "P1"}


@pytest.mark.parametrize("toml, key", [
    ('exclude = ["' + "x" * 1001 + '"]\n' + RULE, "exclude"),
    ('[golden_path]\ntests = ["[z-a]"]\n' + RULE, "golden_path.tests"),
    ('[golden_path]\nmodules = ["' + "a." * 600 + 'b"]\n' + RULE, "golden_path.modules"),
    ('[[rule]]\nid = "R"\nsymbol = "pkg.**.**.make"\n', "rule[0].symbol"),
    ('[[rule]]\nid = "R"\nsymbol = "pkg.**.a.**.b.**.make"\n', "rule[0].symbol"),
], ids=["long-exclude", "invalid-golden-test", "long-golden-module", "double-star-run", "three-double-stars"])
def test_patterns_are_bounded_by_the_configuration(tmp_path, toml, key):
    """What matching cannot make linear, the configuration may not say: a symbol's ``**``
    (a regular expression of ``re``, in the model) and the size of every pattern."""
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": toml, "pkg/a.py": "import m\n"})
    assert f"wsaudit.toml: {key}:" in one_line_error(wsaudit("scan", root, "--no-cache"))


PATTERN_PIECES = st.sampled_from(["a", "b", "/", "*", "**", "?", "[ab]", "[!a]", "[]a]", "\\*", ".", " ", "!",
                                  "#", "\\", "[a-", "**/"])
PATH_PIECES = st.sampled_from(["a", "b", "/", ".", " ", "*", "]", "\n", ".a", "ab/"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.lists(PATTERN_PIECES, max_size=8).map("".join), min_size=1, max_size=3),
       st.lists(st.lists(PATH_PIECES, max_size=10).map("".join), min_size=1, max_size=6))
def test_the_linear_matcher_says_what_pathspec_says(patterns, paths):
    try:
        reference = pathspec.GitIgnoreSpec.from_lines(patterns)
    except Exception:  # noqa: BLE001 - not valid gitignore: a configuration error before any matching
        return
    mine = spec(patterns)
    assert not isinstance(mine, pathspec.PathSpec)  # every pattern pathspec makes is one Regex runs
    for raw in paths:
        # discovery's paths: root-relative, no empty or "." segment, a folder with a slash
        path = "/".join(s for s in raw.split("/") if s not in ("", ".")) or "a"
        for candidate in (path, path + "/"):
            assert mine.match_file(candidate) == reference.match_file(candidate), (patterns, candidate)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["a", "b", ".", "*", "**", "_"]), min_size=1, max_size=8).map("".join),
       st.lists(st.sampled_from(["a", "b", ".", "_"]), min_size=1, max_size=10).map("".join))
def test_the_golden_path_matcher_says_what_the_regular_expression_says(pattern, name):
    translated = "".join({"**": r".*", "*": r"[^.]*"}.get(p, re.escape(p)) for p in re.split(r"(\*\*|\*)", pattern))
    assert match_module(pattern, name) == (re.fullmatch(translated, name) is not None)


def test_regex_refuses_what_it_does_not_know():
    from wsaudit.engine.discover import Regex

    for text in (r"\d", "a{2}", "(?=a)", "(?!)", "(a"):
        with pytest.raises(ValueError):
            Regex(text)


# ---------------------------------------------------------------- recursion: folders nested deeper than the stack

NESTED = 1200  # past Python's recursion limit (1000); 2,400 characters of path, under PATH_MAX


@pytest.fixture
def nested(tmp_path):
    """``nested(root, depth)`` makes folders ``d/d/.../d`` one by one (``mkdir(parents=True)``
    itself recurses) and removes them after the test, bottom up: pytest's own clean-up of its
    temporary folders (``shutil.rmtree``) recurses, and would fail on them in a later session."""
    made: list[tuple[str, int]] = []

    def make(root: Path, depth: int) -> str:
        folder = str(root)
        made.append((folder, depth))
        for _ in range(depth):
            folder += "/d"
            os.mkdir(folder)
        return "d/" * depth

    yield make
    for top, depth in made:
        for level in range(depth, 0, -1):
            folder = top + "/d" * level
            for entry in os.scandir(folder):
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
            os.rmdir(folder)


def test_folders_nested_past_the_recursion_limit_are_audited(tmp_path, nested):
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE})
    Path(str(root) + "/" + nested(root, NESTED) + "x.py").write_text("import m\n")
    commit_all(root)
    for command in ("scan", "check"):
        proc = wsaudit(command, root, "--format", "json", "--no-cache")
        assert proc.returncode == (1 if command == "check" else 0), proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
    scan = json.loads(wsaudit("scan", root, "--format", "json", "--no-cache").stdout)
    assert [v["path"] for v in scan["violations"]] == ["d/" * NESTED + "x.py"]
    history = wsaudit("history", root, "--format", "json", "--no-cache")
    assert history.returncode == 0, history.stderr[-2000:]
    (row,) = json.loads(history.stdout)["commits"]
    assert row["error"] is None and row["violations"] == 1


# ---------------------------------------------------------------- a planted cache database

ENDLESS = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
OUR_TABLE = "CREATE TABLE {} (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL)"
PLANTS = {
    "trigger": [OUR_TABLE.format("facts"), OUR_TABLE.format("results"), f"CREATE VIEW endless AS {ENDLESS}",
                "CREATE TRIGGER t AFTER INSERT ON facts BEGIN SELECT * FROM endless; END",
                "CREATE TRIGGER u BEFORE DELETE ON results BEGIN SELECT * FROM endless; END"],
    "views-named-like-ours": [f"CREATE VIEW facts (key, data, mac) AS {ENDLESS.replace('count(*)', 'i, i, i')}",
                              f"CREATE VIEW results (key, data, mac) AS {ENDLESS.replace('count(*)', 'i, i, i')}"],
    "an-index-of-its-own": [OUR_TABLE.format("facts"), "CREATE INDEX mine ON facts (data)"],
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_planted_cache_database_runs_none_of_its_sql(tmp_path, plant):
    """A database whose schema is not exactly wsaudit's is never queried past its
    sqlite_master: its views and triggers (an endless recursive one here, which hung every
    scan, check and history) never run, and the file is left as it was."""
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE, "pkg/a.py": "import m\n", "pkg/b.py": "import m\n"})
    commit_all(root)
    database = root / ".wsaudit" / "cache" / "facts.sqlite3"
    database.parent.mkdir(parents=True)
    db = sqlite3.connect(database)
    for statement in PLANTS[plant]:
        db.execute(statement)
    db.commit()
    db.close()
    before = database.read_bytes()
    for command in ("scan", "check"):
        proc = wsaudit(command, root, "--format", "json")
        assert proc.returncode == (0 if command == "scan" else 1), proc.stderr[-2000:]
        doc = json.loads(proc.stdout)
        rows = doc["violations"]
        assert sorted(v["path"] for v in rows) == ["pkg/a.py", "pkg/b.py"]
        assert [w["kind"] for w in doc["warnings"]] == ["cache-refused"]  # the gate's too
        assert "not a cache wsaudit wrote" in doc["warnings"][0]["message"]
    history = wsaudit("history", root, "--format", "json")
    assert history.returncode == 0 and json.loads(history.stdout)["commits"][0]["violations"] == 2, history.stderr
    assert database.read_bytes() == before


@pytest.mark.parametrize("companion", ["-journal", "-wal", "-shm"])
def test_a_fifo_beside_the_cache_database_is_never_opened(tmp_path, companion):
    """SQLite opens the journal beside a database by name before the first read: a FIFO there
    blocked every command forever."""
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE, "pkg/a.py": "import m\n"})
    assert wsaudit("scan", root).returncode == 0  # a cache of ours
    os.mkfifo(root / ".wsaudit" / "cache" / f"facts.sqlite3{companion}")
    proc = wsaudit("scan", root, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [v["path"] for v in doc["violations"]] == ["pkg/a.py"]
    assert [w["kind"] for w in doc["warnings"]] == ["cache-refused"]


def test_a_cache_of_ours_and_an_older_one_are_used(tmp_path):
    """The schema check takes wsaudit's own databases, this version's and an older one's."""
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE, "pkg/a.py": "import m\n"})
    assert wsaudit("scan", root).returncode == 0
    database = root / ".wsaudit" / "cache" / "facts.sqlite3"
    db = sqlite3.connect(database)
    assert db.execute("SELECT count(*) FROM facts").fetchone()[0] == 1
    db.execute("DROP TABLE facts")
    db.execute("CREATE TABLE facts (key TEXT PRIMARY KEY, data TEXT NOT NULL)")  # before entries were signed
    db.execute("INSERT INTO facts VALUES ('k', 'd')")
    db.commit()
    db.close()
    (root / "pkg" / "b.py").write_text("import m\n")
    proc = wsaudit("scan", root, "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["warnings"] == []
    db = sqlite3.connect(database)
    assert [r[1] for r in db.execute("PRAGMA table_info(facts)")] == ["key", "data", "mac"]
    keys = [k for (k,) in db.execute("SELECT key FROM facts")]
    assert keys and "k" not in keys  # the old table dropped, the new one written


# ---------------------------------------------------------------- every number has a range

OUT_OF_RANGE = [
    ("max_file_size", "max_file_size = 4_000_000_000\n", "from 1 to 1,000,000,000"),
    ("max_parse_memory", "max_parse_memory = 0\n", "from 1 to 8,000,000,000"),
    ("rank.alpha", "[rank]\nalpha = nan\n", "above 0 and below 1"),
    ("rank.p0_max_distance", "[rank]\np0_max_distance = 1_000_000_000\n", "from 0 to 1,000"),
    ("simulate.runs", "[simulate]\nruns = 1_000_000_000\n", "from 1 to 100,000"),
    ("simulate.wave_files", "[simulate]\nwave_files = 0\n", "from 1 to 10,000"),
    ("simulate.base_hours", "[simulate]\nbase_hours = inf\n", "from 0 to 1,000"),
    ("simulate.per_violation_hours", "[simulate]\nper_violation_hours = -1\n", "from 0 to 1,000"),
    ("simulate.effort_sigma", "[simulate]\neffort_sigma = 1e300\n", "from 0 to 5"),
    ("simulate.capacity_hours_per_day", "[simulate]\ncapacity_hours_per_day = 25\n", "above 0 and at most 24"),
    ("simulate.validation_hours", "[simulate]\nvalidation_hours = 1e9\n", "from 0 to 1,000"),
    ("simulate.failure_probability", "[simulate]\nfailure_probability = 1\n", "from 0 and below 1"),
    ("simulate.rework_fraction", "[simulate]\nrework_fraction = 11\n", "from 0 to 10"),
    ("report.baseline.violations", "[report]\nbaseline = { violations = 1" + "0" * 30 + " }\n",
     "from 0 to 1,000,000,000,000"),
    ("report.baseline.days_to_done", "[report]\nbaseline = { days_to_done = 1e12 }\n", "from 0 to 100,000"),
]


@pytest.mark.parametrize("key, toml, words", OUT_OF_RANGE, ids=[k for k, _, _ in OUT_OF_RANGE])
def test_every_number_of_the_configuration_has_a_range(tmp_path, key, toml, words):
    """A tree's own configuration could ask for a billion simulation runs (killed at 2 GB) or
    a parse budget of any size: every number has a range real use never reaches, and a value
    outside it is one line naming the key and the range, exit 2, before anything runs."""
    root = write_tree(tmp_path / "repo", {"wsaudit.toml": toml + RULE, "pkg/a.py": "import m\n"})
    line = one_line_error(wsaudit("simulate", root, "--no-cache"))
    assert f"wsaudit.toml: {key}: expected a" in line and words in line, line


# ---------------------------------------------------------------- history: the limits of a checkout


def test_history_reads_no_blob_a_checkout_could_not_hold(tmp_path, monkeypatch):
    """A link blob is a path (a few KB at most) and a configuration is at most 4,000,000 bytes:
    larger blobs (a 256 MiB link target took 1.8 GB from a 7 MB repository) are sized with
    ``cat-file --batch-check`` and never read: a diagnostic, and an error row."""
    from wsaudit.history import audit as history_audit
    from wsaudit.history.git import Repository

    root = write_tree(tmp_path / "repo", {"wsaudit.toml": RULE, "pkg/a.py": "import m\n"})
    commit_all(root)
    link = git(root, "hash-object", "-w", "--stdin", input=b"a" * 1_048_576)  # a 1 MiB link target
    git(root, "update-index", "--add", "--cacheinfo", f"120000,{link},pkg/big.py")
    git(root, "commit", "-q", "-m", "a long link")
    config = git(root, "hash-object", "-w", "--stdin", input=RULE.encode() + b"#" * 5_000_000 + b"\n")
    git(root, "update-index", "--cacheinfo", f"100644,{config},wsaudit.toml")
    git(root, "commit", "-q", "-m", "a huge configuration")
    assert sum(f.stat().st_size for f in (root / ".git").rglob("*") if f.is_file()) < 1_000_000  # small on disk

    largest = [0]
    read = Repository.read

    def spy(self, oids):
        found = read(self, oids)
        largest[0] = max([largest[0], *(len(b) for b in found.values() if b is not None)])
        return found

    monkeypatch.setattr(Repository, "read", spy)
    rows = [c.row() for c in history_audit.history(root, cache=False).commits]
    assert [r["violations"] for r in rows] == [1, 1, None]
    assert rows[2]["error"] == "invalid configuration: wsaudit.toml: over 4000000 bytes: not a configuration"
    assert rows[1]["diagnostics"] == 1
    audited = history_audit.audit_commit(root, "HEAD~1", cache=False)
    (problem,) = audited.diagnostic_records
    assert (problem.path, problem.kind) == ("pkg/big.py", "read-error") and "over 4096 bytes" in problem.message
    assert largest[0] < 10_000  # the link target and the configuration were never read


def test_a_crafted_tree_entry_named_dotdot_or_git_is_not_audited(tmp_path):
    """git's trees can be crafted to hold ``..``, ``.git`` in any case, ``.`` or an empty name
    (git refuses to check such a tree out): history audited ``../x.py`` and ``.GIT/x.py`` as
    files of the commit; each such name is now one diagnostic and nothing under it is audited."""
    from wsaudit.history import audit as history_audit

    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    blob = git(root, "hash-object", "-w", "--stdin", input=b"import m\n")
    config = git(root, "hash-object", "-w", "--stdin", input=RULE.encode())
    sub = git(root, "mktree", input=f"100644 blob {blob}\tx.py\n".encode())
    names = ["..", ".git", ".GIT", ".Git", "ok"]
    listing = "".join(f"040000 tree {sub}\t{name}\n" for name in names) + f"100644 blob {config}\twsaudit.toml\n"
    tree = git(root, "mktree", input=listing.encode())
    nested = git(root, "mktree", input=f"040000 tree {tree}\tdeep\n100644 blob {config}\twsaudit.toml\n".encode())
    for top in (tree, nested):
        commit = git(root, "commit-tree", top, "-m", "crafted")
        git(root, "update-ref", "refs/heads/main", commit)
        git(root, "symbolic-ref", "HEAD", "refs/heads/main")
        audited = history_audit.audit_commit(root, "HEAD", cache=False)
        prefix = "deep/" if top == nested else ""
        assert [v.path for v in audited.violation_records] == [f"{prefix}ok/x.py"]
        assert sorted((d.path, d.kind) for d in audited.diagnostic_records) == sorted(
            (prefix + name, "read-error") for name in names if name != "ok")
    (row,) = [c.row() for c in history_audit.history(root, cache=False).commits]
    assert row["error"] is None and row["violations"] == 1 and row["diagnostics"] == 4


# ---------------------------------------------------------------- the codemod: libcst's memory and recursion

MIGRATED = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "from .impl import create_websocket_manager\n",
    "pkg/core/impl.py": "def create_websocket_manager(user_context=None):\n    return user_context\n",
    "pkg/core/manager.py": "class Manager:\n    pass\n",
}
REWRITE = ('[[rule]]\nid = "R1"\nsymbol = "pkg.core.create_websocket_manager"\nreplacement = "pkg.core.manager.Manager"\n'
           '[[rule.rewrite]]\narguments = []\ncall = "Manager()"\nimports = ["from pkg.core.manager import Manager"]\n')
USE = "from pkg.core import create_websocket_manager\nm = create_websocket_manager()\n"


def _migrate(root: Path) -> dict:
    proc = wsaudit("migrate", root, "--format", "json", "--no-cache")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_codemod_parses_within_max_parse_memory(tmp_path):
    """libcst's tree takes about 1,400 bytes per byte of source (a 1.66 MB file took 1.26 GB):
    a file whose rewrite would take more than max_parse_memory is skipped with the reason,
    like the scanner's parse; a small one is still rewritten."""
    big = USE + "value = create_websocket_manager.__name__ + str([1, 2, 3])\n" * 1_000  # 60 KB
    root = write_tree(tmp_path / "repo", {**MIGRATED, "wsaudit.toml": "max_parse_memory = 40_000_000\n" + REWRITE,
                                          "pkg/big.py": big, "pkg/small.py": USE})
    doc = _migrate(root)  # the scanner parses big.py (about 18 MB); libcst would take about 82 MB
    assert doc["skipped"] == [{"path": "pkg/big.py", "reason": "too large to rewrite within max_parse_memory: "
                               "libcst would take about 82 MB, over 40 MB"}]
    assert [f["path"] for f in doc["files"] if f["changed"]] == ["pkg/small.py"]


def test_the_codemod_turns_input_depth_into_reasons_not_tracebacks(tmp_path):
    """libcst recurses once per level of the syntax tree (a sum of 400 terms gave a
    RecursionError and a traceback): such a file keeps its violations, each with the reason;
    wsaudit's own walks (attribute chains, joined strings, dotted module names) are loops."""
    deep = USE + "x = " + " + ".join(["a"] * 400) + "\n"
    deeper = USE + "x = " + " + ".join(["a"] * 800) + "\n"
    chain = ("import " + ".".join(["a"] * 1500) + "\n" + USE
             + "y = b" + ".c" * 1500 + "\nz = " + " ".join(['"s"'] * 1500) + "\n")
    root = write_tree(tmp_path / "repo", {**MIGRATED, "wsaudit.toml": REWRITE, "pkg/deep.py": deep,
                                          "pkg/deeper.py": deeper, "pkg/chain.py": chain, "pkg/small.py": USE})
    doc = _migrate(root)
    reasons = {(m["path"], m["line"]): m["reason"] for m in doc["manual"]
               if m["path"] in ("pkg/deep.py", "pkg/deeper.py", "pkg/chain.py")}
    # 400 levels: libcst rewrites it, pyflakes cannot check the result (it recurses deeper)
    assert "bindings-kept: nested too deeply for pyflakes" in reasons[("pkg/deep.py", 2)]
    assert reasons[("pkg/deeper.py", 2)].startswith("nested too deeply for libcst to rewrite")
    assert "pkg/small.py" in [f["path"] for f in doc["files"] if f["changed"]]


def test_the_codemods_own_walks_are_loops():
    """What libcst builds without recursing (a chain of 5,000 attributes, 5,000 joined string
    pieces) and a dotted module name of 5,000 segments, walked by wsaudit's own code."""
    import libcst as cst

    from wsaudit.codemod.environment import Environment
    from wsaudit.codemod.patch_targets import replace_string
    from wsaudit.codemod.syntax import dotted

    chain: cst.BaseExpression = cst.Name("a")
    for _ in range(5_000):
        chain = cst.Attribute(value=chain, attr=cst.Name("b"))
    assert dotted(chain) == "a" + ".b" * 5_000
    joined: cst.BaseExpression = cst.SimpleString('"x"')
    for _ in range(5_000):
        joined = cst.ConcatenatedString(left=cst.SimpleString('"y"'), right=joined)
    assert isinstance(replace_string(joined, "y" * 5_000 + "x", "z"), cst.SimpleString)  # one piece, spanning them
    assert Environment(()).find("a." * 5_000 + "b") is None
