"""``wsaudit check``: the CI gate that accepts today's debt and rejects any new violation.

Three parts, all usable from Python (the command line in :mod:`wsaudit.cli` only wires them):

* :func:`collect` finds the same violations as a full :func:`wsaudit.audit`, reading only what
  it must: a file whose bytes name none of the deprecated things (nor any name that a re-export
  binds to them) cannot hold a violation, so it is never parsed (see :func:`collect`).
* :func:`fingerprint` gives every violation an identity that survives unrelated edits: the
  path, rule, category, name, the *normalised source of its statement* (``ast.unparse``: no
  comments, quotes and whitespace canonical, wrapped lines joined) and its occurrence index
  among identical keys in the file. No line numbers: inserting lines above a violation or
  reformatting the file does not change it; copying it elsewhere does.
* the baseline file (:func:`load_baseline`, :func:`dump_baseline`) holds those fingerprints,
  sorted, with a version, the fingerprint scheme and a SHA-256 checksum of the entries, so a
  damaged or hand-edited file is refused with one clear line instead of silently accepting
  violations.

:func:`run_check` is the use case: compare, ratchet (``update``: drop the stale entries; add
the new ones only with ``allow_new``), optionally gate on ranking tiers.
"""

from __future__ import annotations

import ast
import bisect
import copy
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wsaudit.config import Config, load
from wsaudit.engine.detect import detect
from wsaudit.engine.discover import discover
from wsaudit.engine.modules import ModuleTable
from wsaudit.engine.parse import decode_source, split_lines
from wsaudit.engine.resolve import Resolver
from wsaudit.engine.store import FactStore
from wsaudit.errors import InputError, UsageError
from wsaudit.iorw import atomic_write
from wsaudit.model import TIERS, Diagnostic, FileFacts, SourceFile, Violation

CHECK_FORMATS = ("text", "json", "sarif", "github")
BASELINE_KIND = "wsaudit-baseline"
BASELINE_VERSION = 1
SCHEME = "wsaudit/v1"  # the fingerprint recipe; part of every fingerprint and of the baseline
MAX_STATEMENT = 240  # longer normalised statements are cut and suffixed with a hash of the whole

_EMPTY: frozenset = frozenset()
_STAR = re.compile(rb"import[\s\\]*\*")  # no \b: a literal prefix searches fast; over-including is safe
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


# ============================================================================ collect


_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def mentions(data: bytes, word: bytes) -> bool:
    """Whether ``word`` occurs in ``data`` as a whole word (not inside a longer identifier).

    >>> mentions(b"x = manager_factory()", b"factory"), mentions(b"from . import factory", b"factory")
    (False, True)
    """
    at = data.find(word)
    end = len(word)
    while at >= 0:
        before = data[at - 1] if at else 32
        after = data[at + end] if at + end < len(data) else 32
        if before not in _WORD and after not in _WORD:  # a non-ASCII neighbour counts as a boundary:
            return True  # over-including only means parsing one file more
        at = data.find(word, at + 1)
    return False


def _local_names(facts: FileFacts, names: set[str]) -> set[str]:
    """``names`` plus every name that a binding in this file (any scope) copies from one of them."""
    out = set(names)
    changed = True
    while changed:
        changed = False
        for b in facts.bindings:
            if b.name not in out and b.source_name(facts.uses) in out:
                out.add(b.name)
                changed = True
    return out


class _Gate:
    """What :func:`wsaudit.engine.detect.detect` sees instead of the resolver: the same answers for
    any query that could lead to a deprecated object, the empty answer at once otherwise (so
    that detection does not parse every module that a candidate file imports).

    Why it is exact: an object reached by the last step of a dotted path or use chain is bound
    under that step's name, so a path whose last name is not a deprecated name (in this file:
    one of :func:`_local_names`) cannot denote a deprecated object.
    """

    def __init__(self, resolver: Resolver, names: set[str]):
        self.resolver = resolver
        self.modules = resolver.modules
        self.names = names
        self._local: dict[int, set[str]] = {}

    def resolve(self, dotted: str) -> frozenset:
        return self.resolver.resolve(dotted) if dotted.rpartition(".")[2] in self.names else _EMPTY

    def exported(self, module: str) -> frozenset[str]:
        return self.resolver.exported(module)

    def module_attribute(self, module: str, name: str) -> frozenset:
        return self.resolver.module_attribute(module, name)

    def chain(self, module: str, facts: FileFacts, use) -> list[frozenset]:
        local = self._local.get(id(facts))
        if local is None:
            local = self._local[id(facts)] = _local_names(facts, self.names)
        if any(part in local for part in use.chain):
            return self.resolver.chain(module, facts, use)
        return [_EMPTY] * len(use.chain)


@dataclass
class Collected:
    """Violations found by :func:`collect`, and what it took."""

    root: Path
    config: Config
    files: list[SourceFile]
    violations: list[Violation]
    diagnostics: list[Diagnostic]
    files_parsed: int
    names: frozenset[str]  # every name bound to a deprecated object somewhere, plus the rule names
    sources: dict[str, bytes] = field(repr=False)  # bytes of the files that hold violations

    @property
    def files_scanned(self) -> int:
        return len(self.files)


def collect(path: str | Path = ".", config: Config | str | Path | None = None, *, cache: bool = True,
            cache_dir: str | Path | None = None, jobs: int | None = None) -> Collected:
    """Every violation under ``path``: the same rows as ``wsaudit.audit(path).violation_records``,
    parsing only the files that can hold one.

    How: the candidate names are the last names of the rules' symbols and modules (and of the
    definitions the symbols resolve to). A file is parsed when its bytes contain one of them as
    a word, when it has a star import, or when it lies inside a deprecated module (its relative
    imports name it implicitly). Every module-level name that a parsed file binds to a
    deprecated object (an alias, a renamed re-export) becomes a candidate too, and the files
    not parsed yet are searched again, to a fixpoint: a re-export binds a new name only in a
    file that mentions an existing one. Name resolution still knows every module of the tree
    and parses, on demand, any module it has to look into.

    Not parsed, so not reported: syntax errors in files that cannot hold a violation.
    """
    root = Path(path)
    cfg = config if isinstance(config, Config) else load(root, config)
    files, diagnostics = discover(root, cfg)
    with FactStore(root, files, cfg, cache=cache, cache_dir=cache_dir, jobs=jobs) as store:
        # Every readable file is a module of the tree (``known`` is the full tree's), but its
        # facts are parsed only when resolution looks into it.
        resolver = Resolver(ModuleTable.of(files, store.blobs), store.get)
        by_path = {f.path: f for f in files}
        claimed = {f.path for f in resolver.files.values()}
        symbol_rules = [r for r in cfg.rules if r.symbol is not None]
        module_rules = [r for r in cfg.rules if r.module is not None]

        names: set[str] = {r.target.rpartition(".")[2] for r in cfg.rules}
        targets: frozenset = frozenset()
        for rule in symbol_rules:
            objects = resolver.resolve(rule.symbol)  # type: ignore[arg-type]
            targets |= objects
            names.update(p.rpartition(".")[2] for _, p in objects)

        unscanned = set(store.blobs)
        first: set[str] = set()
        non_ascii = any(not n.isascii() for n in names)
        for p in store.blobs:
            data = store.blobs[p]
            module = by_path[p].module
            if (_STAR.search(data) or any(r.covers_module(module) for r in module_rules)
                    or (non_ascii and _COOKIE.search(data, 0, 400))):
                first.add(p)
        parsed: set[str] = set()
        pending, new_files = set(names), first
        while pending or new_files:
            if pending:  # the files not parsed yet that mention a name found in the last round
                words = [n.encode() for n in sorted(pending)]
                new_files |= {p for p in unscanned if any(mentions(store.blobs[p], w) for w in words)}
            new_files -= parsed
            unscanned -= new_files
            store.load(sorted(new_files))
            parsed |= new_files
            pending, new_files = set(), set()
            grew = True
            while grew:  # a new name may make bindings of any parsed file deprecated
                grew = False
                for p in sorted(parsed):
                    if p not in claimed:
                        continue
                    facts = store.facts[p]
                    local = None
                    for name, indices in facts.namespace.items():
                        if name in names:
                            continue
                        if local is None:
                            local = _local_names(facts, names)
                        if (any(facts.bindings[i].source_name(facts.uses) in local for i in indices)
                                and resolver.module_attribute(by_path[p].module, name) & targets):
                            names.add(name)
                            pending.add(name)
                            grew = True

        loaded = [f for f in files if f.path in store.facts]  # parsed: candidates and what resolution read
        gate = _Gate(resolver, names)
        violations = detect(loaded, store.facts, cfg.rules, gate)  # type: ignore[arg-type]
        diagnostics = sorted(diagnostics + store.diagnostics(), key=lambda d: (d.path, d.line or 0, d.kind, d.message))
        sources = {v.path: store.blobs[v.path] for v in violations}
        return Collected(root, cfg, files, violations, diagnostics, len(loaded), frozenset(names), sources)


# ============================================================================ fingerprints


@dataclass(frozen=True)
class Finding:
    """A violation and its fingerprint (see :func:`fingerprint`)."""

    violation: Violation
    statement: str
    occurrence: int
    fingerprint: str

    def key(self) -> tuple:
        v = self.violation
        return (v.path, v.rule_id, v.category, v.name, self.statement, self.occurrence)


def fingerprint_of(path: str, rule_id: str, category: str, name: str, statement: str, occurrence: int) -> str:
    """The fingerprint of one baseline key: 32 hex digits of SHA-256.

    >>> fingerprint_of("a.py", "R1", "deprecated-call", "cwm", "m = cwm(ctx)", 0)
    'd96741b53683f2abafcfb38f3fd65db6'
    """
    text = "\x1f".join((SCHEME, path, rule_id, category, name, statement, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str) -> str:
    if len(text) <= MAX_STATEMENT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{text[:MAX_STATEMENT - 20]}... #{digest}"


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
_CONTAINERS = (ast.stmt, ast.excepthandler, ast.match_case)


def _header(node: ast.AST) -> str:
    """A statement as canonical source; a compound statement without its body (its header)."""
    if any(isinstance(getattr(node, f, None), list) for f in _BODIES):
        node = copy.copy(node)
        for f in _BODIES:
            if isinstance(getattr(node, f, None), list):
                setattr(node, f, [])
    return _collapse(ast.unparse(node))


def statements(data: bytes, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The normalised source of the innermost statement (or compound statement header, or
    ``except``/``case`` clause) that holds an AST node starting at each ``(line, col)``
    (``col`` in characters, as in violation rows).

    >>> src = b"x = 1\\nif   ok:\\n    mgr = cwm( ctx,\\n      'a')  # old\\n"
    >>> statements(src, [(3, 10), (2, 5)])
    {(3, 10): "mgr = cwm(ctx, 'a')", (2, 5): 'if ok:'}
    """
    text, _ = decode_source(data)
    wanted = list(dict.fromkeys(positions))
    if text is None:
        return {}
    lines = split_lines(text)
    by_bytes: dict[tuple[int, int], tuple[int, int]] = {}
    for line, col in wanted:
        row = lines[line - 1] if 0 < line <= len(lines) else ""
        by_bytes[(line, len(row[:col].encode("utf-8")))] = (line, col)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    lines_wanted = sorted({line for line, _ in by_bytes})
    best: dict[tuple[int, int], tuple[int, ast.AST]] = {}
    stack: list[tuple[ast.AST, ast.AST | None, int]] = [(tree, None, 0)]
    while stack:
        node, container, depth = stack.pop()
        end = getattr(node, "end_lineno", None)
        if end is not None:  # skip subtrees that span none of the lines asked for
            start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])  # type: ignore[attr-defined]
            first = bisect.bisect_left(lines_wanted, start)
            if first == len(lines_wanted) or lines_wanted[first] > end:
                continue
        if isinstance(node, _CONTAINERS):
            container = node
            depth += 1
        start = (getattr(node, "lineno", None), getattr(node, "col_offset", None))
        if container is not None and start in by_bytes:
            pos = by_bytes[start]  # type: ignore[index]
            if pos not in best or best[pos][0] < depth:
                best[pos] = (depth, container)
        for child in ast.iter_child_nodes(node):
            stack.append((child, container, depth))
    out = {}
    for pos, (_, node) in best.items():
        try:
            out[pos] = _shorten(_header(node))
        except (RecursionError, ValueError, AttributeError, TypeError):
            pass
    return out


def fingerprint(violations: Iterable[Violation], read: Callable[[str], bytes | None]) -> list[Finding]:
    """A :class:`Finding` per violation, in the same order; ``read(path)`` gives a file's bytes.

    The key is ``(path, rule_id, category, name, statement, occurrence)`` where ``statement``
    is the normalised source of the violation's statement (its snippet with whitespace
    collapsed when the file cannot be parsed again) and ``occurrence`` counts the earlier
    violations of the file with the same first five fields.
    """
    violations = list(violations)
    by_path: dict[str, list[int]] = {}
    for i, v in enumerate(violations):
        by_path.setdefault(v.path, []).append(i)
    out: list[Finding | None] = [None] * len(violations)
    for path, indices in by_path.items():
        data = read(path)
        found = statements(data, [(violations[i].line, violations[i].col) for i in indices]) if data else {}
        seen: dict[tuple, int] = {}
        for i in sorted(indices, key=lambda i: violations[i].sort_key()):
            v = violations[i]
            statement = found.get((v.line, v.col)) or _shorten(_collapse(v.snippet))
            k = (v.path, v.rule_id, v.category, v.name, statement)
            occurrence = seen.get(k, 0)
            seen[k] = occurrence + 1
            out[i] = Finding(v, statement, occurrence, fingerprint_of(*k, occurrence))
    return out  # type: ignore[return-value]


# ============================================================================ baseline

ENTRY_FIELDS = ("fingerprint", "path", "rule_id", "category", "name", "occurrence", "statement")
_TOP_FIELDS = ("kind", "version", "scheme", "count", "checksum", "entries")


@dataclass(frozen=True)
class Entry:
    """One accepted violation in the baseline."""

    fingerprint: str
    path: str
    rule_id: str
    category: str
    name: str
    occurrence: int
    statement: str

    @classmethod
    def of(cls, finding: Finding) -> Entry:
        v = finding.violation
        return cls(finding.fingerprint, v.path, v.rule_id, v.category, v.name, finding.occurrence, finding.statement)

    def sort_key(self) -> tuple:
        return (self.path, self.rule_id, self.category, self.name, self.statement, self.occurrence)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ENTRY_FIELDS}


def _checksum(entries: list[dict[str, Any]]) -> str:
    canonical = json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dump_baseline(entries: Iterable[Entry]) -> str:
    """The baseline file's text: deterministic (sorted entries, fixed key order, one trailing
    newline), with a checksum over the entries.

    >>> print(dump_baseline([]), end="")
    {
      "kind": "wsaudit-baseline",
      "version": 1,
      "scheme": "wsaudit/v1",
      "count": 0,
      "checksum": "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
      "entries": []
    }
    """
    rows = [e.as_dict() for e in sorted(set(entries), key=Entry.sort_key)]
    doc = {"kind": BASELINE_KIND, "version": BASELINE_VERSION, "scheme": SCHEME, "count": len(rows),
           "checksum": _checksum(rows), "entries": rows}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _invalid(shown: str, why: str) -> InputError:
    return InputError(f"{shown}: not a valid wsaudit baseline: {why} (restore it from version control, or "
                      f"delete it and run 'wsaudit check --baseline {shown} --update-baseline' to start afresh)")


def parse_baseline(text: str, shown: str = "baseline") -> list[Entry]:
    """Validate a baseline file's text strictly; any damage or hand edit is an :class:`InputError`."""
    if not text.strip():
        raise _invalid(shown, "the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(shown, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("kind") != BASELINE_KIND:
        raise _invalid(shown, f'expected a JSON object with "kind": "{BASELINE_KIND}"')
    version = doc.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > BASELINE_VERSION:
        raise InputError(f"{shown}: baseline version {version} is newer than this wsaudit reads "
                         f"({BASELINE_VERSION}); upgrade wsaudit")
    if version != BASELINE_VERSION:
        raise _invalid(shown, f"unsupported version {version!r} (expected {BASELINE_VERSION})")
    if set(doc) != set(_TOP_FIELDS):
        extra, missing = sorted(set(doc) - set(_TOP_FIELDS)), sorted(set(_TOP_FIELDS) - set(doc))
        raise _invalid(shown, "; ".join(x for x in (f"unknown keys {extra}" if extra else "",
                                                    f"missing keys {missing}" if missing else "") if x))
    if doc["scheme"] != SCHEME:
        raise InputError(f"{shown}: baseline fingerprints use scheme {doc['scheme']!r}, this wsaudit uses "
                         f"{SCHEME!r}; regenerate it with 'wsaudit check --baseline {shown} --update-baseline "
                         f"--allow-new' on the commit it was made for")
    rows = doc["entries"]
    if not isinstance(rows, list):
        raise _invalid(shown, '"entries" must be a list')
    if doc["count"] != len(rows):
        raise _invalid(shown, f'"count" says {doc["count"]!r} but there are {len(rows)} entries (edited by hand?)')
    if doc["checksum"] != _checksum(rows):
        raise _invalid(shown, "checksum mismatch: the entries were edited by hand or damaged")
    entries: list[Entry] = []
    for i, row in enumerate(rows):
        ok = (isinstance(row, dict) and set(row) == set(ENTRY_FIELDS)
              and all(isinstance(row[k], str) for k in ENTRY_FIELDS if k != "occurrence")
              and isinstance(row["occurrence"], int) and not isinstance(row["occurrence"], bool)
              and row["occurrence"] >= 0)
        if not ok:
            raise _invalid(shown, f"entry {i} does not have the fields {list(ENTRY_FIELDS)} with the right types")
        entry = Entry(**row)
        if entry.fingerprint != fingerprint_of(entry.path, entry.rule_id, entry.category, entry.name,
                                               entry.statement, entry.occurrence):
            raise _invalid(shown, f"entry {i} ({entry.path}) does not match its fingerprint")
        entries.append(entry)
    if len({e.fingerprint for e in entries}) != len(entries):
        raise _invalid(shown, "duplicate entries")
    return entries


def load_baseline(path: str | Path) -> list[Entry]:
    """Read and validate a baseline file."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: no such baseline (create one with 'wsaudit check PATH --baseline {shown} "
                         f"--update-baseline')") from None
    except IsADirectoryError:
        raise InputError(f"{shown}: is a folder, not a baseline file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the baseline: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid(shown, "not UTF-8 text") from None
    return parse_baseline(text, shown)


def write_baseline(path: str | Path, entries: Iterable[Entry]) -> None:
    """Write the baseline atomically (a reader never sees half of it).

    A target that exists and is not a regular file (a folder, a device, a pipe) is refused
    with an :class:`InputError`: a baseline is a file under version control, never a stream.
    """
    target = Path(path)
    if target.exists() and not target.is_file():
        raise InputError(f"{path}: exists and is not a regular file; will not replace it with a baseline")
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, dump_baseline(entries).encode("utf-8"))


# ============================================================================ the gate


def parse_tiers(text: str) -> tuple[str, ...]:
    """``"P0,P1"`` -> ``("P0", "P1")``.

    >>> parse_tiers("p1, P0")
    ('P0', 'P1')
    """
    tiers = {t.strip().upper() for t in text.split(",") if t.strip()}
    bad = sorted(tiers - set(TIERS))
    if bad or not tiers:
        raise UsageError(f"--fail-on: expected tiers among {', '.join(TIERS)} separated by commas, got {text!r}")
    return tuple(sorted(tiers))


@dataclass
class CheckResult:
    """What :func:`run_check` found and did.

    ``failures`` are the findings the gate fails on: new ones (when gating on newness) and
    those whose tier is in ``fail_on``. ``passed`` is true when there are none.
    """

    root: Path
    config: Config
    files_scanned: int
    files_parsed: int
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    baseline: str | None
    baseline_entries: int  # entries in the baseline read (0 when there was none)
    new: list[Finding]  # not in the baseline (every finding when there is no baseline)
    stale: list[Entry]  # baseline entries that no violation matches any more
    fail_on: tuple[str, ...]
    tiers: dict[str, str]  # fingerprint -> tier (only when fail_on is given)
    failing_new: set[str]  # fingerprints that fail the gate for being new
    written: dict[str, Any] | None = None  # {"path", "entries", "dropped", "added", "created"} after an update
    failures: list[Finding] = field(init=False)

    def __post_init__(self) -> None:
        self.new_fingerprints = {f.fingerprint for f in self.new}
        self.failures = [f for f in self.findings if self.reasons(f)]
        self.failing = {f.fingerprint for f in self.failures}

    @property
    def passed(self) -> bool:
        return not self.failures

    def reasons(self, finding: Finding) -> list[str]:
        """Why a finding fails the gate: ``["new"]``, ``["tier P0"]``, both, or none."""
        out = []
        if finding.fingerprint in self.failing_new:
            out.append("new")
        tier = self.tiers.get(finding.fingerprint)
        if tier in self.fail_on:
            out.append(f"tier {tier}")
        return out


def run_check(path: str | Path = ".", config: Config | str | Path | None = None, *, baseline: str | Path | None = None,
              update: bool = False, allow_new: bool = False, fail_on: Iterable[str] = (), cache: bool = True,
              cache_dir: str | Path | None = None, jobs: int | None = None) -> CheckResult:
    """Run the gate on the tree at ``path``.

    The gate fails on:

    =========================  ==========================================================
    options                    fails on
    =========================  ==========================================================
    ``baseline``               violations whose fingerprint is not in the baseline (new)
    ``fail_on``                violations in those tiers, baselined or not
    both                       either of the above
    neither                    any violation (as with an empty baseline)
    =========================  ==========================================================

    With ``update``, the baseline is rewritten: entries that no violation matches any more
    (stale: fixed) are dropped; new violations are added only with ``allow_new``, so that the
    baseline never grows otherwise (they still fail the gate). A missing baseline file is
    created with every current violation: that is how a project adopts the gate. A baseline
    that exists but is damaged or edited by hand is an error, with or without ``update``.
    """
    fail_on = tuple(sorted(set(fail_on)))
    if (update or allow_new) and baseline is None:
        raise UsageError("--update-baseline and --allow-new need --baseline FILE")
    if allow_new and not update:
        raise UsageError("--allow-new only makes sense with --update-baseline")
    bad = sorted(set(fail_on) - set(TIERS))
    if bad:
        raise UsageError(f"--fail-on: unknown tier(s) {', '.join(bad)} (known: {', '.join(TIERS)})")
    previous: list[Entry] | None = None
    if baseline is not None and not (update and not os.path.lexists(baseline)):
        previous = load_baseline(baseline)  # before the (slower) scan: a bad file fails fast

    tiers: dict[str, str] = {}
    if fail_on:  # tiers need the whole import graph: a full audit
        from wsaudit.api import audit

        full = audit(path, config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        root = full.root
        findings = fingerprint(full.violation_records, lambda p: _read_quietly(full.root / p))
        tier_of = {r.violation.sort_key(): r.tier for r in full.ranked}
        tiers = {f.fingerprint: tier_of[f.violation.sort_key()] for f in findings}
        cfg, diagnostics = full.config, full.diagnostic_records
        files_scanned, files_parsed = full.files_scanned, len(full.facts)
    else:
        got = collect(path, config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        root = got.root
        findings = fingerprint(got.violations, got.sources.get)
        cfg, diagnostics = got.config, got.diagnostics
        files_scanned, files_parsed = got.files_scanned, got.files_parsed

    accepted = {e.fingerprint: e for e in previous or ()}
    current = {f.fingerprint for f in findings}
    new = [f for f in findings if f.fingerprint not in accepted]
    stale = sorted((e for fp, e in accepted.items() if fp not in current), key=Entry.sort_key)
    gate_new = baseline is not None or not fail_on
    failing_new = {f.fingerprint for f in new} if gate_new else set()
    written = None
    if update:
        created = previous is None
        keep = [Entry.of(f) for f in findings if created or allow_new or f.fingerprint in accepted]
        write_baseline(baseline, keep)  # type: ignore[arg-type]
        written = {"path": str(baseline), "entries": len(keep), "dropped": len(stale),
                   "added": len(keep) - (len(accepted) - len(stale)), "created": created}
        if created or allow_new:
            failing_new = set()
    return CheckResult(root, cfg, files_scanned, files_parsed, findings, diagnostics,
                       str(baseline) if baseline is not None else None, len(accepted), new, stale, fail_on,
                       tiers, failing_new, written)


def _read_quietly(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


# ============================================================================ outputs


def _row(result: CheckResult, f: Finding) -> dict[str, Any]:
    v = f.violation
    row = v.row()
    row["fingerprint"] = f.fingerprint
    row["statement"] = f.statement
    row["occurrence"] = f.occurrence
    if result.baseline is not None:
        row["baseline"] = "new" if f.fingerprint in result.new_fingerprints else "unchanged"
    if result.tiers:
        row["tier"] = result.tiers.get(f.fingerprint)
    row["fails"] = result.reasons(f)
    return row


def check_document(result: CheckResult) -> dict[str, Any]:
    """The ``wsaudit check --format json`` document (no absolute paths: deterministic)."""
    return {
        "version": 1,
        "passed": result.passed,
        "config": result.config.source,
        "baseline": result.baseline,
        "fail_on": list(result.fail_on),
        "files_scanned": result.files_scanned,
        "files_parsed": result.files_parsed,
        "summary": {"violations": len(result.findings), "new": len(result.new),
                    "baselined": len(result.findings) - len(result.new), "stale": len(result.stale),
                    "failures": len(result.failures)},
        "failures": [_row(result, f) for f in result.failures],
        "violations": [_row(result, f) for f in result.findings],
        "stale": [e.as_dict() for e in result.stale],
        "diagnostics": [{"path": d.path, "kind": d.kind, "line": d.line, "message": d.message}
                        for d in result.diagnostics],
        "baseline_written": result.written,
    }


def _plural(n: int, singular: str, plural: str | None = None) -> str:
    """A count and a noun.

    >>> _plural(1, "entry", "entries"), _plural(2, "entry", "entries"), _plural(0, "file")
    ('1 entry', '2 entries', '0 files')
    """
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def summary(result: CheckResult) -> str:
    """One line: the verdict and the counts."""
    parts = []
    new = len(result.new)
    if result.written:
        w = result.written
        parts.append(f"{w['path']} {'created' if w['created'] else 'updated'}: "
                     f"{_plural(w['entries'], 'entry', 'entries')} ({w['dropped']} dropped, {w['added']} added)")
        if result.failing_new:
            parts.append(f"{_plural(new, 'new violation')} not added (fix, or accept with --allow-new)")
    elif result.baseline is not None:
        parts.append(f"{_plural(new, 'new violation')}, {len(result.findings) - new} in the baseline {result.baseline}")
        if result.stale:
            parts.append(f"{_plural(len(result.stale), 'stale entry', 'stale entries')} "
                         f"(fixed: run with --update-baseline to drop {'it' if len(result.stale) == 1 else 'them'})")
    else:
        parts.append(_plural(len(result.findings), "violation") + ("" if result.fail_on else " (no baseline)"))
    if result.fail_on:
        hit = sum(1 for f in result.findings if result.tiers.get(f.fingerprint) in result.fail_on)
        parts.append(f"{hit} in {'/'.join(result.fail_on)}")
    verdict = "passed" if result.passed else f"FAILED ({_plural(len(result.failures), 'violation')})"
    return f"wsaudit check: {verdict}: " + "; ".join(parts)


def check_text(result: CheckResult) -> str:
    """The failing violations, the stale entries, and a summary line."""
    lines = []
    for f in result.failures:
        v = f.violation
        why = ", ".join(result.reasons(f))
        lines.append(f"{v.path}:{v.line}:{v.col}  {v.rule_id}  {v.category:<20}  {v.name}  [{why}]  | {v.snippet}")
    for e in result.stale:
        verb = "dropped" if result.written else "stale"
        lines.append(f"{verb}: {e.path}  {e.rule_id}  {e.category:<20}  {e.name}  | {e.statement}")
    if result.diagnostics:
        lines.append(f"note: {_plural(len({d.path for d in result.diagnostics}), 'file')} could not be fully "
                     f"audited (see 'wsaudit scan'): " + ", ".join(sorted({d.path for d in result.diagnostics})))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _gh_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _message(result: CheckResult, f: Finding) -> str:
    v = f.violation
    rule = next((r for r in result.config.rules if r.id == v.rule_id), None)
    text = (rule.message if rule and rule.message else f"{v.symbol} is deprecated")
    if v.replacement:
        text += f" (use {v.replacement})"
    return f"{v.category}: {v.name}: {text}"


def check_github(result: CheckResult, prefix: str = "") -> str:
    """GitHub Actions workflow commands: one ``::error`` per failing violation (``prefix`` is
    put before the root-relative paths, so that they are relative to the repository), one
    ``::warning`` per stale entry, and the summary line."""
    def where(path: str) -> str:
        return f"{prefix.rstrip('/')}/{path}" if prefix and prefix != "." else path

    lines = []
    for f in result.failures:
        v = f.violation
        title = f"wsaudit {v.rule_id} ({', '.join(result.reasons(f))})"
        lines.append(f"::error file={_gh_escape(where(v.path), True)},line={v.line},col={v.col + 1},"
                     f"title={_gh_escape(title, True)}::{_gh_escape(_message(result, f))}")
    for e in result.stale:
        verb = "dropped from" if result.written else "no longer matches anything; drop it from"
        lines.append(f"::warning file={_gh_escape(where(e.path), True)},title=wsaudit stale baseline entry::"
                     + _gh_escape(f"{e.rule_id} {e.category} {e.name} `{e.statement}` {verb} the baseline "
                                  f"(--update-baseline)"))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def check_sarif(result: CheckResult, version: str) -> dict[str, Any]:
    """SARIF 2.1.0 (from :func:`wsaudit.render.sarif`): every current violation, with its
    fingerprint in ``partialFingerprints``, ``baselineState`` ``new`` or ``unchanged``, and
    level ``error`` when it fails the gate."""
    from wsaudit.render.sarif import sarif

    findings = result.findings
    log = sarif([f.violation for f in findings], result.config, version)
    for f, res in zip(findings, log["runs"][0]["results"]):
        res["partialFingerprints"] = {SCHEME: f.fingerprint}
        if result.baseline is not None:
            res["baselineState"] = "new" if f.fingerprint in result.new_fingerprints else "unchanged"
        res["level"] = "error" if f.fingerprint in result.failing else "warning"
        if result.tiers:
            res["properties"]["tier"] = result.tiers.get(f.fingerprint)
        if f.fingerprint in result.failing:
            res["properties"]["fails"] = result.reasons(f)
    log["runs"][0]["properties"] = {"passed": result.passed, "new": len(result.new), "stale": len(result.stale),
                                    "baseline": result.baseline}
    return log


def render(result: CheckResult, fmt: str, version: str, prefix: str = "") -> str:
    """The result in one of :data:`CHECK_FORMATS`."""
    if fmt == "text":
        return check_text(result)
    if fmt == "github":
        return check_github(result, prefix)
    doc = check_document(result) if fmt == "json" else check_sarif(result, version)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
