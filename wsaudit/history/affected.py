"""Which files a commit can have affected: what the incremental audit of
:mod:`wsaudit.history.commits` detects again.

A changed module's *export signature* (:func:`export_signature`: each module-level name with
what binds it, aliases followed; ``__all__``) tells which of its names changed; a module that
appeared or went changes every name of its own and its last name. Another file can resolve
differently only by mentioning such a name, or a re-export of one (found to a fixed point), or
through a star import. :func:`affected` gives the files that changed and those to detect again.
A file the audit has no full facts of is read by its text for the names it mentions
(:class:`TextMentions`): more than its facts would say, never less.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from wsaudit.config import Config
from wsaudit.engine.mentions import has_word, searchable, words
from wsaudit.engine.modules import ModuleTable, absolute_module
from wsaudit.history.blobs import CommitFacts
from wsaudit.model import FileFacts, SourceFile


class PreviousAudit(Protocol):
    """What :func:`affected` reads of the previous commit's audit
    (:class:`wsaudit.history.commits.TreeAudit`)."""

    oids: dict[str, str]
    facts: CommitFacts
    table: ModuleTable
    table_key: tuple
    memo: dict[Any, Any]


def export_signature(facts: FileFacts) -> tuple[dict[str, tuple], tuple, tuple[str, ...] | None]:
    """What other modules can see of a module: each module-level name with what binds it
    (aliases followed to the chains they copy), its star imports, and ``__all__``. Where two
    versions of a file have the same signature, every other file resolves the same.

    >>> from wsaudit.engine.parse import parse_source
    >>> a = parse_source(b"from x import y\\n\\ndef f():\\n    return y(1)\\n")
    >>> b = parse_source(b"from x import y\\n\\n\\ndef f():\\n    return y(2) + 1\\n")
    >>> export_signature(a) == export_signature(b), sorted(export_signature(parse_source(b"import y\\n"))[0])
    (True, ['y'])
    """
    seen: set[int] = set()

    def binding(index: int) -> tuple:
        b = facts.bindings[index]
        if b.kind == "alias":
            if index in seen:
                return ("alias-cycle",)
            seen.add(index)
            use = facts.uses[b.alias_use()]
            out = ("alias", b.name, use.chain, tuple(binding(i) for i in use.reaching))
            seen.discard(index)
            return out
        return (b.kind, b.name, b.target, b.module_scope)

    names = {name: tuple(binding(i) for i in indices) for name, indices in facts.namespace.items()}
    return names, tuple(binding(i) for i in facts.stars), facts.all_names


def _tokens(value: object, out: set[str]) -> None:
    """Every name inside a binding descriptor (dotted strings split)."""
    if isinstance(value, str):
        out.update(value.split("."))
    elif isinstance(value, tuple):
        for item in value:
            _tokens(item, out)


def mentioned_names(facts: FileFacts, module: str = "", is_package: bool = False) -> frozenset[str]:
    """Every name a file's facts contain: what it imports and binds, its attribute chains, the
    parts of its dotted strings, and of the modules its relative imports name (``module``,
    ``is_package``: the file's own). A file can resolve through another module's name only by
    mentioning both (or through a star import)."""
    out: set[str] = set(facts.namespace)
    for imp in facts.imports:
        if imp.module:
            out.update(imp.module.split("."))
        if imp.level:
            base = absolute_module(module, is_package, imp.level, imp.module)
            if base:
                out.update(base.split("."))
        for name, asname in imp.names:
            out.update(name.split("."))
            if asname:
                out.add(asname)
    out.update(b.name for b in facts.bindings)
    for use in facts.uses:
        out.update(use.chain)
    for ref in facts.strings:
        out.update(ref.value.split("."))
    for u in facts.unparsed:
        out.update(u.dotted.split("."))
        out.update(u.names)
    return frozenset(out)


def _changed(previous: PreviousAudit, oids: Mapping[str, str], facts: Mapping[str, FileFacts]) -> set[str]:
    """Paths added, deleted, edited, or whose readability changed, since ``previous``."""
    out = {p for p in oids.keys() | previous.oids.keys() if oids.get(p) != previous.oids.get(p)}
    out |= {p for p in facts.keys() ^ previous.facts.keys()}
    return out


def _memo(memo: dict, kind: str, oid: str, facts: FileFacts, compute):
    key = (kind, oid)
    if key not in memo:
        memo[key] = compute(facts)
    return memo[key]


def _exported_tokens(facts: FileFacts) -> dict[str, frozenset[str]]:
    """Per module-level name, every name its binding mentions (what a re-export copies)."""
    out = {}
    for name, binding in export_signature(facts)[0].items():
        inner: set[str] = set()
        _tokens(binding, inner)
        out[name] = frozenset(inner)
    return out


def module_entry(f: SourceFile | None) -> tuple[str, bool] | None:
    """What a module table says of a module (its file, whether a package): two tables that say
    the same of a module resolve it the same."""
    return (f.path, f.is_package) if f is not None else None


def _table_names(previous: ModuleTable, table: ModuleTable, config: Config) -> tuple[set[str], set[str]] | None:
    """When the module table changed: the last names of the modules that appeared, went or
    changed files (a file can only reach them by mentioning that name), and the paths whose
    ownership changed; None when a module rule's verdict depends on the change."""
    known = previous.known ^ table.known
    changed = {m for m in previous.files.keys() | table.files.keys()
               if module_entry(previous.files.get(m)) != module_entry(table.files.get(m))}
    for rule in config.rules:
        if rule.module is not None and (rule.is_pattern or {rule.module, rule.module.split(".")[0]} & (known | changed)):
            return None  # a deprecated module (or its top package) appeared or went: every row's resolution
    names = {m.rpartition(".")[2] for m in known | changed}
    paths = {f.path for f in previous.files.values()} ^ {f.path for f in table.files.values()}
    paths |= {f.path for m in changed for f in (previous.files.get(m), table.files.get(m)) if f is not None}
    return names, paths


class _ChangedNames:
    """The names whose binding changed, each either plain (a module that appeared or went: any
    file mentioning its last name may resolve differently) or qualified by the modules whose
    binding of it changed (by their last names: a file must mention both to reach it)."""

    def __init__(self, plain: set[str] | None = None):
        self.plain = plain or set()
        self.qualified: dict[str, set[str]] = {}  # name -> last names of the modules whose binding of it changed
        self.added = 0  # how many times :meth:`add` was new
        # the names and module names that are not ASCII identifiers (rare): a file read by its
        # text is searched for those, the others are looked up in its words
        self._exotic: set[str] = set()
        self._exotic_all: tuple[tuple[int, int], frozenset[str]] = ((0, 0), frozenset())

    def __bool__(self) -> bool:
        return bool(self.plain or self.qualified)

    def add(self, module: str, name: str) -> bool:
        """``module``'s binding of ``name`` changed: whether that is new."""
        segs = self.qualified.setdefault(name, set())
        seg = module.rpartition(".")[2]
        if seg in segs:
            return False
        segs.add(seg)
        self.added += 1
        self._exotic.update(n for n in (name, seg) if not _plain_word(n))
        return True

    def every(self) -> set[str]:
        return self.plain | self.qualified.keys()

    def exotic(self) -> frozenset[str]:
        """Every name and module name that is not an ASCII identifier."""
        key = (len(self.plain), len(self._exotic))  # both only grow
        if self._exotic_all[0] != key:
            self._exotic_all = (key, frozenset(n for n in self.plain if not _plain_word(n)) | self._exotic)
        return self._exotic_all[1]

    def reached(self, mentions: frozenset[str] | TextMentions) -> set[str]:
        """The changed names that a file with ``mentions`` can reach."""
        if isinstance(mentions, TextMentions):
            return mentions.reached(self.plain, self.qualified, self.exotic())
        out = set(mentions & self.plain)
        for name in mentions & self.qualified.keys():
            if not mentions.isdisjoint(self.qualified[name]):
                out.add(name)
        return out


def _plain_word(name: str) -> bool:
    """Whether ``name`` is an ASCII identifier (a word :class:`TextMentions` looks up)."""
    return name.isascii() and name.isidentifier()


def affected(previous: PreviousAudit, config: Config, oids: Mapping[str, str], facts: Mapping[str, FileFacts],
              table: ModuleTable, key: tuple, memo: dict) -> tuple[set[str], set[str], bool] | None:
    """``(changed, again, table_changed)``: the files that changed and the files to detect again,
    or None for a full audit.

    What changed is a set of names (:class:`_ChangedNames`). A module that re-exports a changed
    name adds its own, to a fixed point; a star import passes every changed name on.
    """
    changed = _changed(previous, oids, facts)
    names = _ChangedNames()
    table_changed = previous.table_key != key
    if table_changed:
        found = _table_names(previous.table, table, config)
        if found is None:
            return None
        names.plain, moved = found
        changed |= {p for p in moved if p in facts or p in previous.facts}
    module_of = {f.path: f for f in table.files.values()}
    if not _bindings_changed(previous, oids, facts, changed, module_of, names, memo):
        return None
    seen, index, textual = _mention_index(previous, oids, facts, table, key, changed, memo)

    def candidates() -> set[str]:
        every = names.every()
        out = {p for name in every for p in index.get(name, ())}
        if every and textual:
            out |= textual.having(every)
        return out

    _spread(names, candidates, seen, module_of, oids, facts, memo)
    again = {p for p in changed if p in facts}
    if names:
        again |= {p for p in candidates() if names.reached(seen[p])}
        again |= {p for p in facts if _has_star(facts, p, memo)}
    return changed, again, table_changed


def _has_star(facts: CommitFacts, path: str, memo: dict) -> bool:
    """Whether ``path`` has a star import, from the facts read without a full parse (a star
    import is an import statement: imports-only facts list it); kept by blob id, as every
    commit asks it of every file."""
    key = ("star", facts.oids[path])
    found = memo.get(key)
    if found is None:
        ff = facts.loaded(path)
        found = memo[key] = bool(ff.stars) if ff.complete else any(
            name == "*" for imp in ff.imports for name, _ in imp.names)
    return found


def _bindings_changed(previous: PreviousAudit, oids: Mapping[str, str], facts: Mapping[str, FileFacts],
                      changed: set[str], module_of: Mapping[str, SourceFile], names: _ChangedNames,
                      memo: dict) -> bool:
    """Add to ``names`` the names whose binding the changed modules changed (by their export
    signatures), and every name of a module that appeared or went; False when only a full
    audit can tell (a module's star imports changed, or one was read then and not now)."""
    was_owned = {f.path for f in previous.table.files.values()}
    for path in changed & module_of.keys() & was_owned:
        old, new = previous.facts.get(path), facts.get(path)
        if old is None or new is None:
            return False
        (a, a_stars, a_all) = _memo(memo, "sig", previous.oids[path], old, export_signature)
        (b, b_stars, b_all) = _memo(memo, "sig", oids[path], new, export_signature)
        if a_stars != b_stars:
            return False  # what a star import brings in is only known by resolving it
        differ = {n for n in a.keys() | b.keys() if a.get(n) != b.get(n)}
        differ |= set(a_all or ()) ^ set(b_all or ())
        if (a_all is None) != (b_all is None):
            differ |= set(a) | set(b)
        for n in differ:
            names.add(module_of[path].module, n)
    for path in changed & (module_of.keys() ^ was_owned):  # a module that appeared or went: its names
        for ff in (facts.get(path), previous.facts.get(path)):
            if ff is not None and ff.stars:
                return False
            names.plain |= set(ff.namespace) if ff is not None else set()
    return True


def _spread(names: _ChangedNames, candidates: Callable[[], set[str]], seen: Mapping[str, frozenset[str]],
            module_of: Mapping[str, SourceFile], oids: Mapping[str, str], facts: CommitFacts,
            memo: dict) -> None:
    """Add to ``names``, to a fixed point, what the modules reaching a changed name re-export:
    their names bound to one (and, through a star import, every changed name)."""
    looked: dict[str, frozenset[str]] = {}  # path -> the changed names it was looked at for
    grown = bool(names)
    while grown:
        grown = False
        todo = sorted(candidates())
        size = names.added
        hits = {p: names.reached(seen[p]) for p in todo}
        # the full facts this round reads, parsed as one batch (on every core) rather than one by one
        facts.load(p for p in todo if p in module_of and ("exported", oids[p]) not in memo
                   and not facts.has_full(p) and hits[p])
        for path in todo:
            f = module_of.get(path)
            # what a path reaches changes only when the names grew since this round began
            hit = hits[path] if names.added == size else names.reached(seen[path])
            if f is None or not hit or looked.get(path) == hit:
                continue
            looked[path] = frozenset(hit)
            if _has_star(facts, path, memo):  # a star import passes every changed name on
                for name in list(names.plain) + list(names.qualified):
                    grown |= names.add(f.module, name)
            for name, inner in _memo(memo, "exported", oids[path], facts[path], _exported_tokens).items():
                if not inner.isdisjoint(hit):
                    grown |= names.add(f.module, name)
            if grown:
                looked.clear()


class TextMentions:
    """The mentions of a file read without its full facts: every name its text has as a word
    (what Python reads of it, :func:`~wsaudit.engine.mentions.searchable`, as the candidate
    search reads it), and the modules its relative imports name. More than
    :func:`mentioned_names` gives, never less (a name in the facts is a word of the text):
    a file detected again for nothing costs its full parse, never a row.

    :meth:`_ChangedNames.reached` asks it through :meth:`reached`.
    """

    __slots__ = ("text", "named", "_words", "answers")

    def __init__(self, data: bytes, imports: FileFacts, module: str, is_package: bool):
        self.text = searchable(data)  # None: not decodable; its facts' tokens are all there is
        named: set[str] = set()
        for imp in imports.imports:
            if imp.level:
                base = absolute_module(module, is_package, imp.level, imp.module)
                if base:
                    named.update(base.split("."))
        if self.text is None:
            named |= mentioned_names(imports, module, is_package)
        self.named = frozenset(named)
        self._words: set[str] | None = None
        # name -> whether the text has it as a word: the few names asked about first are
        # searched for one by one; past that, the names that are ASCII identifiers are answered
        # by the set of the text's words (:meth:`words`), the others are still searched for
        self.answers: dict[str, bool] = {}

    def words(self) -> set[str]:
        """Every run of ASCII word characters of the text (and the names of its relative
        imports): an ASCII identifier is a whole word of the text
        (:func:`~wsaudit.engine.mentions.has_word`) exactly when it is one of them. Made when
        first needed: a set answers many names at once (a history asks about thousands)."""
        if self._words is None:
            # latin-1 maps each byte to one character: the ASCII runs are the same, no copy per run
            text = self.text.decode("latin-1") if self.text is not None else ""
            self._words = set(_ASCII_RUN.findall(text))
            self._words |= self.named
        return self._words

    def _search(self, name: str) -> bool:
        found = self.answers.get(name)
        if found is None:
            found = self.answers[name] = name in self.named or (
                self.text is not None and has_word(self.text, _word(name)))
        return found

    def has(self, name: str) -> bool:
        if self._words is not None and _plain_word(name):
            return name in self._words
        if self._words is None and len(self.answers) >= _SEARCHES:
            self.words()
            return self.has(name)
        return self._search(name)

    def among(self, names: Iterable[str], exotic: frozenset[str]) -> set[str]:
        """Those of ``names`` it mentions; ``exotic``: those of ``names`` (at least) that are
        not ASCII identifiers (:meth:`_ChangedNames.exotic`)."""
        if self._words is None and len(self.answers) + len(names) <= _SEARCHES:  # type: ignore[arg-type]
            return {n for n in names if self._search(n)}
        found = self.words().intersection(names)
        if exotic:
            names = names if isinstance(names, (set, frozenset, type({}.keys()))) else set(names)
            found |= {n for n in exotic if n in names and self._search(n)}
        return found

    def reached(self, plain: set[str], qualified: Mapping[str, set[str]], exotic: frozenset[str]) -> set[str]:
        """:meth:`_ChangedNames.reached` for a file read by its text."""
        out = self.among(plain, exotic)
        for name in self.among(qualified.keys(), exotic):
            if self.among(qualified[name], exotic):
                out.add(name)
        return out


_ASCII_RUN = re.compile(r"[A-Za-z0-9_]+")
_SEARCHES = 8  # names searched for one by one in a text before its words are collected


class _TextIndex:
    """The files read by their text (each a :class:`TextMentions` in ``seen``), with the answer
    to "which of them mention this name" kept per name asked: along a history the same names
    are asked about commit after commit, and the files read by their text only leave the set."""

    def __init__(self, seen: Mapping[str, "TextMentions | frozenset[str]"]):
        self.seen = seen
        self.paths: set[str] = set()
        self.by_name: dict[str, set[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.paths)

    def add(self, path: str) -> None:
        self.paths.add(path)
        mentions = self.seen[path]
        for name, found in self.by_name.items():
            if mentions.has(name):
                found.add(path)

    def discard(self, path: str) -> None:
        if path in self.paths:
            self.paths.discard(path)
            for found in self.by_name.values():
                found.discard(path)

    def having(self, names: Iterable[str]) -> set[str]:
        """The files that mention one of ``names``."""
        out: set[str] = set()
        for name in names:
            found = self.by_name.get(name)
            if found is None:
                found = self.by_name[name] = {p for p in self.paths if self.seen[p].has(name)}
            out |= found
        return out


@functools.lru_cache(maxsize=1 << 16)
def _word(name: str) -> bytes:
    """``name`` as the search looks for it (:func:`~wsaudit.engine.mentions.words`), made once."""
    return words((name,))[0]


def _mention_index(previous: PreviousAudit, oids: Mapping[str, str], facts: CommitFacts,
                   table: ModuleTable, key: tuple, changed: set[str], memo: dict
                   ) -> tuple[dict[str, frozenset[str] | TextMentions], dict[str, set[str]], _TextIndex]:
    """Every file's mentions, the inverted index ``name -> paths`` of the files with full facts,
    and the files without (searched by their text, :class:`TextMentions`), kept up to date
    from one commit to the next (rebuilt when the module table changes: mentions depend on a
    file's module). No file is parsed in full for its mentions."""
    kept = memo.get("index")
    # the index must be the previous commit's (a full audit in between does not keep it up to date)
    if kept is not None and kept[0] is previous.oids and previous.table_key == key:
        _, seen, index, textual = kept
        for path in changed:
            found = seen.pop(path, ())
            if isinstance(found, TextMentions):
                textual.discard(path)
                continue
            for name in found:
                index[name].discard(path)
        todo = [p for p in changed if p in facts]
    else:
        seen, index = {}, {}
        textual = _TextIndex(seen)
        todo = list(facts)
    module_of = {f.path: f for f in table.files.values()}
    for path in todo:
        f = module_of.get(path)
        module, package = (f.module, f.is_package) if f is not None else ("", False)
        if not facts.has_full(path):
            seen[path] = _memo(memo, "text", f"{oids[path]}\0{module}\0{package}", facts.loaded(path),
                               lambda ff, p=path, m=module, k=package: TextMentions(facts.data(p), ff, m, k))
            textual.add(path)
            continue
        found = _memo(memo, "mentions", f"{oids[path]}\0{module}\0{package}", facts[path],
                      lambda ff, m=module, k=package: mentioned_names(ff, m, k))
        seen[path] = found
        for name in found:
            index.setdefault(name, set()).add(path)
    memo["index"] = (oids, seen, index, textual)
    return seen, index, textual
