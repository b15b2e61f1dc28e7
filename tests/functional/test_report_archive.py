"""``wsaudit report --archive``: kept runs, what changed since the previous one, --keep, --fail-on."""

from __future__ import annotations

import csv
import json
import re

import pytest
from conftest import BASE_TREE, commit, git, stand_in_notebooks, write_tree

from wsaudit.cli import main

# A chat service half-way through its migration: the lobby still builds its manager the old way,
# the rooms call it twice.
CHAT = {
    **BASE_TREE,
    "pkg/chat/__init__.py": "",
    "pkg/chat/lobby.py": "from pkg.core import create_websocket_manager\n\n"
                         "def open_lobby(ctx):\n    return create_websocket_manager(ctx)\n",
    "pkg/chat/rooms.py": "from pkg.core import create_websocket_manager\n\n"
                         "def open_room(ctx):\n    return create_websocket_manager(ctx)\n",
}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Report, commit a new use (and lines added above an old one) and a fix, report again."""
    base = tmp_path_factory.mktemp("archive")
    repo = write_tree(base / "repo", CHAT)
    git(repo, "init", "--quiet", "-b", "main")
    commit(repo, "chat service")
    out, nbs = base / "out", stand_in_notebooks(base / "nbs")
    common = ["--output", str(out), "--runs", "5", "--notebooks", str(nbs), "--archive", "--no-cache"]
    first = main(["report", str(repo), *common, "--fail-on", "new"])
    first_runs = sorted(p.name for p in (out / "runs").iterdir())
    write_tree(repo, {
        # a fix: the lobby uses the new API
        "pkg/chat/lobby.py": "from pkg.core.manager import Manager\n\ndef open_lobby(ctx):\n    return Manager()\n",
        # lines added above the rooms' use: it moves down its file, neither new nor fixed
        "pkg/chat/rooms.py": "from pkg.core import create_websocket_manager\n\nLIMIT = 10\n\n\n"
                             "def open_room(ctx):\n    return create_websocket_manager(ctx)\n",
        # a new use (another statement than the lobby's: not the lobby's use moved here)
        "pkg/chat/direct.py": "import pkg.core\n\n"
                              "def open_direct(ctx):\n    return pkg.core.create_websocket_manager(user_context=ctx)\n",
    })
    commit(repo, "direct messages; the lobby on Manager")
    head = git(repo, "rev-parse", "HEAD").strip()
    second = main(["report", str(repo), *common, "--fail-on", "new"])
    return {"out": out, "repo": repo, "head": head, "codes": (first, second), "first_runs": first_runs}


def _second(two_runs):
    """The second run's folder (the runs table is in the order they ran; names sort by commit)."""
    return two_runs["out"] / "runs" / json.loads((two_runs["out"] / "runs.json").read_text())[-1]["run"]


def test_each_run_is_kept_in_its_folder_and_the_top_index_is_the_latest(two_runs):
    out = two_runs["out"]
    names = [r["run"] for r in json.loads((out / "runs.json").read_text())]
    assert sorted(names) == sorted(p.name for p in (out / "runs").iterdir()) and names[0] == two_runs["first_runs"][0]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{12}", n) for n in names)
    assert names[1].endswith(two_runs["head"][:12])
    landing = (out / "index.html").read_text(encoding="utf-8")
    assert f'<base href="runs/{names[1]}/">' in landing
    assert "What changed since the previous run" in landing
    first = (out / "runs" / names[0] / "index.html").read_text(encoding="utf-8")  # yesterday's pages are still there
    # the first run already draws the plan it makes: the line later runs are measured against
    assert "is the first kept run" in first and f"Dashed: the plan made at {names[0]}" in first


def test_the_delta_names_new_fixed_and_who_brought_the_new_one(two_runs):
    doc = json.loads((_second(two_runs) / "changes.json").read_text())
    assert doc["since"] == two_runs["first_runs"][0]
    assert doc["counts"] == {"new_p0": 0, "reintroduced": 0, "new": 1, "fixed": 2, "moved": 0}
    assert {(r["path"], r["name"]) for r in doc["new"]} == {("pkg/chat/direct.py", "pkg.core.create_websocket_manager")}
    assert {r["path"] for r in doc["fixed"]} == {"pkg/chat/lobby.py"}
    assert all(r["commit"] == two_runs["head"] and r["author"] == "t"
               and r["summary"] == "direct messages; the lobby on Manager" for r in doc["new"])
    # the rooms' use moved down its file: the same fingerprint, neither new nor fixed
    assert not any(r["path"] == "pkg/chat/rooms.py" for r in doc["new"] + doc["fixed"])


def test_changes_md_says_it_in_a_few_lines(two_runs):
    text = (_second(two_runs) / "changes.md").read_text()
    doc = json.loads((_second(two_runs) / "changes.json").read_text())
    n_new, n_fixed = doc["counts"]["new"], doc["counts"]["fixed"]
    assert f"{n_new} new, {n_fixed} fixed, 0 moved, 0 new P0" in text
    assert "### New" in text and "`pkg/chat/direct.py:4`" in text and two_runs["head"][:10] in text
    assert "### Fixed" in text and "pkg/chat/lobby.py" in text


def test_the_runs_table_and_the_trend(two_runs):
    out = two_runs["out"]
    with open(out / "runs.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["seq"] for r in rows] == ["1", "2"]
    assert [r["run"] for r in rows] == [*two_runs["first_runs"], _second(two_runs).name]
    assert rows[0]["new"] == "" and rows[1]["fixed"] != ""
    assert json.loads((out / "runs.json").read_text())[1]["commit"] == two_runs["head"]
    assert (_second(two_runs) / "trend.png").read_bytes()[:4] == b"\x89PNG"
    landing = (_second(two_runs) / "index.html").read_text(encoding="utf-8")
    assert 'class="trend" src="data:image/png;base64,' in landing and "over 2 kept runs" in landing
    assert "Dashed: the plan made at " + two_runs["first_runs"][0] in landing
    plan = json.loads((_second(two_runs) / "changes.json").read_text())["plan"]
    assert plan["run"] == two_runs["first_runs"][0] and plan["actual_left"] == int(rows[1]["violations"])
    assert 0 <= plan["planned_left"] <= int(rows[0]["violations"])
    assert f"The plan made at {plan['run']} left" in (_second(two_runs) / "changes.md").read_text()
    with open(out / "history.csv", encoding="utf-8") as handle:
        history = list(csv.DictReader(handle))
    assert len(history) == 2  # the top folder's history still gains a row per run


HALL_HEADER = "".join(f"VENUE_{i} = {i}  # the hall's own settings, not the lobby's\n" for i in range(30))


def test_a_use_moved_is_one_git_renamed_or_one_in_a_function_of_the_same_name(tmp_path):
    repo = write_tree(tmp_path / "repo", CHAT)
    git(repo, "init", "--quiet", "-b", "main")
    commit(repo, "chat service")
    out, nbs = tmp_path / "out", stand_in_notebooks(tmp_path / "nbs")
    common = ["--output", str(out), "--runs", "5", "--notebooks", str(nbs), "--archive", "--no-cache"]
    assert main(["report", str(repo), *common]) == 0
    # rooms.py renamed as it is; open_lobby moved to a new hall.py whose other lines are its own
    # (git sees no rename), the lobby left with none of it; a new notify.py writes the same
    # import and the same return statement, in a function of its own
    git(repo, "mv", "pkg/chat/rooms.py", "pkg/chat/room.py")
    write_tree(repo, {"pkg/chat/lobby.py": "LOBBY = 1\n", "pkg/chat/hall.py": HALL_HEADER + CHAT["pkg/chat/lobby.py"],
                      "pkg/chat/notify.py": CHAT["pkg/chat/lobby.py"].replace("open_lobby", "notify")})
    commit(repo, "rooms renamed; the lobby's opening moves to the hall; notifications")
    assert main(["report", str(repo), *common]) == 0
    doc = json.loads((out / "runs" / json.loads((out / "runs.json").read_text())[-1]["run"] / "changes.json").read_text())
    kinds = {k: sorted((r.get("from_path", ""), r["path"], r["category"]) for r in doc[k]) for k in ("moved", "new", "fixed")}
    assert kinds["moved"] == [("pkg/chat/lobby.py", "pkg/chat/hall.py", "deprecated-call"),
                              ("pkg/chat/rooms.py", "pkg/chat/room.py", "deprecated-call"),
                              ("pkg/chat/rooms.py", "pkg/chat/room.py", "deprecated-import")]
    assert [r["scope"] for r in doc["moved"] if r["path"] == "pkg/chat/hall.py"] == ["open_lobby"]
    # the same statements elsewhere with nothing to say they are the lobby's: new uses and a fix
    assert kinds["new"] == [("", "pkg/chat/hall.py", "deprecated-import"), ("", "pkg/chat/notify.py", "deprecated-call"),
                            ("", "pkg/chat/notify.py", "deprecated-import")]
    assert kinds["fixed"] == [("", "pkg/chat/lobby.py", "deprecated-import")]


def test_fail_on_new_exits_1_after_writing_everything(two_runs):
    assert two_runs["codes"] == (0, 1)  # the first run has nothing to compare with
    assert (_second(two_runs) / "changes.md").is_file() and (two_runs["out"] / "runs.json").is_file()


def test_keep_deletes_the_older_runs_only(two_runs, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(two_runs["out"], out)
    (out / "runs" / "notes").mkdir()  # not a run: never deleted
    nbs = stand_in_notebooks(tmp_path / "nbs")
    assert main(["report", str(two_runs["repo"]), "--output", str(out), "--runs", "5", "--notebooks", str(nbs),
                 "--archive", "--keep", "1", "--no-cache", "--fail-on", "new-p0"]) == 0
    names = sorted(p.name for p in (out / "runs").iterdir())
    names.remove("notes")
    assert len(names) == 1 and names[0] != _second(two_runs).name
    rows = json.loads((out / "runs.json").read_text())
    assert [r["run"] for r in rows] == names
    doc = json.loads((out / "runs" / names[0] / "changes.json").read_text())
    assert doc["since"] == _second(two_runs).name and doc["counts"]["new"] == 0


def test_keep_and_fail_on_need_archive(tmp_path, capsys):
    assert main(["report", str(tmp_path), "--output", str(tmp_path / "o"), "--keep", "2"]) == 2
    assert "--archive" in capsys.readouterr().err


def test_the_examples_are_a_valid_workflow_and_cron_line_with_options_that_exist():
    import shlex

    import yaml
    from conftest import REPO

    from wsaudit.cli import build_parser

    flow = yaml.safe_load((REPO / "examples" / "scheduled-report.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["report"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    assert {s.get("uses", "").split("@")[0] for s in steps} >= {"actions/cache/restore", "actions/cache/save",
                                                                 "actions/upload-artifact"}
    commands = [s["run"] for s in steps if s.get("run", "").startswith("wsaudit report")]
    cron = [line for line in (REPO / "examples" / "cron.txt").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert len(cron) == 1 and len(cron[0].split()[:5]) == 5
    commands.append(cron[0].split("&& ")[-1])  # the command after cd and git pull
    for command in commands:
        args = build_parser().parse_args(shlex.split(command)[1:])
        assert args.archive and args.keep == 30 and args.fail_on == "new-p0"


def test_every_yaml_block_of_the_readme_parses():
    """A workflow a reader copies from the README must be YAML at all (``${{ }}`` inside a
    ``{...}`` mapping is not)."""
    import re

    import yaml
    from conftest import REPO

    blocks = re.findall(r"```ya?ml\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 3
    for block in blocks:
        assert yaml.safe_load(block), block
