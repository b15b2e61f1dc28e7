"""An edit re-resolves only what it can affect: the edited file and the files whose answers read
it are detected again, every other file's rows come from the last result, and the result is
the cold one's, byte for byte. When the edit changes what every file shares (a deprecated name
another file may now mention, a rule that matches nothing now), the whole candidate search
runs again instead."""

from __future__ import annotations

import pytest
from conftest import RULES
from test_warm import age, outputs

import wsaudit.engine.candidates
import wsaudit.engine.patch
from wsaudit.api import audit

NAME = "create_websocket_manager"
TREE = {
    "pkg/api.py": f"from pkg.core import {NAME}\n",  # a re-export under the same name
    "pkg/alias.py": f"from pkg.core import {NAME} as make_manager\n",  # a re-export under a new name
    "app/__init__.py": "",
    "app/through_api.py": f"from pkg.api import {NAME}\n\n\ndef run():\n    return {NAME}()\n",
    "app/direct.py": f"from pkg.core.impl import {NAME}\n\n\ndef run():\n    return {NAME}()\n",
    "app/renamed.py": "from pkg.alias import make_manager\n\nmake_manager()\n",
    "app/plain.py": "import json\nfrom app import direct\n",
    "app/user.py": "from app.plain import another_name\n\nanother_name()\n",  # nothing deprecated: yet
    "app/broken.py": "from pkg.alias import make_manager\n\nmake_manager(\n",  # suspects: it does not parse
    "app/legacy.py": "import legacy_ws\n",  # a deprecated module outside the tree
    "wsaudit.toml": RULES + '[[rule]]\nid = "R3"\nmodule = "legacy_ws"\n',
}


@pytest.fixture
def watched(monkeypatch):
    """What each incremental run did: ``("patch", files detected again)`` or ``("search",)``."""
    runs: list[tuple] = []
    real_patch, real_rows = wsaudit.engine.patch.patch, wsaudit.engine.patch.file_rows
    real_select = wsaudit.engine.candidates.select_candidates
    detected: list[str] = []

    def patch(*args):
        detected.clear()
        found = real_patch(*args)
        if found is not None:
            runs.append(("patch", sorted(detected)))
        return found

    def rows(f, *args):
        detected.append(f.path)
        return real_rows(f, *args)

    def select(*args):
        runs.append(("search",))
        return real_select(*args)

    monkeypatch.setattr(wsaudit.engine.patch, "patch", patch)
    monkeypatch.setattr(wsaudit.engine.patch, "file_rows", rows)
    monkeypatch.setattr(wsaudit.engine.candidates, "select_candidates", select)
    return runs


@pytest.fixture
def audited(tree, watched):
    """TREE on disk, audited once (the stored result every test edits against); ``watched`` empty."""
    root = tree(TREE)
    age(root)
    audit(root)
    watched.clear()
    return root


def edited(root, rel: str, text: str) -> None:
    (root / rel).write_text(text)
    age(root)


def same_as_cold(cli, root) -> None:
    assert outputs(cli, root) == outputs(cli, root, "--no-cache")
    warm, cold = audit(root), audit(root, cache=False)
    assert (warm.violation_records, warm.definition_records, warm.suspect_records, warm.notices) == (
        cold.violation_records, cold.definition_records, cold.suspect_records, cold.notices)


def test_an_edit_to_a_re_export_detects_again_only_the_files_that_import_through_it(audited, cli, watched):
    root = audited
    before = audit(root)
    assert any(v.path == "app/through_api.py" for v in before.violation_records)
    edited(root, "pkg/api.py", f"def {NAME}():\n    return None\n")  # its own function now: not deprecated
    after = audit(root)
    assert watched == [("patch", ["app/through_api.py", "pkg/api.py"])]
    assert not any(v.path == "app/through_api.py" for v in after.violation_records)
    assert [v for v in after.violation_records if v.path != "app/through_api.py"] == [
        v for v in before.violation_records if v.path not in ("app/through_api.py", "pkg/api.py")]
    same_as_cold(cli, root)


def test_a_new_use_in_a_file_that_named_nothing_deprecated_detects_only_that_file(audited, cli, watched):
    root = audited
    edited(root, "app/plain.py", f"import json\nfrom app import direct\n\ndirect.{NAME}()\n")
    after = audit(root)
    assert watched == [("patch", ["app/plain.py"])]
    assert any(v.path == "app/plain.py" and v.category == "deprecated-call" for v in after.violation_records)
    same_as_cold(cli, root)


def test_edits_chained_one_after_another_each_patch_the_last_result(audited, cli, watched):
    root = audited
    edited(root, "pkg/api.py", f"def {NAME}():\n    return None\n")
    audit(root)
    edited(root, "pkg/api.py", f"from pkg.core import {NAME}\n")  # back to a re-export: a new tree
    audit(root)
    assert [run[0] for run in watched] == ["patch", "patch"]
    same_as_cold(cli, root)


def test_a_re_export_dropped_is_patched_and_its_importers_lose_their_rows(audited, cli, watched):
    """The name it bound stays among those searched by (a file more parsed, never a row more);
    the file that does not parse loses the suspects it had by that name."""
    root = audited
    before = audit(root)
    edited(root, "pkg/alias.py", "def make_manager():\n    return None\n")
    after = audit(root)
    assert watched == [("patch", ["app/renamed.py", "pkg/alias.py"])]
    assert not any(v.path == "app/renamed.py" for v in after.violation_records)
    assert {s.path for s in before.suspect_records} == {"app/broken.py"} and not after.suspect_records
    same_as_cold(cli, root)


@pytest.mark.parametrize("change", ["new-name", "new-module-name", "definition-renamed", "rule-quiet"])
def test_an_edit_to_what_every_file_shares_searches_the_whole_tree_again(audited, cli, watched, change):
    root = audited
    if change == "new-name":  # a new deprecated name, which a file that named nothing deprecated uses
        edited(root, "app/plain.py", f"from pkg.core import {NAME}\n\nanother_name = {NAME}\n")
    elif change == "new-module-name":  # the deprecated module under a new name, which a file imports
        edited(root, "app/plain.py", "import legacy_ws.client as another_name\n")
    elif change == "definition-renamed":  # the deprecated object itself
        edited(root, "pkg/core/impl.py", "def renamed(user_context=None):\n    return user_context\n")
    else:  # nothing imports the module outside the tree any more: its rule matches nothing
        edited(root, "app/legacy.py", "import json\n")
    result = audit(root)
    assert ("search",) in watched and not any(run[0] == "patch" for run in watched)
    if change == "new-name":
        assert any(v.path == "app/user.py" for v in result.violation_records)
    if change == "new-module-name":
        assert [(v.path, v.rule_id, v.category) for v in result.violation_records if v.path == "app/user.py"] == [
            ("app/user.py", "R3", "deprecated-module")]
    assert any(n.rule_id == "R3" for n in result.notices) == (change == "rule-quiet")
    same_as_cold(cli, root)
