"""The engine's front door: one call audits a folder or facts in memory, and every way it gets
its rows (stored, patched, replayed, searched, complete, given; with or without import records)
gives the rows of a cold run."""

from __future__ import annotations

import dataclasses

import pytest
from test_warm import age

from wsaudit.config import load
from wsaudit.engine.candidates import NameFilter
from wsaudit.engine.parse import parse_source
from wsaudit.engine.resolve import Resolution, Resolver
from wsaudit.engine.results import TreeResult
from wsaudit.engine.session import Reading, Tree, audit_tree


def rows(result: TreeResult) -> tuple:
    return result.violations, result.definitions, result.suspects, result.diagnostics, dict(result.targets)


@pytest.fixture
def cold(sample_copy):
    """The sample's configuration and its cold result (import records made)."""
    cfg = load(sample_copy)
    result = audit_tree(Tree.folder(sample_copy, cfg), cfg, reading=Reading(cache=False))
    return cfg, result


def test_each_way_of_a_folder_gives_the_cold_rows_and_says_which_it_took(sample_copy, cold):
    cfg, truth = cold
    assert truth.how == "searched" and truth.graph.records()
    age(sample_copy)

    def run() -> TreeResult:
        return audit_tree(Tree.folder(sample_copy, cfg), cfg)

    first, again = run(), run()
    assert (first.how, again.how) == ("searched", "stored")
    assert rows(first) == rows(again) == rows(truth)
    assert again.graph.records() == truth.graph.records() and again.graph.loc() == truth.graph.loc()

    edited = sample_copy / "netra_backend/app/routes/websocket_ssot.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\ndef later():\n    return None\n", encoding="utf-8")
    age(sample_copy)
    patched = run()
    fresh = audit_tree(Tree.folder(sample_copy, cfg), cfg, reading=Reading(cache=False))
    assert patched.how == "patched" and rows(patched) == rows(fresh)
    assert patched.graph.records() == fresh.graph.records()

    complete = audit_tree(Tree.folder(sample_copy, cfg), cfg, reading=Reading(cache=False), complete=True)
    assert complete.how == "complete" and rows(complete) == rows(fresh)


def test_an_edit_after_a_result_with_a_rule_that_matches_nothing_replays_the_search(sample_copy):
    """A notice that a rule matches nothing is made from every file's imports: an edit then
    cannot be patched, and the candidate search is replayed on the changed files instead."""
    extra = '\n[[rule]]\nid = "NOPE"\nsymbol = "nowhere.at_all"\n'
    (sample_copy / "wsaudit.toml").write_text('profile = "netra-websocket"\n' + extra, encoding="utf-8")
    cfg = load(sample_copy)
    age(sample_copy)
    first = audit_tree(Tree.folder(sample_copy, cfg), cfg)
    assert first.how == "searched" and [n.kind for n in first.notices] == ["unmatched-rule"]
    edited = sample_copy / "netra_backend/app/routes/websocket_ssot.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\ndef later():\n    return None\n", encoding="utf-8")
    age(sample_copy)
    replayed = audit_tree(Tree.folder(sample_copy, cfg), cfg)
    fresh = audit_tree(Tree.folder(sample_copy, cfg), cfg, reading=Reading(cache=False))
    assert replayed.how == "replayed"
    assert rows(replayed) == rows(fresh) and replayed.notices == fresh.notices


def test_facts_given_in_memory_give_the_rows_of_the_folder(sample_copy, cold):
    cfg, truth = cold
    tree = Tree.folder(sample_copy, cfg)
    facts = {f.path: parse_source((sample_copy / f.path).read_bytes()) for f in tree.files}
    given = audit_tree(dataclasses.replace(tree, facts=facts), cfg)
    assert given.how == "given" and isinstance(given.resolver, Resolver)
    assert rows(given) == rows(truth)
    assert given.graph.records() == truth.graph.records()


def test_without_import_records_the_gate_keeps_the_bytes_of_the_files_with_rows(sample_copy, cold):
    cfg, truth = cold
    gate = audit_tree(Tree.folder(sample_copy, cfg), cfg, reading=Reading(cache=False), imports=False)
    assert gate.violations == truth.violations and gate.definitions == truth.definitions
    with_rows = {v.path for v in gate.violations} | {d.path for d in gate.definitions}
    assert set(gate.sources) == with_rows | {s.path for s in gate.suspects}
    assert all(gate.sources[p] == (sample_copy / p).read_bytes() for p in with_rows)
    assert gate.graph.records() == []  # no import records made
    assert len(gate.full or ()) < len(gate.files)  # only the files that can hold a violation were parsed


def test_a_result_is_a_frozen_record(cold):
    _, result = cold
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.violations = ()  # type: ignore[misc]


def test_the_resolver_and_the_name_filter_answer_the_same_protocol(cold):
    _, result = cold
    resolver = Resolver(result.modules, result.facts.get)
    narrow: Resolution = NameFilter(resolver, {"create_websocket_manager"})
    wide: Resolution = resolver
    dotted = "netra_backend.app.websocket_core.create_websocket_manager"
    assert narrow.resolve(dotted) == wide.resolve(dotted) != frozenset()
    assert narrow.resolve("netra_backend.app.websocket_core.WebSocketManager") == frozenset()  # not a deprecated name


def test_a_scan_that_stores_nothing_makes_its_import_records_only_when_asked(tmp_path, monkeypatch):
    """Without the cache nothing asks for the records while a scan runs (its output holds
    none): they are made when the graph asks, the same as the complete run's, and the one
    problem made from them (a relative import above the top package) is in the rows at once."""
    from wsaudit.engine import imports

    pkg = tmp_path / "billing"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "invoice.py").write_text("from . import tax\nfrom ...shared import money\nimport os\n", encoding="utf-8")
    (pkg / "tax.py").write_text("from billing import invoice\n", encoding="utf-8")
    (tmp_path / "wsaudit.toml").write_text('[[rule]]\nid = "R1"\nsymbol = "billing.tax.rate"\n', encoding="utf-8")
    cfg = load(tmp_path)
    made = []
    real = imports._direct_imports
    monkeypatch.setattr(imports, "_direct_imports", lambda *a: made.append(1) or real(*a))
    result = audit_tree(Tree.folder(tmp_path, cfg), cfg, reading=Reading(cache=False))
    assert made == []
    assert [(d.path, d.kind, d.line) for d in result.diagnostics] == [
        ("billing/invoice.py", "bad-relative-import", 2)]
    complete = audit_tree(Tree.folder(tmp_path, cfg), cfg, reading=Reading(cache=False), complete=True)
    assert result.diagnostics == complete.diagnostics
    assert result.graph.records() == complete.graph.records() and len(made) == 2
    assert [(r.source, r.target) for r in result.graph.records()] == [
        ("billing.invoice", "billing.tax"), ("billing.invoice", "os"), ("billing.tax", "billing.invoice")]
