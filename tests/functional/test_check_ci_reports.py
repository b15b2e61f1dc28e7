"""``wsaudit check --format junit`` and ``--format gitlab``: what CI dashboards read, each valid
against its published schema (tests/assets/schemas/README.md says where each comes from)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import xmlschema
from conftest import ASSETS, SAMPLE, write_tree

SCHEMAS = ASSETS / "schemas"
SERVICES = "netra_backend/app/services"
NEW_FILE = f"{SERVICES}/brand_new.py"
NEW_CODE = ("from netra_backend.app.websocket_core import create_websocket_manager\n\n\n"
            "def fresh(ctx):\n    return create_websocket_manager(user_context=ctx)\n")


@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


@pytest.fixture(scope="module")
def gitlab_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "gitlab-code-quality.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture
def adopted(sample_copy, cli, tmp_path):
    """A copy of the sample (outside any repository) with a baseline of all of it."""
    baseline = tmp_path / "wsaudit-baseline.json"
    assert cli("check", sample_copy, "--baseline", baseline, "--update-baseline", "--no-cache").code == 0
    return sample_copy, baseline


def junit(cli, schema, *args) -> tuple[int, ET.Element]:
    result = cli("check", *args, "--no-cache", "--format", "junit")
    schema.validate(result.out)  # raises with the reason when it is not valid
    assert result.out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return result.code, ET.fromstring(result.out)


def gitlab(cli, validator, *args) -> tuple[int, list[dict]]:
    result = cli("check", *args, "--no-cache", "--format", "gitlab")
    issues = result.json()
    errors = sorted(validator.iter_errors(issues), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # GitLab shows one issue per fingerprint
    return result.code, issues


def places(text: str) -> list[str]:
    """The ``path:line:col`` of each failing row of ``check``'s text output."""
    return [line.split()[0] for line in text.splitlines() if "  [" in line and "  | " in line]


def test_junit_lists_each_failure_with_rule_message_and_place(adopted, cli, junit_schema):
    root, baseline = adopted
    write_tree(root, {NEW_FILE: NEW_CODE})
    code, doc = junit(cli, junit_schema, root, "--baseline", baseline)
    assert code == 1
    (suite,) = doc.findall("testsuite")
    assert (doc.tag, suite.get("name")) == ("testsuites", "wsaudit check")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    cases = suite.findall("testcase")
    text = cli("check", root, "--baseline", baseline, "--no-cache").out
    expected = places(text)
    assert expected == [f"{NEW_FILE}:1:1", f"{NEW_FILE}:5:12"]
    for case, place in zip(cases, expected, strict=True):
        failure = case.find("failure")
        assert case.get("classname") == "netra_backend.app.services.brand_new"
        assert failure.get("type") == "WS001"
        assert failure.get("message").startswith(f"{place}: deprecated-")
        assert failure.get("message").endswith("(use netra_backend.app.websocket_core.websocket_manager."
                                               "WebSocketManager) [new]")
        assert place in case.get("name") and failure.text.startswith(f"{place}  WS001  deprecated-")
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["passed"] == "false" and props["new"] == "2" and props["baseline"] == str(baseline)
    assert suite.find("system-out").text.splitlines()[-1].startswith("wsaudit check: FAILED (2 violations)")


def test_a_passing_gate_is_one_passing_testcase(adopted, cli, junit_schema):
    root, baseline = adopted
    code, doc = junit(cli, junit_schema, root, "--baseline", baseline)
    assert code == 0
    (suite,) = doc.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")
    (case,) = suite.findall("testcase")
    assert (case.get("classname"), case.get("name"), list(case)) == ("wsaudit.check", "gate", [])
    assert suite.find("system-out").text.startswith("wsaudit check: passed")


def test_junit_stays_valid_xml_whatever_the_source_holds(cli, tree, junit_schema):
    root = tree()
    # a form feed and an escape character are valid in Python source, not in XML 1.0
    with open(os.fsencode(root / "pkg") + b"/caf\xe9.py", "wb") as handle:
        handle.write(b"from pkg.core import create_websocket_manager  # \x1b[31m red\n\x0c\n"
                     b"m = create_websocket_manager(); s = '<&>\"'\n")
    code, doc = junit(cli, junit_schema, root)
    assert code == 1
    failures = [c.find("failure") for c in doc.iter("testcase") if "caf" in c.get("name")]
    assert len(failures) == 2 and "pkg/caf\\xe9.py:1:1" in failures[0].text and "\\x1b[31m" in failures[0].text
    assert "'<&>\"'" in failures[1].text


def test_gitlab_lists_every_finding_with_the_gate_fingerprint(adopted, cli, gitlab_validator):
    root, baseline = adopted
    write_tree(root, {NEW_FILE: NEW_CODE})
    code, issues = gitlab(cli, gitlab_validator, root, "--baseline", baseline)
    assert code == 1
    gate = cli("check", root, "--baseline", baseline, "--no-cache", "--format", "json").json()
    rows = [*gate["violations"], *gate["definitions"], *gate["unverified"]]
    assert [i["fingerprint"] for i in issues] == [r["fingerprint"] for r in rows]
    assert [i["check_name"] for i in issues] == [r["rule_id"] for r in rows]
    assert [i["location"]["path"] for i in issues] == [r["path"] for r in rows]  # not in a repository: as rows
    failing = [i for i in issues if i["severity"] == "major"]
    assert [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in failing] == [(NEW_FILE, 1), (NEW_FILE, 5)]
    assert all(i["description"].endswith("[fails the gate: new]") for i in failing)
    assert {i["severity"] for i in issues if i not in failing} == {"minor"}


def test_a_multiline_import_is_at_its_name_line(cli, tree, gitlab_validator):
    root = tree({"pkg/user.py": "from pkg.core import (\n    os,\n    create_websocket_manager,\n)\n"})
    _, issues = gitlab(cli, gitlab_validator, root)
    assert [i["location"]["lines"]["begin"] for i in issues if i["location"]["path"] == "pkg/user.py"] == [3]


def test_in_a_repository_paths_are_relative_to_its_top(cli, tree, tmp_path, junit_schema, gitlab_validator):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager\n"})  # tmp_path/repo
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    _, issues = gitlab(cli, gitlab_validator, root)
    assert issues and all(i["location"]["path"].startswith("repo/pkg/") for i in issues)
    _, doc = junit(cli, junit_schema, root)
    assert all(c.find("failure").text.startswith("repo/pkg/") for c in doc.iter("testcase"))


def test_the_sample_gated_on_tiers(cli, junit_schema, gitlab_validator):
    # the 32 P0 violations, and the 2 files that cannot be audited in full (never passed unverified)
    code, doc = junit(cli, junit_schema, SAMPLE, "--fail-on", "P0")
    assert code == 1 and doc.find("testsuite").get("failures") == "34"
    code, issues = gitlab(cli, gitlab_validator, SAMPLE, "--fail-on", "P0")
    assert code == 1 and sum(i["severity"] == "major" for i in issues) == 34 and len(issues) == 106
