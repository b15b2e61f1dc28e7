"""The plan knows what the codemod does: automatable rows in early waves, costed as review."""

from __future__ import annotations

import csv

from wsaudit.api import audit
from wsaudit.codemod.automation import automation

RULES = '''\
[golden_path]
modules = ["shop.api"]

[[rule]]
id = "LG001"
symbol = "shop.legacy.make_client"
replacement = "shop.client.Client"

[[rule.rewrite]]
arguments = []
call = "Client()"
imports = ["from shop.client import Client"]
'''

# A shop whose legacy factory is called plainly in two modules (the codemod rewrites both) and
# stored as a value in a third (a person's work: the codemod never guesses a value).
SHOP = {
    "wsaudit.toml": RULES,
    "shop/__init__.py": "",
    "shop/client.py": "class Client:\n    pass\n",
    "shop/legacy.py": "def make_client():\n    return None\n",
    "shop/api.py": "from shop import orders, registry\n",
    "shop/orders.py": "from shop.legacy import make_client\n\n\ndef order():\n    return make_client()\n",
    "shop/billing.py": "from shop.legacy import make_client\n\n\ndef bill():\n    return make_client()\n",
    "shop/registry.py": "from shop.legacy import make_client\n\nFACTORIES = {'client': make_client}\n",
}


def test_automatable_files_come_first_and_the_report_says_what_the_codemod_does(tree, cli, tmp_path):
    root = tree(SHOP, base=False)
    plan = tmp_path / "plan.csv"
    result = cli("simulate", root, "--runs", "5", "--no-cache", "--plan", plan)
    assert result.code == 0, result.err
    assert "The codemod rewrites 4 of the 6 violations (67%): 2 files whole" in result.out
    assert "run `wsaudit migrate --wave 1` first" in result.out
    assert "the symbol is used as a value" in result.out
    rows = list(csv.DictReader(plan.open()))
    wave1 = sorted(r["path"] for r in rows if r["wave"] == "1")
    assert wave1 == ["shop/billing.py", "shop/orders.py"]
    assert all(r["automatable"] == "true" for r in rows if r["wave"] == "1")
    assert "run `wsaudit migrate --wave 1`" in plan.with_suffix(".md").read_text()
    # the sentence is true: migrating wave 1 rewrites those files whole, nothing left for a person
    done = cli("migrate", root, "--wave", "1", "--no-cache", "--format", "json").json()
    assert sorted(f["path"] for f in done["files"]) == wave1
    assert done["manual"] == []


def test_automated_rows_cost_review_and_manual_rows_their_category(tree):
    a = audit(tree(SHOP, base=False), cache=False)
    known = automation(a)
    assert sum(known["shop/orders.py"].automated) == 2
    assert sum(known["shop/registry.py"].automated) == 0  # the import stays while the value does
    assert any("used as a value" in reason for reason, _ in known["shop/registry.py"].reasons)
    without = a.model()
    with_codemod = a.model(automation=known)
    hours = {u.path: with_codemod.hours(u) for u in with_codemod.units}
    s = a.config.simulate
    assert hours["shop/orders.py"] == s.review_hours
    assert hours["shop/registry.py"] == s.base_hours + 2 * s.per_violation_hours
    custom = a.model(automation=known, category_hours=(1.0, 2.0, 3.0, 4.0))  # import, call, module, reference
    assert {u.path: custom.hours(u) for u in custom.units}["shop/registry.py"] == s.base_hours + 1.0 + 4.0
    assert {u.path: without.hours(u) for u in without.units}["shop/orders.py"] == s.base_hours + 2 * s.per_violation_hours
    doc = a.simulate(runs=3, automation=known).document()["automation"]
    assert doc["known"] and doc["automated"] == 4 and doc["manual"] == 2
    assert not a.simulate(runs=3).document()["automation"]["known"]


def test_without_the_codemod_the_report_says_so(tree, cli):
    result = cli("simulate", tree(SHOP, base=False), "--runs", "3", "--no-cache", "--no-codemod")
    assert "The codemod's plan was not consulted" in result.out
    assert "wsaudit migrate --wave" not in result.out


def test_the_codemod_rewrites_the_same_on_every_core_as_in_one_process(tree):
    """A pass with many files to parse rewrites them in worker processes; ``jobs=1`` keeps it in
    this one. Both give the same migration, text for text and reason for reason."""
    from wsaudit.codemod import plan as planning
    from wsaudit.engine import store  # its forked_map counts the calls that started workers

    files = dict(SHOP)
    for i in range(planning.PARALLEL_REWRITES + 4):  # enough files for the workers
        files[f"shop/user_{i:02d}.py"] = (SHOP["shop/orders.py"] if i % 3 else SHOP["shop/registry.py"])
    a = audit(tree(files, base=False), cache=False)
    before = next(store._CALLS)
    alone = planning.plan(a.root, audit=a, jobs=1)
    assert next(store._CALLS) == before + 1  # no worker was started
    shared = planning.plan(a.root, audit=a, jobs=2)
    assert next(store._CALLS) > before + 2  # the workers rewrote
    assert [(f.path, f.proposed, f.rewritten, [c.ok for c in f.checks]) for f in shared.files] == \
        [(f.path, f.proposed, f.rewritten, [c.ok for c in f.checks]) for f in alone.files]
    # registry.py and its 7 copies: the import and the value, each left for a person
    assert shared.manual == alone.manual and len(alone.manual) == 2 * 8
    assert sum(1 for f in alone.files if f.proposed != f.before) == 2 + 13  # orders, billing, 13 copies
