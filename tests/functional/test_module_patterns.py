"""Module rules that are patterns: ``mysite.*.migrations``, ``**.compat``, as flake8-tidy-imports
users ban them. The tree is a small Django-like site: two apps with migrations, a compat module
in one app's utilities, a top-level ``compat.py``, and the near misses a pattern must not take
(a ``migrations`` folder one level too deep, a ``compatible`` module)."""

from __future__ import annotations

import random
import re

import pytest
from conftest import write_tree
from test_warm import age

import wsaudit.engine.patch
from wsaudit.api import audit
from wsaudit.config import Config
from wsaudit.model import Rule, _segments_matched

RULES = """
[[rule]]
id = "MIG001"
module = "mysite.*.migrations"
message = "application code must not import an app's migrations"

[[rule]]
id = "CMP001"
module = "**.compat"
replacement = "mysite.py3"
"""

SITE = {
    "wsaudit.toml": RULES,
    "manage.py": "import compat\n",
    "compat.py": "import six\n",
    "mysite/__init__.py": "",
    "mysite/blog/__init__.py": "",
    "mysite/blog/migrations/__init__.py": "",
    "mysite/blog/migrations/state.py": "STATE = 1\n",
    "mysite/blog/migrations/helpers.py": "from . import state\n\n\ndef backfill():\n    return state\n",
    "mysite/blog/views.py": "from .migrations.helpers import backfill\n",
    "mysite/blog/utils/__init__.py": "",
    "mysite/blog/utils/compat.py": "PY2 = False\n",
    "mysite/blog/feeds.py": "from .utils.compat import PY2\n",
    "mysite/legacy.py": "from mysite.gone.compat import thing\n",
    "mysite/shop/__init__.py": "",
    "mysite/shop/admin.py": "import mysite.blog.migrations.helpers as h\n",
    "mysite/shop/api.py": "from mysite.blog.utils import compat\n\nprint(compat.PY2)\n",
    "mysite/shop/tasks.py": "import importlib\n\nimportlib.import_module('mysite.blog.utils.compat')\n",
    "mysite/shop/cart.py": "from mysite.shop import compatible\n",
    "mysite/shop/compatible.py": "VALUE = 2\n",
    "mysite/shop/deep/__init__.py": "",
    "mysite/shop/deep/migrations/__init__.py": "",
    "mysite/shop/deep/migrations/x.py": "x = 1\n",
    "mysite/shop/other.py": "from mysite.shop.deep.migrations import x\n",
}

EXPECTED = [
    ("manage.py", 1, "CMP001", "deprecated-module", "compat", "exact"),
    ("mysite/blog/feeds.py", 1, "CMP001", "deprecated-module", ".utils.compat", "exact"),
    ("mysite/blog/migrations/helpers.py", 1, "MIG001", "deprecated-module", ".", "exact"),
    ("mysite/blog/views.py", 1, "MIG001", "deprecated-module", ".migrations.helpers", "exact"),
    # the app is gone but the site is there: an ImportError waiting to happen
    ("mysite/legacy.py", 1, "CMP001", "deprecated-module", "mysite.gone.compat", "pattern"),
    ("mysite/shop/admin.py", 1, "MIG001", "deprecated-module", "h", "exact"),
    ("mysite/shop/api.py", 1, "CMP001", "deprecated-module", "compat", "exact"),
    ("mysite/shop/tasks.py", 3, "CMP001", "deprecated-reference", "mysite.blog.utils.compat", "exact"),
]


def rows(result) -> list[tuple]:
    return [(v.path, v.line, v.rule_id, v.category, v.name, v.resolution) for v in result.violation_records]


@pytest.fixture
def site(tmp_path):
    return write_tree(tmp_path / "site", SITE)


def test_a_module_pattern_finds_every_import_of_every_matching_module_and_nothing_near(site, cli):
    assert rows(audit(site, cache=False)) == EXPECTED
    out = cli("scan", site, "--no-cache", "--format", "json").json()
    assert {v["symbol"] for v in out["violations"]} == {"mysite.*.migrations", "**.compat"}
    assert out["warnings"] == []


def test_the_gate_searches_a_pattern_rule_by_its_last_name_and_finds_what_the_scan_finds(site, cli):
    from wsaudit.gate.collect import collect

    full = audit(site, cache=False)
    got = collect(site, cache=False)
    assert got.violations == full.violation_records
    assert got.files_parsed < len(full.files)  # cart.py, compatible.py, ... never mention a deprecated name
    result = cli("check", site, "--no-cache")
    assert result.code == 1 and "FAILED (8 violations)" in result.out


def test_a_pattern_whose_last_segment_is_a_wildcard_makes_the_gate_parse_every_file(site):
    """The configuration refuses ``mysite.*``; a Config built in Python may hold it. Its uses
    need not spell any one name, so the search fails closed."""
    from wsaudit.gate.collect import collect

    config = Config(source="python", rules=(Rule("ANY", module="mysite.shop.*"),))
    full = audit(site, config=config, cache=False)
    got = collect(site, config=config, cache=False)
    assert got.violations == full.violation_records
    assert {v.path for v in got.violations} == {"mysite/shop/cart.py", "mysite/shop/other.py"}
    assert got.files_parsed == len(full.files)


def test_a_warm_scan_after_an_edit_finds_a_new_import_of_a_matching_module(site):
    calls: list[bool] = []
    real = wsaudit.engine.patch.patch

    def patch(*args):
        found = real(*args)
        calls.append(found is not None)
        return found

    age(site)
    assert rows(audit(site)) == EXPECTED  # the stored result
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wsaudit.engine.patch, "patch", patch)
        (site / "mysite/shop/cart.py").write_text("from mysite.shop import compatible\nfrom mysite.blog import migrations\n")
        age(site)
        warm = audit(site)
    assert calls == [True]  # the edit was patched in, not searched for in the whole tree again
    assert rows(warm) == rows(audit(site, cache=False))
    assert ("mysite/shop/cart.py", 2, "MIG001", "deprecated-module", "migrations", "exact") in rows(warm)


def test_a_pattern_that_matches_nothing_is_a_warning_and_one_that_matches_a_module_is_not(site, cli):
    (site / "wsaudit.toml").write_text(RULES + '\n[[rule]]\nid = "NONE"\nmodule = "mysite.*.migratoins"\n')
    result = cli("scan", site, "--no-cache", "--format", "json")
    warnings = result.json()["warnings"]
    assert [w["rule_id"] for w in warnings] == ["NONE"]
    assert "'mysite.*.migratoins' is neither defined nor imported" in warnings[0]["message"]
    assert cli("scan", site, "--no-cache", "--strict").code == 2


@pytest.mark.parametrize(("module", "problem"), [
    ("mysite.*", "the last segment must be the module's own name"),
    ("mysite.mig*", "each segment is a name, '*' (one segment) or '**' (any number)"),
    ("**.**.compat", "'**.**' is '**': write one"),
    ("**.a.**.b.**.compat", "at most 2 '**' segments"),
    ("mysite..compat", "expected a dotted Python name"),
    ("mysite..*.compat", "each segment is a name"),
    ("my-site.compat", "expected a dotted Python name"),
])
def test_a_bad_module_pattern_is_one_line_naming_the_file_and_the_key(site, cli, module, problem):
    (site / "wsaudit.toml").write_text(f'[[rule]]\nid = "BAD"\nmodule = "{module}"\n')
    result = cli("scan", site, "--no-cache")
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wsaudit: configuration error: wsaudit.toml: rule[0].module: ")
    assert problem in lines[0]


def test_errors_of_module_patterns_are_reported_with_the_other_problems_together(site, cli):
    (site / "wsaudit.toml").write_text('tests = 3\n\n[[rule]]\nid = "A"\nmodule = "x.*"\n\n'
                                       '[[rule]]\nid = "A"\nmodule = "**.c"\n')
    lines = cli("scan", site).err.strip().splitlines()
    assert sorted(re.sub(r": .*", "", line.split("wsaudit.toml: ")[1]) for line in lines) == [
        "rule[0].module", "rule[1].id", "tests"]


def test_migrate_leaves_every_row_of_a_pattern_rule_to_a_person_saying_why(site, cli):
    result = cli("migrate", site, "--no-cache")
    assert result.code == 0
    said = [line for line in result.err.splitlines() if "CMP001" in line or "MIG001" in line]
    assert len(said) == 8, result.err
    pattern_rows = [line for line in said if "is a pattern: migrate rewrites imports of a module rule that names one "
                    "module" in line]
    assert len(pattern_rows) == 6
    # a migration's own file is the deprecated module itself (the one the pattern matched), and
    # a string is left as any string is
    assert "the deprecated module mysite.blog.migrations itself" in next(line for line in said if "helpers.py" in line)
    assert "a string naming the deprecated path" in next(line for line in said if "tasks.py" in line)
    assert (site / "manage.py").read_text() == "import compat\n"


def test_init_takes_a_module_pattern_and_counts_its_uses(site, cli):
    (site / "wsaudit.toml").unlink()
    result = cli("init", site, "--module", "**.compat", "--replacement", "mysite.py3", "--no-cache",
                 "--golden-path", "mysite.shop.api")
    assert result.code == 0, result.err
    assert 'module = "**.compat"' in (site / "wsaudit.toml").read_text()
    assert "5 uses" in result.out or "5 use" in result.out, result.out


def reference(pattern: str, name: str) -> list[int]:
    """What :func:`_segments_matched` must say, the slow and obvious way: every prefix of the
    name tried with ``re`` (fine on these short names)."""
    regex = "".join((r"(?:[^.]+\.)*" if p == "**" else (r"[^.]+\." if p == "*" else re.escape(p) + r"\."))
                    for p in pattern.split("."))
    parts = name.split(".")
    return [k for k in range(len(parts) + 1) if re.fullmatch(regex, "".join(x + "." for x in parts[:k]))]


def test_the_segment_matcher_agrees_with_regular_expressions_on_random_names():
    rng = random.Random(5)
    for _ in range(3000):
        pattern = ".".join(rng.choice(["a", "b", "*", "**"]) for _ in range(rng.randint(1, 5)))
        name = ".".join(rng.choice(["a", "b", "c"]) for _ in range(rng.randint(1, 8)))
        assert _segments_matched(tuple(pattern.split(".")), name.split(".")) == reference(pattern, name), (
            pattern, name)


def test_a_name_thousands_of_segments_deep_is_matched_in_one_pass():
    """``**.a.**.a.**.b`` against ``a.a.a...`` is exponential for a backtracking matcher; here
    each segment is one step over at most the pattern's positions."""
    assert _segments_matched(("**", "a", "**", "a", "**", "b"), ["a"] * 5000) == []
    assert Rule("R", module="**.a.**.a.**.b").module_match("a." * 5000 + "b") == "a." * 5000 + "b"
