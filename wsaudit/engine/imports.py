"""Import records: one per (import statement, imported module), from the facts alone.

Importing ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``, so it depends on them
too (``implicit`` records); ``from P import M`` where ``M`` is a submodule imports ``M``, with
``P`` only implicit; ``from P import name`` where ``name`` is defined in ``P``'s ``__init__``
imports ``P``. A module gets no implicit record for its own packages (they ran before it).
Imports of modules outside the tree are kept as unresolved records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from wsaudit.engine.collector import collection_paused
from wsaudit.engine.modules import ModuleTable, ancestors
from wsaudit.model import Diagnostic, DirectImport, FileFacts, SourceFile

_ancestors = lru_cache(maxsize=65536)(ancestors)
IMPORT_PROBLEM = "bad-relative-import"  # the one kind of diagnostic made from the import records


def direct_imports(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], modules: ModuleTable
                   ) -> tuple[list[DirectImport], list[Diagnostic]]:
    """One record per (import statement, imported module), sorted; and bad relative imports."""
    with collection_paused():  # tens of thousands of records, in no cycle
        return _direct_imports(files, facts, modules)


def relative_problems(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], modules: ModuleTable
                      ) -> list[Diagnostic]:
    """The problems :func:`direct_imports` gives (a relative import that goes above the
    top-level package), without making the records: a scan prints them, and makes the
    records only when something asks for them (the graph, a stored result).

    >>> from wsaudit.engine.parse import parse_source
    >>> files = [SourceFile("top.py", "top", False, False, 0)]
    >>> facts = {"top.py": parse_source(b"from .. import x\\n")}
    >>> relative_problems(files, facts, ModuleTable.of(files, {"top.py"})) == direct_imports(files, facts,
    ...     ModuleTable.of(files, {"top.py"}))[1]
    True
    """
    problems: list[Diagnostic] = []
    owns = modules.owns
    for f in sorted((f for f in files if owns(f)), key=lambda f: f.module):
        file_facts = facts.get(f.path)
        if file_facts is None:
            continue
        for imp in file_facts.imports:
            if imp.is_from and imp.level and modules.absolute(f.module, imp.level, imp.module) is None:
                written = "." * imp.level + (imp.module or "")
                problems.append(Diagnostic(f.path, IMPORT_PROBLEM, imp.line,
                                           f"'from {written} import' goes above the top-level package"))
    return problems


def _direct_imports(files: Iterable[SourceFile], facts: Mapping[str, FileFacts], modules: ModuleTable
                    ) -> tuple[list[DirectImport], list[Diagnostic]]:
    records: list[DirectImport] = []
    problems: list[Diagnostic] = []
    known, owns, in_table = modules.known, modules.owns, modules.files.__contains__
    # a module per file owned, in module order: sorting each file's records sorts them all
    for f in sorted((f for f in files if owns(f)), key=lambda f: f.module):
        file_facts = facts.get(f.path)
        if file_facts is None or not file_facts.imports:
            continue
        source = f.module
        ran = {source, *_ancestors(source)}  # the importer itself and the packages that ran before it
        start = len(records)
        for imp in file_facts.imports:
            if imp.is_from:
                base = modules.absolute(source, imp.level, imp.module)
                if base is None:
                    written = "." * imp.level + (imp.module or "")
                    problems.append(Diagnostic(f.path, IMPORT_PROBLEM, imp.line,
                                               f"'from {written} import' goes above the top-level package"))
                    continue
                # ``from P import M`` imports the submodule M (P only runs first: an implicit edge);
                # a name defined in P's ``__init__`` is an import of P itself.
                subs = [f"{base}.{n}" for n, _ in imp.names if n != "*" and in_table(f"{base}.{n}")]
                wanted = subs + [base] if len(subs) < len(imp.names) else subs
            else:
                wanted = [name for name, _ in imp.names]
            named: dict[str, bool] = {}  # target -> implicit
            line, context = imp.line, imp.context
            for name in wanted:
                if name not in known:
                    records.append(DirectImport(source, name, line, context, False))
                for package in _ancestors(name):
                    # the importer's own packages have run before it: no dependency to record
                    if package not in ran and in_table(package):
                        named.setdefault(package, True)
                if in_table(name):
                    named[name] = False
            for target, implicit in named.items():
                if target != source:
                    records.append(DirectImport(source, target, line, context, True, implicit))
        records[start:] = sorted(records[start:], key=_order)
    return records, problems


def _order(r: DirectImport) -> tuple:
    return (r.line, r.target, r.resolved)  # within one importer
