"""A pull request that adds a use of the deprecated API cannot pass the gate by how it writes it.

Each test is an attack that got through before (the gate passed, or the run was a traceback):
the name written as Python folds it (NFKC) or in a codec that spells it differently in bytes;
a file turned "too complex" by a long chain of aliases beside the real use; a file that only
degrades (one line of newer syntax, padding past the size limit); a chain of re-exports or a
cycle of modules deeper than Python's stack."""

from __future__ import annotations

import json

import pytest
from conftest import write_tree

RULE = '[[rule]]\nid = "R1"\nsymbol = "app.old.make"\n'
TREE = {"wsaudit.toml": RULE, "app/__init__.py": "", "app/old.py": "def make():\n    pass\n",
        "app/fine.py": "x = 1\n"}


@pytest.fixture
def adopted(tmp_path, cli):
    """A tree whose gate passes, with its baseline (the definition of ``make`` accepted)."""
    root = write_tree(tmp_path / "repo", TREE)
    baseline = tmp_path / "baseline.json"
    assert cli("check", root, "--no-cache", "--baseline", baseline, "--update-baseline").code == 0
    assert cli("check", root, "--no-cache", "--baseline", baseline).code == 0
    return root, baseline


def gate(cli, root, baseline):
    return cli("check", root, "--no-cache", "--baseline", baseline, "--format", "json")


@pytest.mark.parametrize("source", [
    "from app.old import ｍake\n\nｍake()\n",  # fullwidth m: Python reads the identifier make
    "from app.old import ｍａｋｅ as m\n\nm()\n",
    "# coding: utf-7\nfrom app.old import +AG0-ake\n\n+AG0-ake()\n",  # utf-7 spells m as +AG0-
])
def test_a_name_written_as_python_folds_it_or_in_another_codec_is_a_violation(adopted, cli, source):
    root, baseline = adopted
    (root / "app" / "sneaky.py").write_bytes(source.encode("utf-8"))
    doc = gate(cli, root, baseline).json()
    assert not doc["passed"]
    assert {(v["path"], v["category"]) for v in doc["failures"]} >= {("app/sneaky.py", "deprecated-call")}


def test_a_long_alias_chain_does_not_hide_the_real_use_beside_it(adopted, cli):
    root, baseline = adopted
    # written backwards in a loop, each alias reached from the next one round: followed one
    # by one, the chain was as deep in Python's stack as it is long
    chain = "\n".join(["def unused():", "    while x:"] + [f"        a{i} = a{i + 1}" for i in range(400)]
                      + ["        a400 = make"])
    source = f"from app.old import make\n\n{chain}\n\n\nmake()\n"
    (root / "app" / "chain.py").write_text(source)
    doc = gate(cli, root, baseline).json()
    calls = [v for v in doc["failures"] if v["category"] == "deprecated-call"]
    assert [(v["path"], v["line"]) for v in calls] == [("app/chain.py", source.count("\n"))]
    scan = cli("scan", root, "--no-cache", "--format", "json").json()
    assert not any(d["kind"] == "too-complex" for d in scan["diagnostics"])  # it was, and its call was lost


@pytest.mark.parametrize("source", [
    b"from app.old import make\n\nmake()\ntype Alias = int  # newer syntax than this Python reads\n",
    b"from app.old import make\n\nmake()\n" + b"#" * 2_100_000,  # past max_file_size
    b"from app.old import make\n\nmake()\nx = '\xff'\n",  # not UTF-8
])
def test_a_file_that_only_degrades_fails_the_gate_as_unverified(adopted, cli, source):
    root, baseline = adopted
    (root / "app" / "degraded.py").write_bytes(source)
    doc = gate(cli, root, baseline).json()
    assert not doc["passed"] and [v["path"] for v in doc["unverified"]] == ["app/degraded.py"]
    assert doc["failures"][-1]["category"] == "unverified" and doc["failures"][-1]["fails"] == ["new"]
    # the baseline can hold it, for that content: an edit makes it new again
    assert cli("check", root, "--no-cache", "--baseline", adopted[1], "--update-baseline", "--allow-new").code == 0
    assert gate(cli, root, baseline).json()["passed"]
    with (root / "app" / "degraded.py").open("ab") as f:
        f.write(b"\n# one more line\n")
    assert not gate(cli, root, baseline).json()["passed"]


def test_a_degraded_file_that_names_nothing_deprecated_passes(adopted, cli):
    root, baseline = adopted
    (root / "app" / "other.py").write_bytes(b"def f(:\n    pass\n")  # a syntax error, nothing deprecated
    assert gate(cli, root, baseline).json()["passed"]


@pytest.mark.parametrize("shape", ["chain", "cycle"])
def test_a_chain_or_cycle_of_re_exports_deeper_than_the_stack_is_diagnosed_not_a_traceback(tmp_path, cli, shape):
    n = 1500 if shape == "chain" else 1000
    files = {"wsaudit.toml": '[[rule]]\nid = "R1"\nsymbol = "pkg.m0.old"\n', "pkg/__init__.py": ""}
    if shape == "chain":
        files["pkg/m0.py"] = "def old():\n    pass\n"
        files.update({f"pkg/m{i}.py": f"from pkg.m{i - 1} import old\n" for i in range(1, n + 1)})
        files["pkg/use.py"] = f"from pkg.m{n} import old\n\nold()\n"
    else:
        files.update({f"pkg/m{i}.py": f"from pkg.m{(i + 1) % n} import old\n" for i in range(n)})
    root = write_tree(tmp_path / "repo", files)
    scan = cli("scan", root, "--no-cache", "--format", "json")
    assert scan.code == 0, scan.err[-2000:]
    deep = {d["path"] for d in scan.json()["diagnostics"] if d["kind"] == "too-deep"}
    assert deep and all(p.startswith("pkg/m") or p == "pkg/use.py" for p in deep)
    check = cli("check", root, "--no-cache", "--format", "json")
    assert check.code == 1 and {v["path"] for v in json.loads(check.out)["unverified"]} >= deep
