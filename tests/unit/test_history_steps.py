"""history.steps: a step explained from records alone (no git, no audit)."""

from __future__ import annotations

from wsaudit.history.steps import CommitView, explain_step, pair_renames, step_flags
from wsaudit.model import Definition, Violation


def v(path: str, line: int, name: str = "cwm", snippet: str = "cwm()", test: bool = False) -> Violation:
    return Violation("R1", "deprecated-call", path, line, 0, path[:-3].replace("/", "."), "a.cwm", name, "module",
                     snippet, None, test)


def view(oids: dict, violations=(), definitions=(), broken=()) -> CommitView:
    return CommitView(oids, frozenset(p for p in oids if p not in broken), tuple(violations), tuple(definitions))


def test_a_use_that_only_moves_lines_is_unchanged_and_one_in_another_file_moved():
    before = view({"a.py": "1", "b.py": "2"}, [v("a.py", 3), v("a.py", 9, snippet="x = cwm()")])
    after = view({"a.py": "3", "b.py": "4"}, [v("a.py", 5), v("b.py", 2, snippet="x  =  cwm()")])
    step = explain_step(before, after, {})
    assert (step.counts["edited_files"], step.counts["fixed"], step.counts["introduced"], step.counts["moved"]) == (
        2, 0, 0, 1)
    assert step.flags == ()


def test_a_renamed_file_keeps_its_uses_and_its_definitions():
    d = Definition("R1", "old.py", 1, "old", "cwm")
    before = view({"old.py": "1"}, [v("old.py", 4)], [d])
    after = view({"new.py": "1"}, [v("new.py", 4)], [Definition("R1", "new.py", 1, "new", "cwm")])
    renames = pair_renames(before.oids, after.oids)
    step = explain_step(before, after, renames)
    assert renames == {"old.py": "new.py"}
    assert step.counts["renamed_files"] == 1 and step.counts["moved"] == 1
    assert step.counts["added_files"] == step.counts["deleted_files"] == step.counts["definitions_added"] == 0


def test_deletion_breakage_and_reintroduction():
    before = view({"t.py": "1", "u.py": "2", "w.py": "3"}, [v("t.py", 1), v("t.py", 2), v("u.py", 1), v("w.py", 1)],
                  [Definition("R1", "w.py", 9, "w", "cwm")])
    gone = explain_step(before, view({"u.py": "2", "w.py": "3"}, [v("u.py", 1), v("w.py", 1)],
                                     [Definition("R1", "w.py", 9, "w", "cwm")]), {})
    assert gone.flag == "deletion" and gone.counts["fixed_by_deletion"] == 2
    broken = explain_step(before, view({"t.py": "9", "u.py": "2", "w.py": "3"}, [v("u.py", 1), v("w.py", 1)],
                                       [Definition("R1", "w.py", 9, "w", "cwm")], broken={"t.py"}), {})
    assert broken.flag == "breakage" and broken.counts["hidden_by_breakage"] == 2 and broken.counts["stopped_parsing"] == 1
    copy = explain_step(before, view({**before.oids, "c.py": "5"}, before.violations,
                                     [*before.definitions, Definition("R1", "c.py", 1, "c", "cwm")]), {})
    assert copy.flag == "reintroduction" and [d.path for d in copy.new_definitions] == ["c.py"]
    first = explain_step(view({}), view({"c.py": "5"}, [], [Definition("R1", "c.py", 1, "c", "cwm")]), {})
    assert first.flags == ()  # the API appearing in a tree that never had it is not a re-introduction


def test_a_drop_mostly_from_migration_is_not_flagged():
    assert step_flags({"fixed": 10, "fixed_by_deletion": 4, "hidden_by_breakage": 4}, 20, 10) == ()
    assert step_flags({"fixed": 10, "fixed_by_deletion": 9}, 20, 25) == ()  # no drop: nothing to explain away
