"""The trees ``bench.py`` measures, kept under ``benchmarks/.work/`` (gitignored).

    gen10k    10,000 generated modules (``gentree.generate_tree``, seed 0)
    gen100k   100,000 generated modules (same generator, ~400 MB)
    pandas    the ``.py`` files of the installed pandas, copied to ``pandas_src/pandas/``
    sample    ``data/sample_repo`` of this repository, as it is (only for the report's fixed cost)

Every file of a generated or copied tree gets the same old modification time (``OLD_MTIME_NS``):
wsaudit stores its whole-tree result only when no file is younger than 2 s, and a tree written a
moment ago would otherwise never get one.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from gentree import GEN_VERSION, generate_tree

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
OLD_MTIME_NS = 1_704_067_200 * 10**9  # 2024-01-01T00:00:00Z
GENERATED = {"gen10k": 10_000, "gen100k": 100_000}
ALL = ("gen10k", "gen100k", "pandas", "sample")


@dataclass
class Target:
    name: str
    root: Path
    manifest: dict
    rows: frozenset[str] = field(default_factory=frozenset)  # which rows run here; empty: all
    note: str = ""

    @property
    def files(self) -> int:
        return self.manifest["modules"]


def set_old_mtimes(root: Path) -> int:
    """Give every file under ``root`` the modification time ``OLD_MTIME_NS``; how many changed."""
    changed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            st = os.stat(path)
            if st.st_mtime_ns != OLD_MTIME_NS:
                os.utime(path, ns=(st.st_atime_ns, OLD_MTIME_NS))
                changed += 1
    return changed


def warm_page_cache(root: Path) -> None:
    """Read every file once, so that the first timed command does not pay for a cold page cache."""
    for folder, _, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    while handle.read(1 << 20):
                        pass


def _replace(tmp_tree: Path, root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    os.replace(tmp_tree, root)


def ensure_generated(name: str, regen: bool = False) -> Target:
    n = GENERATED[name]
    root = WORK / name
    marker = root / ".bench-manifest.json"
    manifest = None
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("generator_version") != GEN_VERSION or manifest.get("modules") != n:
            manifest = None
    if manifest is None:
        print(f"generating {n:,} modules into {root.relative_to(REPO)} ...", file=sys.stderr, flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=WORK))
        try:
            manifest = generate_tree(tmp / "tree", n)
            (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            _replace(tmp / "tree", root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    set_old_mtimes(root)
    note = (f"{manifest['deprecated_users']:,} modules use the deprecated API, "
            f"{manifest['decoys']:,} decoys, {manifest['planted_violations']:,} planted violations")
    return Target(name, root, manifest, note=note)


PANDAS_CONFIG = """# Written by benchmarks/targets.py: audit the pandas sources for a few internal helpers.
roots = ["."]
exclude = [".venv", "build", "backup*"]
tests = ["**/tests/**", "**/test_*.py", "**/conftest.py"]

[[rule]]
id = "PD001"
symbol = "pandas.util._decorators.deprecate_kwarg"
message = "deprecate_kwarg is used widely: benchmark rule"

[[rule]]
id = "PD002"
symbol = "pandas.util._decorators.deprecate"

[[rule]]
id = "PD003"
module = "pandas.core.common"

# Not deprecated: a helper used in ~80 files, so that detection has real work to do.
[[rule]]
id = "PD004"
symbol = "pandas.util._exceptions.find_stack_level"
"""


def ensure_pandas(regen: bool = False) -> Target | None:
    # Found, not imported: the benchmark needs its files, not the library.
    spec = importlib.util.find_spec("pandas")
    if spec is None or not spec.origin:
        print("pandas is not installed: skipping the pandas target", file=sys.stderr)
        return None
    version = importlib.metadata.version("pandas")
    src = Path(spec.origin).resolve().parent
    root = WORK / "pandas_src"
    marker = root / ".bench-manifest.json"
    manifest = None
    if not regen and marker.is_file():
        manifest = json.loads(marker.read_text())
        if manifest.get("pandas_version") != version or manifest.get("source") != str(src):
            manifest = None
    if manifest is None:
        print(f"copying the .py files of pandas {version} from {src} ...", file=sys.stderr, flush=True)
        WORK.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="pandas_src.", dir=WORK))
        try:
            files = lines = 0
            for path in sorted(src.rglob("*.py")):
                rel = path.relative_to(src)
                if "__pycache__" in rel.parts:
                    continue
                out = tmp / "tree" / "pandas" / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)
                files += 1
                lines += path.read_bytes().count(b"\n")
            manifest = {"pandas_version": version, "source": str(src), "modules": files,
                        "lines": lines, "top_packages": ["pandas"]}
            (tmp / "tree" / ".bench-manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            _replace(tmp / "tree", root)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    config = root / "wsaudit.toml"
    if not config.is_file() or config.read_text(encoding="utf-8") != PANDAS_CONFIG:
        config.write_text(PANDAS_CONFIG, encoding="utf-8")
    set_old_mtimes(root)
    return Target("pandas", root, manifest, note=f"pandas {manifest['pandas_version']}")


def sample_target() -> Target:
    """The repository's sample, read in place (never written: the report goes elsewhere)."""
    root = REPO / "data" / "sample_repo"
    files = lines = 0
    for path in root.rglob("*.py"):
        files += 1
        lines += path.read_bytes().count(b"\n")
    return Target("sample", root, {"modules": files, "lines": lines, "top_packages": []},
                  rows=frozenset({"scan-cold", "report"}),
                  note="only the report (the notebooks' fixed cost) and a cold scan")


def ensure(names: list[str], regen: bool = False) -> list[Target]:
    out = []
    for name in names:
        if name in GENERATED:
            out.append(ensure_generated(name, regen))
        elif name == "pandas":
            if (found := ensure_pandas(regen)) is not None:
                out.append(found)
        elif name == "sample":
            out.append(sample_target())
    return out


# ============================================================================ for the peers

def ruff_banned_config(root: Path) -> str:
    """A ruff configuration banning, under ``[lint.flake8-tidy-imports.banned-api]``, every symbol
    and module of the tree's ``wsaudit.toml`` rules (the same banned API)."""
    rules = tomllib.loads((root / "wsaudit.toml").read_text(encoding="utf-8"))["rule"]
    lines = ["respect-gitignore = false  # benchmarks/.work/ is gitignored by the repository", "",
             "[lint]", 'select = ["TID251"]', "", "[lint.flake8-tidy-imports.banned-api]"]
    for rule in rules:
        banned = rule.get("symbol") or rule["module"]
        message = rule.get("message") or f"{banned} is deprecated"
        lines.append(f"{json.dumps(banned)}.msg = {json.dumps(message)}")
    return "\n".join(lines) + "\n"


def file_to_edit(root: Path) -> Path:
    """The file the "one file changed" row edits: the middle one, by path, of the tree's plain
    (non-``__init__``, non-test) modules, so that the choice is the same on every run."""
    candidates = sorted(p for p in root.rglob("*.py")
                        if p.name != "__init__.py" and "tests" not in p.relative_to(root).parts
                        and not p.name.startswith("test_"))
    return candidates[len(candidates) // 2]


def candidate_to_edit(root: Path) -> Path:
    """The file the "one candidate file changed" row edits: the middle one, by path, of the
    plain modules whose text names a rule's symbol or module by its last name (a file the
    audit parses in full: its edit replays the candidate search)."""
    rules = tomllib.loads((root / "wsaudit.toml").read_text(encoding="utf-8"))["rule"]
    names = [re.compile(rf"\b{re.escape((r.get('symbol') or r['module']).rpartition('.')[2])}\b") for r in rules]
    plain = [p for p in sorted(root.rglob("*.py")) if p.name != "__init__.py"
             and "tests" not in p.relative_to(root).parts and not p.name.startswith("test_")]
    named = [p for p in plain if any(n.search(p.read_text(encoding="utf-8", errors="replace")) for n in names)]
    return named[len(named) // 2]


class OneEdit:
    """Edits one file before each run: a new function appended, different each time, and a
    modification time ``i + 1`` seconds after ``OLD_MTIME_NS`` (old: not racy; and different on
    every run, since two edits can have the same size); :meth:`restore` puts the original bytes
    and mtime back."""

    def __init__(self, path: Path):
        self.path = path
        self.original = path.read_bytes()

    def __call__(self, i: int) -> None:
        self.path.write_bytes(self.original + f"\n\ndef _bench_edit_{i}():\n    return {i}\n".encode())
        mtime = OLD_MTIME_NS + (i + 1) * 10**9
        os.utime(self.path, ns=(mtime, mtime))

    def restore(self) -> None:
        self.path.write_bytes(self.original)
        os.utime(self.path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


# ============================================================================ history and a restored cache

HISTORY_COMMITS = 6  # the history: 6 commits, the first the whole tree
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
                "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
                "GIT_AUTHOR_DATE": "1704067200 +0000", "GIT_COMMITTER_DATE": "1704067200 +0000"}


def history_repository(root: Path, dest: Path, edited: list[Path], commits: int = HISTORY_COMMITS) -> Path:
    """A bare repository at ``dest`` whose first commit is the tree at ``root`` as it is (its
    ``.wsaudit`` left out) and each of the ``commits - 1`` next ones appends a function to each
    file of ``edited`` (an ordinary change of a few files, one of which names the deprecated
    API). Written from git objects: ``root`` is read, never changed. Returns ``dest``."""
    import subprocess

    env = {**os.environ, **GIT_IDENTITY, "GIT_INDEX_FILE": str(dest.parent / f"{dest.name}.index")}
    git = ["git", f"--git-dir={dest}", f"--work-tree={root}", "-c", "core.autocrlf=false"]

    def run(*args: str, data: bytes | None = None) -> str:
        return subprocess.run([*git, *args], input=data, capture_output=True, check=True, env=env,
                              cwd=root).stdout.decode().strip()

    subprocess.run(["git", "init", "--quiet", "--bare", str(dest)], check=True, env=env)
    run("add", "--all", "--", ".", ":!.wsaudit")
    parent = run("commit-tree", run("write-tree"), "-m", "the tree")
    for i in range(1, commits):
        for path in edited:
            data = path.read_bytes() + "".join(f"\n\ndef _history_edit_{k}():\n    return {k}\n"
                                               for k in range(1, i + 1)).encode()
            blob = run("hash-object", "-w", "--stdin", data=data)
            run("update-index", "--cacheinfo", f"100644,{blob},{path.relative_to(root).as_posix()}")
        parent = run("commit-tree", run("write-tree"), "-p", parent, "-m", f"edit {i}")
    run("update-ref", "refs/heads/main", parent)
    run("symbolic-ref", "HEAD", "refs/heads/main")
    return dest


class RestoredCache:
    """Before run ``i`` of the restored-cache gate: the cache folder a default branch's run
    filled (``filled``) copied afresh to ``dest`` (as a CI runner restores it), and one file
    edited (``edit``, a :class:`OneEdit`); :meth:`restore` puts the file back."""

    def __init__(self, filled: Path, dest: Path, edit: OneEdit):
        self.filled, self.dest, self.edit = filled, dest, edit
        self.path = edit.path

    def __call__(self, i: int) -> None:
        shutil.rmtree(self.dest, ignore_errors=True)
        shutil.copytree(self.filled, self.dest)
        self.edit(i)

    def restore(self) -> None:
        self.edit.restore()


def tree_target(path: str) -> Target:
    """``--tree PATH``: a tree of the user's, read in place (a row that edits a file puts it back).
    It needs its ``wsaudit.toml`` (the banned API of ruff's row is made from it)."""
    root = Path(path).resolve()
    if not (root / "wsaudit.toml").is_file():
        raise SystemExit(f"--tree {path}: no wsaudit.toml in it (write one with 'wsaudit init')")
    files = lines = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".wsaudit", "__pycache__")]
        for name in names:
            if name.endswith(".py"):
                files += 1
                with open(os.path.join(folder, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    top = sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
    return Target("tree", root, {"modules": files, "lines": lines, "top_packages": top, "source": str(root)},
                  note=f"{root} (--tree)")
