"""``wsaudit check``: the baseline gate, its ratchet, its outputs, and its prefiltered scan."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO, SAMPLE, sarif_schema, write_tree

from wsaudit.api import audit
from wsaudit.gate.baseline import dump_baseline, load_baseline
from wsaudit.engine.mentions import has_word
from wsaudit.gate.collect import collect
from wsaudit.gate.fingerprint import fingerprint, statements

SERVICES = "netra_backend/app/services"
NEW_FILE = f"{SERVICES}/brand_new.py"
NEW_CODE = ("from netra_backend.app.websocket_core import create_websocket_manager\n\n\n"
            "def fresh(ctx):\n    return create_websocket_manager(user_context=ctx)\n")


def gate(cli, root, baseline, *extra):
    return cli("check", root, "--baseline", baseline, "--no-cache", *extra)


@pytest.fixture
def adopted(sample_copy, cli, tmp_path):
    """A copy of the sample with a baseline of all its violations: (root, baseline path)."""
    baseline = tmp_path / "wsaudit-baseline.json"
    result = gate(cli, sample_copy, baseline, "--update-baseline")
    assert result.code == 0, result.err
    assert json.loads(baseline.read_text())["count"] == 106  # with the 2 files it cannot audit in full
    return sample_copy, baseline


def entries(baseline: Path) -> list[dict]:
    return json.loads(baseline.read_text(encoding="utf-8"))["entries"]


def one_line_error(result) -> str:
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


# ---------------------------------------------------------------- the prefilter finds exactly what scan finds


def same_as_full_audit(root: Path) -> None:
    fast = collect(root, cache=False)
    full = audit(root, cache=False)
    assert fast.violations == full.violation_records
    assert fast.violations, "the tree should hold violations"
    return fast


def test_collect_equals_a_full_audit_on_the_sample():
    fast = same_as_full_audit(SAMPLE)
    assert fast.files_parsed < fast.files_scanned  # and it did skip files
    assert {"build_manager", "make_ws_manager", "helpers_cwm"} <= fast.names  # re-export names found


TRICKY = {
    "renamed re-export chain, imported and through a module alias": {
        "pkg/a.py": "from pkg.core import create_websocket_manager as cwm2\n",
        "pkg/b.py": "from pkg.a import cwm2 as cwm3\n",
        "pkg/c.py": "from pkg.b import cwm3\ncwm3()\n",
        "pkg/d.py": "import pkg.b as bee\n\ndef go():\n    return bee.cwm3()\n",
        "pkg/e.py": "import pkg\npkg.b.cwm3()\n",
    },
    "star re-export and a star import that names nothing": {
        "pkg/star.py": "from pkg.core import *\n",
        "pkg/user1.py": "from pkg.star import create_websocket_manager\n",
        "pkg/user2.py": "from pkg.star import *\n",
        "pkg/user3.py": "from pkg.star import *\ncreate_websocket_manager()\n",
    },
    "a module alias exported by a helper that names no deprecated thing": {
        "pkg/helpers.py": "import pkg.core.impl as legacy_impl\nfrom pkg.core import impl as other\n",
        "pkg/user.py": "from pkg.helpers import legacy_impl, other\nlegacy_impl.create_websocket_manager()\n"
                       "other.create_websocket_manager\n",
    },
    "aliases: module level, function level, global, strings": {
        "pkg/e.py": "from pkg.core import create_websocket_manager\nmk = create_websocket_manager\n",
        "pkg/f.py": "from pkg.e import mk\nmk()\nx = 'pkg.e.mk'\n",
        "pkg/g.py": "def setup():\n    global late\n    from pkg.core import create_websocket_manager as late\n",
        "pkg/h.py": "from pkg.g import late\nlate()\n\ndef f():\n    from pkg.f import mk as r\n    y = r\n    return y()\n",
    },
    "a deprecated package: relative imports inside it name it only implicitly": {
        "pkg/legacy/__init__.py": "from .impl2 import helper\n",
        "pkg/legacy/impl2.py": "def helper():\n    pass\n",
        "pkg/legacy/sub/__init__.py": "from .. import impl2\nfrom ... import legacy\n",
        "pkg/user.py": "import importlib\nimportlib.import_module('pkg.legacy.impl2')\n",
        "wsaudit.toml": "[[rule]]\nid = 'R1'\nsymbol = 'pkg.core.create_websocket_manager'\n\n"
                        "[[rule]]\nid = 'R3'\nmodule = 'pkg.legacy'\n",
    },
    "the configured path is a renamed re-export of a re-export": {
        "pkg/core/deep.py": "from .impl import create_websocket_manager as inner\n",
        "pkg/core/__init__.py": "from .deep import inner as create_websocket_manager\n",
        "pkg/user.py": "from pkg.core.impl import create_websocket_manager\nfrom pkg.core.deep import inner\n"
                       "create_websocket_manager(); inner()\n",
    },
}


@pytest.mark.parametrize("case", sorted(TRICKY))
def test_collect_equals_a_full_audit_on_tricky_trees(tree, case):
    root = tree(TRICKY[case])
    write_tree(root, {"pkg/unrelated.py": "import os\n\ndef f():\n    return os.getcwd()\n",
                      "pkg/broken_but_unrelated.py": "def f(:\n"})
    fast = same_as_full_audit(root)
    assert "pkg/unrelated.py" not in {v.path for v in fast.violations}


def random_tree(seed: int) -> dict[str, str]:
    """A small random tree whose modules import, alias, re-export and star-import the deprecated
    symbol (and harmless names) from each other in random ways."""
    import random

    rng = random.Random(seed)
    mods = [f"pkg.m{i}" for i in range(10)]
    names = ["create_websocket_manager", "build_manager", "Manager", "helper"]
    sources = {"create_websocket_manager": "pkg.core", "build_manager": "pkg.core.factory",
               "Manager": "pkg.core.manager", "helper": "pkg.m0"}
    files: dict[str, list[str]] = {m: [] for m in mods}
    files["pkg.m0"].append("def helper():\n    return 1")
    for i, mod in enumerate(mods):
        for k in range(rng.randint(1, 5)):
            name = rng.choice(names)
            src = sources[name] if rng.random() < 0.6 else rng.choice(mods[:i] or ["pkg.core"])
            alias = f"a{i}_{k}"
            form = rng.randrange(8)
            if form == 0:
                files[mod].append(f"from {src} import {name} as {alias}")
                names.append(alias)
                sources[alias] = mod
            elif form == 1:
                files[mod].append(f"import {src} as mod{k}\nmod{k}.{name}()")
            elif form == 2:
                files[mod].append(f"from {src} import *")
            elif form == 3:
                files[mod].append(f"from {src} import {name}\n{alias} = {name}")
                names.append(alias)
                sources[alias] = mod
            elif form == 4:
                files[mod].append(f"def f{k}():\n    from {src} import {name} as r\n    return r()")
            elif form == 5:
                files[mod].append(f"X{k} = '{src}.{name}'")
            elif form == 6:
                files[mod].append(f"def g{k}():\n    global {alias}\n    from {src} import {name} as {alias}")
                names.append(alias)
                sources[alias] = mod
            else:
                files[mod].append(f"import {src}\n{src}.{name}")
    return {m.replace(".", "/") + ".py": "\n".join(body) + "\n" for m, body in files.items()}


@pytest.mark.parametrize("seed", range(25))
def test_collect_equals_a_full_audit_on_random_trees(tree, seed):
    root = tree(random_tree(seed))
    fast = collect(root, cache=False)
    assert fast.violations == audit(root, cache=False).violation_records


def test_has_word_needs_a_whole_word():
    assert has_word(b"from x import cwm", b"cwm")
    assert not has_word(b"my_cwm = 1\ncwm_2 = 2", b"cwm")
    assert has_word(b"x = 1\ncwm", b"cwm") and has_word(b"cwm", b"cwm")


def test_check_does_not_import_pandas_matplotlib_or_networkx(tmp_path):
    heavy = "('pandas', 'matplotlib', 'networkx', 'scipy')"
    code = ("import sys; from wsaudit.cli import main; code = main(['check', sys.argv[1], '--no-cache', '-q', "
            f"'--output', sys.argv[2]]); print(code, sorted(m for m in {heavy} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLE), str(tmp_path / "out.txt")],
                          capture_output=True, text=True, check=False)
    assert proc.stdout.strip() == "1 []", proc.stderr  # no baseline: every violation fails the gate


# ---------------------------------------------------------------- fingerprints


def test_statement_text_ignores_formatting_comments_and_position():
    a = b"def f(ctx):\n    return cwm(user_context=ctx)\n"
    b = b"# moved down\n\n\ndef f(ctx):\n    return cwm(  # the old way\n        user_context = ctx,\n    )\n"
    assert statements(a, [(2, 11)]) == {(2, 11): "return cwm(user_context=ctx)"}
    assert statements(b, [(5, 11)]) == {(5, 11): "return cwm(user_context=ctx)"}


def test_compound_statements_use_their_header_only():
    src = b"with cwm(ctx) as m:\n    m.send('x')\n@register(cwm)\ndef f(x=cwm):\n    return 1\n"
    assert statements(src, [(1, 5), (3, 10), (4, 8)]) == {
        (1, 5): "with cwm(ctx) as m:", (3, 10): "@register(cwm) def f(x=cwm):", (4, 8): "@register(cwm) def f(x=cwm):"}


def test_identical_statements_in_one_file_are_told_apart_by_occurrence(tree):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager as cwm\n\n"
                                "def a():\n    return cwm()\n\ndef b():\n    return cwm()\n"})
    rows = [v for v in audit(root, cache=False).violation_records if v.path == "pkg/user.py"]
    found = fingerprint(rows, lambda p: (root / p).read_bytes())
    assert [(f.violation.line, f.statement, f.occurrence) for f in found] == [
        (1, "from pkg.core import create_websocket_manager as cwm", 0), (4, "return cwm()", 0), (7, "return cwm()", 1)]
    assert len({f.fingerprint for f in found}) == 3
    rows = audit(SAMPLE, cache=False).violation_records
    sample = fingerprint(rows, lambda p: (SAMPLE / p).read_bytes())
    assert len({f.fingerprint for f in sample}) == 102
    for path in {v.path for v in rows}:  # every statement is found in the AST (no snippet fallback)
        here = [(v.line, v.col) for v in rows if v.path == path]
        assert set(statements((SAMPLE / path).read_bytes(), here)) == set(here), path


# ---------------------------------------------------------------- the gate


def test_a_new_violation_fails_the_gate_and_is_named(adopted, cli):
    root, baseline = adopted
    assert gate(cli, root, baseline).code == 0
    write_tree(root, {NEW_FILE: NEW_CODE})
    result = gate(cli, root, baseline)
    assert result.code == 1
    failing = [line for line in result.out.splitlines() if "[new]" in line]
    assert [line.split()[0] for line in failing] == [f"{NEW_FILE}:1:1", f"{NEW_FILE}:5:12"]  # 1-based, as scan
    assert "FAILED (2 violations)" in result.out


def test_copying_a_violation_elsewhere_is_new_even_in_the_same_file(adopted, cli):
    root, baseline = adopted
    notes = root / SERVICES / "notifications.py"
    copy = "\n\ndef again(user_context):\n    return factory.build_manager(user_context=user_context)\n"
    original = notes.read_text(encoding="utf-8")
    notes.write_text(original + copy, encoding="utf-8")
    result = gate(cli, root, baseline)
    assert result.code == 1
    assert [ln.split()[0] for ln in result.out.splitlines() if "[new]" in ln] == [f"{SERVICES}/notifications.py:22:12"]
    notes.write_text(original, encoding="utf-8")
    other = root / SERVICES / "notifications_copy.py"
    other.write_text("from netra_backend.app.websocket_core import factory\n" + copy, encoding="utf-8")
    result = gate(cli, root, baseline)
    assert result.code == 1
    assert [ln.split()[0] for ln in result.out.splitlines() if "[new]" in ln] == [
        f"{SERVICES}/notifications_copy.py:1:1", f"{SERVICES}/notifications_copy.py:5:12"]


def test_moving_lines_and_reformatting_do_not_make_violations_new(adopted, cli):
    root, baseline = adopted
    bridge = root / SERVICES / "agent_bridge.py"
    text = bridge.read_text(encoding="utf-8")
    text = text.replace('"""Bridge between agent execution and per-user WebSocket managers."""',
                        '"""Bridge between agent execution and per-user WebSocket managers.\n\nMore words.\n"""\n'
                        "# a comment\n\nUNRELATED = 1\n\n")
    text = text.replace("    return [create_websocket_manager(user_context=c) for c in contexts]",
                        "    return [\n        create_websocket_manager(  # legacy\n            user_context = c,\n"
                        "        )\n        for c in contexts\n    ]")
    bridge.write_text(text, encoding="utf-8")
    # move a function with violations below another one, within its file
    notes = root / SERVICES / "notifications.py"
    text = notes.read_text(encoding="utf-8")
    notify = text[text.index("async def notify"):text.index("def legacy_notifier")]
    text = text.replace(notify, "") + "\n\n" + notify
    notes.write_text(text, encoding="utf-8")
    result = gate(cli, root, baseline)
    assert result.code == 0, result.out
    assert "0 new violations, 102 in the baseline" in result.out


def test_ruff_format_of_every_file_does_not_make_violations_new(adopted, cli):
    root, baseline = adopted
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    subprocess.run([ruff, "format", "--isolated", "--line-length", "60", "--quiet", "."], cwd=root,
                   capture_output=True, check=False)
    assert sum(1 for p, data in before.items() if p.read_bytes() != data) >= 10  # it did reformat
    result = gate(cli, root, baseline)
    assert result.code == 0, result.out


def test_fixing_one_and_updating_shrinks_the_baseline(adopted, cli):
    root, baseline = adopted
    notes = root / SERVICES / "notifications.py"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "return factory.build_manager(user_context=user_context)", "return None"), encoding="utf-8")
    result = gate(cli, root, baseline)
    assert result.code == 0  # fixing is never a failure
    assert "1 stale entry" in result.out and "stale: netra_backend/app/services/notifications.py" in result.out
    before = entries(baseline)
    result = gate(cli, root, baseline, "--update-baseline")
    assert result.code == 0 and "updated: 105 entries (1 dropped, 0 added)" in result.out
    after = entries(baseline)
    assert len(after) == 105 and all(e in before for e in after)
    assert next(e for e in before if e not in after)["statement"] == "return factory.build_manager(user_context=user_context)"
    result = gate(cli, root, baseline)
    assert result.code == 0 and "stale" not in result.out


def test_the_baseline_never_grows_without_allow_new(adopted, cli):
    root, baseline = adopted
    original = baseline.read_bytes()
    write_tree(root, {NEW_FILE: NEW_CODE})
    result = gate(cli, root, baseline, "--update-baseline")
    assert result.code == 1 and "2 new violations not added" in result.out
    assert baseline.read_bytes() == original
    result = gate(cli, root, baseline, "--update-baseline", "--allow-new")
    assert result.code == 0 and "(0 dropped, 2 added)" in result.out
    assert len(entries(baseline)) == 108
    assert gate(cli, root, baseline).code == 0


def test_the_baseline_is_deterministic_and_sorted(adopted, cli, tmp_path):
    root, baseline = adopted
    again = tmp_path / "again.json"
    assert gate(cli, root, again, "--update-baseline").code == 0
    assert again.read_bytes() == baseline.read_bytes()
    rows = entries(baseline)
    keys = [(e["path"], e["rule_id"], e["category"], e["name"], e["statement"], e["occurrence"]) for e in rows]
    assert keys == sorted(keys)
    assert "line" not in rows[0] and str(root) not in baseline.read_text()
    assert dump_baseline(load_baseline(baseline)) == baseline.read_text()


def test_no_baseline_means_every_violation_fails(sample_copy, cli):
    result = cli("check", sample_copy, "--no-cache")
    assert result.code == 1 and "FAILED (102 violations)" in result.out


def test_a_clean_tree_passes_without_a_baseline(tree, cli):
    root = tree({"pkg/user.py": "from pkg.core.manager import Manager\nManager()\n"})
    for path in ("pkg/core/__init__.py", "pkg/core/factory.py"):
        (root / path).write_text("", encoding="utf-8")
    result = cli("check", root, "--no-cache")
    assert result.code == 0, result.out


# ---------------------------------------------------------------- broken baselines: one line, exit 2


def _edit(baseline: Path, change) -> None:
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    change(doc)
    baseline.write_text(json.dumps(doc, indent=2), encoding="utf-8")


@pytest.mark.parametrize("damage, message", [
    (lambda b: b.write_text(b.read_text()[:500], encoding="utf-8"), "invalid JSON at line"),
    (lambda b: b.write_text("", encoding="utf-8"), "the file is empty"),
    (lambda b: b.write_bytes(b"\xff\xfe{}"), "not UTF-8"),
    (lambda b: b.write_text("[]", encoding="utf-8"), '"kind": "wsaudit-baseline"'),
    (lambda b: _edit(b, lambda d: d["entries"].pop(3)), "count"),
    (lambda b: _edit(b, lambda d: (d["entries"].pop(3), d.update(count=105))), "checksum mismatch"),
    (lambda b: _edit(b, lambda d: d["entries"][0].update(occurrence=7)), "checksum mismatch"),
    (lambda b: _edit(b, lambda d: d.update(version=0)), "unsupported version"),
    (lambda b: _edit(b, lambda d: d.update(extra=1)), "unknown keys"),
])
def test_a_corrupt_or_hand_edited_baseline_is_one_clear_error(adopted, cli, damage, message):
    root, baseline = adopted
    damage(baseline)
    damaged = baseline.read_bytes()
    line = one_line_error(gate(cli, root, baseline))
    assert line.startswith(f"wsaudit: error: {baseline}: ") and message in line
    assert "restore it from version control" in line or "upgrade" in line
    one_line_error(gate(cli, root, baseline, "--update-baseline"))  # never "repaired" by an update
    assert baseline.read_bytes() == damaged


def test_an_edit_that_recomputes_the_checksum_is_still_caught(adopted, cli):
    from wsaudit.gate.baseline import _checksum

    root, baseline = adopted

    def forge(doc):
        doc["entries"][0]["statement"] = "anything at all"
        doc["checksum"] = _checksum(doc["entries"])

    _edit(baseline, forge)
    assert "does not match its fingerprint" in one_line_error(gate(cli, root, baseline))


def test_a_newer_baseline_version_asks_for_an_upgrade(adopted, cli):
    root, baseline = adopted
    _edit(baseline, lambda d: d.update(version=2))
    assert "newer than this wsaudit reads" in one_line_error(gate(cli, root, baseline))


@pytest.mark.parametrize("args, message", [
    (["--baseline", "missing.json"], "no such baseline"),
    (["--update-baseline"], "need --baseline FILE"),
    (["--baseline", "b.json", "--allow-new"], "--allow-new only makes sense with --update-baseline"),
    (["--fail-on", "P7"], "--fail-on"),
    (["--fail-on", ","], "--fail-on"),
])
def test_usage_errors(sample_copy, cli, monkeypatch, args, message):
    monkeypatch.chdir(sample_copy)
    assert message in one_line_error(cli("check", ".", "--no-cache", *args))


# ---------------------------------------------------------------- outputs


def test_json_output_lists_the_failures_with_fingerprints(adopted, cli):
    root, baseline = adopted
    write_tree(root, {NEW_FILE: NEW_CODE})
    doc = gate(cli, root, baseline, "--format", "json").json()
    assert doc["passed"] is False
    assert doc["summary"] == {"violations": 104, "new": 2, "baselined": 102, "stale": 0, "failures": 2,
                              "definitions": 2, "new_definitions": 0}
    assert [(r["path"], r["line"], r["fails"]) for r in doc["failures"]] == [(NEW_FILE, 1, ["new"]),
                                                                             (NEW_FILE, 5, ["new"])]
    assert all(len(r["fingerprint"]) == 32 for r in doc["violations"])
    assert str(root) not in json.dumps(doc)


def test_sarif_validates_against_the_official_schema(adopted, cli):
    root, baseline = adopted
    write_tree(root, {NEW_FILE: NEW_CODE})
    log = gate(cli, root, baseline, "--format", "sarif").json()
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    results = log["runs"][0]["results"]
    assert len(results) == 108  # 102 violations, 2 definitions, 2 unverified files, 2 new
    new = [r for r in results if r["baselineState"] == "new"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in new] == [NEW_FILE] * 2
    assert {r["level"] for r in new} == {"error"}
    assert all(len(r["partialFingerprints"]["wsaudit/v1"]) == 32 for r in results)
    bad = json.loads(json.dumps(log))
    bad["runs"][0]["results"][0]["partialFingerprints"] = {"wsaudit/v1": 1}
    assert list(validator.iter_errors(bad))  # the schema does check what we add


def test_github_annotations(adopted, cli, monkeypatch):
    root, baseline = adopted
    write_tree(root, {NEW_FILE: NEW_CODE})
    notes = root / SERVICES / "notifications.py"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "return factory.build_manager(user_context=user_context)", "return None"), encoding="utf-8")
    monkeypatch.chdir(root.parent)  # paths must be relative to where the workflow runs
    result = cli("check", root.name, "--baseline", baseline, "--no-cache", "--format", "github")
    assert result.code == 1
    lines = result.out.splitlines()
    errors = [ln for ln in lines if ln.startswith("::error ")]
    message = ("create_websocket_manager: create_websocket_manager() is deprecated; instantiate WebSocketManager "
               "(use netra_backend.app.websocket_core.websocket_manager.WebSocketManager)")
    assert errors == [
        f"::error file={root.name}/{NEW_FILE},line=1,col=1,title=wsaudit WS001 (new)::deprecated-import: {message}",
        f"::error file={root.name}/{NEW_FILE},line=5,col=12,title=wsaudit WS001 (new)::deprecated-call: {message}",
    ]
    assert [ln.split("::")[1] for ln in lines if ln.startswith("::warning ")] == [
        f"warning file={root.name}/{SERVICES}/notifications.py,title=wsaudit stale baseline entry"]
    assert lines[-1].startswith("wsaudit check: FAILED")


# ---------------------------------------------------------------- tiers


GOLDEN = """
[golden_path]
modules = ["pkg.api"]

[[rule]]
id = "R1"
symbol = "pkg.core.create_websocket_manager"
"""


def test_fail_on_tiers_without_a_baseline(tree, cli):
    root = tree({"wsaudit.toml": GOLDEN, "pkg/api.py": "import pkg.service\n", "pkg/service.py": "X = 1\n",
                 "tests/test_old.py": "from pkg.core import create_websocket_manager\n"})
    result = cli("check", root, "--no-cache", "--fail-on", "P0")
    assert result.code == 0, result.out  # only a test-file (P2) violation and the package's own re-export
    write_tree(root, {"pkg/service.py": "from pkg.core import create_websocket_manager\nX = 1\n"})
    result = cli("check", root, "--no-cache", "--fail-on", "P0", "--format", "json")
    assert result.code == 1
    failing = [(r["path"], r["tier"], r["fails"]) for r in result.json()["failures"]]
    # pkg.core's own re-export is now reached from the Golden Path too
    assert failing == [("pkg/core/__init__.py", "P0", ["tier P0"]), ("pkg/service.py", "P0", ["tier P0"])]


def test_fail_on_p0_as_well_as_newness(adopted, cli):
    root, baseline = adopted
    result = gate(cli, root, baseline, "--fail-on", "P0", "--format", "json")
    assert result.code == 1  # the sample's Golden Path violations are baselined, but P0
    doc = result.json()
    assert doc["failures"] and {r["tier"] for r in doc["failures"]} == {"P0"}
    assert {tuple(r["fails"]) for r in doc["failures"]} == {("tier P0",)}
    write_tree(root, {"tests/unit/test_brand_new.py": NEW_CODE})  # a new P2 violation fails too: it is new
    doc = gate(cli, root, baseline, "--fail-on", "P0", "--format", "json").json()
    assert {("tests/unit/test_brand_new.py", ("new",))} <= {(r["path"], tuple(r["fails"])) for r in doc["failures"]}
    assert gate(cli, root, baseline, "--fail-on", "P0,P1,P2").code == 1


# ---------------------------------------------------------------- pre-commit


def test_pre_commit_hook_definition():
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: wsaudit-check" in text
    assert "entry: wsaudit check" in text and "language: python" in text and "pass_filenames: false" in text
