"""``wsaudit rollback``: the list of rollback points and what a restore did (text or JSON)."""

from __future__ import annotations

import json

from wsaudit.codemod.rollback import Point, Restored
from wsaudit.render.text import printable_lines


def render_points(points: list[Point], fmt: str = "text", refused: list[tuple[str, str]] = ()) -> str:
    """Every rollback point, oldest first: one line each, or their manifests as JSON; then the
    folders refused (not written by this user's wsaudit, malformed, links), with why."""
    if fmt == "json":
        # ASCII-escaped, unlike render.text.dumps: the output this command has always had
        doc = {"points": [p.manifest() for p in points]}
        if refused:
            doc["refused"] = [{"id": name, "reason": why} for name, why in refused]
        return json.dumps(doc, indent=2) + "\n"
    if not points and not refused:
        return "no rollback points\n"
    lines = [f"{p.id}  {p.state:<11} {p.created}  {len(p.files)} file(s)  {p.command}".rstrip() for p in points]
    lines += [f"{name}  refused     {why}" for name, why in refused]
    return printable_lines(lines)


def render_restored(done: Restored, fmt: str = "text") -> str:
    """Which files a restore put back, found already original, or overwrote with ``--force``."""
    if fmt == "json":
        return json.dumps({"point": done.point.id, "restored": done.restored, "unchanged": done.unchanged,
                           "forced": done.forced, "revert_commit": done.revert_commit}, indent=2) + "\n"
    lines = [(f"rolled back {done.point.id}: {len(done.restored) + len(done.forced)} file(s) restored "
              f"byte-identical, {len(done.unchanged)} already original")]
    if done.revert_commit:
        lines[0] += f", by revert commit {done.revert_commit[:12]}"
    lines += [f"  restored {p}" for p in done.restored] + [f"  forced {p}" for p in done.forced]
    return printable_lines(lines)
