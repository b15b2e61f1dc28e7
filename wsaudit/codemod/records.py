"""What a migration produces: per-file results with their safety checks, the list left for a
person, and what an apply wrote. Plain data; rendering them is :mod:`wsaudit.render.migrate`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from wsaudit.codemod.rollback import Point
from wsaudit.config import Config


@dataclass(frozen=True)
class Check:
    """One named safety check of one file.

    Attributes
    ----------
    name : str
        One of :data:`wsaudit.codemod.checks.CHECKS`.
    ok : bool
        Whether the file passed it.
    detail : str
        What was checked, or why it failed.
    """

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class ManualItem:
    """A violation left for a person, with why. ``line``/``col`` are in the file as migrated."""

    path: str
    line: int
    col: int
    rule_id: str
    category: str
    name: str
    snippet: str
    reason: str


@dataclass
class FileResult:
    """One selected file: its bytes before, what the migration makes of it, and the checks."""

    path: str
    before: bytes
    proposed: bytes  # what the rewrite produced (== before when nothing was rewritten)
    rewritten: int = 0  # violations rewritten
    checks: list[Check] = field(default_factory=list)
    claimed: Counter = field(default_factory=Counter)  # (rule_id, category, name) of the rewritten violations
    # (line, col, rule_id, category) of the rewritten violations, where the audit found them in ``before``
    claimed_keys: frozenset[tuple] = frozenset()

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def after(self) -> bytes:
        """What ``--apply`` writes: the proposal when every check passed, else the original."""
        return self.proposed if self.ok else self.before

    @property
    def changed(self) -> bool:
        return self.ok and self.proposed != self.before

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class Migration:
    """The outcome of :func:`wsaudit.codemod.plan.plan`: per-file results, the manual list,
    and skipped files."""

    root: Path
    config: Config
    selected: list[str]
    files: list[FileResult]
    manual: list[ManualItem]
    skipped: list[tuple[str, str]]  # (path, why it could not be migrated at all)

    @property
    def changes(self) -> list[FileResult]:
        return [f for f in self.files if f.changed]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if not f.ok]


@dataclass
class Applied:
    """What :func:`wsaudit.codemod.apply.apply` did.

    Attributes
    ----------
    point : Point or None
        The rollback point recorded before the first write (None: nothing to write).
    written : list of str
        The files written, in order.
    verify_code : int or None
        The exit status of the ``--verify`` command, when one ran.
    rolled_back : bool
        Whether the validation or the verify command failed and the point was restored.
    validation : Validation or None
        The whole-run validation (:mod:`wsaudit.codemod.validate_written`), once files were written.
    commits : list of str
        The commits ``--commit`` made, oldest first.
    """

    point: Point | None
    written: list[str]
    verify_code: int | None = None
    rolled_back: bool = False
    validation: object | None = None  # wsaudit.codemod.validate_written.Validation (it imports this module)
    commits: list[str] = field(default_factory=list)
