"""Small git repositories built deterministically, for the burndown notebook and the tests.

:func:`write_repository` turns a list of :class:`SampleCommit` into a git repository with
``git fast-import``: fixed author, committer and dates, no hooks, no checkout, so the same
commits always get the same hashes on any machine. :func:`build_sample` writes the repository
that ``06_burndown.ipynb`` runs on by default: a two-week migration off a deprecated factory,
with a real migration step, a deletion of legacy tests, a rename, a re-introduced copy of the
factory, a mass edit that breaks files and the fix of it.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wsaudit.history.git import git_args, git_env
from wsaudit.errors import InputError

IDENTITY = "wsaudit sample <sample@example.invalid>"


@dataclass(frozen=True)
class SampleCommit:
    """One commit: ``files`` to write (text or bytes; None deletes the path), ``renames`` done
    first (old, new), ``links`` (path -> target) and ``submodules`` (path -> commit id)."""

    message: str
    date: str  # ISO 8601, e.g. "2024-03-04T10:00:00+00:00"
    files: Mapping[str, str | bytes | None] = field(default_factory=dict)
    renames: tuple[tuple[str, str], ...] = ()
    links: Mapping[str, str] = field(default_factory=dict)
    submodules: Mapping[str, str] = field(default_factory=dict)


def _quoted(path: str) -> str:
    """A path as fast-import reads it: C-style quoted.

    >>> _quoted('a "b".py')
    '"a \\\\"b\\\\".py"'
    """
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _stream(commits: Iterable[SampleCommit], branch: str) -> bytes:
    out = []
    for mark, c in enumerate(commits, start=1):
        when = _dt.datetime.fromisoformat(c.date)
        stamp = f"{int(when.timestamp())} {when.strftime('%z') or '+0000'}"
        out.append(f"commit refs/heads/{branch}\nmark :{mark}\n".encode())
        out.append(f"author {IDENTITY} {stamp}\ncommitter {IDENTITY} {stamp}\n".encode())
        out.append(_data(c.message.encode()))
        if mark > 1:
            out.append(f"from :{mark - 1}\n".encode())
        for old, new in c.renames:
            out.append(f"R {_quoted(old)} {_quoted(new)}\n".encode())
        for path, content in c.files.items():
            if content is None:
                out.append(f"D {_quoted(path)}\n".encode())
                continue
            raw = content.encode() if isinstance(content, str) else content
            out.append(f"M 100644 inline {_quoted(path)}\n".encode() + _data(raw))
        for path, target in c.links.items():
            out.append(f"M 120000 inline {_quoted(path)}\n".encode() + _data(target.encode()))
        for path, oid in c.submodules.items():
            out.append(f"M 160000 {oid} {_quoted(path)}\n".encode())
        out.append(b"\n")
    return b"".join(out)


def write_repository(dest: str | Path, commits: Iterable[SampleCommit], branch: str = "main", *,
                     checkout: bool = False) -> Path:
    """A new git repository at ``dest`` (which must not exist) holding ``commits`` on ``branch``,
    with ``HEAD`` on it and nothing checked out (unless ``checkout``); returns ``dest``."""
    root = Path(dest)
    if root.exists():
        raise InputError(f"{root}: already exists (give a new folder)")
    root.mkdir(parents=True)
    for args in (["init", "--quiet", "--template=", str(root)],):
        subprocess.run(git_args(*args), check=True, env=git_env(), capture_output=True)
    git_dir = str(root / ".git")
    subprocess.run(git_args("fast-import", "--quiet", "--date-format=raw", git_dir=git_dir),
                   input=_stream(commits, branch), check=True, env=git_env(), capture_output=True)
    subprocess.run(git_args("symbolic-ref", "HEAD", f"refs/heads/{branch}", git_dir=git_dir), check=True,
                   env=git_env(), capture_output=True)
    if checkout:  # read-tree: the files of HEAD into the work tree and the index, no hook involved
        subprocess.run(git_args("--work-tree", str(root), "read-tree", "-u", "--reset", "HEAD", git_dir=git_dir),
                       check=True, env=git_env(), capture_output=True)
    return root


# ---------------------------------------------------------------------------- the burndown sample

CONFIG = '''\
# The sample of 06_burndown.ipynb: shop.ws.factory.create_manager is deprecated.
[golden_path]
modules = ["shop.api.routes"]

[[rule]]
id = "WS001"
symbol = "shop.ws.**.create_manager"
replacement = "shop.ws.manager.Manager"
message = "create_manager() is deprecated; instantiate Manager"

[[rule]]
id = "WS002"
module = "shop.ws.factory"
replacement = "shop.ws.manager"

[simulate]
capacity_hours_per_day = 4.5
wave_files = 2
'''

FACTORY = '''\
"""The legacy factory (deprecated: instantiate shop.ws.manager.Manager)."""

from .manager import Manager


def create_manager(user=None):
    return Manager(user)
'''


def _user(name: str, calls: int, *, via: str = "shop.ws.factory", migrated: bool = False) -> str:
    """A module that makes ``calls`` managers, the deprecated way or the new one."""
    if migrated:
        head, make = "from shop.ws.manager import Manager", "Manager"
    else:
        head, make = f"from {via} import create_manager", "create_manager"
    body = "\n\n".join(f"def {name}_{i}(user):\n    return {make}(user)" for i in range(calls))
    return f'"""{name.replace("_", " ")}."""\n\n{head}\n\n\n{body}\n'


def _test(name: str, calls: int, migrated: bool = False) -> str:
    text = _user(name, calls, migrated=migrated).replace(f"def {name}_", f"def test_{name}_")
    return text.replace("(user):", "():").replace("(user)\n", "(None)\n")


def _routes() -> str:
    return textwrap.dedent('''\
        """The Golden Path: the routes a user's session goes through."""

        from shop.api import handlers, sessions


        def connect(user):
            return handlers.handle(sessions.open_session(user))
        ''')


def sample_commits() -> list[SampleCommit]:
    """The history of the burndown sample, two working weeks of it."""
    day = "2024-03-{:02d}T{}:00:00+01:00".format
    tree: dict[str, str | bytes | None] = {
        "wsaudit.toml": CONFIG,
        "shop/__init__.py": "",
        "shop/ws/__init__.py": "from .factory import create_manager\nfrom .manager import Manager\n",
        "shop/ws/factory.py": FACTORY,
        "shop/ws/manager.py": '"""The canonical manager."""\n\n\nclass Manager:\n    def __init__(self, user=None):\n'
                              "        self.user = user\n",
        "shop/api/__init__.py": "",
        "shop/api/routes.py": _routes(),
        "shop/api/handlers.py": _user("handle", 3, via="shop.ws"),
        "shop/api/sessions.py": _user("open_session", 2),
        "shop/services/__init__.py": "",
        "shop/services/billing.py": _user("bill", 4),
        "shop/services/notify.py": _user("notify", 2),
        "shop/services/audit.py": _user("audit", 2),
        "shop/services/reports.py": _user("report", 3),
        "shop/services/search.py": _user("search", 1, migrated=True),
        "tests/test_handlers.py": _test("handlers", 2),
        "tests/test_billing.py": _test("billing", 2),
        "tests/legacy/test_old_sessions.py": _test("old_sessions", 3),
        "tests/legacy/test_old_billing.py": _test("old_billing", 3),
        "tests/legacy/test_old_notify.py": _test("old_notify", 2),
    }
    # the handlers get a real function named handle, for the routes to call
    tree["shop/api/handlers.py"] = str(tree["shop/api/handlers.py"]) + "\n\ndef handle(session):\n    return session\n"
    tree["shop/api/sessions.py"] = str(tree["shop/api/sessions.py"]) + "\n\ndef open_session(user):\n    return user\n"
    handlers_new = _user("handle", 3, migrated=True) + "\n\ndef handle(session):\n    return session\n"
    sessions_new = _user("open_session", 2, migrated=True) + "\n\ndef open_session(user):\n    return user\n"
    broken = "def reformatted(:\n    pass\n"  # the mass edit's slip: a syntax error at the top
    compat = FACTORY.replace("The legacy factory", "A compatibility copy of the factory").replace(
        "from .manager", "from shop.ws.manager")
    return [
        SampleCommit("Start: the factory is deprecated", day(4, "09"), tree),
        SampleCommit("Migrate the API handlers", day(5, "11"), {"shop/api/handlers.py": handlers_new}),
        SampleCommit("Migrate the sessions", day(6, "15"), {"shop/api/sessions.py": sessions_new}),
        SampleCommit("Migrate billing", day(7, "10"), {"shop/services/billing.py": _user("bill", 4, migrated=True)}),
        SampleCommit("Delete the legacy tests", day(8, "16"), {p: None for p in tree if p.startswith("tests/legacy/")}),
        SampleCommit("Move notifications into their own package", day(11, "10"),
                     {"shop/notifications/__init__.py": ""}, renames=(("shop/services/notify.py",
                                                                      "shop/notifications/notify.py"),)),
        SampleCommit("Search: bring back a compat factory", day(12, "14"),
                     {"shop/ws/compat.py": compat, "shop/services/search.py": _user("search", 2, via="shop.ws.compat")}),
        SampleCommit("Reformat the services", day(13, "17"),
                     {p: broken + str(tree[p]) for p in ("shop/services/audit.py", "shop/services/reports.py")}
                     | {"tests/test_billing.py": broken + str(tree["tests/test_billing.py"])}),
        SampleCommit("Fix the reformatting", day(14, "09"),
                     {p: tree[p] for p in ("shop/services/audit.py", "shop/services/reports.py", "tests/test_billing.py")}),
        SampleCommit("Migrate the audit service and the handler tests", day(15, "12"),
                     {"shop/services/audit.py": _user("audit", 2, migrated=True),
                      "tests/test_handlers.py": _test("handlers", 2, migrated=True)}),
        SampleCommit("Migrate the reports", day(18, "11"), {"shop/services/reports.py": _user("report", 3, migrated=True)}),
    ]


def build_sample(dest: str | Path | None = None, *, checkout: bool = False) -> Path:
    """Write the burndown sample repository at ``dest`` (default: a new temporary folder,
    removed when the interpreter exits), its newest commit checked out if ``checkout``; return its path."""
    if dest is None:
        folder = Path(tempfile.mkdtemp(prefix="wsaudit-history-sample-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        dest = folder / "shop"
    return write_repository(dest, sample_commits(), checkout=checkout)
