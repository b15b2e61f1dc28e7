"""A small fleet of services that use one platform library's deprecated client, for the fleet tests.

``platformkit.legacy.make_client()`` is the deprecated API (the library itself is not in any of
the repositories: it is installed, an external API); each service calls it from its own routes,
jobs or tests, so the tiers differ from one service to the next.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from wsaudit.history.sample import SampleCommit, write_repository

SHARED = """
[config]
[[config.rule]]
id = "PK001"
symbol = "platformkit.legacy.make_client"
replacement = "platformkit.client.Client"
message = "make_client() is deprecated; instantiate platformkit.client.Client"
"""


def d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def service(pkg: str, routes_calls: int, job_calls: int, test_calls: int) -> dict[str, str]:
    """A service package: its routes (the Golden Path), a job nothing imports, and a test."""
    calls = "\n".join(f"    c{i} = make_client()" for i in range(routes_calls)) or "    pass"
    jobs = "\n".join(f"    legacy.make_client({i})" for i in range(job_calls)) or "    pass"
    tests = "\n".join(f"    assert make_client() is not None  # {i}" for i in range(test_calls)) or "    pass"
    return {
        f"{pkg}/__init__.py": "",
        f"{pkg}/routes.py": f"from {pkg} import handlers\n\n\ndef route():\n    return handlers.handle()\n",
        f"{pkg}/handlers.py": f"from platformkit.legacy import make_client\n\n\ndef handle():\n{calls}\n",
        f"{pkg}/jobs.py": f"from platformkit import legacy\n\n\ndef nightly():\n{jobs}\n",
        f"tests/test_{pkg}.py": f"from platformkit.legacy import make_client\n\n\ndef test_client():\n{tests}\n",
    }


def write_folder(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def git_service(dest: Path, pkg: str, steps: list[tuple[int, int, int]]) -> Path:
    """A git repository of a service whose uses change commit after commit (tag v1 on the first)."""
    commits = [SampleCommit(f"step {i}", f"2024-03-{i + 1:02d}T10:00:00+00:00", service(pkg, *counts))
               for i, counts in enumerate(steps)]
    repo = write_repository(dest, commits)
    import subprocess

    from wsaudit.history.git import git_args, git_env

    first = subprocess.run(git_args("rev-list", "--max-parents=0", "HEAD", git_dir=str(repo / ".git")),
                           capture_output=True, text=True, env=git_env(), check=True).stdout.strip()
    subprocess.run(git_args("tag", "v1", first, git_dir=str(repo / ".git")), check=True, env=git_env(),
                   capture_output=True)
    return repo


def fleet(tmp: Path) -> Path:
    """FLEET.toml for: billing (a folder, team payments), search (a git URL, team discovery),
    search-v1 (the same URL at tag v1), ledger (a git folder at HEAD~1, team payments),
    gone (a folder that does not exist) and misconfigured (an invalid override)."""
    write_folder(tmp / "billing", service("billing", 2, 1, 1))
    git_service(tmp / "search", "search", [(1, 1, 1), (0, 2, 1)])
    git_service(tmp / "ledger", "ledger", [(3, 0, 0), (2, 0, 1)])
    text = SHARED + d(f"""
        [[repo]]
        name = "billing"
        path = "billing"
        owner = "ana"
        team = "payments"
        [repo.config]
        golden_path = {{modules = ["billing.routes"]}}

        [[repo]]
        name = "search"
        url = "{(tmp / 'search').as_uri()}"
        team = "discovery"
        [repo.config]
        golden_path = {{modules = ["search.routes"]}}

        [[repo]]
        name = "search-v1"
        url = "{(tmp / 'search').as_uri()}"
        revision = "v1"
        team = "discovery"
        [repo.config]
        golden_path = {{modules = ["search.routes"]}}

        [[repo]]
        name = "ledger"
        path = "ledger"
        revision = "HEAD~1"
        team = "payments"
        [repo.config]
        golden_path = {{modules = ["ledger.routes"]}}

        [[repo]]
        name = "gone"
        path = "no-such-service"

        [[repo]]
        name = "misconfigured"
        path = "billing"
        [repo.config]
        rank = {{alpha = 7}}
        """)
    path = tmp / "FLEET.toml"
    path.write_text(text, encoding="utf-8")
    return path
