"""``wsaudit check --base REV``: what the gate checks comes from a trusted place, REV's git objects.

Without ``--base``, the tree's own configuration decides what the gate checks, and the baseline
file in the tree what it accepts: a pull request that adds ``exclude = ["app/new.py"]``, points
a rule at another name, removes it, or adds its own new use to the baseline, passes the gate
with that new use. With ``--base REV`` (a commit, branch or tag that the pull request cannot
change, such as ``origin/main``):

* the configuration is the one the working tree's discovery would use (the nearest
  ``wsaudit.toml``, or ``[tool.wsaudit]`` in a ``pyproject.toml``, in the audited folder or its
  parents up to the repository's top: :func:`wsaudit.config.locate`'s rules), but read from
  REV's git objects; its folder, in the working tree, is the tree's root, and a sub-folder is
  audited in that tree (its rows alone reported), as without ``--base``;
* the baseline, when ``--baseline FILE`` is a file of the repository, is read from REV too (a
  file outside the repository is the user's own, read as it is);
* the working tree's files are what is audited: REV only says what is checked.

:func:`read_base` reads REV (:class:`Trusted`); :meth:`Trusted.compare` then says whether the
tree's own configuration or baseline differ from REV's, and which failing findings they would
hide (:class:`TrustedCheck`). Git is read with :class:`wsaudit.history.git.Repository`, whose
plumbing runs nothing of the repository's (no hook, no filter, no fetch).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wsaudit.config import Config, from_table, locate, parse_toml, within
from wsaudit.errors import ConfigError, InputError, UsageError, WsauditError
from wsaudit.gate.baseline import Entry, load_baseline, parse_baseline
from wsaudit.gate.collect import Collected, collect
from wsaudit.gate.fingerprint import Finding

if TYPE_CHECKING:  # loaded when they run: the full audit (--fail-on), git's plumbing (--base)
    from wsaudit.api import Audit
    from wsaudit.history.git import Entry as TreeEntry
    from wsaudit.history.git import Repository

__all__ = ["Gated", "Trusted", "TrustedCheck", "read_base"]

SHOWN_HIDDEN = 5  # hidden findings named in the note (all of them are in the JSON)


class Gated(Protocol):
    """What :meth:`Trusted.compare` needs of a gate's result (a :class:`~wsaudit.gate.check.CheckResult`)."""

    root: Path
    failures: list[Finding]


@dataclass(frozen=True)
class Trusted:
    """REV's configuration and baseline, for the audit of the working tree.

    Attributes
    ----------
    rev : str
        REV as given (``origin/main``).
    commit : str
        The full id of the commit it names.
    config : Config
        REV's configuration; its ``source`` is ``REV:PATH`` (``PATH`` from the repository's top).
    root : Path
        The working tree's folder that holds that configuration at REV: the tree's root.
    scope : str
        The audited folder inside the tree (``""``: all of it), whose rows alone are reported.
    top : Path
        The working tree's top (real path), against which the paths below are written.
    entries : list of Entry or None
        The accepted findings (None: no ``--baseline``).
    baseline : str or None
        Where they were read: ``REV:PATH``, or the file as given when it is outside the repository.
    baseline_path : str or None
        The baseline's path from the repository's top, when it was read from REV.
    """

    rev: str
    commit: str
    config: Config
    root: Path
    scope: str
    top: Path
    entries: list[Entry] | None = None
    baseline: str | None = None
    baseline_path: str | None = None

    def collect(self, *, cache: bool = True, cache_dir: str | Path | None = None,
                jobs: int | None = None) -> Collected:
        """:func:`wsaudit.gate.collect.collect` of the tree with REV's configuration, the rows
        kept as ``collect`` keeps a sub-folder's (it takes a configuration given as an object
        for the tree at the path given, so the sub-folder is filtered here, the same way)."""
        got = collect(self.root, self.config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        if not self.scope:
            return got
        s = self.scope
        return replace(got, files=[f for f in got.files if within(s, f.path)],
                       violations=[v for v in got.violations if within(s, v.path)],
                       diagnostics=[d for d in got.diagnostics if within(s, d.path)],
                       definitions=[d for d in got.definitions if within(s, d.path)],
                       suspects=[v for v in got.suspects if within(s, v.path)],
                       suppressed=[(v, why) for v, why in got.suppressed if within(s, v.path)], scope=s)

    def audit(self, *, cache: bool = True, cache_dir: str | Path | None = None, jobs: int | None = None) -> Audit:
        """:func:`wsaudit.api.audit` of the tree with REV's configuration (``--fail-on``), its
        rows the audited folder's (an :class:`~wsaudit.api.Audit` keeps a ``scope``'s rows)."""
        from wsaudit.api import Audit, audit

        full = audit(self.root, self.config, cache=cache, cache_dir=cache_dir, jobs=jobs)
        if not self.scope:
            return full
        scoped = Audit(full.root, full.config, full.result, scope=self.scope)
        scoped.notices = list(full.notices)  # the whole tree's warnings, as for any sub-folder
        return scoped

    def compare(self, checked: Gated, path: str | Path, baseline: str | Path | None,
                rerun: Callable[[], Gated]) -> TrustedCheck:
        """Whether the tree's own configuration and baseline differ from REV's, and which of
        ``checked``'s failing findings the gate would not report with them.

        Parameters
        ----------
        checked : Gated
            The gate's result with REV's configuration and baseline.
        path : str or Path
            The audited folder (the tree's configuration is found from it, as without ``--base``).
        baseline : str or Path or None
            ``--baseline FILE``, read from the working tree this time.
        rerun : callable
            The gate with the tree's own configuration and baseline. Called only when one of
            them differs from REV's: that costs one more audit (with the cache on, the files
            just parsed are not parsed again), the price of saying what a change to them
            would hide.

        Returns
        -------
        TrustedCheck
        """
        differences: list[str] = []
        tree_config: str | None = None
        error: str | None = None
        try:
            located = locate(path)
        except WsauditError as exc:  # none, or an invalid one: without --base the gate would stop on it
            differences.append("config")
            error = str(exc)
        else:
            tree_config = self._from_top(Path(located.root) / located.config.source)
            same_root = os.path.realpath(located.root) == os.path.realpath(self.root)
            if not same_root or replace(located.config, source="") != replace(self.config, source=""):
                differences.append("config")
        if self.baseline_path is not None:
            try:
                mine = load_baseline(baseline) if baseline is not None else []  # the working tree's file
            except WsauditError as exc:
                differences.append("baseline")
                error = error or str(exc)
            else:
                if set(mine) != set(self.entries or ()):
                    differences.append("baseline")
        hidden: list[Finding] = []
        if differences and error is None:
            try:
                theirs = rerun()
            except WsauditError as exc:
                error = str(exc)
            else:
                failing_there = {_place(theirs.root, f) for f in theirs.failures}
                hidden = [f for f in checked.failures if _place(checked.root, f) not in failing_there]
        return TrustedCheck(self, tuple(differences), tree_config, error, hidden)

    def _from_top(self, path: Path) -> str:
        """``path`` (a file of the working tree) from the repository's top, as git names it."""
        real = Path(os.path.realpath(path.parent)) / path.name
        try:
            return real.relative_to(self.top).as_posix()
        except ValueError:
            return str(path)


def _place(root: Path, finding: Finding) -> tuple:
    """Where a finding is, whatever the tree's root and the rule's id: a configuration that
    moves the root or renames a rule changes fingerprints, not the uses that fail."""
    v = finding.violation
    return (os.path.join(os.path.realpath(root), v.path), v.line, v.col, v.category, v.name)


def _plural(n: int, noun: str) -> str:
    """A count and a noun.

    >>> _plural(1, "finding"), _plural(2, "finding")
    ('1 finding', '2 findings')
    """
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class TrustedCheck:
    """What ``--base`` did: REV's configuration and baseline, and what the tree's own would hide.

    Attributes
    ----------
    trusted : Trusted
        What was read from REV.
    differences : tuple of str
        ``"config"`` and/or ``"baseline"``: the tree's own that differ from REV's (a
        configuration differs when it is found in another folder or gives other settings;
        a baseline when it holds other entries).
    tree_config : str or None
        The tree's own configuration file, from the repository's top (None: none loads).
    tree_error : str or None
        Why the gate would stop with the tree's own (no configuration, an invalid one, a damaged
        baseline): then it hides nothing, it fails to run.
    hidden : list of Finding
        The findings that fail the gate here and that the tree's own would not report.
    """

    trusted: Trusted
    differences: tuple[str, ...] = ()
    tree_config: str | None = None
    tree_error: str | None = None
    hidden: list[Finding] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.differences)

    def source_note(self) -> str:
        """Where what is checked came from."""
        t = self.trusted
        what = f"configuration {t.config.source}" + (f", baseline {t.baseline}" if t.baseline is not None else "")
        return f"checked with {t.rev}'s {'configuration and baseline' if t.baseline_path else 'configuration'} " \
               f"(commit {t.commit[:12]}): {what}"

    def note(self) -> str | None:
        """What differs and what it would hide, or None when the tree's own are REV's."""
        if not self.differences:
            return None
        t = self.trusted
        names = [(self.tree_config or "configuration") if d == "config" else (t.baseline_path or "baseline")
                 for d in self.differences]
        one = len(names) == 1
        it, checked = ("it", f"{t.rev}'s is checked") if one else ("them", f"{t.rev}'s are checked")
        head = f"the tree's {' and '.join(names)} {'differs' if one else 'differ'} from {t.rev}'s"
        if self.tree_error is not None:
            return f"{head}: with {it}, the gate would stop on an error ({self.tree_error}); {checked}"
        if not self.hidden:
            return f"{head}: with {it}, no finding that fails here would pass; {checked}"
        places = ", ".join(f"{f.violation.path}:{f.violation.line}" for f in self.hidden[:SHOWN_HIDDEN])
        more = len(self.hidden) - SHOWN_HIDDEN
        places += f", and {more} more" if more > 0 else ""
        return f"{head}: with {it}, {_plural(len(self.hidden), 'finding')} would not be reported ({places}); {checked}"

    def notes(self) -> list[str]:
        """:meth:`source_note`, then :meth:`note` when something differs."""
        return [self.source_note(), *([n] if (n := self.note()) is not None else [])]

    def document(self) -> dict[str, Any]:
        """The ``base`` object of ``wsaudit check --format json`` (and a SARIF run's property)."""
        t = self.trusted
        return {"rev": t.rev, "commit": t.commit, "config": t.config.source, "baseline": t.baseline,
                "differs": self.differs, "differences": list(self.differences), "tree_config": self.tree_config,
                "tree_error": self.tree_error,
                "hidden": [{**f.violation.row(), "fingerprint": f.fingerprint} for f in self.hidden],
                "note": self.note()}


# ---------------------------------------------------------------------------- reading REV


def read_base(path: str | Path, rev: str, config: Config | str | Path | None = None, profile: str | None = None,
              baseline: str | Path | None = None, update: bool = False) -> Trusted:
    """REV's configuration and baseline for the gate of the working tree at ``path``.

    Parameters
    ----------
    path : str or Path
        The audited folder, in a git work tree.
    rev : str
        A commit, branch or tag (``origin/main``).
    config, profile
        ``--config`` and ``--profile``: refused, they already name a trusted configuration.
    baseline : str or Path, optional
        ``--baseline FILE``: read from REV when it is a file of the repository.
    update : bool
        ``--update-baseline``: refused (see below).

    Returns
    -------
    Trusted

    Raises
    ------
    UsageError
        With ``--update-baseline``, ``--config`` or ``--profile``.
    InputError
        ``path`` is not in a git work tree, REV names no commit, the baseline is not at REV.
    ConfigError
        REV holds no configuration for ``path``, or an invalid one.
    """
    if update:
        raise UsageError("--update-baseline does not go with --base: the baseline is read from REV, and a new one "
                         "is a change to commit and review (update it without --base)")
    if config is not None or profile is not None:
        raise UsageError("--base reads the configuration from REV: give --base, or --config/--profile, not both")
    # here, not at the top: the history package loads the graph's stack, which a gate without
    # --base (the pre-commit hook) must not pay for
    from wsaudit.history.git import GitError, Repository

    folder = Path(path)
    if not folder.is_dir():
        what = "not a folder" if os.path.lexists(folder) else "no such folder"
        raise InputError(f"{folder}: {what} (give the root of the code to audit)")
    try:
        opened = Repository.open(folder)
    except GitError as exc:
        raise InputError(f"--base {rev}: {exc}") from None
    opened.close()
    if opened.bare:
        raise InputError(f"--base {rev}: {folder} is not in a git work tree (give a folder of a checkout)")
    parts = opened.prefix.split("/") if opened.prefix else []
    real = Path(os.path.realpath(folder))
    top = real.parents[len(parts) - 1] if parts else real
    # the whole repository (prefix ""): the configuration may sit in any parent of the folder
    with Repository(opened.git_dir, "", False, opened.partial) as repo:
        try:
            commit = repo.resolve(rev)
        except InputError:
            raise InputError(f"--base {rev!r} names no commit of this repository (a branch, tag or commit; in CI, "
                             "fetch it first: actions/checkout with fetch-depth: 0)") from None
        listing = repo.list_tree(commit)
        if isinstance(listing, str):
            raise InputError(f"--base {rev}: {listing}")
        for i in range(len(parts), -1, -1):  # the audited folder, then its parents up to the top
            where = "/".join(parts[:i])
            found = _config_at(repo, listing, rev, where)
            if found is not None:
                break
        else:
            shown = f"in {opened.prefix}/ or its parents" if opened.prefix else "at the repository's top"
            raise ConfigError([(f"--base {rev}", "", (
                f"{rev} holds no configuration (no wsaudit.toml, nor [tool.wsaudit] in a pyproject.toml, "
                f"{shown}): --base needs the gate adopted on {rev} first"))])
        root = folder if i == len(parts) else top / where  # as locate gives it: PATH, or the parent's folder
        entries, source, from_rev = _baseline_at(repo, listing, rev, top, baseline)
    return Trusted(rev, commit, found, root, "/".join(parts[i:]), top, entries, source, from_rev)


def _blob(repo: Repository, entry: TreeEntry, shown: str) -> bytes | None:
    """A regular file's bytes at REV; None for a link or a submodule (never followed: REV's
    tree says what is checked, not where a link would lead in some checkout)."""
    from wsaudit.history.git import GITLINK_MODE, LINK_MODE

    if entry.mode in (LINK_MODE, GITLINK_MODE):
        return None
    data = repo.read([entry.oid]).get(entry.oid)
    if data is None:
        raise InputError(f"{shown}: blob {entry.oid[:12]} is not in this clone (fetch it)")
    return data


def _config_at(repo: Repository, listing: dict[str, TreeEntry], rev: str, folder: str) -> Config | None:
    """The configuration ``folder`` holds at REV (as :func:`wsaudit.config.locate` finds one in a
    folder: ``wsaudit.toml`` wins, even invalid; a ``pyproject.toml`` without ``[tool.wsaudit]``
    is passed over), or None."""
    for name in ("wsaudit.toml", "pyproject.toml"):
        rel = f"{folder}/{name}" if folder else name
        entry = listing.get(rel)
        if entry is None:
            continue
        shown = f"{rev}:{rel}"
        data = _blob(repo, entry, shown)
        if data is None:
            raise ConfigError([(shown, "", f"a link or a submodule at {rev}, not a file: not read")])
        raw = parse_toml(data, shown)  # the one reader of every configuration: size, UTF-8, nesting
        if name == "wsaudit.toml":
            return from_table(raw, shown, trusted=False)  # REV's is the repository's: it cannot send writes out
        tool = raw.get("tool")
        table = tool.get("wsaudit") if isinstance(tool, dict) else None
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigError([(shown, "tool.wsaudit", "expected a table")])
        return from_table(table, shown, "tool.wsaudit.", trusted=False)
    return None


def _baseline_at(repo: Repository, listing: dict[str, TreeEntry], rev: str, top: Path,
                 baseline: str | Path | None) -> tuple[list[Entry] | None, str | None, str | None]:
    """``(entries, where they were read, path from the top when read from REV)``."""
    if baseline is None:
        return None, None, None
    given = Path(os.path.abspath(baseline))
    real = Path(os.path.realpath(given.parent)) / given.name  # the file itself may be a link: not followed
    try:
        rel = real.relative_to(top).as_posix()
    except ValueError:  # outside the repository: the user's own file, as any --baseline
        return load_baseline(baseline), str(baseline), None
    shown = f"{rev}:{rel}"
    entry = listing.get(rel)
    if entry is None:
        raise InputError(f"--base {rev}: {rel} is not in {rev} (commit the baseline there first: with --base, "
                         "a pull request cannot bring its own baseline)")
    data = _blob(repo, entry, shown)
    if data is None:
        raise InputError(f"{shown}: a link or a submodule at {rev}, not a baseline file: not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # said as load_baseline says it of a file
        raise InputError(f"{shown}: not a valid wsaudit baseline: not UTF-8 text") from None
    return parse_baseline(text, shown), shown, rel
