"""A rollback point found in the tree is untrusted: planted, crafted or damaged, it can never make
``wsaudit rollback`` write outside the tree, through a link, with a setuid mode, or half of a
restore (issue 12)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import write_tree

from wsaudit.codemod import rollback, treefs
from wsaudit.codemod.apply import apply
from wsaudit.codemod.plan import plan

RULES = """
[[rule]]
id = "R1"
symbol = "pkg.core.create_websocket_manager"
replacement = "pkg.core.manager.Manager"

[[rule.rewrite]]
arguments = []
call = "Manager()"
imports = ["from pkg.core.manager import Manager"]
"""

FILES = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "def create_websocket_manager():\n    return None\n",
    "pkg/core/manager.py": "class Manager:\n    pass\n",
    "app/__init__.py": "",
    "app/a.py": "from pkg.core import create_websocket_manager\n\nx = create_websocket_manager()\n",
    "app/b.py": "from pkg.core import create_websocket_manager\n\ny = create_websocket_manager()\n",
    "app/c.py": "from pkg.core import create_websocket_manager\n\nz = create_websocket_manager()\n",
    "wsaudit.toml": RULES,
}


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".wsaudit" not in p.relative_to(root).parts}


@pytest.fixture
def applied(tmp_path):
    """A tree migrated with ``--apply``: (root, point, hashes before, hashes after)."""
    root = write_tree(tmp_path / "repo", FILES)
    before = tree_hashes(root)
    done = apply(plan(root, cache=False))
    assert len(done.written) == 3
    return root, done.point, before, tree_hashes(root)


def _resign(point: rollback.Point, edit) -> None:
    """Rewrite the point's manifest with ``edit(doc)`` applied, signed with this user's key: the
    worst case, where even the signature cannot tell (the checks on paths still must)."""
    doc = json.loads((point.folder / "manifest.json").read_text())
    doc.pop("mac")
    edit(doc)
    doc["mac"] = rollback.mac_of(rollback._key(), rollback._MAC_DOMAIN, rollback._signed(doc))
    (point.folder / "manifest.json").write_text(json.dumps(doc))


def test_a_planted_point_is_refused(applied, cli):
    root, point, _, after = applied
    doc = json.loads((point.folder / "manifest.json").read_text())
    doc["files"][0]["path"] = "../victim/t.txt"
    doc.pop("mac")  # whoever crafts a point has no key: a missing or forged signature
    (point.folder / "manifest.json").write_text(json.dumps(doc))
    result = cli("rollback", point.id, root)
    assert result.code == 2 and "not written by wsaudit for this user" in result.err
    assert tree_hashes(root) == after


def test_a_point_signed_with_another_users_key_is_refused(applied, cli, tmp_path, monkeypatch):
    root, _, _, after = applied
    monkeypatch.setenv("WSAUDIT_KEY_FILE", str(tmp_path / "someone-else" / "key"))
    result = cli("rollback", root)
    assert result.code == 2 and "refused" in result.err and "signature" in result.err
    assert tree_hashes(root) == after


@pytest.mark.parametrize("bad", ["../victim/t.txt", "/ABS/victim/t.txt", "app/../../victim/t.txt", ".git/config",
                                 ".wsaudit/rollback/x", "app//a.py"])
def test_a_manifest_naming_a_path_outside_the_tree_is_refused(applied, tmp_path, bad, cli):
    root, point, _, after = applied
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "t.txt").write_text("precious\n")
    bad = bad.replace("/ABS", str(tmp_path))
    shutil.copy(point.folder / "originals" / "app/a.py", point.folder / "originals" / "app" / "copy.py")

    def edit(doc):
        doc["files"][0]["path"] = bad
        doc["files"][0]["mode"] = 0o4755

    _resign(point, edit)
    result = cli("rollback", point.id, root)
    assert result.code == 2 and "Traceback" not in result.err
    assert (victim / "t.txt").read_text() == "precious\n"
    assert tree_hashes(root) == after  # all or nothing: not even the other two files
    assert not any(Path(tmp_path, "victim").glob("*.py"))


def test_a_link_in_the_tree_is_never_written_through(applied, tmp_path, cli):
    root, point, _, after = applied
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.py").write_text("outside\n")
    os.unlink(root / "app/a.py")
    os.symlink(outside / "a.py", root / "app/a.py")
    result = cli("rollback", point.id, root, "--force")
    assert result.code == 2 and "link" in result.err
    assert (outside / "a.py").read_text() == "outside\n"
    assert tree_hashes(root)["app/b.py"] == after["app/b.py"]  # nothing restored


def test_a_linked_folder_on_the_way_is_never_followed(applied, tmp_path, cli):
    root, point, _, after = applied
    outside = tmp_path / "outside"
    shutil.move(root / "app", outside)
    os.symlink(outside, root / "app")
    result = cli("rollback", point.id, root)
    assert result.code == 2 and "link" in result.err
    assert (outside / "a.py").read_bytes() != b""  # still the migrated bytes, untouched
    assert hashlib.sha256((outside / "a.py").read_bytes()).hexdigest() == after["app/a.py"]


def test_modes_are_sanitised_never_setuid_or_setgid(applied):
    root, point, before, _ = applied
    _resign(point, lambda doc: [f.update(mode=0o6755) for f in doc["files"]])
    rollback.restore(root, point.id)
    assert tree_hashes(root) == before
    for rel in ("app/a.py", "app/b.py", "app/c.py"):
        mode = stat.S_IMODE(os.stat(root / rel).st_mode)
        assert mode == 0o755 and not mode & (stat.S_ISUID | stat.S_ISGID)


def test_a_damaged_original_restores_nothing_and_the_state_stays_honest(applied, cli):
    root, point, _, after = applied
    (point.folder / "originals" / "app/c.py").write_text("damaged\n")
    result = cli("rollback", root)
    assert result.code == 2 and "damaged: nothing was restored" in result.err
    assert tree_hashes(root) == after  # not 2 of 3: none
    assert rollback.find_point(root, point.id).state == "applied"


def test_a_linked_original_is_not_read(applied, tmp_path, cli):
    root, point, _, after = applied
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours\n")
    copy = point.folder / "originals" / "app/a.py"
    copy.unlink()
    os.symlink(secret, copy)
    result = cli("rollback", root)
    assert result.code == 2 and "nothing was restored" in result.err
    assert tree_hashes(root) == after


def test_a_write_failing_midway_puts_back_what_was_restored(applied, monkeypatch, cli):
    root, point, _, after = applied
    real = treefs.write_file
    calls = []

    def failing(r, rel, data, mode, **kw):
        calls.append(rel)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(r, rel, data, mode, **kw)

    monkeypatch.setattr(treefs, "write_file", failing)
    result = cli("rollback", root)
    assert result.code == 2 and "No space left on device" in result.err and "put back" in result.err
    assert tree_hashes(root) == after
    assert rollback.find_point(root, point.id).state == "applied"


@pytest.mark.parametrize("link", [".wsaudit", ".wsaudit/rollback"])
def test_a_linked_wsaudit_folder_is_never_written_through(tmp_path, link, cli):
    root = write_tree(tmp_path / "repo", FILES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if link == ".wsaudit/rollback":
        (root / ".wsaudit").mkdir()
    os.symlink(elsewhere, root / link)
    before = tree_hashes(root)
    result = cli("migrate", root, "--apply", "-q", "--no-cache")
    assert result.code == 2 and "link" in result.err and "Traceback" not in result.err
    assert list(elsewhere.iterdir()) == []
    assert tree_hashes(root) == before  # no point could be recorded: nothing was written
    listed = cli("rollback", root, "--list")
    assert listed.code == 2 and "link" in listed.err


def test_a_linked_manifest_or_point_folder_is_refused(applied, tmp_path, cli):
    root, point, _, after = applied
    outside = tmp_path / "planted"
    shutil.copytree(point.folder, outside)
    shutil.rmtree(point.folder)
    os.symlink(outside, point.folder)
    result = cli("rollback", point.id, root)
    assert result.code == 2 and "not a folder wsaudit made" in result.err
    assert tree_hashes(root) == after


def test_paths_are_checked_before_anything_else():
    for bad in ("../x", "/x", "a/../b", ".wsaudit/x", "", "a\\b", 3):
        with pytest.raises(treefs.UnsafePath):
            treefs.checked(bad)
    entry = {"path": "a.py", "before_sha256": "0" * 64, "after_sha256": "1" * 64, "mode": 0o644, "size": 0}
    assert rollback._valid_file(entry).path == "a.py"
    for field, value in [("after_sha256", "z"), ("mode", True), ("mode", 1.0), ("size", -1), ("path", "../a.py")]:
        with pytest.raises((ValueError, treefs.UnsafePath)):
            rollback._valid_file({**entry, field: value})
    with pytest.raises(ValueError):
        rollback._valid_file({**entry, "extra": 1})


def test_the_key_lives_in_the_users_config_folder_created_0600(tmp_path, monkeypatch):
    from wsaudit import secret

    monkeypatch.delenv("WSAUDIT_KEY_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    secret._user_key.cache_clear()
    try:
        root = write_tree(tmp_path / "repo", FILES)
        done = apply(plan(root, cache=False))
        key = tmp_path / "xdg" / "wsaudit" / "key"
        assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
        assert not (root / ".wsaudit" / "key").exists() and str(tmp_path / "xdg") not in str(done.point.folder)
        assert rollback.find_point(root, done.point.id).state == "applied"
        monkeypatch.delenv("XDG_CONFIG_HOME")  # the same user elsewhere: ~/.config, another key
        secret._user_key.cache_clear()
        with pytest.raises(rollback.RollbackError, match="not written by wsaudit for this user"):
            rollback.find_point(root, done.point.id)
        assert (tmp_path / "home" / ".config" / "wsaudit" / "key").is_file()
    finally:
        secret._user_key.cache_clear()
