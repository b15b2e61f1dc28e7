"""Every generated sentence is true: each kind on a small tree built to make it true, and on
one where it is false (so the sentence must not be said)."""

from __future__ import annotations

from wsaudit.api import audit
from wsaudit.report import summary

RULES = '''\
[golden_path]
modules = ["shop.api"]

[simulate]
wave_files = 2

[[rule]]
id = "LG001"
symbol = "shop.legacy.make_client"
replacement = "shop.client.Client"
'''
COMPAT_RULE = '''
[[rule]]
id = "LG002"
module = "shop.compat"
replacement = "shop.client"
'''

# shop.api (the Golden Path) reads the legacy factory through shop.hub, which re-exports it;
# shop.tools reads it through the hub too, and shop.extra calls it directly.
HUB = {
    "wsaudit.toml": RULES,
    "shop/__init__.py": "",
    "shop/client.py": "class Client:\n    pass\n",
    "shop/legacy.py": "def make_client():\n    return None\n",
    "shop/hub.py": "from shop.legacy import make_client\n\n__all__ = ['make_client']\n",
    "shop/api.py": "from shop.hub import make_client\n\n\ndef handle():\n    return make_client()\n",
    "shop/tools.py": "from shop.hub import make_client\n\n\ndef tool():\n    return make_client()\n",
    "shop/extra.py": "from shop.legacy import make_client\n\n\ndef extra():\n    return make_client()\n",
}


def note(root) -> str:
    return summary.p0_note(audit(root, cache=False).simulate(runs=2), "dependency-safe")


def test_p0_ends_late_because_the_re_exporter_waits_for_a_module_in_its_own_wave(tree):
    text = note(tree(HUB, base=False))
    assert text.startswith("P0 work ends in wave 2 of 2, not wave 1")
    assert ("shop/hub.py re-exports the deprecated name to 2 modules that import it through it, 1 of them planned "
            "in the same wave (shop/tools.py)") in text
    assert "less Golden Path exposure per hour" not in text  # the false reason the report used to give


def test_without_a_late_importer_p0_goes_first_and_no_re_export_is_blamed(tree):
    files = {k: v for k, v in HUB.items() if k != "shop/tools.py"}
    text = note(tree(files, base=False))
    assert text.startswith("P0 work ends in wave 1 of 2: it goes first")
    assert "re-exports" not in text


def test_the_deprecated_modules_are_listed_apart_from_the_files_to_start_with(tree):
    files = {**HUB, "wsaudit.toml": RULES + COMPAT_RULE,
             "shop/compat.py": "from shop.legacy import make_client\n\nlegacy_client = make_client\n",
             "shop/api.py": HUB["shop/api.py"] + "from shop import compat\n"}
    a = audit(tree(files, base=False), cache=False)
    start = list(summary.top_files(a)["file"])
    assert "shop/compat.py" not in start and "shop/api.py" in start
    shim = summary.shim_files(a)
    assert list(shim["file"]) == ["shop/compat.py"] and list(shim["what it is"]) == ["a deprecated module"]


def test_a_module_that_is_not_deprecated_is_a_file_to_start_with(tree):
    files = {**HUB, "shop/compat.py": "from shop.legacy import make_client\n\nlegacy_client = make_client\n",
             "shop/api.py": HUB["shop/api.py"] + "from shop import compat\n"}
    a = audit(tree(files, base=False), cache=False)
    assert "shop/compat.py" in list(summary.top_files(a)["file"])
    assert summary.shim_files(a).empty


TEXT_RULES = '''\
[golden_path]
modules = ["shop.api"]

[[rule]]
id = "PY2"
symbol = "shop.compat.text_type"
replacement = "builtins.str"
'''


def why(files, tree) -> dict[str, str]:
    a = audit(tree({"wsaudit.toml": TEXT_RULES, "shop/__init__.py": "", "shop/compat.py": "text_type = str\n",
                    **files}, base=False), cache=False)
    frame = summary.naive_comparison(a)
    return dict(zip(frame["path"], frame["why"]))


def test_a_plain_isinstance_is_a_use_that_is_neither_a_call_nor_an_import(tree):
    found = why({"shop/api.py": "from shop.compat import text_type\n\n\ndef check(x):\n"
                                "    return isinstance(x, text_type)\n"}, tree)
    assert found["shop/api.py"] == ("1 on lines it does not match: uses that are neither a call nor an import "
                                    "(the name passed, stored or compared)")
    assert "alias" not in found["shop/api.py"] and "re-export" not in found["shop/api.py"]


def test_an_alias_is_said_to_be_an_alias(tree):
    found = why({"shop/api.py": "from shop.compat import text_type as tt\n\n\ndef make(x):\n    return tt(x)\n"},
                tree)
    assert "1 on lines it does not match: uses under another name (an alias)" in found["shop/api.py"]
    assert "neither a call nor an import" not in found["shop/api.py"]


def test_a_file_that_does_not_parse_is_said_not_to_parse(tree):
    found = why({"shop/api.py": "import sys\n", "shop/broken.py": "from shop.compat import text_type\n"
                 "def f(:\n    return text_type(1)\n"}, tree)
    assert found["shop/broken.py"] == "2 in a file that does not parse (syntax-error, 2 uses listed as suspects)"


def test_a_hyphenated_script_that_parses_is_never_said_not_to_parse(tree):
    script = ('"""Run the migration: text_type() is gone."""\nfrom ... import settings\n\n\n'
              "def main():\n    return 0  # text_type(1) was here\n")
    files = {"shop/api.py": "import sys\n", "shop/scripts/__init__.py": "",
             "shop/scripts/run-migration.py": script}
    a = audit(tree({"wsaudit.toml": TEXT_RULES, "shop/__init__.py": "", "shop/compat.py": "text_type = str\n",
                    **files}, base=False), cache=False)
    assert any(d.path == "shop/scripts/run-migration.py" for d in a.diagnostic_records)  # it has a diagnostic
    frame = summary.naive_comparison(a)
    said = dict(zip(frame["path"], frame["why"]))["shop/scripts/run-migration.py"]
    assert "does not parse" not in said and "suspects" not in said
    assert said == "1 in comments; 1 in strings or docstrings"
