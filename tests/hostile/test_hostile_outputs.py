"""Every output is safe for where it goes, whatever the tree holds.

Text for a person or a CI log has one line per problem, and nothing that moves the cursor,
erases a row, hides text or forges a workflow command (``::error::``, ``::stop-commands::``);
JSON keeps the exact text. CSV cells are never formulas, SARIF URIs are URIs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from conftest import RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from wsaudit.render.text import printable

# what no text output may hold: control characters but the newline that ends a line (and tab),
# the line and paragraph separators, the bidirectional controls that reorder or hide text
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
RULE_ID = "R1\u001b[2K\u202e\n::error::forged"
MESSAGE = "use Manager\u001b]8;;http://x\u0007 %0A\n::stop-commands::tok"
HOSTILE_RULES = f"""
[[rule]]
id = {json.dumps(RULE_ID)}
symbol = "pkg.core.create_websocket_manager"
replacement = "pkg.core.manager.Manager"
message = {json.dumps(MESSAGE)}

[[rule.rewrite]]
arguments = []
call = "Manager()"
imports = ["from pkg.core.manager import Manager"]

[[rule]]
id = "R2"
module = "pkg.old"
"""
HOSTILE_FILES = {
    "pkg/__init__.py": "",
    "pkg/old.py": "",
    "pkg/core/__init__.py": "def create_websocket_manager():\n    return None\n",
    "pkg/core/manager.py": "class Manager:\n    pass\n",
    "app/__init__.py": "",
    "app/a.py": ("from pkg.core import create_websocket_manager\n\n"
                 "x = create_websocket_manager()  # \x1b[2K\u202e hidden \u2066\n"
                 "w = create_websocket_manager\n"),
    "app/b.py": "import pkg.old  # wsaudit: ignore[R2] -- because \x1b[31mred\x1b[0m\n",
    "app/c.py": "import pkg.old\nx = \x1b[2K\n",  # does not parse: the diagnostic quotes the character
    "wsaudit.toml": HOSTILE_RULES,
}


def _safe(text: str) -> str:
    found = CONTROL.findall(text)
    assert not found, (found, text)
    return text


def _one_line_each(err: str, prefix: str = "wsaudit: ") -> list[str]:
    """Standard error: nothing but lines of wsaudit's own, each one problem."""
    lines = _safe(err).splitlines()
    assert lines and all(line.startswith(prefix) for line in lines), err
    return lines


def test_a_newline_in_a_configuration_key_is_one_line_per_problem(tree, cli):
    root = tree({"wsaudit.toml": '"a\\n::error::x" = 1\n"b\\u001b[2K" = 2\n' + RULES})
    for command in (["scan"], ["check", "--format", "github"]):
        result = cli(*command, root, "--no-cache")
        assert result.code == 2
        lines = _one_line_each(result.err, "wsaudit: configuration error: ")
        assert len(lines) == 2 and any("a\\n::error::x: unknown key" in line for line in lines), lines


def test_control_characters_from_the_tree_are_escaped_in_every_text_output(tree, cli):
    root = tree(HOSTILE_FILES, base=False)
    shown_id = printable(RULE_ID)
    scan = cli("scan", root, "--no-cache")
    assert scan.code == 0 and shown_id in _safe(scan.out)
    assert "because \\x1b[31mred" in scan.out and "\\x1b[2K\\u202e hidden \\u2066" in scan.out
    assert _safe(scan.err) == ""
    document = cli("scan", root, "--no-cache", "--format", "json").json()
    assert {v["rule_id"] for v in document["violations"]} == {RULE_ID}  # JSON keeps the exact text
    assert any("\x1b[2K\u202e hidden" in v["snippet"] for v in document["violations"])
    rank = cli("rank", root, "--no-cache")
    assert rank.code == 0 and shown_id in _safe(rank.out)
    check = cli("check", root, "--no-cache")
    assert check.code == 1 and shown_id in _safe(check.out)
    github = cli("check", root, "--no-cache", "--format", "github")
    assert github.code == 1
    for line in _safe(github.out).splitlines():  # every line a workflow command of ours, or the summary
        assert line.startswith(("::error file=", "::warning ", "wsaudit check: ")), line
    assert "::stop-commands::" not in github.out.replace("\\n::stop-commands::", "")
    assert "%25" in github.out and "\\x1b]8;;http://x\\x07" in github.out  # '%' for GitHub, controls for all
    migrate = cli("migrate", root, "--no-cache")
    assert migrate.code == 0
    listing = _safe(migrate.err)
    assert f"manual: app/a.py:5:5 {shown_id} deprecated-reference" in listing, listing


def test_a_warning_with_a_newline_is_one_line(tree, cli):
    rules = '[[rule]]\nid = "R9\\n::error::forged\\u001b[2K"\nsymbol = "pkg.nowhere.make"\n'
    root = tree({"wsaudit.toml": rules})
    result = cli("scan", root, "--no-cache")
    assert result.code == 0
    [line] = _one_line_each(result.err, "wsaudit: warning: ")
    assert "rule R9\\n::error::forged\\x1b[2K: symbol" in line
    strict = cli("check", root, "--no-cache", "--strict", "--format", "github")
    assert strict.code == 2 and len(_one_line_each(strict.err)) == 2
    assert all(line.startswith(("::", "wsaudit check: ")) for line in _safe(strict.out).splitlines())


def _git(root, *args: str) -> None:
    subprocess.run(["git", "-c", "core.hooksPath=/dev/null", "-c", "user.email=t@t", "-c", "user.name=t", *args],
                   cwd=root, check=True, capture_output=True)


def test_commit_subjects_and_errors_are_escaped_in_the_history_table(tree, cli):
    root = tree({"app/__init__.py": "", "app/a.py": "from pkg.core import create_websocket_manager\n"})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start \x1b[2K\u202e hidden\x07")
    (root / "app/b.py").write_text("from pkg.core import create_websocket_manager\n")
    (root / "app/a.py").unlink()
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "delete \x1b]0;title\x07 it")  # a flagged step: its subject is listed
    (root / "wsaudit.toml").write_text((root / "wsaudit.toml").read_text() + '\n"k\\n::error::x\\u001b[2K" = 1\n')
    _git(root, "commit", "-q", "-a", "-m", "broken configuration")
    result = cli("history", root, "--no-cache")
    assert result.code == 0, result.err
    table = _safe(result.out)
    assert "k\\n::error::x\\x1b[2K: unknown key" in table, table
    document = cli("history", root, "--no-cache", "--format", "json").json()
    assert document["commits"][0]["subject"] == "start \x1b[2K\u202e hidden\x07"  # JSON: exact


def test_a_planted_point_named_with_control_characters_is_listed_on_one_line(tree, cli):
    root = tree()
    folder = root / ".wsaudit" / "rollback" / "0009-\x1b[2K\nfake\u202e"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    result = cli("rollback", "--list", root)
    assert result.code == 0
    [line] = _safe(result.out).splitlines()
    assert line.startswith("0009-\\x1b[2K\\nfake\\u202e  refused")
    refused = cli("rollback", "9", root)
    assert refused.code == 2
    _one_line_each(refused.err)


@pytest.mark.parametrize("text", ["plain", "a\\b", "a\\x1bb", "a\x1bb", "a\\\x1bb", "\\n", "\n", "caf\udce9",
                                  "caf\\udce9", "caf\\xe9", "\u202e", "\\u202e"])
def test_the_escaping_is_injective(text):
    others = ["plain", "a\\b", "a\\x1bb", "a\x1bb", "a\\\x1bb", "\\n", "\n", "caf\udce9", "caf\\udce9", "caf\\xe9",
              "\u202e", "\\u202e", "caf\xe9"]
    shown = {printable(t): t for t in others}
    assert len(shown) == len(others)
    assert shown[printable(text)] == text and not CONTROL.search(printable(text))


# ---------------------------------------------------------------- CSV


FORMULA = re.compile(r"^[=+\-@\t\r]")
CSV_RULES = """
[[rule]]
id = "=HYPERLINK(\\"http://x\\",\\"R1\\")"
symbol = "pkg.core.create_websocket_manager"
replacement = "pkg.core.manager.Manager"
"""


def _cells(text: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(text)))


def _no_formula(rows: list[dict[str, str]], numbers: tuple[str, ...] = ()) -> None:
    """No cell a spreadsheet would run; the columns of numbers still numbers (a negative one too)."""
    assert rows
    for row in rows:
        for column, cell in row.items():
            if column in numbers and cell not in ("", None):
                float(cell)
            else:
                assert not FORMULA.match(cell or ""), (column, cell)


def test_no_csv_cell_is_a_formula(tree, cli, tmp_path):
    root = tree({"wsaudit.toml": CSV_RULES, "app/__init__.py": "",
                 "app/-x.py": "from pkg.core import create_websocket_manager\n-create_websocket_manager()\n",
                 "app/@y.py": "import pkg.core\n@pkg.core.create_websocket_manager\ndef f():\n    pass\n"})
    scan = cli("scan", root, "--no-cache", "--format", "csv")
    assert scan.code == 0
    rows = _cells(scan.out)
    _no_formula(rows, ("line", "col"))
    assert {r["rule_id"] for r in rows} == {"'=HYPERLINK(\"http://x\",\"R1\")"}
    assert {"'-create_websocket_manager()", "'@pkg.core.create_websocket_manager"} <= {r["snippet"] for r in rows}
    assert "'@y.py" not in {r["path"] for r in rows} and "app/@y.py" in {r["path"] for r in rows}  # 'a' starts it
    for by in ("violation", "file"):
        rank = cli("rank", root, "--no-cache", "--format", "csv", "--by", by)
        assert rank.code == 0
        _no_formula(_cells(rank.out), ("line", "col", "score", "golden_distance", "violations",
                                       "deprecated-import", "deprecated-call", "deprecated-module",
                                       "deprecated-reference"))
    plan = tmp_path / "plan.csv"
    assert cli("simulate", root, "--no-cache", "--runs", "3", "--plan", plan, "-q").code == 0
    _no_formula(_cells(plan.read_text(encoding="utf-8")), ("wave", "violations", "hours", "deprecated-import",
                                                           "deprecated-call", "deprecated-module",
                                                           "deprecated-reference"))


def test_no_history_csv_cell_is_a_formula_and_numbers_stay_numbers(tree, cli):
    root = tree({"app/__init__.py": "", "app/a.py": "from pkg.core import create_websocket_manager\n"})
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "=HYPERLINK(\"http://x\") start")
    (root / "app/a.py").unlink()
    _git(root, "commit", "-q", "-a", "-m", "-2+3 fix")
    result = cli("history", root, "--no-cache", "--format", "csv")
    assert result.code == 0, result.err
    rows = _cells(result.out)
    assert [r["subject"] for r in rows] == ["'=HYPERLINK(\"http://x\") start", "'-2+3 fix"]
    assert int(rows[0]["violations"]) == int(rows[1]["violations"]) + 1  # numbers


def test_the_reports_csv_tables_are_never_formulas(tree, tmp_path):
    pd = pytest.importorskip("pandas")
    from wsaudit.api import audit
    from wsaudit.report.runner import append_history, write_tables
    from wsaudit.report.summary import save_table

    root = tree({"wsaudit.toml": CSV_RULES, "app/__init__.py": "",
                 "app/-x.py": "from pkg.core import create_websocket_manager\n-create_websocket_manager()\n",
                 "app/=broken.py": "-create_websocket_manager(\n"})  # a diagnostic: its table is not empty
    result = audit(root, cache=False)
    out = tmp_path / "report"
    out.mkdir()
    for path in write_tables(result, result.simulate(runs=3), out):
        if path.suffix == ".csv":
            _no_formula(_cells(path.read_text(encoding="utf-8")), ("line", "col", "score", "golden_distance",
                                                                    "violations", "wave", "hours",
                                                                    "deprecated-import", "deprecated-call",
                                                                    "deprecated-module", "deprecated-reference"))
    append_history(out, {"folder": "=cmd|' /C calc'!A0", "delta": -3})
    append_history(out, {"folder": "@x", "delta": -4})
    rows = _cells((out / "history.csv").read_text(encoding="utf-8"))
    assert [(r["folder"], r["delta"]) for r in rows] == [("'=cmd|' /C calc'!A0", "-3"), ("'@x", "-4")]
    frame = pd.DataFrame({"subject": ["+1 fix", "ok"], "delta": [-1, 2]})
    assert save_table(frame, str(out), "t.csv") is frame and frame["subject"][0] == "+1 fix"  # shown as it is
    assert _cells((out / "t.csv").read_text(encoding="utf-8")) == [{"subject": "'+1 fix", "delta": "-1"},
                                                                   {"subject": "ok", "delta": "2"}]


# ---------------------------------------------------------------- SARIF


def test_sarif_artifact_uris_are_percent_encoded(tree, cli, tmp_path):
    """A file's URI names that file: ``%70resence.py`` is not ``presence.py``, ``#`` and ``?`` do
    not start a fragment or a query, ``a:b.py`` is not a URI of scheme ``a``; spaces and non-ASCII
    characters are encoded (RFC 3986)."""
    from urllib.parse import unquote, urlsplit

    import jsonschema
    from conftest import sarif_schema

    use = "from pkg.core import create_websocket_manager\n"
    names = ["%70resence.py", "a b.py", "c#d.py", "e?f.py", "é.py", "g:h.py", "i%zz.py"]
    root = tree({"app/__init__.py": "", **{f"app/{n}": use for n in names}})
    with open(os.fsencode(root / "app") + b"/caf\xe9.py", "wb") as handle:  # not UTF-8: shown app/caf\xe9.py
        handle.write(use.encode())
    baseline = tmp_path / "baseline.json"
    assert cli("check", root, "--baseline", baseline, "--update-baseline", "--no-cache").code == 0
    logs = [cli("scan", root, "--format", "sarif", "--no-cache").json(),
            cli("rank", root, "--format", "sarif", "--no-cache").json(),
            cli("check", root, "--baseline", baseline, "--format", "sarif", "--no-cache").json()]
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    for log in logs:
        assert not [e.message for e in validator.iter_errors(log)][:3]  # uri-reference checked too
        paths = set()
        for result in log["runs"][0]["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            parts = urlsplit(uri)
            assert not parts.scheme and not parts.query and not parts.fragment and not parts.netloc, uri
            paths.add(unquote(parts.path))
        assert {f"app/{n}" for n in names} | {"app/caf\\xe9.py"} <= paths, paths  # as the JSON rows name them


# ---------------------------------------------------------------- two names, one printed text


def _unescape(shown: str) -> str:
    """The inverse of :func:`printable`: what proves it injective."""
    return re.sub(r"\\(\\|n|x[0-9a-f]{2}|u[0-9a-f]{4})",
                  lambda m: {"\\": "\\", "n": "\n"}.get(m[1]) or chr(int(m[1][1:], 16)), shown)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)))
def test_printable_is_read_back_exactly(text):
    shown = printable(text)
    assert not CONTROL.search(shown) and not re.search("[\ud800-\udfff]", shown)
    assert _unescape(shown) == text


def test_two_files_whose_names_escape_alike_are_both_reported(tree, cli):
    root = tree()
    with open(os.fsencode(root / "pkg") + b"/caf\xe9.py", "wb") as handle:  # shown pkg/caf\xe9.py
        handle.write(b"from pkg.core import create_websocket_manager\n")
    (root / "pkg" / "caf\\xe9.py").write_text("\n\nimport pkg.core.factory\n")  # named pkg/caf\xe9.py itself
    rows = {(v["path"], v["line"], v["category"])
            for v in cli("scan", root, "--no-cache", "--format", "json").json()["violations"]
            if v["path"].startswith("pkg/caf")}
    assert len(rows) == 2 and len({path for path, _, _ in rows}) == 2, rows


def test_a_plan_whose_paths_a_spreadsheet_would_run_still_drives_migrate(tree, cli, tmp_path):
    """The plan CSV quotes a path that starts with '@' or a quote; migrate --plan and the
    burndown read it back as the file's name."""
    from wsaudit.history.burndown import plan_order

    use = "from pkg.core import create_websocket_manager\n\ncreate_websocket_manager()\n"
    root = tree({"@hooks.py": use, "'quoted.py": use})
    plan = tmp_path / "plan.csv"
    assert cli("simulate", root, "--no-cache", "--runs", "3", "--plan", plan, "-q").code == 0
    rows = _cells(plan.read_text(encoding="utf-8"))
    written = {r["path"]: r["wave"] for r in rows}
    assert {"'@hooks.py", "''quoted.py"} <= set(written)
    for path in ("@hooks.py", "'quoted.py"):
        wave = written["'" + path]
        doc = cli("migrate", root, "--plan", plan, "--wave", wave, "--format", "json").json()
        chosen = {r["path"] for part in ("files", "manual", "skipped") for r in doc[part]}
        assert path in chosen  # (skipped: not an importable module name, so no rewrite)
    # the burndown follows a plan's order for the files by their own names (not by path, which
    # is what it does for a file the plan does not list)
    plan_rows = [{"wave": "1", "path": "'@hooks.py"}, {"wave": "1", "path": "''quoted.py"}]
    units = [type("U", (), {"path": p})() for p in ("'quoted.py", "@hooks.py")]
    assert [u.path for u in plan_order(plan_rows)(units, None, None)] == ["@hooks.py", "'quoted.py"]
