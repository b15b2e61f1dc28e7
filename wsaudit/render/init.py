"""``wsaudit init``: what was written and what it matches now, as text or JSON (the document of
:meth:`wsaudit.configure.Initialised.document`)."""

from __future__ import annotations

from typing import Any

from wsaudit.errors import UsageError
from wsaudit.render.text import dumps, printable_lines


def render_init(fmt: str, doc: dict[str, Any]) -> str:
    if fmt == "json":
        return dumps(doc)
    if fmt != "text":
        raise UsageError(f"wsaudit init --format {fmt!r}: expected text or json")
    rule = doc["rule"]
    lines = [f"wrote {doc['written']}", ""]
    if rule["unmatched"] is None:
        kinds = ", ".join(f"{n} {c}" for c, n in sorted(rule["by_category"].items()))
        lines.append(f"rule {rule['id']} ({rule['target']}): {rule['uses']} uses in {rule['files']} files now ({kinds})")
    else:
        lines.append(f"rule {rule['id']} ({rule['target']}): matches nothing in the tree: did you mean one of the "
                     "closest names below? (fix the rule, then run wsaudit init --force)")
        lines.append(f"  {rule['unmatched']}")
    lines.append("")
    if doc["golden_path"]:
        lines.append("Golden Path (the modules your critical flow runs through; the ranking starts there):")
        lines += [f"  {p['module']}  ({p['reason']})" for p in doc["golden_path"]]
    else:
        lines.append("Golden Path: none proposed (no module imports another); set [golden_path] modules by hand")
    baseline = doc["baseline"]
    if baseline is not None:
        lines += ["", f"baseline {baseline['path']}: {baseline['entries']} entries (the uses accepted today)"]
    lines += ["", "next: wsaudit check --strict" + (f" --baseline {baseline['path']}" if baseline else "")
              + " (the gate), wsaudit scan (every use), wsaudit rank (by centrality: the analysis extra)"]
    return printable_lines(lines)
