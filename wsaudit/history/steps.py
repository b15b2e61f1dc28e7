"""The migration over time: per-commit counts, and each step from one commit to the next explained.

Plain functions over records (violations, definitions, which files exist and parse), never over
git or an audit object. A *step* compares a commit with the previous one in the history:

* files ``added``, ``deleted``, ``edited`` (same path, new content) and ``renamed`` (as git's
  rename detection pairs them; a renamed file is neither added nor deleted), files that
  ``stopped_parsing`` (parsed before, not now: a syntax or decoding error, or unreadable) and
  ``started_parsing``;
* violations ``fixed`` (gone), ``introduced`` (new) and ``moved`` (the same use, by rule,
  category, name and statement, now in another file: a rename, or code moved between files).
  A use that only shifts lines within its file is unchanged. Of the fixed ones,
  ``fixed_by_deletion`` left with a deleted file and ``hidden_by_breakage`` sit in a file that
  stopped parsing (still there, no longer seen: they are the suspects' business now); of the
  introduced ones, ``revealed_by_parsing`` sit in a file that parses again. So
  ``violations = previous violations - fixed + introduced``;
* definitions of a deprecated symbol ``definitions_added`` (a path and name that did not define
  it before, renames aside) and ``definitions_removed``.

``flag`` names what a step's change mostly is, when it is not a migration: ``reintroduction``
(a new definition of a deprecated symbol, in a tree that already used or defined the deprecated
API: its first appearance is not a re-introduction), ``breakage`` (a drop in violations that comes mostly
-- at least half of what vanished -- from files that stopped parsing), ``deletion`` (the same,
from deleted files); ``flags`` lists every one that applies, ``flag`` the first of them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from wsaudit.config import Config
from wsaudit.engine.graph import runs
from wsaudit.model import CATEGORIES, TIERS, Definition, ModuleRank, Violation

FLAGS = ("reintroduction", "breakage", "deletion")
STEP_FIELDS = ("added_files", "deleted_files", "edited_files", "renamed_files", "stopped_parsing", "started_parsing",
               "fixed", "fixed_by_deletion", "hidden_by_breakage", "introduced", "revealed_by_parsing", "moved",
               "definitions_added", "definitions_removed")


@dataclass(frozen=True)
class CommitView:
    """What a step compares of one commit: its files, which parse, its violations and definitions."""

    oids: Mapping[str, str]  # path -> blob id of every audited file
    parsed: frozenset[str]
    violations: tuple[Violation, ...]
    definitions: tuple[Definition, ...]


@dataclass(frozen=True)
class Step:
    """The change from one commit to the next (see the module's docstring)."""

    counts: dict[str, int]
    flags: tuple[str, ...]
    new_definitions: tuple[Definition, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()

    @property
    def flag(self) -> str | None:
        return self.flags[0] if self.flags else None

    def summary(self) -> str:
        """One line: what changed, and the flag.

        >>> Step({"edited_files": 2, "fixed": 3, "fixed_by_deletion": 1}, ("deletion",)).summary()
        'files: 2 edited; violations: 3 fixed (1 with deleted files); flag: deletion'
        """
        c = self.counts

        def listed(pairs) -> str:
            return ", ".join(f"{c[k]} {what}" for k, what in pairs if c.get(k))

        parts = []
        files = listed((("added_files", "added"), ("deleted_files", "deleted"), ("edited_files", "edited"),
                        ("renamed_files", "renamed"), ("stopped_parsing", "stopped parsing"),
                        ("started_parsing", "parse again")))
        parts.append(f"files: {files}" if files else "no file changed")
        fixed = ""
        if c.get("fixed"):
            detail = listed((("fixed_by_deletion", "with deleted files"),
                             ("hidden_by_breakage", "hidden in files that stopped parsing")))
            fixed = f"{c['fixed']} fixed" + (f" ({detail})" if detail else "")
        introduced = ""
        if c.get("introduced"):
            again = f" ({c['revealed_by_parsing']} in files that parse again)" if c.get("revealed_by_parsing") else ""
            introduced = f"{c['introduced']} introduced{again}"
        uses = ", ".join(filter(None, [fixed, introduced, listed((("moved", "moved"),))]))
        if uses:
            parts.append(f"violations: {uses}")
        definitions = listed((("definitions_added", "added"), ("definitions_removed", "removed")))
        if definitions:
            parts.append(f"definitions: {definitions}")
        if self.flag:
            parts.append(f"flag: {self.flag}")
        return "; ".join(parts)

    def row(self) -> dict[str, Any]:
        """The ``step`` object of ``wsaudit history --format json``."""
        return {**{k: self.counts.get(k, 0) for k in STEP_FIELDS}, "flag": self.flag, "flags": list(self.flags),
                "new_definitions": [d.row() for d in self.new_definitions],
                "renames": [{"from": a, "to": b} for a, b in self.renames], "summary": self.summary()}


def _key(v: Violation) -> tuple:
    """A use's identity across commits: where it is matched, not where it sits."""
    return (v.rule_id, v.category, v.name, " ".join(v.snippet.split()))


def pair_renames(old: Mapping[str, str], new: Mapping[str, str], found: Iterable[tuple[str, str]] = ()
                 ) -> dict[str, str]:
    """Old path -> new path of the files renamed between two commits: the pairs git found
    (``found``) whose ends are audited files, then files deleted and added with the same content.

    >>> pair_renames({"a.py": "1", "b.py": "2"}, {"c.py": "1", "b.py": "2"})
    {'a.py': 'c.py'}
    """
    gone = {p for p in old if p not in new}
    came = {p for p in new if p not in old}
    out = {a: b for a, b in found if a in gone and b in came}
    by_content: dict[str, list[str]] = defaultdict(list)
    for p in sorted(came - set(out.values())):
        by_content[new[p]].append(p)
    for p in sorted(gone - set(out)):
        if by_content.get(old[p]):
            out[p] = by_content[old[p]].pop(0)
    return dict(sorted(out.items()))


def explain_step(prev: CommitView, cur: CommitView, renames: Mapping[str, str]) -> Step:
    """The step from ``prev`` to ``cur``; ``renames``: old path -> new path (:func:`pair_renames`)."""
    moved_to = dict(renames)
    came_from = {b: a for a, b in moved_to.items()}
    deleted = {p for p in prev.oids if p not in cur.oids and p not in moved_to}
    added = {p for p in cur.oids if p not in prev.oids and p not in came_from}
    edited = {p for p in cur.oids if p in prev.oids and prev.oids[p] != cur.oids[p]}
    stopped = {p for p in cur.oids if came_from.get(p, p) in prev.parsed and p not in cur.parsed
               and came_from.get(p, p) in prev.oids}
    started = {p for p in cur.parsed if came_from.get(p, p) in prev.oids and came_from.get(p, p) not in prev.parsed}

    # 1. the same use in the same file (a renamed file is the same file)
    old_at: dict[tuple, list[Violation]] = defaultdict(list)
    for v in prev.violations:
        old_at[(moved_to.get(v.path, v.path), _key(v))].append(v)
    new_at: dict[tuple, list[Violation]] = defaultdict(list)
    for v in cur.violations:
        new_at[(v.path, _key(v))].append(v)
    moved = 0
    left_old: list[Violation] = []
    left_new: list[Violation] = []
    for where in sorted(old_at.keys() | new_at.keys()):
        olds, news = old_at.get(where, []), new_at.get(where, [])
        same = min(len(olds), len(news))
        moved += sum(1 for v in olds[:same] if v.path in moved_to)
        left_old += olds[same:]
        left_new += news[same:]
    # 2. the same use, now in another file: moved (uses of deleted files are matched first)
    spare: dict[tuple, list[Violation]] = defaultdict(list)
    for v in left_new:
        spare[_key(v)].append(v)
    fixed: list[Violation] = []
    for v in sorted(left_old, key=lambda v: (v.path not in deleted, v.sort_key())):
        if spare.get(_key(v)):
            spare[_key(v)].pop()
            moved += 1
        else:
            fixed.append(v)
    introduced = [v for vs in spare.values() for v in vs]

    def place(d: Definition) -> tuple:
        return (d.rule_id, moved_to.get(d.path, d.path), d.name)

    before = {place(d) for d in prev.definitions}
    now = {(d.rule_id, d.path, d.name) for d in cur.definitions}
    new_definitions = tuple(d for d in cur.definitions if (d.rule_id, d.path, d.name) not in before)
    removed = len(before - now)
    counts = {"added_files": len(added), "deleted_files": len(deleted), "edited_files": len(edited),
              "renamed_files": len(moved_to), "stopped_parsing": len(stopped), "started_parsing": len(started),
              "fixed": len(fixed), "fixed_by_deletion": sum(1 for v in fixed if v.path in deleted),
              "hidden_by_breakage": sum(1 for v in fixed if moved_to.get(v.path, v.path) in stopped),
              "introduced": len(introduced), "revealed_by_parsing": sum(1 for v in introduced if v.path in started),
              "moved": moved, "definitions_added": len(new_definitions),
              "definitions_removed": removed}
    known = bool(prev.violations or prev.definitions)
    return Step(counts, step_flags(counts, len(prev.violations), len(cur.violations), known), new_definitions,
                tuple(sorted(moved_to.items())))


def step_flags(counts: Mapping[str, int], before: int, after: int, known: bool = True) -> tuple[str, ...]:
    """Which of :data:`FLAGS` apply to a step (see the module's docstring); ``known``: the tree
    before the step already used or defined the deprecated API.

    >>> step_flags({"fixed": 10, "fixed_by_deletion": 6, "hidden_by_breakage": 0, "definitions_added": 0}, 20, 12)
    ('deletion',)
    >>> step_flags({"fixed": 10, "fixed_by_deletion": 6, "hidden_by_breakage": 0, "definitions_added": 1}, 20, 25)
    ('reintroduction',)
    """
    flags = []
    if counts.get("definitions_added") and known:
        flags.append("reintroduction")
    vanished = counts.get("fixed", 0)
    if after < before and vanished:
        if 2 * counts.get("hidden_by_breakage", 0) >= vanished:
            flags.append("breakage")
        if 2 * counts.get("fixed_by_deletion", 0) >= vanished:
            flags.append("deletion")
    return tuple(flags)


# ---------------------------------------------------------------------------- counts per commit


def commit_counts(config: Config, files: int, parsed: int, diagnostics: int, violations: Iterable[Violation],
                  definitions: int, suspects: int, tiers: Mapping[str, str] | None) -> dict[str, Any]:
    """The counts of one commit's row (``wsaudit history --format json``). ``tiers``: the tier
    of each violation's module (from :func:`tier_of`), None when it could not be ranked."""
    rows = list(violations)
    by_rule = Counter(v.rule_id for v in rows)
    by_tier: dict[str, int] | None = None
    if tiers is not None:
        counted = Counter(tiers.get(f"{v.path}\0{v.module}", "P2" if v.is_test else "P1") for v in rows)
        by_tier = {t: counted[t] for t in TIERS}
    return {"files": files, "parsed": parsed, "diagnostics": diagnostics, "violations": len(rows),
            "by_category": {c: sum(1 for v in rows if v.category == c) for c in CATEGORIES},
            "by_tier": by_tier,
            "by_area": {"production": sum(1 for v in rows if not v.is_test), "tests": sum(1 for v in rows if v.is_test)},
            "by_rule": {r: by_rule[r] for r in sorted({r.id for r in config.rules} | set(by_rule))},
            "definitions": definitions, "suspects": suspects}


def tier_of(G: nx.DiGraph, ranks: Mapping[str, ModuleRank]) -> dict[str, str]:
    """``"path\\0module" -> tier`` of every module of the graph: a violation takes its module's
    tier when its file is the module's file, as :func:`wsaudit.analysis.rank.rank_violations` decides."""
    return {f"{G.nodes[m]['path']}\0{m}": r.tier for m, r in ranks.items() if m in G}


@dataclass
class TierTracker:
    """Tiers commit after commit: :func:`wsaudit.analysis.rank.rank_modules` again only when
    what decides a tier changed.

    A module's tier depends on the Golden Path modules, the configured Golden Path tests, which
    modules they reach over runtime imports (within ``p0_max_distance``), which test modules import a
    Golden Path module by name, and which modules are tests: :meth:`tiers` compares exactly that
    with the previous commit's (scores and chains, which the history does not report, may
    change without it).
    """

    key: tuple | None = None
    tiers: dict[str, str] = field(default_factory=dict)
    rankings: int = 0  # how many times rank_modules ran

    def update(self, G: nx.DiGraph, config: Config, graph_changed: bool = True) -> dict[str, str]:
        """The tiers (see :func:`tier_of`) of ``G``'s modules; raises ConfigError when the Golden
        Path matches nothing in this commit."""
        from wsaudit.analysis.rank import rank_modules

        if not graph_changed and self.key is not None:
            return self.tiers
        key = _tier_key(G, config)
        if key != self.key:
            self.tiers = tier_of(G, rank_modules(G, config))
            self.key = key
            self.rankings += 1
        return self.tiers


def _tier_key(G: nx.DiGraph, config: Config) -> tuple:
    from wsaudit.analysis.rank import golden_sources, golden_tests, named_imports

    sources = golden_sources(G, config)
    tests = golden_tests(G, config)
    limit = config.rank.p0_max_distance
    dropped = not config.rank.type_checking
    distance = {s: 0 for s in sources}
    frontier = list(sources)
    while frontier:  # breadth-first over runtime imports, as rank's runtime_graph + golden_distance
        nxt = []
        for node in frontier:
            for target, d in G.adj[node].items():
                if target not in distance and not (dropped and not runs(d)):
                    distance[target] = distance[node] + 1
                    nxt.append(target)
        frontier = nxt
    within = frozenset(n for n, hops in distance.items() if limit is None or hops <= limit)
    source_set = set(sources)
    testing = frozenset(n for n in G if G.nodes[n]["is_test"] and any(m in source_set for m in named_imports(G, n)))
    nodes = frozenset((n, G.nodes[n]["path"], G.nodes[n]["is_test"]) for n in G)
    return (tuple(sources), tuple(tests), within, testing, nodes)
