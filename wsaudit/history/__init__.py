"""``wsaudit history``: the audit of every commit of a range, read from git's objects, and the
burndown that compares it with a plan. Nothing is checked out.

The modules, in the order data flows through them:

- :mod:`~wsaudit.history.git`: git's own plumbing (``rev-list``, ``cat-file --batch``,
  ``ls-tree``, ``diff-tree``) behind :class:`~wsaudit.history.git.Repository`;
- :mod:`~wsaudit.history.trees`: a commit's files and configuration, discovered from its tree
  as a scan of a checkout would discover them;
- :mod:`~wsaudit.history.blobs`: each distinct blob read once, its full or imports-only facts
  parsed at most once each, when asked for (through the cache);
- :mod:`~wsaudit.history.affected`: which files a commit can have affected (the names whose
  binding changed, spread over re-exports; the files mentioning them, by facts or by text);
- :mod:`~wsaudit.history.commits`: the engine's audit of one commit's tree after another,
  detecting again only what a commit can have changed;
- :mod:`~wsaudit.history.steps`: a step from one commit to the next explained (fixed,
  introduced, moved; flags), from records alone;
- :mod:`~wsaudit.history.audit`: the use case, :func:`history` and :func:`audit_commit`;
- :mod:`~wsaudit.history.burndown`: the observed burndown beside the plan simulated for its start;
- :mod:`~wsaudit.history.sample`: the sample repository of the burndown notebook (written with
  ``git fast-import``).
"""

from wsaudit.history.audit import DEFAULT_MAX_COMMITS, CommitRecord, History, audit_commit, history

__all__ = ["DEFAULT_MAX_COMMITS", "CommitRecord", "History", "audit_commit", "history"]
