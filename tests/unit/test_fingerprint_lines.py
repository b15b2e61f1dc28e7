"""The gate's fingerprints from the facts already made: a row on a line that holds one simple
statement alone is fingerprinted by parsing that line, not the file again, and the statement,
so the fingerprint, is the one a parse of the whole file gives."""

from __future__ import annotations

import ast
import json
import sysconfig
from pathlib import Path

import pytest
from conftest import write_tree

from wsaudit.engine.parse import parse_source
from wsaudit.gate import fingerprint as fp
from wsaudit.gate.check import run_check

STDLIB = Path(sysconfig.get_paths()["stdlib"])
# real code with every kind of statement: decorators, match, try/except*, semicolons, continuations
REAL = ["json/decoder.py", "email/_header_value_parser.py", "argparse.py", "dataclasses.py", "ast.py",
        "asyncio/base_events.py", "re/_parser.py", "typing.py", "inspect.py", "tarfile.py"]


def node_starts(data: bytes) -> list[tuple[int, int]]:
    """Every node's start, as a row gives it: (line, column in characters)."""
    text = data.decode("utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if hasattr(node, "col_offset") and node.lineno <= len(lines):
            row = lines[node.lineno - 1].encode("utf-8")
            out.append((node.lineno, len(row[: node.col_offset].decode("utf-8", errors="replace"))))
    return out


@pytest.mark.parametrize("name", REAL)
def test_one_line_statements_are_those_of_the_whole_file_on_real_code(name):
    data = (STDLIB / name).read_bytes()
    single = set(parse_source(data).one_line)
    assert single  # real code has them
    positions = [p for p in node_starts(data) if p[0] in single]
    assert fp.one_line_statements(data, positions) == fp.statements(data, positions)


def test_lines_that_are_not_one_statement_alone_are_left_out():
    src = ("import a; import b\n"            # two statements
           "if a: b.c()\n"                   # a header before it
           "x = a.f(\n    1)\n"              # two lines
           "@a.deco\n"                      # a decorator: not a statement of its own
           "def g():\n"
           "    return a.h()  # why\n"      # one, indented, with a comment
           "try: a.i()\n"
           "except* ValueError: pass\n"
           "match x:\n"
           "    case 1: a.j()\n"
           "    case _:\n"
           "        a.k()\n"
           "s = '''a\nb'''\n")
    assert parse_source(src.encode()).one_line == (7, 13)


def test_check_parses_no_file_again_when_its_rows_are_on_lines_of_their_own(tmp_path, monkeypatch):
    root = write_tree(tmp_path / "repo", {
        "wsaudit.toml": '[[rule]]\nid = "R1"\nsymbol = "pkg.legacy.make_client"\nreplacement = "pkg.client.Client"\n',
        "pkg/__init__.py": "",
        "pkg/legacy.py": '"""The old way."""\n\n\ndef make_client():\n    return None\n',
        "pkg/client.py": "class Client:\n    pass\n",
        "app/__init__.py": "",
        "app/jobs.py": "from pkg.legacy import make_client\n\n\ndef run():\n    client = make_client()  # old\n"
                       "    return client\n",
        "app/long.py": "from pkg.legacy import (\n    make_client,\n)\n\nclient = make_client(\n    1)\n",
    })
    parsed: list[str] = []
    real = fp.statements

    def counting(data, positions):
        parsed.append(data.decode())
        return real(data, positions)

    truth = {f.key(): f.fingerprint for f in run_check(root, cache=False).findings}
    monkeypatch.setattr(fp, "statements", counting)
    found = run_check(root, cache=False).findings
    assert {f.key(): f.fingerprint for f in found} == truth
    assert {f.violation.path for f in found} == {"app/jobs.py", "app/long.py"}
    # app/jobs.py's rows are on lines of their own: not parsed again; app/long.py's statements
    # span lines, and the definition's is a def with its body: parsed
    assert sorted(text.split("\n")[0] for text in parsed) == ['"""The old way."""', "from pkg.legacy import ("]
    assert json.dumps(sorted(truth.values()))  # 32 hex digits each, as before
