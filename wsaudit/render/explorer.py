"""``wsaudit graph --format html`` and a report's ``explorer.html``: the explorer's page
(:mod:`wsaudit.explorer`) of an audit, with links to the source lines read from git."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wsaudit.explorer.data import explorer_data
from wsaudit.explorer.page import explorer_page


def explorer_html(audit: Any, source_url: str | None = None, *, commit: str | None = None, prefix: str | None = None,
                  pages: Sequence[tuple[str, str]] = (), title: str | None = None) -> str:
    """The explorer page of an audit (:class:`wsaudit.api.Audit`).

    Parameters
    ----------
    audit : Audit
        The audit: its graph, ranking and violations.
    source_url : str, optional
        A link template (``[report] source_url``; default: the audit's configuration's).
    commit, prefix : str, optional
        The tree's HEAD commit and the root's folder in its work tree (default: read with git
        when a ``source_url`` is set; not a git checkout: no links).
    pages : sequence of (file, heading)
        A report's other pages, for its navigation bar.
    title : str, optional
        The page's subject (default: ``[report] title``, else the audited folder's name).

    Returns
    -------
    str
        The page; the same audit gives the same text, byte for byte.
    """
    source_url = source_url if source_url is not None else getattr(audit.config.report, "source_url", None)
    if source_url and commit is None:
        from wsaudit.history.git import head_commit

        commit, prefix = head_commit(audit.root) or ("", "")
    document = explorer_data(audit.graph, audit.module_ranks, audit.violation_records,
                             title=title or audit.config.report.title or f"Deprecated API audit of {audit.root.name}",
                             source_url=source_url, commit=commit or "", prefix=prefix or "",
                             type_checking=audit.config.rank.type_checking)
    return explorer_page(document, pages)
