"""The notebook tables: computed by the package, checked on small trees."""

from __future__ import annotations

from wsaudit.api import audit
from wsaudit.report import summary


def test_naive_comparison_explains_each_difference(tree):
    root = tree({"pkg/user.py": '''
        """Docstring: create_websocket_manager(ctx) is deprecated."""
        from pkg.core import create_websocket_manager as cwm  # create_websocket_manager( in a comment


        def f(ctx):
            # create_websocket_manager(ctx)
            return cwm(ctx)


        class Service:
            def create_websocket_manager(self):
                return None
        '''})
    a = audit(root, cache=False)
    rows = summary.naive_comparison(a).set_index("path")
    user = rows.loc["pkg/user.py"]
    # regex lines: docstring, import (also matches), comment, the method def; wsaudit: import + call
    assert (user.naive, user.wsaudit) == (4, 2)
    assert user.why == ("1 in comments; 1 in strings or docstrings; 1 on lines it does not match: uses under another "
                        "name (an alias); 1 look-alike names or the definition itself")
    totals = summary.naive_totals(a).set_index("count")["value"]
    assert totals["wsaudit, by name resolution"] == len(a.violation_records)


def test_the_regex_count_searches_every_encoding_and_lists_files_it_cannot_match(tree):
    """Only files holding a pattern's literal text are searched, whatever their encoding; a
    file whose violations the regex cannot see (an alias) is listed all the same."""
    root = tree({"pkg/plain.py": "x = 1\n",
                 "pkg/alias.py": "from pkg import core\nmake = core.create_websocket_manager\nmake()\n"})
    (root / "pkg" / "latin.py").write_bytes(
        "# -*- coding: latin-1 -*-\n# caf\u00e9\nfrom pkg.core import create_websocket_manager\n"
        "create_websocket_manager()\n".encode("latin-1"))
    a = audit(root, cache=False)
    rows = summary.naive_comparison(a).set_index("path")
    assert "pkg/plain.py" not in rows.index
    assert "pkg/latin.py" not in rows.index  # two lines, two violations: the two counts agree
    alias = rows.loc["pkg/alias.py"]
    assert alias.naive == 0 and alias.wsaudit > 0
    assert alias.why == ("1 on lines it does not match: uses that are neither a call nor an import (the name passed, "
                         "stored or compared); 1 on lines it does not match: uses under another name (an alias)")
    # the count is that of every line of every file against every pattern (the latin-1 file's two lines too)
    patterns = summary.naive_patterns(a)
    every_line = sum(1 for f in a.files for line in (root / f.path).read_bytes().decode("latin-1").splitlines()
                     if any(p.search(line) for p in patterns))
    assert summary.naive_totals(a).set_index("count")["value"].iloc[0] == every_line >= 2


def test_graph_summary_and_cycles(tree):
    root = tree({"pkg/a.py": "import pkg.b\n", "pkg/b.py": "import pkg.a\nimport requests\n"})
    a = audit(root, cache=False)
    measures = summary.graph_summary(a).set_index("measure")["value"]
    assert measures["Python files"] == 7
    assert measures["import cycles"] == 1 and measures["modules in import cycles"] == 2
    assert measures["imports outside the tree (third-party or deleted)"] == 1
    assert summary.cycles(a).cycle.tolist() == ["pkg.a, pkg.b"]


def test_category_folder_file_tables_add_up(tree):
    root = tree({"pkg/user.py": "from pkg.core import create_websocket_manager as c\nc()\n",
                 "tests/test_x.py": "import pkg.core.factory\n"})
    a = audit(root, cache=False)
    n = len(a.violation_records)
    assert summary.by_category(a).loc["total", "total"] == n
    assert summary.by_folder(a)["total"].sum() == n
    assert summary.by_file(a)["total"].sum() == n
    top = summary.by_file(a, top=1)
    assert len(top) == 1 and top["total"].iloc[0] == summary.by_file(a)["total"].max() == 2
