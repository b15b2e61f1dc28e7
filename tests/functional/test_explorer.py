"""The import-graph explorer (``wsaudit graph --format html``, ``explorer.html`` of a report):
one page that needs no network, whose data is the audit's, byte-identical from one run to the
next, with the tree's text kept as data. The page in a browser: tests/browser/test_explorer.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from conftest import REPO, commit, git

from wsaudit.api import audit
from wsaudit.explorer.data import explorer_data

# A shop whose checkout (the Golden Path) reaches the legacy client factory through payments.
SHOP = {
    "shop/__init__.py": "",
    "shop/checkout.py": "from shop.payments import gateway\n\ndef pay(order):\n    return gateway.charge(order)\n",
    "shop/payments/__init__.py": "",
    "shop/payments/gateway.py": (
        "from shop.legacy.clients import make_client\n\n"
        "def charge(order):\n"
        "    return make_client(\"</script><script>alert('owned')</script><!--\").charge(order)\n"),
    "shop/payments/refunds.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop import checkout\n",
    "shop/legacy/__init__.py": "",
    "shop/legacy/clients.py": "def make_client(name):\n    return name\n",
    "shop/reports.py": "from shop.legacy.clients import make_client\nmake_client('nightly')\n",
    "tests/test_checkout.py": "from shop.checkout import pay\n",
    "wsaudit.toml": """
[golden_path]
modules = ["shop.checkout"]

[[rule]]
id = "SHOP1"
symbol = "shop.legacy.clients.make_client"
replacement = "shop.clients.Client"
""",
}


def _data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page, re.DOTALL)
    assert found
    return json.loads(found.group(1))


def test_the_page_is_offline_and_the_same_byte_for_byte(tree, cli, tmp_path):
    root = tree(SHOP, base=False)
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    assert cli("graph", root, "--format", "html", "--output", first, "--no-cache").code == 0
    assert cli("graph", root, "--format", "html", "--output", second, "--no-cache").code == 0
    page = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    # another process, another hash seed: still the same page
    third = tmp_path / "c.html"
    proc = subprocess.run([sys.executable, "-m", "wsaudit", "graph", str(root), "--format", "html", "--output",
                           str(third), "--no-cache", "--quiet"], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert third.read_bytes() == first.read_bytes()
    # nothing is fetched: no script or style from elsewhere, and a policy that allows no request
    assert "<script src" not in page and "<link" not in page
    assert "content=\"default-src 'none';" in page
    assert str(root) not in page  # no absolute path


def test_the_trees_text_is_data_never_markup(tree, cli, tmp_path):
    root = tree(SHOP, base=False)
    out = tmp_path / "page.html"
    assert cli("graph", root, "--format", "html", "--output", out, "--no-cache").code == 0
    page = out.read_text(encoding="utf-8")
    # the snippet's </script> and <!-- cannot end or bend the data element: three scripts, as written
    assert page.count("</script>") == 3 and "alert('owned')</script>" not in page
    snippet = next(v[7] for v in _data(page)["violations"] if v[1] == "shop/payments/gateway.py" and v[4] == "deprecated-call")
    assert "</script><script>alert('owned')</script><!--" in snippet
    assert "innerHTML" not in page.split('id="explorer-data"')[1]  # the page's own code sets text only


def test_the_data_holds_the_chain_the_columns_and_the_edge_kinds(tree):
    root = tree(SHOP, base=False)
    a = audit(root, cache=False)
    d = explorer_data(a.graph, a.module_ranks, a.violation_records, title="t")
    names = [m[0] for m in d["modules"]]
    assert names == sorted(names)
    row = {m[0]: m for m in d["modules"]}

    def chain(name):
        out = [name]
        while row[out[-1]][8] >= 0:
            out.append(names[row[out[-1]][8]])
        return out[::-1]

    assert chain("shop.legacy.clients") == list(a.module_ranks["shop.legacy.clients"].golden_chain) == [
        "shop.checkout", "shop.payments.gateway", "shop.legacy.clients"]
    assert row["shop.checkout"][4] == 0 and row["shop.payments.gateway"][4] == 1 and row["shop.reports"][4] == -1
    assert row["shop.payments.gateway"][9] == 2 and row["shop.reports"][9] == 2  # violations per module
    # packages by (column, name): the Golden Path's package first, unreached ones in the last column
    groups = [(g[0], g[1]) for g in d["groups"]]
    assert groups[0] == ("shop", 0) and groups == sorted(groups, key=lambda g: (g[1], g[0]))
    assert dict(groups)["tests"] == len(d["columns"]) - 1 and d["columns"][0] == "Golden Path"
    # the TYPE_CHECKING import does not run (kind bit 1 clear); the others do
    kinds = {(names[e[0]], names[e[1]]): e[3] for e in d["edges"]}
    assert kinds[("shop.payments.refunds", "shop.checkout")] & 1 == 0
    assert kinds[("shop.checkout", "shop.payments.gateway")] & 1 == 1
    assert d["source"] is None


def test_source_url_links_need_a_commit_and_name_the_path_from_the_repositorys_top(tmp_path, cli):
    from conftest import write_tree

    repo = tmp_path / "monorepo"
    root = repo / "services" / "shop"
    write_tree(root, {**SHOP, "wsaudit.toml": SHOP["wsaudit.toml"]
                      + '\n[report]\nsource_url = "https://git.example/org/mono/blob/{commit}/{path}#L{line}"\n'})
    out = tmp_path / "page.html"
    assert cli("graph", root, "--format", "html", "--output", out, "--no-cache").code == 0
    assert _data(out.read_text(encoding="utf-8"))["source"] is None  # not a git checkout: no link
    git(repo, "init", "--quiet")
    commit(repo, "shop")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert cli("graph", root, "--format", "html", "--output", out, "--no-cache").code == 0
    assert _data(out.read_text(encoding="utf-8"))["source"] == {
        "commit": head, "prefix": "services/shop",
        "template": "https://git.example/org/mono/blob/{commit}/{path}#L{line}"}


def test_a_bad_source_url_is_one_line_naming_the_file_and_key(tree, cli):
    for value, words in (('"javascript:alert(1)//{path}"', "expected an http(s) address"),
                         ('"https://git.example/{branch}/{path}"', "{branch}: the template may only hold"),
                         ('"https://git.example/blob/main"', "must hold {path}"), ("3", "expected a string")):
        root = tree({**SHOP, "wsaudit.toml": SHOP["wsaudit.toml"] + f"\n[report]\nsource_url = {value}\n"}, base=False)
        result = cli("graph", root, "--format", "html")
        assert result.code == 2 and result.out == ""
        (line,) = result.err.strip().splitlines()
        assert line.startswith("wsaudit: configuration error: wsaudit.toml: report.source_url: ") and words in line


def test_explore_in_a_notebook_is_the_same_page_whose_selection_comes_back_as_a_dataframe(tree):
    """``Audit.explore()``: the widget holds the page of ``explorer.html`` marked for a notebook
    (only then does it post the selection), takes from its front end only modules of the graph,
    and gives them as ``.selected``. The click itself: tests/browser/test_explore_widget.py."""
    a = audit(tree(SHOP, base=False), cache=False)
    ex = a.explore()
    document = json.loads(re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', ex.page,
                                    re.DOTALL).group(1))
    assert document["notebook"] is True and document["modules"] == explorer_data(
        a.graph, a.module_ranks, a.violation_records, title=document["title"])["modules"]
    assert repr(ex) == "Import graph explorer: 9 modules; click a module, then read .selected (0 selected)"
    assert ex.selected.empty and list(ex.selected.columns) == ["module", "path", "tier", "score", "violations",
                                                               "hops", "is_test", "chosen"]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in (bundle[0] if isinstance(bundle, tuple) else bundle)
    chain = list(a.module_ranks["shop.legacy.clients"].golden_chain)
    assert chain[0] == "shop.checkout" and chain[-1] == "shop.legacy.clients"
    ex.set_state({"selection": [*chain, "no.such.module", chain[0]]})  # as the comm hands it over
    assert ex.selection == chain
    rows = ex.selected
    assert list(rows["module"]) == chain and list(rows["chosen"]) == [False] * (len(chain) - 1) + [True]
    assert list(rows["hops"]) == list(range(len(chain)))
    assert rows["violations"].iloc[-1] == a.graph.nodes["shop.legacy.clients"]["violations"]
