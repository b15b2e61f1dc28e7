"""A rollback point planted or broken in the tree is skipped with its reason, and the user's
real points still restore: no manifest, however crafted, makes ``wsaudit rollback`` crash."""

from __future__ import annotations

import json
import os

from conftest import write_tree
from test_hostile_rollback import FILES, tree_hashes

from wsaudit.codemod import rollback
from wsaudit.codemod.apply import apply
from wsaudit.codemod.plan import plan

PLANTED = {
    "0002-00000001": b"[" * 100_000 + b"]" * 100_000,  # json.loads: RecursionError
    "0003-00000002": b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
    "0004-00000003": json.dumps({"version": 1, "id": "0004-00000003", "mac": "\u00e9" * 64}).encode(),  # not ASCII
    "0005-00000004": b'{"s": "[[[[' + b"[" * 100_000 + b'", "mac": 1}',  # brackets inside a string: no nesting
    "0006-00000005": b"\xff\xfe not UTF-8",
}


def test_planted_and_broken_points_are_skipped_with_why_and_the_real_one_restores(tmp_path, cli):
    root = write_tree(tmp_path / "repo", FILES)
    before = tree_hashes(root)
    done = apply(plan(root, cache=False))
    after = tree_hashes(root)
    assert done.point is not None and after != before
    base = rollback.points_dir(root)
    for name, manifest in PLANTED.items():
        (base / name).mkdir()
        (base / name / "manifest.json").write_bytes(manifest)
    huge = base / "0007-00000006"
    huge.mkdir()
    with open(huge / "manifest.json", "wb") as handle:  # sparse: over the size cap, never read
        handle.truncate(rollback.MANIFEST_LIMIT + 1)
    listing = cli("rollback", "--list", root)
    assert listing.code == 0 and "Traceback" not in listing.err, listing.err
    lines = listing.out.splitlines()
    assert lines[0].startswith(f"{done.point.id}  applied") and len(lines) == 1 + len(PLANTED) + 1
    why = {line.split()[0]: line for line in lines[1:]}
    assert all("refused" in line for line in why.values())
    assert "nested deeper than" in why["0002-00000001"] and "nested deeper than" in why["0003-00000002"]
    assert "signature does not verify" in why["0004-00000003"] and "signature" in why["0005-00000004"]
    assert "unreadable" in why["0006-00000005"] and "larger than" in why["0007-00000006"]
    document = cli("rollback", "--list", "--format", "json", root).json()
    assert [p["id"] for p in document["points"]] == [done.point.id] and len(document["refused"]) == len(PLANTED) + 1
    restored = cli("rollback", root)  # the latest genuine point still applied: the real one
    assert restored.code == 0, restored.err
    assert tree_hashes(root) == before
    named = cli("rollback", "2", root)  # a planted one, asked for by its number: refused in one line
    assert named.code == 2 and len(named.err.splitlines()) == 1 and "nested deeper than" in named.err


def test_a_saved_original_larger_than_recorded_is_not_read(tmp_path, cli):
    root = write_tree(tmp_path / "repo", FILES)
    done = apply(plan(root, cache=False))
    after = tree_hashes(root)
    original = done.point.folder / "originals" / "app" / "a.py"
    os.truncate(original, 256 << 20)  # sparse: what nobody should read into memory
    result = cli("rollback", root)
    assert result.code == 2 and "larger than" in result.err and "nothing was restored" in result.err
    assert tree_hashes(root) == after
