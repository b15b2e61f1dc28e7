"""Whole-run validation after an apply: what the per-file checks cannot see on their own.

Once every file is written, the tree as a whole is checked again, from disk:

- every written file compiles (``compile``, in its own encoding);
- a re-audit of the tree finds exactly the violations left for a person (nothing new,
  nothing lost);
- pyflakes' undefined-name check on every written file, before and after: a name that
  became undefined is a break the rewrite caused.

A validation that fails is the same as a failing ``--verify`` command: the apply is rolled
back (see :func:`wsaudit.codemod.apply.apply`).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from wsaudit.api import audit as run_audit
from wsaudit.codemod.bindings import UncheckedNames, undefined_names
from wsaudit.codemod.encoding import decode
from wsaudit.codemod.records import ManualItem, Migration
from wsaudit.model import Violation


@dataclass
class Validation:
    """What the whole-run validation found.

    Attributes
    ----------
    compiled : int
        Written files that compile.
    compile_errors : list of (str, str)
        ``(path, error)`` of the written files that do not.
    undefined_before, undefined_after : int
        pyflakes undefined-name messages in the written files, before and after the apply.
    became_undefined : list of (str, str)
        ``(path, name)`` of the names that the apply left undefined.
    violations_after : int
        Violations the re-audit finds.
    unexpected : list of str
        Violations of the re-audit that are not in the manual list, and manual items it no
        longer finds (``+``/``-`` prefixed; ``path:line:col`` with the records' 0-based column,
        as the JSON keeps it).
    mismatched : list of (str, Violation or ManualItem)
        The same rows, each a sign and the row itself (a violation the re-audit found, or the
        manual item it did not), for a listing that writes the position its own way.
    """

    compiled: int = 0
    compile_errors: list[tuple[str, str]] = field(default_factory=list)
    undefined_before: int = 0
    undefined_after: int = 0
    became_undefined: list[tuple[str, str]] = field(default_factory=list)
    violations_after: int = 0
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, Violation | ManualItem]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.compile_errors or self.became_undefined or self.unexpected)

    def problems(self, where: Callable[[Violation | ManualItem], str] | None = None) -> list[str]:
        """One line per failure, for the summary and the error message.

        Parameters
        ----------
        where : callable, optional
            ``where(row)`` writes a re-audit row's position; the summary for a person passes
            :func:`wsaudit.render.positions.where`'s (a 1-based column, at the name, as every text
            output). Default: as in ``unexpected``.

        Returns
        -------
        list of str
            The problems, the re-audit's first 20 rows only.
        """
        out = [f"{p}: does not compile: {why}" for p, why in self.compile_errors]
        out += [f"{p}: {name!r} became undefined" for p, name in self.became_undefined]
        if where is not None and self.mismatched:
            out += [f"re-audit: {sign}{where(row)} {row.rule_id} {row.category} {row.name}"
                    for sign, row in self.mismatched[:20]]
        else:
            out += [f"re-audit: {row}" for row in self.unexpected[:20]]
        return out


def _compiles(path: str, data: bytes) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are not breaks
        try:
            compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return f"{type(exc).__name__}: {exc}"
    return None


def validate(m: Migration, written: list[str], *, reaudit: bool = True) -> Validation:
    """Check the tree ``m`` was applied to, from disk: the ``written`` files compile, none has a
    name that became undefined, and (``reaudit``) a fresh audit finds the manual list."""
    done = Validation()
    by_path = {f.path: f for f in m.files}
    for path in written:
        data = (m.root / path).read_bytes()
        problem = _compiles(path, data)
        if problem:
            done.compile_errors.append((path, problem))
        else:
            done.compiled += 1
        try:
            before = undefined_names(decode(by_path[path].before), path)
            after = undefined_names(decode(data), path)
        except UncheckedNames as exc:
            done.compile_errors.append((path, str(exc)))  # not shown to be sound: undone
            continue
        done.undefined_before += sum(before.values())
        done.undefined_after += sum(after.values())
        done.became_undefined += [(path, name) for _, name in sorted(after - before)]
    if reaudit:
        found = run_audit(m.root, m.config, cache=False).violation_records
        done.violations_after = len(found)
        # only the selected files were migrated: the others keep every violation they had
        compared = set(m.selected) - {p for p, _ in m.skipped}
        rows: dict[tuple, Violation | ManualItem] = {}
        got: Counter = Counter()
        expected: Counter = Counter()
        for counter, items in ((got, [v for v in found if v.path in compared]), (expected, m.manual)):
            for x in items:
                key = (x.path, x.line, x.col, x.rule_id, x.category, x.name)
                counter[key] += 1
                rows.setdefault(key, x)
        done.mismatched = ([("+", rows[k]) for k in sorted(got - expected)]
                           + [("-", rows[k]) for k in sorted(expected - got)])
        done.unexpected = [f"{sign}{x.path}:{x.line}:{x.col} {x.rule_id} {x.category} {x.name}"
                           for sign, x in done.mismatched]
    return done
