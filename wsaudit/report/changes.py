"""What changed since the previous kept run of a scheduled report (``wsaudit report --archive``).

Each kept run writes its findings (``findings.json``: every violation and every definition of a
deprecated symbol, with the gate's fingerprint, :mod:`wsaudit.gate.fingerprint`); the next run
compares its own with them. Fingerprints, not line numbers: a violation that only moves down
its file because lines were added above it is neither new nor fixed. The fingerprint holds the
file's path, so a use moved to another file is matched again by everything but the path
(rule, category, name, normalised statement) and only with evidence that it is the same code:
git renamed its file between the two runs' commits, or it sits in a function or class of the
same qualified name (a function moved to another module). The same import written in a new
file the day another file dropped it is a new use and a fix, not a move.

The functions here are plain: rows in, rows out (:func:`delta`, :func:`markdown`); only
:func:`finding_rows` reads the audited files (through the gate's reader) and :func:`blame`
asks git who last touched a line.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wsaudit.model import DEFINITION

if TYPE_CHECKING:
    from wsaudit.api import Audit

FINDING_FIELDS = ("fingerprint", "place", "path", "line", "col", "rule_id", "category", "name", "tier", "snippet",
                  "scope")
CHANGE_KINDS = ("new_p0", "reintroduced", "new", "fixed", "moved")
MAX_BLAMED_FILES = 200  # git blame once per file: a run that adds more files than this is a rewrite
BLAME_TIMEOUT = 60
MAX_SCOPE_DEPTH = 100  # nested definitions followed this deep; deeper ones keep their parent's name


def place_key(rule_id: str, category: str, name: str, statement: str) -> str:
    """A finding's identity without its path: what a use moved to another file keeps.

    >>> place_key("R1", "deprecated-call", "cwm", "m = cwm(ctx)")
    '3b4eb47fa61fe7bd'
    """
    text = "\x1f".join(("wsaudit/place/v1", rule_id, category, name, statement))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def finding_rows(audit: Audit) -> list[dict[str, Any]]:
    """Every violation (with its tier) and every definition of a deprecated symbol (tier ``""``,
    category ``definition``) of ``audit``, with its gate fingerprint; sorted by place.

    Parameters
    ----------
    audit : Audit
        The report's audit.

    Returns
    -------
    list of dict
        Rows with :data:`FINDING_FIELDS` (``place`` is :func:`place_key`).
    """
    from wsaudit.gate.check import definition_findings
    from wsaudit.gate.fingerprint import fingerprint, reader

    read = reader(audit.root, audit.files)
    ranked = list(audit.ranked)
    defined = definition_findings(audit.definition_records, audit.config, read)
    found = fingerprint([r.violation for r in ranked] + defined, read)
    tiers = [r.tier for r in ranked] + [""] * len(defined)
    lines: dict[str, set[int]] = {}
    for f in found:
        lines.setdefault(f.violation.path, set()).add(f.violation.line)
    scope = {(path, n): name for path, wanted in lines.items() for n, name in scopes(read(path), wanted).items()}
    rows = []
    for f, tier in zip(found, tiers, strict=True):
        v = f.violation
        rows.append({"fingerprint": f.fingerprint, "place": place_key(v.rule_id, v.category, v.name, f.statement),
                     "path": v.path, "line": v.line, "col": v.col, "rule_id": v.rule_id, "category": v.category,
                     "name": v.name, "tier": tier, "snippet": v.snippet, "scope": scope.get((v.path, v.line), "")})
    return sorted(rows, key=_order)


def scopes(data: bytes | None, lines: Iterable[int]) -> dict[int, str]:
    """The qualified name of the innermost function or class around each of ``lines``
    (``""`` at module level, or when the file cannot be read or parsed).

    >>> src = b"import a\\nclass Room:\\n    def open(self):\\n        return a.f()\\n"
    >>> scopes(src, [1, 4])
    {1: '', 4: 'Room.open'}
    """
    import ast

    wanted = sorted(set(lines))
    out = dict.fromkeys(wanted, "")
    if not data or not wanted:
        return out
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return out
    # each definition's span, outermost first: the innermost one around a line is written last
    stack: list[tuple[ast.AST, str, int]] = [(tree, "", 0)]
    while stack:
        node, prefix, depth = stack.pop()
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and depth < MAX_SCOPE_DEPTH:
                name = f"{prefix}.{child.name}" if prefix else child.name
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                for n in wanted:
                    if first <= n <= (child.end_lineno or child.lineno):
                        out[n] = name
            if isinstance(child, (ast.stmt, ast.ExceptHandler, ast.match_case)):
                stack.append((child, name, depth + 1))
    return out


def _order(row: dict[str, Any]) -> tuple:
    return (row["path"], row["line"], row.get("col", 0), row["category"], row.get("rule_id", ""), row.get("name", ""),
            row["fingerprint"])


def delta(previous: Sequence[dict[str, Any]], current: Sequence[dict[str, Any]],
          renamed: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The change from the ``previous`` run's findings to the ``current`` run's.

    Parameters
    ----------
    previous, current : sequence of dict
        Rows of :func:`finding_rows` (at least ``fingerprint``, ``place``, ``path``, ``line``,
        ``category``, ``tier``; ``scope`` when known).
    renamed : dict, optional
        The files git renamed between the two runs' commits (old path -> new path, :func:`renames`).

    Returns
    -------
    dict
        ``new`` (violations whose fingerprint the previous run did not have, nor moved),
        ``fixed`` (the previous run's violations gone), ``moved`` (a previous violation now in
        another file, the same place key, and either its file renamed there or both inside a
        function or class of the same qualified name: the current row with ``from_path`` and
        ``from_line``), ``new_p0`` (the new and moved ones that are P0 now and were not P0
        before), ``reintroduced`` (new definitions of a deprecated symbol). Each list is sorted
        by place.

    Examples
    --------
    >>> a = {"fingerprint": "a", "place": "x", "path": "m.py", "line": 3, "category": "deprecated-call",
    ...      "tier": "P1", "scope": "open_room"}
    >>> b = {"fingerprint": "b", "place": "y", "path": "m.py", "line": 9, "category": "deprecated-call", "tier": "P2"}
    >>> c = {**a, "fingerprint": "c", "path": "n.py", "line": 1, "tier": "P0"}
    >>> d = {"fingerprint": "d", "place": "z", "path": "k.py", "line": 1, "category": "definition", "tier": ""}
    >>> out = delta([a, b], [{**b, "line": 12}, c, d])
    >>> [(k, [r["fingerprint"] for r in v]) for k, v in out.items()]
    [('new_p0', ['c']), ('reintroduced', ['d']), ('new', []), ('fixed', []), ('moved', ['c'])]
    >>> out["moved"][0]["from_path"], out["moved"][0]["from_line"]
    ('m.py', 3)

    The same statement at module level in another file is a new use and a fix, unless git
    renamed the file:

    >>> e, f = {**a, "scope": ""}, {**c, "scope": ""}
    >>> [len(delta([e], [f])[k]) for k in ("new", "fixed", "moved")]
    [1, 1, 0]
    >>> [len(delta([e], [f], renamed={"m.py": "n.py"})[k]) for k in ("new", "fixed", "moved")]
    [0, 0, 1]
    """
    renamed = renamed or {}
    before = {r["fingerprint"]: r for r in previous}
    now = {r["fingerprint"]: r for r in current}
    appeared = [r for f, r in now.items() if f not in before]
    gone = [r for f, r in before.items() if f not in now]
    gone_by_place: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(gone, key=_order):
        gone_by_place.setdefault(r["place"], []).append(r)

    def same_code(g: dict[str, Any], r: dict[str, Any]) -> bool:
        if g["path"] == r["path"]:
            return False
        if renamed.get(g["path"]) == r["path"]:
            return True
        return bool(r.get("scope")) and g.get("scope") == r.get("scope")

    moved, new = [], []
    matched: set[str] = set()
    for r in sorted(appeared, key=_order):
        candidates = [g for g in gone_by_place.get(r["place"], ()) if same_code(g, r) and g["fingerprint"] not in matched]
        if candidates:
            origin = candidates[0]
            matched.add(origin["fingerprint"])
            moved.append({**r, "from_path": origin["path"], "from_line": origin["line"], "from_tier": origin["tier"]})
        else:
            new.append(r)
    fixed = [r for r in sorted(gone, key=_order) if r["fingerprint"] not in matched]
    new_p0 = sorted([r for r in new if r["tier"] == "P0"] + [r for r in moved if r["tier"] == "P0" != r["from_tier"]],
                    key=_order)
    return {"new_p0": new_p0,
            "reintroduced": [r for r in new if r["category"] == DEFINITION],
            "new": [r for r in new if r["category"] != DEFINITION],
            "fixed": fixed,
            "moved": moved}


def renames(root: str | Path, before: str, after: str) -> dict[str, str]:
    """The files git renamed from commit ``before`` to commit ``after``, as paths relative to
    the audited folder ``root``: ``{old: new}``. Not a git checkout, a commit git does not
    have, anything but two full object ids: none, never an error.

    :meth:`wsaudit.history.git.Repository.diff_tree` (``-M``, the safe git environment; the
    object ids are checked first: never an option).
    """
    from wsaudit.history.git import GitError, Repository

    if not all(re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", c or "") for c in (before, after)) or before == after:
        return {}
    try:
        with Repository.open(root) as repo:
            found = repo.diff_tree(before, after)
    except (GitError, OSError, subprocess.SubprocessError):
        return {}
    if isinstance(found, str):  # why the trees could not be compared
        return {}
    return {c.old_path: c.new_path for c in found if c.status == "R" and c.old_path and c.new_path}


def counts(change: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """How many of each kind (:data:`CHANGE_KINDS`) a :func:`delta` holds.

    >>> counts({"new": [{}, {}], "fixed": [{}]})
    {'new_p0': 0, 'reintroduced': 0, 'new': 2, 'fixed': 1, 'moved': 0}
    """
    return {k: len(change.get(k, ())) for k in CHANGE_KINDS}


def blame(root: str | Path, rows: Iterable[dict[str, Any]]) -> dict[tuple[str, int], dict[str, str]]:
    """Who last touched each row's line at HEAD: ``{(path, line): {"commit", "author", "summary"}}``.

    ``git blame --porcelain`` at the commit checked out, once per file with one ``-L n,n`` per
    line, through the safe git environment of :mod:`wsaudit.history.git` (no hook, no filter,
    no textconv, literal pathspecs, the path after ``--``). A tree that is not in a git work
    tree, a file git does not track at HEAD, a line beyond HEAD's file: no answer for it, never
    an error. At most :data:`MAX_BLAMED_FILES` files.

    Parameters
    ----------
    root : str or Path
        The audited folder; the rows' paths are relative to it.
    rows : iterable of dict
        Rows with ``path`` and ``line``.
    """
    from wsaudit.history.git import git_args, git_env, head_commit

    head = head_commit(root)
    if head is None:
        return {}
    commit, _prefix = head
    by_path: dict[str, set[int]] = {}
    for r in rows:
        if isinstance(r.get("line"), int) and r["line"] > 0:
            by_path.setdefault(r["path"], set()).add(r["line"])
    out: dict[tuple[str, int], dict[str, str]] = {}
    for path in sorted(by_path)[:MAX_BLAMED_FILES]:
        ranges = [a for n in sorted(by_path[path]) for a in ("-L", f"{n},{n}")]
        try:
            # -C root: paths are relative to the audited folder, as the rows' are
            proc = subprocess.run(git_args("-C", str(root), "blame", "--porcelain", "--no-textconv", *ranges,
                                           commit, "--", path),
                                  capture_output=True, env=git_env(), check=False, timeout=BLAME_TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            continue
        if proc.returncode == 0:
            for line, who in parse_porcelain(proc.stdout).items():
                out[(path, line)] = who
    return out


def parse_porcelain(data: bytes) -> dict[int, dict[str, str]]:
    """``git blame --porcelain`` output: final line number -> commit, author, summary.

    >>> out = (b"1234567890123456789012345678901234567890 5 7 1\\nauthor Ada\\nsummary Add it\\n"
    ...        b"filename a.py\\n\\tx = 1\\n")
    >>> parse_porcelain(out)[7]["author"], parse_porcelain(out)[7]["commit"][:7]
    ('Ada', '1234567')
    """
    info: dict[str, dict[str, str]] = {}
    out: dict[int, dict[str, str]] = {}
    current: tuple[str, int] | None = None
    for raw in data.split(b"\n"):
        text = raw.decode("utf-8", "replace")
        if text.startswith("\t"):
            if current is not None:
                oid, line = current
                out[line] = {"commit": oid, **info.get(oid, {})}
            current = None
            continue
        head = text.split(" ")
        if current is None and len(head) >= 3 and len(head[0]) in (40, 64) and head[1].isdigit() and head[2].isdigit():
            current = (head[0], int(head[2]))
            info.setdefault(head[0], {})
        elif current is not None and head[0] in ("author", "summary"):
            info[current[0]][head[0]] = text[len(head[0]) + 1:]
    return {n: {"commit": w["commit"], "author": w.get("author", ""), "summary": w.get("summary", "")}
            for n, w in out.items()}


def with_blame(change: dict[str, list[dict[str, Any]]], who: dict[tuple[str, int], dict[str, str]]
               ) -> dict[str, list[dict[str, Any]]]:
    """The new, new P0, re-introduced and moved rows of ``change`` with ``commit``, ``author``
    and ``summary`` of who last touched their line, when :func:`blame` knows it."""
    out = {}
    for kind, rows in change.items():
        if kind == "fixed":
            out[kind] = rows
            continue
        out[kind] = [{**r, **who[(r["path"], r["line"])]} if (r["path"], r["line"]) in who else r for r in rows]
    return out


def document(change: dict[str, list[dict[str, Any]]], *, run: str, previous: str | None) -> dict[str, Any]:
    """``changes.json``: the run, the previous run it is compared with (``since``; None at the first
    run), the counts and the rows of each kind."""
    return {"run": run, "since": previous, "counts": counts(change),
            **{k: change.get(k, []) for k in CHANGE_KINDS}}


def code(text: str) -> str:
    """``text`` as a Markdown code span whatever it holds (paths and names come from the audited
    tree): fenced by more backticks than its longest run, on one line.

    >>> code("a.py"), code("x`y"), code("`")
    ('`a.py`', '``x`y``', '`` ` ``')
    """
    text = " ".join(str(text).splitlines())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str) -> str:
    """Free text of the repository (an author's name) in Markdown: its markup characters
    escaped, so that it shows as written and never becomes a link or an image.

    >>> print(plain("Ada ![x](http://t.invalid/p.png)"))
    Ada \\!\\[x\\]\\(http://t.invalid/p.png\\)
    """
    text = " ".join(str(text).splitlines())
    return re.sub(r"([\\`*_{}\[\]()<>#+!|~&-])", r"\\\1", text)


def _line(r: dict[str, Any]) -> str:
    where = code(f"{r['path']}:{r['line']}")
    if r.get("from_path"):
        where = f"{code(str(r['from_path']) + ':' + str(r['from_line']))} -> {where}"
    what = f"{r['tier'] + ' ' if r.get('tier') else ''}{code(r['rule_id'])} {r['category']} {code(r['name'])}"
    by = f" ({code(r['commit'][:10])}, {plain(r.get('author', ''))})" if r.get("commit") else ""
    return f"- {what} at {where}{by}"


def markdown(doc: dict[str, Any], limit: int = 20) -> str:
    """``changes.md``: the change since the previous run in a few lines of Markdown (a pull
    request comment, a chat message); at most ``limit`` rows per kind.

    >>> print(markdown({"run": "2026-01-05-abc", "since": None, "counts": {}}))
    ## wsaudit: 2026-01-05-abc
    <BLANKLINE>
    First kept run: nothing to compare with yet.
    <BLANKLINE>
    """
    lines = [f"## wsaudit: {doc['run']}", ""]
    if doc.get("since") is None:
        return "\n".join(lines + ["First kept run: nothing to compare with yet.", ""])
    c = Counter(doc["counts"])
    lines.append(f"Since {doc['since']}: {c['new']} new, {c['fixed']} fixed, {c['moved']} moved, "
                 f"{c['new_p0']} new P0, {c['reintroduced']} re-introduced definitions.")
    if doc.get("plan"):
        p = doc["plan"]
        lines.append(f"The plan made at {p['run']} left {p['planned_left']:g} violations by now (median); "
                     f"{p['actual_left']} are left.")
    titles = {"new_p0": "New P0", "reintroduced": "Re-introduced definitions", "new": "New", "moved": "Moved",
              "fixed": "Fixed"}
    for kind in CHANGE_KINDS:
        rows = doc.get(kind) or []
        if not rows:
            continue
        lines += ["", f"### {titles[kind]} ({len(rows)})", ""]
        lines += [_line(r) for r in rows[:limit]]
        if len(rows) > limit:
            lines.append(f"- ... and {len(rows) - limit} more (changes.json)")
    return "\n".join(lines) + "\n"
