"""Bounded fuzzing (part of ``make test``): generated programs and byte-mutated real files never
crash the audit, give the same facts twice, and a cached result equals a fresh one.

A longer run: ``WSAUDIT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/hostile/test_fuzz.py``.
"""

from __future__ import annotations

import os

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from wsaudit.engine.cache import decode, encode
from wsaudit.engine.detect import detect
from wsaudit.engine.parse import parse_source
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
