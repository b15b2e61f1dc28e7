"""Dotted-name patterns of the rules: ``*`` one segment, ``**`` any number of segments.

A rule's module pattern is matched segment by segment in linear time (:func:`segments_matched`);
a rule's symbol pattern is compiled once to a regular expression (:func:`symbol_pattern`).
Part of the domain: it imports nothing of wsaudit.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def pattern_parts(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("."))


def segments_matched(pattern: tuple[str, ...], parts: list[str]) -> list[int]:
    """How many leading ``parts`` (dotted segments) match the whole ``pattern`` (segments that
    are names, ``*`` one segment, ``**`` any number): each count that does, ascending.

    The pattern comes from a configuration and the name from the audited tree, which may
    nest thousands of segments deep: a backtracking match (``re``) of ``**.a.**.a.**.b`` is
    exponential there. This keeps the set of pattern positions reached after each segment
    (Thompson's simulation, one segment a step), so a name costs ``len(parts)`` steps of at
    most ``len(pattern)`` positions each, whatever the pattern.

    >>> segments_matched(("**", "compat"), "a.compat.b.compat".split("."))
    [2, 4]
    >>> segments_matched(("a", "*", "c"), ["a", "b", "c"]), segments_matched(("a", "*", "c"), ["a", "c"])
    ([3], [])
    """
    size = len(pattern)

    def closure(positions: set[int]) -> set[int]:
        todo, out = list(positions), set()
        while todo:  # a ``**`` may stand for no segment: its next position is reached too
            i = todo.pop()
            if i not in out:
                out.add(i)
                if i < size and pattern[i] == "**":
                    todo.append(i + 1)
        return out

    current, ends = closure({0}), []
    if size in current:
        ends.append(0)
    for count, part in enumerate(parts, start=1):
        step: set[int] = set()
        for i in current:
            if i == size:
                continue
            token = pattern[i]
            if token == "**":
                step.add(i)  # one more segment inside it
            elif token == "*" or token == part:
                step.add(i + 1)
        current = closure(step)
        if not current:
            break
        if size in current:
            ends.append(count)
    return ends


@lru_cache(maxsize=256)
def symbol_pattern(pattern: str) -> re.Pattern[str]:
    out = []
    for i, part in enumerate(pattern.split(".")):
        dot = r"\." if i else ""
        if part == "**":  # zero or more whole segments, with their dots
            out.append(r"(?:\.[^.]+)*" if i else r"(?:[^.]+\.)*")
            continue
        out.append(dot + (r"[^.]+" if part == "*" else re.escape(part)))
    text = "".join(out)
    return re.compile(text.replace(r"(?:[^.]+\.)*\.", r"(?:[^.]+\.)*"))
