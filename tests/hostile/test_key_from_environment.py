"""The key from ``$WSAUDIT_KEY`` (a CI secret): runners that share it share the cache folder a
pipeline restores; a run without it (a fork's pull request), or a cache that the audited tree
plants, gets a cold audit, and the right one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from wsaudit.engine import cache as cache_module
from wsaudit.engine.cache import encode, key
from wsaudit.model import FileFacts
from wsaudit.secret import mac_of

SECRET = "5f1c0d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"  # as `openssl rand -hex 32` makes one
OTHER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


@pytest.fixture
def hits(monkeypatch):
    """How many cached facts each audit took from the cache (signed ones only are returned)."""
    seen: list[int] = []
    real = cache_module.FactsCache.get_many

    def counting(self, keys):
        found = real(self, keys)
        seen.append(len(found))
        return found

    monkeypatch.setattr(cache_module.FactsCache, "get_many", counting)
    return seen


def runner(monkeypatch, tmp_path: Path, name: str, secret: str | None) -> None:
    """A fresh CI runner: a home folder of its own (so a key file of its own), the secret or not."""
    monkeypatch.setenv("WSAUDIT_KEY_FILE", str(tmp_path / name / "key"))
    if secret is None:
        monkeypatch.delenv("WSAUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("WSAUDIT_KEY", secret)


def gate(cli, root: Path) -> tuple[int, list]:
    """``check --format json`` as (exit code, its findings without the timing-free summary)."""
    result = cli("check", root, "--format", "json")
    doc = result.json()
    return result.code, [doc.get("summary"), doc.get("violations"), doc.get("new")]


def edit_one_candidate(root: Path) -> None:
    path = root / "netra_backend/app/admin/maintenance.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n\ndef _added_by_the_pull_request():\n    return None\n",
                    encoding="utf-8")


def test_runners_that_share_the_secret_share_the_cache(sample_copy, cli, monkeypatch, tmp_path, hits):
    runner(monkeypatch, tmp_path, "main-branch-runner", SECRET)
    first = gate(cli, sample_copy)  # the default branch's run fills the cache folder
    assert sum(hits) == 0
    edit_one_candidate(sample_copy)
    hits.clear()
    runner(monkeypatch, tmp_path, "pull-request-runner", SECRET)  # a new home, a new key file: the same secret
    warm = gate(cli, sample_copy)
    assert sum(hits) > 0  # the restored entries were trusted
    assert warm == gate(cli, sample_copy) and warm[1] is not None
    assert first[0] == warm[0]
    assert cli("check", sample_copy, "--format", "json").out == cli("check", sample_copy, "--format", "json",
                                                                    "--no-cache").out


@pytest.mark.parametrize("secret", [None, "", "  \n", OTHER])
def test_a_run_without_the_secret_is_cold_and_right(sample_copy, cli, monkeypatch, tmp_path, hits, secret):
    runner(monkeypatch, tmp_path, "main-branch-runner", SECRET)
    cli("check", sample_copy, "--format", "json")
    cli("scan", sample_copy, "--format", "json")
    edit_one_candidate(sample_copy)
    saved = tmp_path / "restored-from-main"
    shutil.copytree(sample_copy / ".wsaudit", saved)
    for command in ("check", "scan"):
        # a fork's pull request, on a runner of its own: no secret, or an empty one, or another;
        # the cache folder restored from the default branch's run
        shutil.rmtree(sample_copy / ".wsaudit")
        shutil.copytree(saved, sample_copy / ".wsaudit")
        runner(monkeypatch, tmp_path, f"fork-runner-{command}", secret)
        hits.clear()
        cold = cli(command, sample_copy, "--format", "json").out
        assert sum(hits) == 0  # nothing of the restored folder was trusted
        assert cold == cli(command, sample_copy, "--format", "json", "--no-cache").out


def test_a_cache_the_pull_request_plants_is_ignored_with_the_secret(sample_copy, cli, monkeypatch, tmp_path, hits):
    """Entries that say "this file uses nothing", signed with any key but the secret's (here the
    key the secret's text itself would be, and another secret's), hide no violation."""
    runner(monkeypatch, tmp_path, "pull-request-runner", SECRET)
    truth = cli("check", sample_copy, "--format", "json", "--no-cache")
    empty = encode(FileFacts())
    folder = sample_copy / ".wsaudit" / "cache"
    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "facts.sqlite3")
    db.execute("CREATE TABLE facts (key TEXT PRIMARY KEY, data TEXT NOT NULL, mac TEXT NOT NULL)")
    for signer in (SECRET.encode(), OTHER.encode()):
        rows = [(key(p.read_bytes()), empty, mac_of(signer, key(p.read_bytes()).encode(), empty.encode()))
                for p in sample_copy.rglob("*.py")]
        db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)", rows)
    db.commit()
    db.close()
    hits.clear()
    planted = cli("check", sample_copy, "--format", "json")
    assert sum(hits) == 0
    assert (planted.code, planted.out) == (truth.code, truth.out) and truth.code == 1
    assert json.loads(planted.out)["summary"]["violations"] > 0


def test_a_short_secret_is_refused_and_the_audit_runs_without_a_cache(sample_copy, cli, monkeypatch, tmp_path):
    runner(monkeypatch, tmp_path, "runner", "too-short-to-be-a-secret")
    result = cli("scan", sample_copy, "--format", "json")
    refused = [w for w in result.json()["warnings"] if w["kind"] == "cache-refused"]
    assert result.code == 0 and refused and "WSAUDIT_KEY" in refused[0]["message"]
    assert not (sample_copy / ".wsaudit" / "cache" / "facts.sqlite3").exists()
    assert result.json()["violations"] == cli("scan", sample_copy, "--format", "json", "--no-cache").json()["violations"]


def test_the_ci_example_gives_the_secret_to_the_gate_alone_and_saves_only_the_default_branch():
    import yaml
    from conftest import REPO

    flow = yaml.safe_load((REPO / "examples" / "ci-gate.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["gate"]["steps"]
    with_key = [s for s in steps if "WSAUDIT_KEY" in json.dumps(s)]
    assert with_key and all(s["run"].startswith("wsaudit check ") for s in with_key)
    assert all(s["env"]["WSAUDIT_KEY"] == "${{ secrets.WSAUDIT_KEY }}" for s in with_key)
    assert "WSAUDIT_KEY" not in json.dumps({k: v for k, v in flow.items()}["jobs"]["gate"].get("env", {}))
    assert "pull_request_target" not in json.dumps(flow.get(True, flow.get("on")))
    restore = next(s for s in steps if s.get("uses", "").startswith("actions/cache/restore"))
    save = next(s for s in steps if s.get("uses", "").startswith("actions/cache/save"))
    assert restore["with"]["path"] == save["with"]["path"] == ".wsaudit/cache"  # the default cache_dir
    assert "default_branch" in save["if"] and "push" in save["if"]


def test_migrate_with_a_short_secret_writes_nothing_and_names_the_secret(sample_copy, cli, monkeypatch, tmp_path):
    # a rollback point must be signed before any file is written: with no key there is none,
    # and the one line says which key was missing (the secret, not the key file it never read)
    runner(monkeypatch, tmp_path, "runner", "too-short-to-be-a-secret")
    before = {p: p.read_bytes() for p in sorted(sample_copy.rglob("*.py"))}
    result = cli("migrate", sample_copy, "--apply")
    assert result.code == 2 and "$WSAUDIT_KEY is shorter than 32 characters" in result.err
    assert {p: p.read_bytes() for p in sorted(sample_copy.rglob("*.py"))} == before
