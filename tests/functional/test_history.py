"""``wsaudit history``: every commit audited from git objects, each step explained.

The repositories are generated (``history_repos.story``: every kind of step once;
``benchmarks/genhistory.py``: a seeded migration of a generated tree). The per-commit rows are
pinned, and checked against a scan of a checkout of every commit, and the incremental engine
against a full re-audit of every commit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from history_repos import BASE, CONFIG, FILE_VARIANTS, checkout, commits, git, scan_row, story
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wsaudit
import wsaudit.history.commits as engine_commits
from wsaudit.config import profile
from wsaudit.config.loading import MAX_CONFIG_SIZE
from wsaudit.history import audit_commit, history
from wsaudit.history.sample import SampleCommit, write_repository

REPO_ROOT = Path(__file__).resolve().parents[2]
COUNTED = ("files", "parsed", "diagnostics", "violations", "by_category", "by_tier", "by_area", "by_rule",
           "definitions", "suspects")


@pytest.fixture(scope="module")
def story_repo(tmp_path_factory) -> Path:
    return write_repository(tmp_path_factory.mktemp("story") / "repo", story())


@pytest.fixture(scope="module")
def story_doc(story_repo) -> dict:
    return history(story_repo, cache=False).document()


@pytest.fixture(scope="module")
def genhistory():
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        import genhistory

        yield genhistory
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def generated_repo(tmp_path_factory, genhistory) -> Path:
    commits_ = genhistory.history_commits(120, 24, seed=1, deprecated_share=0.3)
    return write_repository(tmp_path_factory.mktemp("generated") / "repo", commits_)


def test_every_kind_of_step_is_counted_and_explained(story_doc):
    rows = story_doc["commits"]
    assert [r["subject"].split()[0] for r in rows] == [f"c{i}" for i in range(11)]
    got = [(r["violations"], r["by_tier"] and tuple(r["by_tier"].values()), r["definitions"], r["suspects"],
            r["step"] and r["step"]["flag"]) for r in rows]
    assert got == [
        (20, (8, 4, 8), 1, 0, None),  # c0
        (17, (5, 4, 8), 1, 0, None),  # c1 a real migration step: users.py migrated
        (12, (5, 4, 3), 1, 0, "deletion"),  # c2 the legacy tests deleted
        (12, (1, 8, 3), 1, 0, None),  # c3 billing moved out of the Golden Path's reach
        (8, (1, 7, 0), 1, 3, "breakage"),  # c4 a mass edit broke two files: 3 uses hidden (suspects)
        (12, (1, 8, 3), 1, 0, None),  # c5 fixed
        (14, (1, 10, 3), 2, 0, "reintroduction"),  # c6 a copy of the factory
        (None, None, None, None, None),  # c7 invalid configuration
        (14, (1, 10, 3), 2, 0, None),  # c8 compared with c6
        (9, (1, 5, 3), 2, 0, None),  # c9 the factory module stops re-exporting
        (7, (1, 3, 3), 2, 0, None),  # c10
    ]
    step = [r["step"] for r in rows]
    counts = lambda s, *keys: tuple(s[k] for k in keys)
    assert step[0] is None
    assert counts(step[1], "edited_files", "fixed", "introduced", "moved") == (1, 3, 0, 0)
    assert step[1]["summary"] == "files: 1 edited; violations: 3 fixed"
    assert counts(step[2], "deleted_files", "fixed", "fixed_by_deletion") == (2, 5, 5)
    assert counts(step[3], "renamed_files", "added_files", "deleted_files", "moved", "fixed", "introduced") == (
        1, 1, 0, 3, 0, 0)
    assert step[3]["renames"] == [{"from": "pkg/app/billing.py", "to": "pkg/app/payments/billing.py"}]
    assert counts(step[4], "edited_files", "stopped_parsing", "fixed", "hidden_by_breakage") == (2, 2, 4, 4)
    assert counts(step[5], "started_parsing", "introduced", "revealed_by_parsing") == (2, 4, 4)
    assert counts(step[6], "added_files", "introduced", "definitions_added") == (2, 2, 1)
    assert step[6]["new_definitions"] == [{"rule_id": "R1", "path": "pkg/core/compat.py", "line": 1,
                                           "module": "pkg.core.compat", "name": "create_websocket_manager"}]
    assert rows[7]["error"].startswith("invalid configuration: wsaudit.toml: rule[1].unknown_key: unknown key")
    assert rows[8]["compared_with"] == rows[6]["commit"] and counts(step[8], "edited_files", "fixed") == (1, 0)
    assert counts(step[9], "edited_files", "fixed", "introduced") == (1, 5, 0)
    for r in rows:  # the invariant of a step: nothing is counted twice or lost
        if r["step"] and not r["error"]:
            before = next(p for p in rows if p["commit"] == r["compared_with"])
            assert r["violations"] == before["violations"] - r["step"]["fixed"] + r["step"]["introduced"]


def test_links_submodules_and_the_configuration_of_each_commit(story_doc, story_repo):
    first = audit_commit(story_repo, commits(story_repo)[0], cache=False)
    assert [(d.path, d.kind) for d in first.diagnostic_records] == [
        ("outside.py", "outside-root"), ("pkg/broken_link.py", "read-error")]  # pkg/app/alias.py: skipped
    last = audit_commit(story_repo, "HEAD", cache=False)
    assert ("vendor/lib", "submodule") in [(d.path, d.kind) for d in last.diagnostic_records]
    assert {r["config"] for r in story_doc["commits"]} == {"wsaudit.toml", None}


def _history_rows_equal_checkout_scans(repo: Path, doc: dict, tmp_path: Path) -> int:
    checked = 0
    cache = {"cache_dir": tmp_path / "cache"}  # content-addressed: the commits share their files' facts
    for i, oid in enumerate(commits(repo)):
        row = doc["commits"][i]
        assert row["commit"] == oid
        if row["error"]:
            continue
        tree = checkout(repo, oid, tmp_path / f"c{i}" / repo.name)
        scanned = wsaudit.audit(tree, **cache)
        from_git = audit_commit(repo, oid, **cache)
        submodules = [d for d in from_git.diagnostic_records if d.kind == "submodule"]
        expected = scan_row(scanned)
        expected["diagnostics"] += len(submodules)
        assert {k: row[k] for k in COUNTED} == expected, row["subject"]
        # and record for record
        assert [v.row() for v in from_git.violation_records] == [v.row() for v in scanned.violation_records]
        assert [d.row() for d in from_git.definition_records] == [d.row() for d in scanned.definition_records]
        assert [v.row() for v in from_git.suspect_records] == [v.row() for v in scanned.suspect_records]
        assert [d for d in from_git.diagnostic_records if d.kind != "submodule"] == scanned.diagnostic_records
        assert from_git.rank_rows() == scanned.rank_rows()
        checked += 1
    return checked


def test_rows_equal_a_scan_of_a_checkout_of_each_commit(story_repo, story_doc, tmp_path):
    assert _history_rows_equal_checkout_scans(story_repo, story_doc, tmp_path) == 10


def test_generated_history_equals_scans_and_a_full_audit_of_every_commit(generated_repo, tmp_path, monkeypatch):
    result = history(generated_repo, cache=False)
    doc = result.document()
    assert result.stats["incremental"] >= 16  # most commits re-detect only what they changed
    flags = [r["step"]["flag"] for r in doc["commits"] if r["step"]]
    assert {"deletion", "reintroduction"} <= set(flags)
    assert _history_rows_equal_checkout_scans(generated_repo, doc, tmp_path) == 24
    monkeypatch.setattr(engine_commits, "affected", lambda *args: None)  # every commit audited in full
    full = history(generated_repo, cache=False)
    assert full.stats["incremental"] == 0 and full.document() == doc


def test_the_incremental_engine_equals_a_full_audit_on_the_story(story_repo, story_doc, monkeypatch):
    monkeypatch.setattr(engine_commits, "affected", lambda *args: None)
    assert history(story_repo, cache=False).document() == story_doc


def test_modules_that_appear_go_or_shadow_each_other(tmp_path, monkeypatch):
    day = "2024-06-{:02d}T10:00:00+00:00".format
    later = "from pkg.core.later import create_websocket_manager\n\ncreate_websocket_manager()\n"
    repo = write_repository(tmp_path / "repo", [
        SampleCommit("t0 a use of a module that does not exist yet", day(3), {**BASE, "pkg/app/uses_later.py": later,
                                                                              "scripts/my-tool.py": later,
                                                                              "pkg/app/naïve.py": later,
                                                                              'pkg/app/q"uote d.py': later,
                                                                              "pkg/app/tools.py": "from pkg.core import create_websocket_manager as t\n"}),
        SampleCommit("t1 the module arrives, re-exporting the factory", day(4),
                     {"pkg/core/later.py": "from .impl import create_websocket_manager\n"}),
        SampleCommit("t2 a package now shadows tools.py", day(5), {"pkg/app/tools/__init__.py": "X = 1\n"}),
        SampleCommit("t3 the module goes again", day(6), {"pkg/core/later.py": None}),
        SampleCommit("t4 the definition goes", day(7), {"pkg/core/impl.py": None}),
        SampleCommit("t5 and comes back under another name", day(10),
                     {"pkg/core/impl2.py": "def create_websocket_manager():\n    pass\n",
                      "pkg/core/__init__.py": "from .impl2 import create_websocket_manager\n"}),
    ])
    doc = history(repo, cache=False).document()
    # t4, t5: impl.py is gone, and what re-exports its factory under another name (factory.py's
    # build_manager) resolves to a name its module no longer binds, which the pattern matches:
    # billing.py's import and call, star.py's and test_b.py's calls stay, as pattern rows
    assert [r["violations"] for r in doc["commits"]] == [29, 30, 30, 29, 28, 28]
    assert _history_rows_equal_checkout_scans(repo, doc, tmp_path) == 6
    monkeypatch.setattr(engine_commits, "affected", lambda *args: None)
    assert history(repo, cache=False).document() == doc


@st.composite
def _random_history(draw) -> list[SampleCommit]:
    """A first commit that picks a variant of every path, then 1 to 4 commits that each change 1
    to 3 paths (a variant, or the file deleted)."""
    paths = sorted(FILE_VARIANTS)
    first = {p: v for p in paths if (v := draw(st.sampled_from(FILE_VARIANTS[p]))) is not None}
    out = [SampleCommit("c0", "2024-06-01T10:00:00+00:00", {**first, "wsaudit.toml": first.get("wsaudit.toml")
                                                             or FILE_VARIANTS["wsaudit.toml"][0]})]
    for i in range(1, draw(st.integers(2, 5))):
        touched = draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True))
        out.append(SampleCommit(f"c{i}", f"2024-06-{i + 1:02d}T10:00:00+00:00",
                                {p: draw(st.sampled_from(FILE_VARIANTS[p])) for p in touched}))
    return out


@settings(max_examples=int(os.environ.get("WSAUDIT_HISTORY_EXAMPLES", "12")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history_commits=_random_history())
def test_a_history_row_equals_a_scan_of_its_commit_whatever_the_history(history_commits, tmp_path_factory):
    """History's incremental engine against a scan of a checkout, record for record, on random
    histories (with suppression comments: the incremental path once counted a suppressed row)."""
    tmp = tmp_path_factory.mktemp("random")
    repo = write_repository(tmp / "repo", history_commits)
    doc = history(repo, cache=False).document()
    assert _history_rows_equal_checkout_scans(repo, doc, tmp) == len(history_commits) - sum(
        1 for r in doc["commits"] if r["error"])


# ---------------------------------------------------------------------------- real repositories


@pytest.fixture(scope="module")
def merged_repo(tmp_path_factory) -> Path:
    """main: c0, c1 (migrates users), merge of a branch that deleted the legacy tests."""
    root = tmp_path_factory.mktemp("merges") / "repo"
    write_repository(root, story()[:1])
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_AUTHOR_DATE": "2024-05-07T10:00:00+00:00",
           "GIT_COMMITTER_DATE": "2024-05-07T10:00:00+00:00"}

    def commit_tree(tree: str, *parents: str, message: str) -> str:
        args = ["commit-tree", tree, "-m", message] + [x for p in parents for x in ("-p", p)]
        return subprocess.run(_git_args(root, *args), capture_output=True, check=True, env=_env(env)).stdout.decode().strip()

    base = git(root, "rev-parse", "HEAD").strip()
    users = git(root, "hash-object", "-w", "--stdin", input_text=story()[1].files["pkg/app/users.py"]).strip()
    tree1 = _tree_with(root, base, {"pkg/app/users.py": users})
    c1 = commit_tree(tree1, base, message="c1 migrate users")
    side = commit_tree(_tree_with(root, base, {"tests/legacy/test_a.py": None, "tests/legacy/test_b.py": None}), base,
                       message="side: delete the legacy tests")
    merged = _tree_with(root, c1, {"tests/legacy/test_a.py": None, "tests/legacy/test_b.py": None})
    merge = commit_tree(merged, c1, side, message="Merge the side branch")
    git(root, "update-ref", "refs/heads/main", merge)
    return root


def _env(extra: dict) -> dict:
    from wsaudit.history.git import git_env

    return {**git_env(), **extra}


def _git_args(root: Path, *args: str) -> list[str]:
    from wsaudit.history.git import git_args

    return git_args(*args, git_dir=str(root / ".git"))


def _tree_with(root: Path, commit: str, changes: dict) -> str:
    """A tree: ``commit``'s with some blobs replaced (blob id) or removed (None), via a temporary index."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        env = _env({"GIT_INDEX_FILE": os.path.join(tmp, "index")})
        run = lambda *a: subprocess.run(_git_args(root, *a), capture_output=True, check=True, env=env)
        run("read-tree", commit)
        for path, blob in changes.items():
            if blob is None:
                run("update-index", "--force-remove", path)
            else:
                run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        return run("write-tree").stdout.decode().strip()


def test_merges_first_parent_and_the_whole_range(merged_repo):
    first = history(merged_repo, cache=False).document()
    assert [r["subject"] for r in first["commits"]] == ["c0 start", "c1 migrate users", "Merge the side branch"]
    assert first["commits"][2]["step"]["deleted_files"] == 2 and first["commits"][2]["step"]["flag"] == "deletion"
    everything = history(merged_repo, rev_range="HEAD", cache=False).document()
    assert len(everything["commits"]) == 4 and not everything["first_parent"]
    assert everything["commits"][-1]["violations"] == first["commits"][-1]["violations"] == 12
    tip = history(merged_repo, rev_range="HEAD~1..HEAD", first_parent=True, cache=False).document()
    assert [r["subject"] for r in tip["commits"]] == ["Merge the side branch"] and tip["commits"][0]["step"] is None


def test_a_partial_clone_counts_what_it_has_and_fetches_nothing(story_repo, tmp_path):
    git(story_repo, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "partial"
    plain = {k: v for k, v in _env({}).items() if k != "GIT_NO_LAZY_FETCH"}
    subprocess.run(["git", "clone", "--quiet", "--filter=blob:none", f"file://{story_repo}", str(clone)], check=True,
                   capture_output=True, env=plain)  # the checkout fetches the newest commit's blobs, no others
    before = git(clone, "count-objects", "-v")
    doc = history(clone, cache=False).document()
    assert git(clone, "count-objects", "-v") == before  # nothing was fetched
    rows = doc["commits"]
    assert [r["violations"] for r in rows] == [4, 5, 5, 5, 2, 5, 7, None, 7, 7, 7]  # what the clone has
    assert rows[7]["error"].startswith("invalid configuration: wsaudit.toml: blob ")  # c7's own, not in the clone
    first = audit_commit(clone, commits(clone)[0], cache=False)
    assert sorted(d.path for d in first.diagnostic_records if d.kind == "missing-blob") == [
        "pkg/app/notify.py", "pkg/app/star.py", "pkg/app/users.py", "pkg/core/factory.py", "tests/legacy/test_a.py",
        "tests/legacy/test_b.py"]
    assert rows[-1] == history(story_repo, rev_range="HEAD~1..HEAD", cache=False).document()["commits"][0] | {
        "step": rows[-1]["step"], "compared_with": rows[-1]["compared_with"]}


def test_crafted_trees_and_blobs_are_diagnostics(tmp_path):
    repo = write_repository(tmp_path / "repo", [
        SampleCommit("good", "2024-01-01T00:00:00+00:00", {**BASE, "pkg/bin.py": b"\x00\xff\xfe garbage \x00",
                                                            "pkg/big.py": "x = 1\n" * 400_000}),
    ])
    tree = subprocess.run(_git_args(repo, "hash-object", "--literally", "-t", "tree", "-w", "--stdin"),
                          input=b"garbage\0\1\2", capture_output=True, check=True, env=_env({})).stdout.decode().strip()
    env = _env({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x",
                "GIT_AUTHOR_DATE": "2024-01-02T00:00:00+00:00", "GIT_COMMITTER_DATE": "2024-01-02T00:00:00+00:00"})
    head = git(repo, "rev-parse", "HEAD").strip()
    bad = subprocess.run(_git_args(repo, "commit-tree", tree, "-p", head, "-m", "crafted tree"), capture_output=True,
                         check=True, env=env).stdout.decode().strip()
    good_tree = git(repo, "rev-parse", f"{head}^{{tree}}").strip()
    again = subprocess.run(_git_args(repo, "commit-tree", good_tree, "-p", bad, "-m", "good again"), capture_output=True,
                           check=True, env=env).stdout.decode().strip()
    git(repo, "update-ref", "refs/heads/main", again)
    rows = history(repo, cache=False).document()["commits"]
    assert [r["subject"] for r in rows] == ["good", "crafted tree", "good again"]
    assert rows[1]["error"].startswith("cannot read the commit's tree") and rows[1]["violations"] is None
    assert rows[0]["violations"] == rows[2]["violations"] == 20
    kinds = {(d.path, d.kind) for d in audit_commit(repo, head, cache=False).diagnostic_records}
    assert {("pkg/bin.py", "decode-error"), ("pkg/big.py", "too-large")} <= kinds


def test_a_commits_hostile_configuration_is_an_error_row_and_the_others_are_audited(tmp_path):
    """A commit's own wsaudit.toml nested too deeply for the TOML reader, or too large to be a
    configuration, is that commit's error; the history goes on (as a tree's own would be a
    one-line error for ``scan``)."""
    repo = write_repository(tmp_path / "repo", [
        SampleCommit("good", "2024-01-01T00:00:00+00:00", BASE),
        SampleCommit("deep", "2024-01-02T00:00:00+00:00", {**BASE, "wsaudit.toml": "a = " + "[" * 5000 + "]" * 5000}),
        SampleCommit("huge", "2024-01-03T00:00:00+00:00", {**BASE, "wsaudit.toml": CONFIG + "#" * MAX_CONFIG_SIZE}),
        SampleCommit("good again", "2024-01-04T00:00:00+00:00", BASE),
    ])
    rows = history(repo, cache=False).document()["commits"]
    assert [r["error"] for r in rows] == [
        None, "invalid configuration: wsaudit.toml: invalid TOML: nested too deeply",
        f"invalid configuration: wsaudit.toml: over {MAX_CONFIG_SIZE} bytes: not a configuration", None]
    assert rows[0]["violations"] == rows[3]["violations"] > 0


def test_a_sub_folder_and_the_guards(story_repo):
    (story_repo / "pkg").mkdir(exist_ok=True)  # the folder must exist to be named; the work tree holds nothing else
    sub = history(story_repo / "pkg", cache=False, config=None).document()
    first = sub["commits"][0]  # pkg/ alone: it has no configuration of its own, and no profile is assumed
    assert first["config"] is None and first["error"].startswith("invalid configuration: wsaudit.toml: none in this")
    given = history(story_repo / "pkg", cache=False, config=profile("netra-websocket")).document()["commits"][0]
    assert given["config"] == "profile:netra-websocket" and given["files"] == 11
    sampled = history(story_repo, every=3, cache=False).document()["commits"]
    assert [r["subject"][:3] for r in sampled] == ["c1 ", "c4 ", "c7 ", "c10"]
    capped = history(story_repo, max_commits=2, cache=False)
    assert [r.commit.subject[:3] for r in capped.commits] == ["c9 ", "c10"]
    assert capped.notices[0].kind == "truncated"


# ---------------------------------------------------------------------------- the command line


def test_the_command_line(story_repo, cli, tmp_path):
    out = cli("history", story_repo, "--no-cache", "--format", "json")
    assert out.code == 0
    doc = out.json()
    assert doc["version"] == 1 and doc["range"] == "HEAD" and len(doc["commits"]) == 11
    assert str(story_repo) not in out.out  # no absolute path in the output
    table = cli("history", story_repo, "--no-cache", "--quiet")
    assert "11 commits (HEAD): violations 20 -> 7, P0 8 -> 1; 3 flagged steps" in table.out
    assert "error: invalid configuration" in table.out
    csv = cli("history", story_repo, "--no-cache", "--format", "csv", "--rev-range", "HEAD~2..HEAD",
              "--output", tmp_path / "h.csv")
    assert csv.code == 0 and (tmp_path / "h.csv").read_text().splitlines()[0].startswith(
        "commit,date,subject,config,files,parsed,diagnostics,violations,deprecated-import")
    again = cli("history", story_repo, "--no-cache", "--format", "json")
    assert again.out == out.out  # deterministic
    bad = cli("history", story_repo, "--rev-range", "nosuch..HEAD")
    assert bad.code == 2 and bad.err.startswith("wsaudit: error: --rev-range 'nosuch..HEAD' names no commits")
    assert cli("history", story_repo, "--rev-range", "--output=x").code == 2
    notrepo = cli("history", tmp_path)
    assert notrepo.code == 2 and "not a git repository" in notrepo.err and len(notrepo.err.splitlines()) == 1
    assert cli("history", story_repo, "--every", "0").code == 2
    window = cli("history", story_repo, "--no-cache", "--format", "json", "--since", "2024-05-14T12:00:00+00:00",
                 "--until", "2024-05-17T12:00:00+00:00").json()
    assert [c["subject"][:3] for c in window["commits"]] == ["c7 ", "c8 ", "c9 "]


def test_nothing_is_written_into_the_repository_but_its_cache(story_repo, cli):
    def listing() -> list[tuple[str, int]]:
        return sorted((str(p.relative_to(story_repo)), p.stat().st_mtime_ns) for p in story_repo.rglob("*")
                      if ".wsaudit" not in p.parts)

    before = listing()
    assert cli("history", story_repo, "--quiet", "--format", "json").code == 0
    assert listing() == before
    assert (story_repo / ".wsaudit" / "cache" / "facts.sqlite3").is_file()
    warm = cli("history", story_repo, "--quiet", "--format", "json")
    assert json.loads(warm.out) == cli("history", story_repo, "--quiet", "--no-cache", "--format", "json").json()


def test_a_commits_configuration_cannot_choose_where_the_cache_goes(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    repo = write_repository(tmp_path / "repo", [SampleCommit("c0", "2024-01-01T00:00:00+00:00", {
        **BASE, "wsaudit.toml": f'cache_dir = "{elsewhere}"\n' + CONFIG})])
    rows = history(repo).document()["commits"]
    assert rows[0]["violations"] == 20 and not elsewhere.exists()
    assert (repo / ".wsaudit" / "cache" / "facts.sqlite3").is_file()


def test_a_configuration_given_once_applies_to_every_commit(story_repo, tmp_path):
    config = tmp_path / "one.toml"
    config.write_text(CONFIG, encoding="utf-8")
    rows = history(story_repo, config=config, cache=False).document()["commits"]
    assert not any(r["error"] for r in rows)  # c7's own broken configuration is not read
    assert rows[7]["config"] == str(config) and rows[7]["violations"] == 14


def test_the_progress_bar_is_drawn_only_on_a_terminal(story_repo, tmp_path):
    from test_architecture import _stderr_on_a_terminal

    args = [sys.executable, "-m", "wsaudit", "history", str(story_repo), "--no-cache", "--output", str(tmp_path / "o")]
    piped = subprocess.run(args, capture_output=True, text=True, check=False)
    assert piped.returncode == 0 and piped.stderr == ""
    code, drawn = _stderr_on_a_terminal(args)
    assert code == 0 and "commits" in drawn and "/11" in drawn


# ---------------------------------------------------------------------------- what is parsed, and how often


def _plain(i: int) -> str:
    return f"import os\n\n\ndef helper_{i}():\n    return os.sep\n"


def _reuse_history() -> list[SampleCommit]:
    """A tree of plain modules (none names the deprecated factory) beside the story's base; then
    one plain module edited, and a module that starts to re-export the factory under the name an
    unchanged plain file already imports from it (``make``)."""
    day = "2024-07-{:02d}T10:00:00+00:00".format
    plain = {f"pkg/plain/mod_{i}.py": _plain(i) for i in range(12)}
    return [
        SampleCommit("p0 start", day(1), {**BASE, "pkg/plain/__init__.py": "", **plain,
                                          "pkg/plain/shapes.py": "def make():\n    return 1\n",
                                          "pkg/plain/uses_make.py": "from pkg.plain.shapes import make\n\nmake()\n"}),
        SampleCommit("p1 edit a plain module", day(2), {"pkg/plain/mod_3.py": _plain(3) + "\n\nX = 1\n"}),
        SampleCommit("p2 shapes re-exports the factory as make", day(3),
                     {"pkg/plain/shapes.py": "from pkg.core import create_websocket_manager as make\n"}),
        SampleCommit("p3 edit another plain module", day(4), {"pkg/plain/mod_5.py": _plain(5) + "\n\nY = 2\n"}),
    ]


def test_a_blob_is_parsed_in_full_only_when_asked_for_and_each_pass_once(tmp_path, monkeypatch):
    import wsaudit.history.blobs as blobs

    parsed: list[tuple[bytes, bool]] = []
    real = blobs.parse_many

    def counting(data, jobs=None, bar=None, full=True, *, scheduler=None):
        parsed.extend((d, full) for d in data)
        return real(data, jobs, bar, full, scheduler=scheduler)

    monkeypatch.setattr(blobs, "parse_many", counting)
    repo = write_repository(tmp_path / "repo", _reuse_history())
    result = history(repo, cache=False)
    # every blob once per kind of parse along the whole history: a blob id answers for every commit
    assert len(parsed) == len(set(parsed))
    full = {d for d, f in parsed if f}
    imports_only = {d for d, f in parsed if not f}
    assert result.stats["blobs_parsed"] == len(full) and result.stats["blobs_parsed_imports"] == len(imports_only)
    # the first commit as a scan reads it: the plain modules for their imports only, never in full
    untouched = {_plain(i).encode() for i in range(12) if i not in (3, 5)}
    assert untouched <= imports_only and not untouched & full
    # the files that name the factory are parsed in full; a changed blob is parsed in full once
    assert BASE["pkg/app/users.py"].encode() in full
    assert (_plain(3) + "\n\nX = 1\n").encode() in full and (_plain(5) + "\n\nY = 2\n").encode() in full
    assert result.stats["incremental"] == 3
    # and the rows are a scan's: uses_make.py (unchanged, read by its imports only) calls the
    # factory from p2 on, found by its text naming both ``make`` and ``shapes``
    doc = result.document()
    assert [r["violations"] for r in doc["commits"]] == [20, 20, 23, 23]
    assert _history_rows_equal_checkout_scans(repo, doc, tmp_path) == 4
    monkeypatch.setattr(engine_commits, "affected", lambda *args: None)  # every commit audited in full
    assert history(repo, cache=False).document() == doc


def test_a_file_read_by_its_text_mentions_at_least_what_its_facts_name():
    from wsaudit.engine.imports_only import parse_imports
    from wsaudit.engine.parse import parse_source
    from wsaudit.history.affected import TextMentions, mentioned_names

    for source in (b"from ..shapes import make as m\nm().go.on\n'pkg.mod.thing'\n",
                   "caf\u00e9 = 1\n\uff4d\uff41\uff4b\uff45()\n".encode(),
                   b"# coding: utf-7\nx = +AG0-ake()\n",
                   b"def broken(:\n    factory.make()\n"):
        text = TextMentions(source, parse_imports(source), "pkg.sub.mod", False)
        named = mentioned_names(parse_source(source), "pkg.sub.mod", False)
        exotic = frozenset(n for n in named if not (n.isascii() and n.isidentifier()))
        assert text.among(named, exotic) == set(named) and all(text.has(n) for n in named)


def test_a_file_read_by_its_text_has_a_name_exactly_when_the_text_search_finds_it():
    # the words of the text answer for the search (:func:`has_word`): same answer for every
    # ASCII name, inside a longer identifier, beside non-ASCII letters, in a comment
    from wsaudit.engine.imports_only import parse_imports
    from wsaudit.engine.mentions import has_word, searchable
    from wsaudit.history.affected import TextMentions

    source = "import a_make\nx = make_a + \u00e9make\u00e9 + b.make2  # make3\n'_make4'\n".encode()
    text = TextMentions(source, parse_imports(source), "pkg.mod", False)
    for name in ("make", "a_make", "make_a", "make2", "make3", "_make4", "make4", "mak", "b", "x", "a"):
        assert text.has(name) == has_word(searchable(source), name.encode()), name
    assert text.has("make") and not text.has("mak") and text.among({"make3", "nope"}, frozenset()) == {"make3"}
