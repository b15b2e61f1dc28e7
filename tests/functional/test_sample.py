"""The embedded sample's hand-written ground truth is reproduced exactly, row for row."""

from __future__ import annotations

import json

from conftest import REPO, SAMPLE

EXPECTED = json.loads((REPO / "data" / "sample_repo_expected.json").read_text(encoding="utf-8"))


def test_every_expected_row_and_no_other(cli):
    result = cli("scan", SAMPLE, "--format", "json", "--no-cache")
    assert result.code == 0
    got = result.json()
    assert got["violations"] == EXPECTED["violations"]
    assert got["definitions"] == EXPECTED["definitions"]
    assert got["suspects"] == EXPECTED["suspects"]
    assert got["files_scanned"] == EXPECTED["files_scanned"]
    assert [(d["path"], d["kind"], d["line"]) for d in got["diagnostics"]] == [
        (d["path"], d["kind"], d["line"]) for d in EXPECTED["diagnostics"]
    ]
    assert got["config"] == "wsaudit.toml"  # data/sample_repo/wsaudit.toml: profile = "netra-websocket"


def test_the_ground_truth_plants_every_category_and_context():
    from wsaudit.model import CATEGORIES, CONTEXTS, DIAGNOSTIC_KINDS

    rows = EXPECTED["violations"]
    assert {r["category"] for r in rows} <= set(CATEGORIES) and {r["context"] for r in rows} == set(CONTEXTS)
    assert {d["kind"] for d in EXPECTED["diagnostics"]} <= set(DIAGNOSTIC_KINDS)
    assert {r["category"] for r in rows} == {"deprecated-import", "deprecated-call", "deprecated-module",
                                             "deprecated-reference"}
    assert {r["context"] for r in rows} == {"module", "function", "class", "type-checking", "try", "conditional"}
    assert {r["rule_id"] for r in rows} == {"WS001", "WS002", "WS003"}
    assert any(r["is_test"] for r in rows) and not all(r["is_test"] for r in rows)


def test_the_ground_truth_plants_a_migration_in_motion():
    from wsaudit.model import RESOLUTIONS

    rows = EXPECTED["violations"]
    # resolved, matched by a written path only (deleted module, a name no longer defined), stale patch target
    assert {r["resolution"] for r in rows} == {"exact", "pattern", "stale"} and set(RESOLUTIONS) >= {"unparsed"}
    assert len(EXPECTED["definitions"]) == 2  # the definition and its moved copy
    assert {s["resolution"] for s in EXPECTED["suspects"]} == {"unparsed"}
    broken = {d["path"] for d in EXPECTED["diagnostics"] if d["kind"] in ("syntax-error", "decode-error")}
    assert {s["path"] for s in EXPECTED["suspects"]} == broken


def test_nothing_from_excluded_folders():
    rows = EXPECTED["violations"]
    assert (SAMPLE / "backup_2024").is_dir()
    assert not [r for r in rows if r["path"].startswith("backup_2024/") or "backup_" in r["path"]]
