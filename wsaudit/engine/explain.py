"""``wsaudit scan --explain FILE``: why discovery audits FILE or not, and calls it a test or not.

Which pattern of which configuration key (and file) decided, matched the way
:mod:`wsaudit.engine.discover` matches them.
"""

from __future__ import annotations

import json
from pathlib import Path

from wsaudit.config import ALWAYS_EXCLUDED, Config
from wsaudit.engine.discover import TestFiles, spec


def _deciders(patterns: tuple[str, ...], path: str) -> tuple[list[str], list[str]]:
    """The patterns of a gitignore-style list that match ``path``: ``(including, negating)``,
    each in list order. Each is matched alone (linear in the path: :func:`spec`)."""
    including, negating = [], []
    for pattern in patterns:
        text = pattern.strip()
        if not text or text.startswith("#"):
            continue
        negated = text.startswith("!")
        if spec([text[1:] if negated else text]).match_file(path):
            (negating if negated else including).append(pattern)
    return including, negating


def _verdict(patterns: tuple[str, ...], path: str, matched: bool, where: str) -> str:
    """Which of ``patterns`` (the value of ``where``, ``FILE: KEY``) made ``matched`` so."""
    including, negating = _deciders(patterns, path)
    if matched:
        # with a ``!`` pattern in the list the last match decides; without, any match does
        first = including[-1] if any(p.strip().startswith("!") for p in patterns) else including[0] if including \
            else None
        others = [p for p in including if p != first]
        also = f" (also: {', '.join(repr(p) for p in others)})" if others else ""
        return f"by the pattern {first!r} of {where}{also}" if first is not None else f"by {where}"
    if negating and including:
        return f"the pattern {negating[-1]!r} of {where} takes it out (after {including[-1]!r})"
    listed = ", ".join(repr(p) for p in patterns[:8]) + (", ..." if len(patterns) > 8 else "")
    count = f"{len(patterns)} pattern{'s' if len(patterns) != 1 else ''}"
    return f"no pattern of {where} matches it ({count}{': ' + listed if patterns else ''})"


def explain(root: str | Path, config: Config, path: str) -> dict[str, object]:
    """Why the root-relative ``path`` is, or is not, audited, and a test: what
    ``wsaudit scan --explain`` prints. Nothing is read but the file's kind.

    Returns
    -------
    dict
        ``path``; ``exists``; ``audited`` (a ``.py`` file that discovery would list);
        ``excluded`` and ``excluded_by`` (the folder or pattern, and the key that holds it);
        ``is_test`` and ``test_by`` (the pattern, the key and the file that decided, or why
        none did); ``test_folder`` (the ``[test_folders]`` folder whose patterns apply, or None).
    """
    real = Path(root) / path
    is_dir = real.is_dir() and not real.is_symlink()
    out: dict[str, object] = {"path": path, "exists": real.exists() or real.is_symlink()}
    always, excluded = spec(list(ALWAYS_EXCLUDED)), spec([*ALWAYS_EXCLUDED, *config.exclude])
    parts = path.split("/")
    why = None
    for depth in range(1, len(parts) + 1):  # the folders above first: discovery never enters an excluded one
        shown = "/".join(parts[:depth]) + ("/" if depth < len(parts) or is_dir else "")
        if always.match_file(shown):
            why = f"{shown} is never audited ({', '.join(ALWAYS_EXCLUDED)} are not, whatever the configuration says)"
        elif excluded.match_file(shown):
            whose = "it" if depth == len(parts) else f"its folder {shown}"
            why = f"{whose}: " + _verdict(config.exclude, shown, True, config.origin("exclude"))
        if why is not None:
            break
    out["excluded"] = why is not None
    out["excluded_by"] = why if why is not None else _verdict(config.exclude, path, False, config.origin("exclude"))
    out["audited"] = bool(out["exists"]) and why is None and not is_dir and path.endswith(".py")
    folder = TestFiles(config).folder_of(path)
    out["test_folder"] = folder
    if is_dir:
        out["is_test"], out["test_by"] = False, "a folder: the files under it are classified one by one"
        return out
    if folder is None:
        patterns, local, where = config.tests, path, config.origin("tests")
    else:
        patterns = dict(config.test_folders)[folder]
        local = path[len(folder) + 1:]
        bare = all(c.isascii() and (c.isalnum() or c in "-_") for c in folder)
        where = config.origin("test_folders") + "." + (folder if bare else json.dumps(folder))
        where += f" (it replaces tests under {folder}/; matched against {local})"
    is_test = spec(patterns).match_file(local)
    out["is_test"] = is_test
    out["test_by"] = _verdict(patterns, local, is_test, where)
    return out
