"""Generated git repositories for the history tests, and the scan of a checkout to compare with.

``story()`` is one repository in which every kind of step happens once: a real migration step,
a deletion, a rename, a mass edit that breaks files and its fix, a re-introduced definition, a
commit whose configuration is invalid, a submodule and links, and edits of a re-exporting module.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import textwrap
from collections import Counter
from pathlib import Path

import wsaudit
from wsaudit.history.git import git_args, git_env
from wsaudit.model import CATEGORIES, TIERS
from wsaudit.history.sample import SampleCommit

CONFIG = """
[golden_path]
modules = ["pkg.app.routes"]

[[rule]]
id = "R1"
symbol = "pkg.core.**.create_websocket_manager"
replacement = "pkg.core.manager.Manager"

[[rule]]
id = "R2"
module = "pkg.core.factory"
replacement = "pkg.core.manager"
"""


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BASE = {
    "wsaudit.toml": CONFIG,
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "from .impl import create_websocket_manager\n",
    "pkg/core/impl.py": "def create_websocket_manager(user_context=None):\n    return user_context\n",
    "pkg/core/manager.py": "class Manager:\n    pass\n",
    "pkg/core/factory.py": "from .impl import create_websocket_manager as build_manager\n\n__all__ = ['build_manager']\n",
    "pkg/app/__init__.py": "",
    "pkg/app/routes.py": "from pkg.app import users, billing\n\n\ndef route():\n    return users.serve()\n",
    "pkg/app/users.py": d("""
        from pkg.core import create_websocket_manager


        def serve():
            return create_websocket_manager()


        def again():
            return create_websocket_manager(1)
        """),
    "pkg/app/billing.py": d("""
        from pkg.core.factory import build_manager


        def bill():
            return build_manager()
        """),
    "pkg/app/notify.py": d("""
        import pkg.core as core


        def notify():
            return core.create_websocket_manager()
        """),
    "pkg/app/star.py": "from pkg.core.factory import *\n\nMADE = build_manager()\n",
    "tests/test_users.py": d("""
        from unittest import mock

        from pkg.core import create_websocket_manager


        @mock.patch("pkg.app.users.create_websocket_manager")
        def test_serve(fake):
            assert create_websocket_manager() is None
        """),
    "tests/legacy/test_a.py": d("""
        from pkg.core import create_websocket_manager


        def test_a():
            create_websocket_manager()
            create_websocket_manager()
        """),
    "tests/legacy/test_b.py": "import pkg.core.factory as f\n\n\ndef test_b():\n    f.build_manager()\n",
}

USERS_MIGRATED = d("""
    from pkg.core.manager import Manager


    def serve():
        return Manager()


    def again():
        return Manager()
    """)

BROKEN = "def reformatted(:\n    pass\n"

COMPAT = "def create_websocket_manager(user_context=None):\n    return user_context\n"


def story() -> list[SampleCommit]:
    day = "2024-05-{:02d}T10:00:00+00:00".format
    return [
        SampleCommit("c0 start", day(6), BASE, links={"pkg/app/alias.py": "users.py", "outside.py": "../../etc/passwd",
                                                      "pkg/broken_link.py": "nowhere.py"}),
        SampleCommit("c1 migrate users", day(7), {"pkg/app/users.py": USERS_MIGRATED}),
        SampleCommit("c2 delete the legacy tests", day(8), {"tests/legacy/test_a.py": None, "tests/legacy/test_b.py": None}),
        SampleCommit("c3 move billing", day(9), {"pkg/app/payments/__init__.py": ""},
                     renames=(("pkg/app/billing.py", "pkg/app/payments/billing.py"),)),
        SampleCommit("c4 reformat (breaks two files)", day(10),
                     {"pkg/app/notify.py": BROKEN + BASE["pkg/app/notify.py"],
                      "tests/test_users.py": BROKEN + BASE["tests/test_users.py"]}),
        SampleCommit("c5 fix the reformatting", day(13), {"pkg/app/notify.py": BASE["pkg/app/notify.py"],
                                                          "tests/test_users.py": BASE["tests/test_users.py"]}),
        SampleCommit("c6 a compat copy of the factory", day(14),
                     {"pkg/core/compat.py": COMPAT,
                      "pkg/app/search.py": "from pkg.core.compat import create_websocket_manager as cwm\n\ncwm()\n"}),
        SampleCommit("c7 a broken configuration", day(15), {"wsaudit.toml": CONFIG + "\nunknown_key = 1\n",
                                                            "pkg/app/notify.py": BASE["pkg/app/notify.py"] + "\n# touched\n"}),
        SampleCommit("c8 fix the configuration; vendor a submodule", day(16), {"wsaudit.toml": CONFIG},
                     submodules={"vendor/lib": "1" * 40}),
        SampleCommit("c9 the factory stops re-exporting", day(17),
                     {"pkg/core/factory.py": '"""Nothing left here."""\n\n__all__ = []\n'}),
        SampleCommit("c10 star import users migrate", day(20),
                     {"pkg/app/star.py": "from pkg.core.manager import *\n\nMADE = Manager()\n",
                      "pkg/app/notify.py": "import pkg.core.manager as core\n\n\ndef notify():\n    return core.Manager()\n"}),
    ]


# ---------------------------------------------------------------------------- checkouts


def git(repo: Path, *args: str, input_text: str | None = None) -> str:
    return subprocess.run(git_args(*args, git_dir=str(repo / ".git")), check=True, capture_output=True,
                          env=git_env(), input=input_text.encode() if input_text is not None else None).stdout.decode()


def commits(repo: Path, *rev_list_args: str) -> list[str]:
    return git(repo, "rev-list", "--reverse", *(rev_list_args or ("--first-parent", "HEAD"))).split()


def checkout(repo: Path, commit: str, dest: Path) -> Path:
    """A checkout of ``commit`` made with ``git archive`` (the repository's own work tree is never touched)."""
    data = subprocess.run(git_args("archive", "--format=tar", commit, git_dir=str(repo / ".git")), check=True,
                          capture_output=True, env=git_env()).stdout
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="fully_trusted")  # our own repository, links included
    return dest


def scan_row(a: wsaudit.Audit) -> dict:
    """The counts of a history row, computed from a scan (and rank) of a checkout."""
    rows = a.violation_records
    tiers = Counter(r["tier"] for r in a.rank_rows())
    unparsed = {d.path for d in a.diagnostic_records if d.kind in ("syntax-error", "decode-error", "too-complex",
                                                                    "too-large")}
    return {"files": a.files_scanned, "parsed": a.files_scanned - len(unparsed),
            "diagnostics": len(a.diagnostic_records), "violations": len(rows),
            "by_category": {c: sum(1 for v in rows if v.category == c) for c in CATEGORIES},
            "by_tier": {t: tiers[t] for t in TIERS},
            "by_area": {"production": sum(1 for v in rows if not v.is_test), "tests": sum(1 for v in rows if v.is_test)},
            "by_rule": {r: sum(1 for v in rows if v.rule_id == r) for r in sorted({v.rule_id for v in rows}
                                                                                 | {r.id for r in a.config.rules})},
            "definitions": len(a.definition_records), "suspects": len(a.suspect_records)}


# ---------------------------------------------------------------------------- random histories

RANDOM_CONFIG = """
[[rule]]
id = "R1"
symbol = "pkg.core.cwm"

[[rule]]
id = "R2"
module = "pkg.old"

[[rule]]
id = "R3"
module = "six"

[[rule]]
id = "R4"
symbol = "cgi.escape"
"""

# What each path of a random history can hold (None: the file is absent). Each variant is a way a
# row is made, kept or lost: definitions and re-exports that come and go (so the rows of files
# that did not change change), strings that resolve or name nothing, patch targets that go stale,
# suppression comments, a module rule's module in and outside the tree, configuration that moves
# files out of the audit or into the tests, line endings.
FILE_VARIANTS: dict[str, list[str | None]] = {
    "pkg/__init__.py": ["", "from pkg.core import cwm\n", None],
    "pkg/core.py": ["def cwm():\n    return 1\n", "X = 1\n", None, "from pkg.old import cwm\n",
                    "class cwm:\n    pass\n"],
    "pkg/old.py": ["def cwm():\n    pass\n", None, "X = 2\n", 'def cwm():\n    pass\n\nSELF = "pkg.old.cwm"\n'],
    "pkg/mod.py": ["from pkg.core import cwm\n", "X = 1\n", None, "from pkg import core\n", "import pkg.old as o\n",
                   "from . import old\n", "from .core import *\n",
                   'from .core import *\n__all__ = ["cwm"]\n', '"""pkg.core.cwm"""\nfrom pkg.core import cwm as _c\n'],
    "pkg/uses.py": [None, 'TARGET = "pkg.mod.cwm"\n', 'import importlib\nimportlib.import_module("pkg.old")\n',
                    'from unittest import mock\nmock.patch("pkg.mod.cwm")\n', 'T = "pkg.core.cwm"\n',
                    "from pkg.mod import cwm\ncwm()\n", "import pkg.mod\npkg.mod.cwm()\n", 'S = "pkg.mod.old"\n',
                    "from pkg.mod import old\n", 'import sys\nsys.modules["pkg.old"] = 1\n', 'E = "x = pkg.mod:cwm"\n',
                    'X = "pkg.core.cwm"  # wsaudit: ignore[R1] -- the v1 clients\n',
                    "from pkg.core import cwm  # wsaudit: ignore[R1] -- kept\ncwm()  # wsaudit: ignore[R2] -- no\n",
                    'X = "pkg.old"  # wsaudit: ignore[R2]\n', '"pkg.core.cwm"\nX = 1\n', 'class A:\n    "pkg.core.cwm"\n',
                    'X = f"pkg.core.cwm"\n', 'X = ("pkg.core." "cwm")\n', "from pkg.core import *\ncwm()\n",
                    'X = "pkg.core:cwm"\n', "from pkg.core import cwm\n\ndef f(cwm):\n    return cwm()\n",
                    "from pkg.core import (\n    cwm,\n)\ncwm(\n)\n", "def broken(:\n    cwm()\n",
                    'import pkg.mod\ngetattr(pkg.mod, "cwm")()\n', 'from pkg import core\nX = core.cwm.__name__\n'],
    "pkg/ext.py": [None, 'X = "six.moves"\n', "import six\nY = six.moves\n",
                   'from cgi import escape\nescape()\nZ = "cgi.escape"\n', 'from unittest import mock\nmock.patch("cgi.escape")\n',
                   "from six.moves import urllib  # wsaudit: ignore[R3] -- vendored\n"],
    "six.py": [None, "X = 1\n"],
    "cgi/__init__.py": [None, "def escape():\n    pass\n"],
    "tests/test_u.py": [None, 'from unittest import mock\n\n\ndef test():\n    mock.patch("pkg.mod.cwm")\n',
                        'T = "pkg.core"\n', "import pkg.mod as m\nm.cwm()\n", "from pkg import mod\nmod.old.cwm()\n"],
    "wsaudit.toml": [RANDOM_CONFIG, 'exclude = ["pkg/ext.py"]\n' + RANDOM_CONFIG, 'tests = ["pkg/uses.py"]\n' + RANDOM_CONFIG],
    ".gitattributes": [None, "* text eol=crlf\n"],
}
