"""Warm, incremental and cold runs give byte-identical results, whatever changed in between; an
unchanged tree is answered from the stored whole-tree result without reading any source."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

from wsaudit.api import audit
from wsaudit.engine import store

OUTPUTS = (("scan", "--format", "json"), ("rank", "--format", "json"), ("graph",), ("check", "--format", "json"))


def age(root, seconds: float = 60) -> None:
    """Make the files written in the last half minute older than the racy window, as in a tree
    that nobody is editing; the others keep their stat entries (a later run sees them unchanged)."""
    now = time.time()
    past = now - seconds
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.stat(path).st_mtime > now - 30:
                os.utime(path, (past, past))


def outputs(cli, root, *extra) -> list[str]:
    return [cli(command, root, *args, *extra).out for command, *args in OUTPUTS]


@pytest.fixture
def reads(monkeypatch):
    """The paths read from disk, as the store reads them."""
    seen: list[str] = []
    real = store.read_file

    def counting(root, f, limit):
        seen.append(f.path)
        return real(root, f, limit)

    monkeypatch.setattr(store, "read_file", counting)
    return seen


def test_an_unchanged_tree_reads_no_source_and_gives_the_same_bytes(sample_copy, cli, reads):
    age(sample_copy)
    cold = outputs(cli, sample_copy, "--no-cache")
    first = outputs(cli, sample_copy)  # fills the cache
    warm = outputs(cli, sample_copy)
    assert cold == first == warm
    reads.clear()
    for command in ("scan", "rank", "graph"):  # the audit's commands (check reads its own way)
        assert cli(command, sample_copy).code == 0
    assert reads == []  # answered from the whole-tree result
    result = audit(sample_copy)
    assert result.facts["conftest.py"].complete  # facts are still there when asked for


@pytest.mark.parametrize("change", ["edit", "add", "rename", "delete", "config", "fresh", "break", "bad-import",
                                    "shadow", "first-use", "quiet-edit", "more-uses", "no-more-uses",
                                    "re-export-dropped", "re-export-added", "definition-renamed"])
def test_after_any_change_a_cached_run_equals_a_cold_one(sample_copy, cli, change):
    age(sample_copy)
    outputs(cli, sample_copy)  # a warm cache of the tree before the change
    services = sample_copy / "netra_backend" / "app" / "services"
    if change == "edit":
        path = services / "health.py"
        path.write_text(path.read_text() + "\nfrom netra_backend.app.websocket_core import create_websocket_manager\n")
    elif change == "add":
        (services / "added.py").write_text("from netra_backend.app.websocket_core import factory\n")
    elif change == "rename":
        (services / "compat.py").rename(services / "compat_v2.py")
    elif change == "delete":
        (services / "user_sessions.py").unlink()
    elif change == "config":
        (sample_copy / "wsaudit.toml").write_text('profile = "netra-websocket"\n[rank]\nalpha = 0.5\n')
    elif change == "break":  # a file that no longer parses: a diagnostic, and suspects if it names the API
        (services / "health.py").write_text("def broken(:\n    create_websocket_manager()\n")
    elif change == "bad-import":  # a relative import above the top: a diagnostic of the import records
        path = services / "health.py"
        path.write_text(path.read_text() + "\nfrom ....... import nothing\n")
    elif change == "first-use":  # a file that could hold nothing before uses the API now
        path = sample_copy / "netra_backend" / "app" / "agents" / "__init__.py"
        path.write_text(path.read_text() + "\nfrom netra_backend.app.websocket_core import create_websocket_manager\n"
                        "create_websocket_manager()\n")
    elif change == "quiet-edit":  # ... and one that still cannot
        path = sample_copy / "netra_backend" / "app" / "agents" / "__init__.py"
        path.write_text(path.read_text() + "\nimport json\n")
    elif change == "more-uses":  # a file that holds violations holds one more
        path = services / "agent_bridge.py"
        path.write_text(path.read_text() + "\n\ndef again(ctx):\n    return create_websocket_manager(user_context=ctx)\n")
    elif change == "no-more-uses":  # ... or none any more (it cannot hold one now)
        (services / "windows_bridge.py").write_text("def desktop_manager(ctx):\n    return ctx\n")
    elif change == "re-export-dropped":  # a deprecated name (build_manager) is no longer one
        path = sample_copy / "netra_backend" / "app" / "websocket_core" / "factory.py"
        path.write_text(path.read_text().replace("create_websocket_manager as build_manager", "WebSocketManager as "
                                                 "build_manager"))
    elif change == "re-export-added":  # a new deprecated name, used by a file that did not change
        plain = sample_copy / "netra_backend" / "app" / "agents" / "__init__.py"  # cannot hold a violation
        plain.write_text(plain.read_text() + "\nfrom netra_backend.app.services.ws_helpers import brand_new\n")
        age(sample_copy)
        assert PLAIN not in violated(outputs(cli, sample_copy)[0])  # brand_new is nothing deprecated yet
        path = services / "ws_helpers.py"
        path.write_text(path.read_text() + "\nbrand_new = create_websocket_manager\n")
    elif change == "definition-renamed":  # the deprecated object itself moves
        path = sample_copy / "netra_backend" / "app" / "websocket_core" / "websocket_manager_factory.py"
        path.write_text(path.read_text().replace("def create_websocket_manager(", "def create_manager_v2(")
                        + "\ncreate_websocket_manager = create_manager_v2\n")
    elif change == "shadow":  # a module beside a same-named package: discovery's diagnostic
        (services / "health").mkdir()
        (services / "health" / "__init__.py").write_text("")
    if change != "fresh":
        age(sample_copy)  # the change is not racy: only the stat index can tell it
    else:  # a file touched just now: no result may be stored for it
        (services / "health.py").touch()
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")  # and once more, warm
    if change == "re-export-added":  # the file that did not change holds a violation now
        assert PLAIN in violated(outputs(cli, sample_copy)[0])


PLAIN = "netra_backend/app/agents/__init__.py"


def violated(scan_json: str) -> set[str]:
    return {v["path"] for v in json.loads(scan_json)["violations"]}


def test_a_planted_result_is_ignored(sample_copy, cli):
    age(sample_copy)
    truth = cli("scan", sample_copy, "--format", "json", "--no-cache").out
    cli("scan", sample_copy, "--format", "json")
    db = sqlite3.connect(sample_copy / ".wsaudit" / "cache" / "facts.sqlite3")
    forged = '{"violations":[],"diagnostics":[],"graph":"[[],{}]","targets":{},"definitions":[],"suspects":[],' \
             '"notices":[],"unreadable":[]}'
    db.execute("UPDATE results SET data = ?", (forged,))
    db.commit()
    db.close()
    assert cli("scan", sample_copy, "--format", "json").out == truth


@pytest.mark.parametrize("kind", ["graph", "index"])
@pytest.mark.parametrize("harm", ["forged", "swapped", "other-part", "gone", "truncated", "gap", "reordered"])
def test_a_planted_forged_or_missing_part_of_a_result_is_a_miss(sample_copy, cli, monkeypatch, harm, kind):
    """The graph and the stat index of a result are stored apart from it, in pieces each signed
    with its part and place: one forged, swapped in from a result (a signed text of the same
    key) or from the other part, gone, cut short, with a piece missing or two pieces exchanged
    is never taken: the graph is that of an audit made now, an edit is audited in full."""
    from wsaudit.engine import results

    monkeypatch.setattr(results, "PIECE", 300)  # the sample's parts in many pieces
    age(sample_copy)
    truth = outputs(cli, sample_copy, "--no-cache")
    outputs(cli, sample_copy)
    db = sqlite3.connect(sample_copy / ".wsaudit" / "cache" / "facts.sqlite3")
    assert db.execute("SELECT count(*) FROM result_parts WHERE kind = ?", (kind,)).fetchone()[0] > 3
    where = f"kind = '{kind}'"
    if harm == "forged":
        db.execute(f"UPDATE result_parts SET data = ? WHERE piece = 1 AND {where}", ("[]",))
    elif harm == "swapped":  # a result's own signed text where the first piece should be
        db.execute("UPDATE result_parts SET data = (SELECT data FROM results WHERE results.key = result_parts.key), "
                   f"mac = (SELECT mac FROM results WHERE results.key = result_parts.key) WHERE piece = 0 AND {where}")
    elif harm == "other-part":  # the other part's first piece, signature and all
        db.execute(f"DELETE FROM result_parts WHERE piece = 0 AND {where}")
        db.execute(f"UPDATE result_parts SET kind = '{kind}' WHERE piece = 0")
    elif harm == "gone":
        db.execute(f"DELETE FROM result_parts WHERE {where}")
    elif harm == "truncated":
        db.execute(f"DELETE FROM result_parts WHERE {where} AND piece = "
                   f"(SELECT max(piece) FROM result_parts WHERE {where})")
    elif harm == "gap":
        db.execute(f"DELETE FROM result_parts WHERE piece = 1 AND {where}")
    else:
        db.execute(f"UPDATE result_parts SET piece = -1 WHERE piece = 1 AND {where}")
        db.execute(f"UPDATE result_parts SET piece = 1 WHERE piece = 2 AND {where}")
        db.execute(f"UPDATE result_parts SET piece = 2 WHERE piece = -1 AND {where}")
    db.commit()
    db.close()
    assert outputs(cli, sample_copy) == truth
    plain = sample_copy / PLAIN  # an edit: the latest result is the one harmed
    plain.write_text(plain.read_text() + "\nimport json\n")
    age(sample_copy)
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")


def test_a_warm_scan_reads_no_part_of_the_result_and_a_warm_graph_only_the_graph(sample_copy, cli, monkeypatch):
    from wsaudit.engine.cache import FactsCache

    age(sample_copy)
    truth = outputs(cli, sample_copy, "--no-cache")
    outputs(cli, sample_copy)
    read: list[str] = []
    real = FactsCache.get_part
    monkeypatch.setattr(FactsCache, "get_part", lambda self, key, kind: read.append(kind) or real(self, key, kind))
    scan = cli("scan", sample_copy, "--format", "json")
    assert read == []
    graph = cli("graph", sample_copy)
    assert read == ["graph"]
    assert [scan.out, graph.out] == [truth[0], truth[2]]


def test_after_a_cold_audit_only_full_facts_stay_and_the_rest_is_read_again_when_asked(sample_copy, reads):
    result = audit(sample_copy, cache=False)
    store_ = result.facts._store
    assert store_.blobs == {}  # the bytes are let go once the audit is done
    kept = set(store_.facts)
    assert kept and all(store_.facts[p].complete for p in kept)
    imports_only = sorted({f.path for f in result.files} - kept)
    assert imports_only  # the sample has files that cannot hold a violation
    reads.clear()
    path = imports_only[0]
    assert result.facts[path].complete  # read again and parsed in full, on demand
    assert reads == [path]
    cold_full = audit(sample_copy, cache=False, complete=True)
    assert result.facts[path] == cold_full.facts[path]
    assert sorted(result.facts) == sorted(cold_full.facts)


def test_saving_a_cold_audit_reads_nothing_again_and_keeps_the_unreadable_files(sample_copy, reads, tmp_path):
    from wsaudit.audit_file import load_audit, save_audit

    big = sample_copy / "netra_backend" / "huge.py"
    big.write_bytes(b"x = 1\n" * 400_000)  # over the default max_file_size: not read
    result = audit(sample_copy, cache=False)
    assert result.unreadable == ["netra_backend/huge.py"]
    reads.clear()
    saved = save_audit(result, tmp_path / "audit.json")
    assert reads == []  # the snapshot comes from the audit, not from parsing every file again
    loaded = load_audit(saved, sample_copy)
    assert loaded.unreadable == result.unreadable
    assert loaded.violation_records == result.violation_records


def test_a_streamed_graph_document_is_the_document(sample_copy):
    from wsaudit.render.graph import graph_chunks, graph_text, node_metrics

    result = audit(sample_copy, cache=False)
    metrics = node_metrics(result.violation_records, result.module_ranks)
    for fmt in ("json", "dot", "graphml"):
        whole = graph_text(result.graph, result.import_records, fmt, metrics)
        assert "".join(graph_chunks(result.graph, result.import_records, fmt, metrics)) == whole


@pytest.mark.parametrize("unmatched_rule", [False, True])
def test_one_changed_file_takes_the_rest_from_the_last_result_and_equals_a_cold_run(sample_copy, cli, monkeypatch,
                                                                                    unmatched_rule):
    """Only the changed file gets the imports pass: the other files' import records, lines of
    code and diagnostics come from the result stored for the tree before the change (unless a
    rule matches nothing: its notice names the closest imports of every file)."""
    if unmatched_rule:
        (sample_copy / "wsaudit.toml").write_text(
            'profile = "netra-websocket"\n[[rule]]\nid = "NOPE"\nmodule = "nowhere.at_all"\n')
    (sample_copy / "netra_backend" / "bad.py").write_text("from ........ import x\n")  # a diagnostic to keep
    (sample_copy / "netra_backend" / "plain.py").write_text("import json\nfrom netra_backend.app import services\n")
    (sample_copy / "netra_backend" / "huge.py").write_bytes(b"x = 1\n" * 400_000)  # too large: never read
    age(sample_copy)
    outputs(cli, sample_copy)  # the result of the tree before the change
    plain = sample_copy / "netra_backend" / "plain.py"
    plain.write_text(plain.read_text() + "\nfrom ......... import too_far\n\ndef added():\n    return 1\n")
    age(sample_copy)
    calls: list[list[str]] = []
    real = store.FactStore.load_imports

    def recording(self, paths):
        calls.append(list(paths))
        return real(self, calls[-1])

    monkeypatch.setattr(store.FactStore, "load_imports", recording)
    import wsaudit.engine.candidates

    searched: list[int] = []
    real_select = wsaudit.engine.candidates.select_candidates
    monkeypatch.setattr(wsaudit.engine.candidates, "select_candidates", lambda *a: searched.append(1) or real_select(*a))
    scan = cli("scan", sample_copy, "--format", "json")
    monkeypatch.undo()
    assert calls[0] == ["netra_backend/plain.py"]
    assert len(calls) == (2 if unmatched_rule else 1)
    # the edit cannot hold a violation: nothing is searched or detected again (unless a rule's
    # notice has to name the closest imports of every file)
    assert bool(searched) == unmatched_rule
    cold = cli("scan", sample_copy, "--format", "json", "--no-cache")
    assert scan.out == cold.out
    # the stored result of that run, record for record
    assert audit(sample_copy).import_records == audit(sample_copy, cache=False).import_records
    assert ('"NOPE"' in cold.out) == unmatched_rule  # the unmatched rule's warning
    assert '"bad-relative-import"' in cold.out
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")


def test_an_edit_that_can_hold_a_violation_reads_only_the_files_parsed_in_full_before(sample_copy, cli, reads):
    """The candidate search is replayed on the changed file and those the last result parsed in
    full: a file that named nothing deprecated then is not read (its rows come from that result)."""
    age(sample_copy)
    before = audit(sample_copy)
    full = {p for p, f in before.facts._store.facts.items() if f.complete}
    path = sample_copy / "netra_backend" / "app" / "services" / "agent_bridge.py"
    path.write_text(path.read_text() + "\n\ndef again(ctx):\n    return create_websocket_manager(user_context=ctx)\n")
    age(sample_copy)
    reads.clear()
    scan = cli("scan", sample_copy, "--format", "json")
    assert reads and set(reads) <= full | {"netra_backend/app/services/agent_bridge.py"}
    assert {f.path for f in before.files} - full - set(reads)  # some files were not read at all
    assert scan.out == cli("scan", sample_copy, "--format", "json", "--no-cache").out
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")


def test_back_to_a_tree_seen_before_the_next_edit_is_taken_against_it(sample_copy, cli, monkeypatch):
    """A warm hit on an earlier tree makes it the latest: an edit after it differs from it in one
    file, and is answered without a candidate search (not against the tree seen in between)."""
    age(sample_copy)
    candidate = sample_copy / "netra_backend" / "app" / "services" / "agent_bridge.py"
    original, stat = candidate.read_bytes(), candidate.stat()
    cli("scan", sample_copy)  # tree A
    candidate.write_bytes(original + b"\nx = create_websocket_manager()\n")
    age(sample_copy)
    cli("scan", sample_copy)  # tree B
    candidate.write_bytes(original)
    os.utime(candidate, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cli("scan", sample_copy)  # tree A again: a warm hit
    plain = sample_copy / PLAIN
    plain.write_text(plain.read_text() + "\nimport json\n")
    age(sample_copy)
    import wsaudit.engine.candidates

    searched: list[int] = []
    real_select = wsaudit.engine.candidates.select_candidates
    monkeypatch.setattr(wsaudit.engine.candidates, "select_candidates", lambda *a: searched.append(1) or real_select(*a))
    scan = cli("scan", sample_copy, "--format", "json")
    monkeypatch.undo()
    assert searched == []  # only the plain file differs from tree A
    assert scan.out == cli("scan", sample_copy, "--format", "json", "--no-cache").out


def test_records_come_in_one_order_whether_made_now_or_taken_from_the_last_result(sample_copy, cli):
    """Path order is not module order (``services/Alpha.py`` sorts before ``services/__init__.py``,
    module ``...services.Alpha`` after ``...services``): records made now and records taken from
    the stored result are in the same order, the importers'."""
    services = sample_copy / "netra_backend" / "app" / "services"
    (services / "Alpha.py").write_text("import json\nfrom netra_backend.app.services import health\n")
    (services / "__init__.py").write_text((services / "__init__.py").read_text() + "\nimport json\n")
    age(sample_copy)
    cold = audit(sample_copy, cache=False).import_records
    assert [r.source for r in cold] == sorted(r.source for r in cold)
    audit(sample_copy)  # the stored result
    plain = sample_copy / PLAIN
    plain.write_text(plain.read_text() + "\nimport json\n")
    age(sample_copy)
    assert audit(sample_copy).import_records == audit(sample_copy, cache=False).import_records
    assert outputs(cli, sample_copy) == outputs(cli, sample_copy, "--no-cache")
