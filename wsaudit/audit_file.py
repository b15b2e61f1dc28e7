"""One audit handed to many readers: ``save_audit`` writes an :class:`~wsaudit.api.Audit` to a
file, ``load_audit`` gives it back without auditing again (``wsaudit report`` audits once and
hands the file to every notebook). No absolute path is written: the root and configuration
are given again when loading, and an audit file made with another configuration is refused.

The ranking travels with it (version 2): four of the report's notebooks rank, and ranking a
tree of 100,000 modules takes seconds, which the report's own audit has spent already.
"""

from __future__ import annotations

import json
from pathlib import Path

from dataclasses import replace

from wsaudit.api import Audit
from wsaudit.config import Config, Located, locate
from wsaudit.engine.results import GraphPart, decode_result, encode_result
from wsaudit.engine.session import Tree
from wsaudit.errors import InputError
from wsaudit.iorw import write_text
from wsaudit.model import ModuleRank, RankedViolation, SourceFile

SNAPSHOT_KIND = "wsaudit-audit"


def save_audit(result: Audit, path: str | Path) -> Path:
    """Write ``result`` to ``path`` (JSON) so that :func:`load_audit` gives it back without
    auditing again: ``wsaudit report`` audits once and hands this file to every notebook.
    No absolute path is written: the root and configuration are given again when loading."""
    position = {id(v): i for i, v in enumerate(result.violation_records)}  # the ranked rows wrap these very records
    doc = {"kind": SNAPSHOT_KIND, "version": 2, "config": repr(result.config),
           "files": [[f.path, f.module, f.is_package, f.is_test, f.size, f.is_module, f.fs_path]
                     for f in result.files],
           "result": encode_result(replace(
               result.result, notices=tuple(n for n in result.notices if n.kind != "default-profile"),
               # each module's lines of code (the graph's), not every readable file's
               graph=GraphPart(records=result.import_records,
                               loc={d["path"]: d["loc"] for _, d in result.graph.nodes(data=True)}),
               index=None, names=None, full=None, reads=None, broken=None)),  # what only a cache keeps
           "module_ranks": [[m.module, m.tier, m.score, m.golden_distance, m.golden_chain, m.reason]
                            for m in result.module_ranks.values()],
           "ranked": [[position[id(r.violation)], r.tier, r.score, r.golden_distance, r.golden_chain, r.module_reason]
                      for r in result.ranked]}
    if result.scope:  # the ranked rows are the folder's: loaded for another, they would not be
        doc["scope"] = result.scope
    write_text(path, json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    return Path(path)


def load_audit(snapshot: str | Path, path: str | Path = ".", config: Config | str | Path | None = None, *,
               profile: str | None = None) -> Audit:
    """The :class:`Audit` that :func:`save_audit` wrote for the code at ``path`` with ``config``
    (found as :func:`wsaudit.audit` finds it, or a built-in ``profile`` by name).

    Raises :class:`~wsaudit.errors.InputError` when the file is not such an audit file, or was
    made with another configuration or for another folder (audit again then)."""
    located = Located(config, Path(path)) if isinstance(config, Config) else locate(path, config, profile)
    cfg, root = located.config, located.root
    try:
        doc = json.loads(Path(snapshot).read_text(encoding="utf-8"))
        files = [SourceFile(*row) for row in doc["files"]]
        stored = decode_result(doc["result"])
        kind, made_with, scope = doc["kind"], doc["config"], doc.get("scope", "")
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise InputError(f"{snapshot}: not an audit written by wsaudit ({type(exc).__name__})") from None
    if kind != SNAPSHOT_KIND or stored is None:
        raise InputError(f"{snapshot}: not an audit written by wsaudit")
    if made_with != repr(cfg):
        raise InputError(f"{snapshot}: made with another configuration than {cfg.source}; audit again")
    if scope != located.scope:
        raise InputError(f"{snapshot}: made for another folder of the tree ({scope or 'all of it'}); audit again")
    tree = Tree(tuple(files), root=root)
    result = Audit(root, cfg, replace(stored, files=tree.files, facts=tree.read_later(cfg)), scope=located.scope)
    if doc.get("version") == 2:
        try:
            result.adopt_ranking(*_ranking(doc, result.violation_records))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise InputError(f"{snapshot}: not an audit written by wsaudit ({type(exc).__name__})") from None
    return result


def _ranking(doc: dict, violations: list) -> tuple[dict[str, ModuleRank], list[RankedViolation]]:
    modules = {row[0]: ModuleRank(str(row[0]), row[1], float(row[2]), row[3], tuple(row[4]), row[5])
               for row in doc["module_ranks"]}
    ranked = [RankedViolation(violations[i], tier, float(score), distance, tuple(chain), reason)
              for i, tier, score, distance, chain, reason in doc["ranked"]]
    return modules, ranked
