"""Bounded fuzzing (part of ``make test``): generated programs and byte-mutated real files never
crash the audit, give the same facts twice, and a cached result equals a fresh one.

A longer run: ``WSAUDIT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import ast
import base64
import keyword
import os
import tempfile
import unicodedata
from pathlib import Path

import hypothesmith
from conftest import SAMPLE, write_tree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsaudit.engine.cache import decode, encode
from wsaudit.engine.detect import detect
from wsaudit.engine.parse import parse_source
from wsaudit.gate.check import run_check
from wsaudit.model import Rule, SourceFile

EXAMPLES = int(os.environ.get("WSAUDIT_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
RULES = (Rule("S", symbol="pkg.**.create_websocket_manager"), Rule("M", module="pkg.core.factory"),
         Rule("L", symbol="os.path.join"))
REAL = sorted(p.read_bytes() for p in SAMPLE.rglob("*.py") if p.stat().st_size < 20_000)


def _audit_one(data: bytes) -> None:
    facts = parse_source(data)
    assert parse_source(data) == facts  # deterministic
    assert decode(encode(facts)) == facts  # warm (from the cache) equals cold
    files = [SourceFile("pkg/mod.py", "pkg.mod", False, False, len(data)),
             SourceFile("pkg/__init__.py", "pkg", True, False, 0)]
    found = detect(files, {"pkg/mod.py": facts, "pkg/__init__.py": parse_source(b"")}, RULES)
    again = detect(files, {"pkg/mod.py": facts, "pkg/__init__.py": parse_source(b"")}, RULES)
    assert found.violations == again.violations and found.suspects == again.suspects


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_programs_never_crash_and_are_deterministic(source):
    _audit_one(source.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.sampled_from(REAL), st.lists(st.tuples(st.integers(0, 20_000), st.binary(max_size=4),
                                                 st.integers(0, 4)), max_size=6))
def test_mutated_real_files_never_crash_and_are_deterministic(data, edits):
    mutated = bytearray(data)
    for at, insert, cut in edits:  # replace ``cut`` bytes at ``at`` with ``insert``
        at %= len(mutated) + 1
        mutated[at:at + cut] = insert
    _audit_one(bytes(mutated))


# -- the gate, against Python's own reading ------------------------------------------------
# Each example writes a file that uses the deprecated ``app.old.make`` in a way the strategy
# varies (how the name is spelled, the codec, how deeply it is nested); Python's parser is the
# oracle. Whenever Python reads a call of ``make`` imported from ``app.old``, the gate must not
# pass: the file is a violation or, when the audit could not follow it, unverified. Whatever
# Python reads, the gate neither crashes nor hangs.

GATE = settings(FUZZ, max_examples=max(EXAMPLES // 3, 20))
GATE_RULE = '[[rule]]\nid = "R1"\nsymbol = "app.old.make"\n'
# every character that Python folds (NFKC) into an ASCII letter and accepts inside an identifier
FOLDS: dict[str, list[str]] = {}
for _code in range(0x80, 0x30000):
    _ch = chr(_code)
    _folded = unicodedata.normalize("NFKC", _ch)
    if len(_folded) == 1 and _folded.isascii() and _folded.isalpha() and f"a{_ch}".isidentifier() \
            and f"{_ch}a".isidentifier():
        FOLDS.setdefault(_folded, []).append(_ch)
CODECS = ("utf-8", "utf-8-sig", "utf-7", "latin-1", "cp1252", "mac_roman", "cp437", "koi8_r", "shift_jis",
          "euc_jp", "gb18030", "big5", "iso8859_15")


def python_calls_make(data: bytes) -> bool:
    """Whether Python, reading ``data``, sees a call of ``make`` from ``app.old`` (the oracle)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError, LookupError):
        return False  # Python would not run it either
    local = {(a.asname or a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "app.old"
             for a in n.names if a.name == "make"}
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in local
               for n in ast.walk(tree))


def gate_on(files: dict[str, bytes]):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_tree(Path(tmp) / "repo", {"wsaudit.toml": GATE_RULE, "app/__init__.py": "",
                                               "app/old.py": "def make():\n    pass\n", **files})
        return run_check(root, root / "wsaudit.toml", cache=False)


def fails_on(result, path: str) -> bool:
    """Whether the gate fails on a use in ``path`` (app/old.py's definition fails it too: not counted)."""
    return any(f.violation.path == path and f.violation.category in ("deprecated-call", "unverified")
               for f in result.failures)


def assert_gate_holds(data: bytes) -> None:
    result = gate_on({"app/sneaky.py": data})  # never raises
    if python_calls_make(data):
        assert fails_on(result, "app/sneaky.py"), [(f.violation.path, f.violation.category) for f in result.failures]


@st.composite
def spelled(draw, word: str) -> str:
    """``word`` with any of its letters replaced by a character Python folds into it."""
    return "".join(draw(st.sampled_from([c, *FOLDS.get(c, [])])) if draw(st.booleans()) else c for c in word)


@GATE
@given(st.data())
def test_the_gate_holds_however_the_names_are_spelled(data):
    module = f"{data.draw(spelled('app'))}.{data.draw(spelled('old'))}"
    name = data.draw(spelled("make"))
    alias = data.draw(st.one_of(st.none(), st.from_regex(r"[a-zA-Zµª\u00c0-\u00ff\u4e00-\u4e10]{1,6}", fullmatch=True)
                                .filter(str.isidentifier).filter(lambda a: not keyword.iskeyword(a))))
    called = data.draw(spelled(alias or "make"))
    imported = f"{name} as {alias}" if alias else name
    source = f"from {module} import {imported}\n\n{called}()\n"
    assert_gate_holds(source.encode("utf-8"))


def _utf7_spelled(text: str, draw) -> bytes:
    """``text`` in UTF-7, with any letters written in its base64 form (``m`` as ``+AG0-``)."""
    out = []
    for c in text:
        if c.isascii() and c.isalpha() and draw(st.booleans()):
            out.append(b"+" + base64.b64encode(c.encode("utf-16-be")).rstrip(b"=") + b"-")
        else:
            out.append(c.encode("utf-7"))
    return b"".join(out)


@GATE
@given(st.data(), st.sampled_from(CODECS), st.text(max_size=30))
def test_the_gate_holds_in_any_declared_codec(data, codec, noise):
    noise = noise.encode(codec, "ignore").decode(codec).replace("\\", "").replace("'", "")
    cookie = "" if codec == "utf-8-sig" else f"# -*- coding: {codec} -*-\n"
    body = f"from app.old import make\nnote = '{noise}'  # {noise}\n\nmake()\n"
    if codec == "utf-7":
        encoded = cookie.encode() + _utf7_spelled(body, data.draw)
    else:
        encoded = cookie.encode() + body.encode(codec, "ignore")
    assert_gate_holds(encoded)


NESTS = {  # a construct around the call: what opens it, what closes it, whether it indents
    "paren": ("(", ")", False), "list": ("[", "]", False), "call": ("print(", ")", False),
    "if": ("if x:\n", "", True), "def": ("def f():\n", "", True), "class": ("class C:\n", "", True),
    "with": ("with x:\n", "", True), "try": ("try:\n", "except E:\n    pass\n", True),
}


@GATE
@given(st.lists(st.sampled_from(sorted(NESTS)), max_size=120), st.integers(0, 600), st.booleans())
def test_the_gate_holds_however_deeply_the_use_is_nested(nests, aliases, through):
    """The call nested in up to 120 constructs (past what Python's parser takes, sometimes), beside
    or through a chain of up to 600 aliases."""
    expression = f"a{aliases - 1}()" if through and aliases else "make()"
    for kind in reversed([k for k in nests if not NESTS[k][2]]):
        opens, closes, _ = NESTS[kind]
        expression = f"{opens}{expression}{closes}"
    chain = ["a0 = make"] + [f"a{i} = a{i - 1}" for i in range(1, aliases)] if aliases else []
    block = [*chain, expression] if through else [expression]
    for kind in reversed([k for k in nests if NESTS[k][2]]):
        opens, closes, _ = NESTS[kind]
        block = [*opens.splitlines(), *(f"    {line}" for line in block), *closes.splitlines()]
    # beside: the chain backwards in a loop (each alias reached from the next one round)
    backwards = ["while x:", *(f"    a{i} = a{i + 1}" for i in range(aliases)), f"    a{aliases} = make"]
    beside = ["def unused():", *(f"    {line}" for line in backwards)] if aliases and not through else []
    source = "\n".join(["from app.old import make", *beside, *block]) + "\n"
    # the oracle sees a call of make itself: an alias it follows by renaming the call back
    python_reads = python_calls_make(source.replace(expression, expression.replace(f"a{aliases - 1}()", "make()"))
                                     .encode())
    result = gate_on({"app/sneaky.py": source.encode()})
    if python_reads:
        assert fails_on(result, "app/sneaky.py"), [(f.violation.path, f.violation.category) for f in result.failures]


@settings(GATE, max_examples=max(EXAMPLES // 30, 5))
@given(st.integers(1, 400), st.booleans())
def test_the_gate_holds_through_any_chain_of_re_exports(depth, cycle):
    files = {f"app/m{i}.py": f"from app.m{i - 1} import make\n".encode() for i in range(1, depth + 1)}
    files["app/m0.py"] = b"from app.old import make\n" if not cycle else f"from app.m{depth} import make\n".encode()
    result = gate_on({**files, "app/user.py": f"from app.m{depth} import make\n\nmake()\n".encode()})
    # Python would reach app.old.make: the use fails the gate, as a violation or unverified (a
    # cycle ends nowhere, an ImportError in Python: the gate only has to come back)
    assert fails_on(result, "app/user.py") or cycle
