"""Waves: an ordering of the work batched into pull requests, and the plan a team follows.

The files the codemod rewrites whole go first, in waves of their own (``wsaudit migrate
--wave 1`` does them, a person reviews the diff); the shim goes last, in a wave of its own; a wave plan lists, per file, its wave, effort and
the tests to run after the wave.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wsaudit.analysis.work import Model, Unit
from wsaudit.model import CATEGORIES


def make_waves(ordered: list[Unit], wave_files: int, codemod_wave_files: int | None = None) -> list[list[Unit]]:
    """Batch an ordering into waves of at most ``wave_files`` files; the files the codemod
    rewrites whole come first, in the ordering's order, in waves of ``codemod_wave_files``
    (default: all in one); the shim goes last, alone.

    >>> u = lambda p, shim=False, auto=0: Unit(p, p, "P1", 1, (0, 1, 0), (1, 0, 0, 0), 0.0, 0, shim, (auto, 0, 0, 0))
    >>> [[x.path for x in w] for w in make_waves([u("s", True), u("a"), u("b"), u("c")], 2)]
    [['a', 'b'], ['c'], ['s']]
    >>> [[x.path for x in w] for w in make_waves([u("a"), u("b"), u("c", auto=1), u("d", auto=1)], 2)]
    [['c', 'd'], ['a', 'b']]
    """
    auto = [u for u in ordered if u.automatable]
    size = codemod_wave_files or max(len(auto), 1)
    waves = [auto[i : i + size] for i in range(0, len(auto), size)]
    work = [u for u in ordered if not u.shim and not u.automatable]
    waves += [work[i : i + wave_files] for i in range(0, len(work), wave_files)]
    shim = [u for u in ordered if u.shim]
    if shim:
        waves.append(shim)
    return waves


def broken_imports(waves: list[list[Unit]], model: Model) -> int:
    """Imports broken on the way: files still importing through a re-exporter that was
    already migrated in an earlier wave.

    >>> u = lambda p: Unit(p, p, "P1", 1, (0, 1, 0), (1, 0, 0, 0), 0.0, 0)
    >>> m = Model((u("r"), u("a")), None, {"r": frozenset({"a"})})
    >>> broken_imports([[u("r")], [u("a")]], m), broken_imports([[u("a"), u("r")]], m)
    (1, 0)
    """
    wave_of = {u.path: i for i, wave in enumerate(waves) for u in wave}
    return sum(1 for r, deps in model.depends.items() if r in wave_of
               for d in deps if d in wave_of and wave_of[d] > wave_of[r])


PLAN_FIELDS = ("wave", "path", "module", "tier", "violations", "hours", "tests", *CATEGORIES, "shim", "automated",
               "automatable")


def plan_rows(model: Model, waves: Sequence[Sequence[Unit]]) -> list[dict[str, Any]]:
    """One row per file of a plan: wave, path, module, tier, violations, expected hours and
    the tests to run after its wave (tests importing the wave's modules, and the Golden Path
    tests), the violations the codemod rewrites in it (``automated``) and whether the codemod
    does the whole file (``automatable``: its wave is ``wsaudit migrate --wave N``, then a review).
    The last wave removes the shim."""
    rows = []
    for number, wave in enumerate(waves, start=1):
        tests = sorted({t for u in wave for t in model.tests.get(u.module, ())} | set(model.golden_tests))
        for u in wave:
            rows.append({"wave": number, "path": u.path, "module": u.module, "tier": u.tier,
                         "violations": u.violations, "hours": round(model.expected_hours(u), 2),
                         "tests": " ".join(tests), **dict(zip(CATEGORIES, u.by_category)), "shim": u.shim,
                         "automated": u.n_automated, "automatable": u.automatable})
    return rows
