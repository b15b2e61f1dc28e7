"""Rewrite the deprecated API with a concrete syntax tree, prove each file, write it safely.

What is rewritten, always at the exact positions the audit found (nothing is re-detected by
text), with libcst so that formatting and comments stay as they were:

- a **call** of the deprecated symbol becomes the rule's first call template
  (``[[rule.rewrite]]``) whose ``arguments`` are exactly the parameters the call passes; the
  template's ``imports`` are added next to the import that bound the called name (same block,
  so lazy, conditional and function-level imports stay what they were), or at the top of
  the module when the name came from elsewhere;
- an **import of the symbol** (``from M import old as x``) becomes an import of the
  replacement, merged into an existing ``from R import ...`` of the same block; the old name
  is removed once nothing in the file uses it and nothing else imports it from here;
- an **import that the call rewrites leave unused** (``import six`` once ``six.text_type(x)``
  became ``str(x)``) goes with its last use, unless something may still need it
  (:mod:`~wsaudit.codemod.orphans`);
- an **import of a deprecated module** is removed when nothing uses it any more, or points at
  the replacement module when every remaining use (``alias.attr``) exists there;
- a ``mock.patch("...")`` **target** naming the symbol or a deprecated module is renamed to
  the replacement, when the new target resolves in the migrated tree.

Anything else (the symbol stored or passed as a value, star imports, calls with ``*args``,
calls no template fits, re-exports, comments that a rewrite would move, ...) is listed for a
person with the reason, never guessed. Each changed file must pass six named checks:
``parses``, ``rescan-clean``, ``names-bound``, ``replacement-resolves``, ``no-self-import`` and
``bindings-kept``; a file that fails one is not written. Once the files are written, the whole
run is validated again from disk, and undone when that fails. The migration is computed in
memory until it reaches a fixed point, so applying it twice changes nothing the second time.

The modules, in the order a migration uses them:

- :mod:`~wsaudit.codemod.select`: which files (``--files``, ``--tier``, ``--plan``/``--wave``);
- :mod:`~wsaudit.codemod.plan`: the in-memory passes to a fixed point, and :func:`plan`'s result;
- :mod:`~wsaudit.codemod.snapshot` and :mod:`~wsaudit.codemod.context`: the tree at one
  moment, and one file in it, handed to every part;
- :mod:`~wsaudit.codemod.rewrite`: one pass over one file, which asks
  :mod:`~wsaudit.codemod.calls`, :mod:`~wsaudit.codemod.patch_targets` and
  :mod:`~wsaudit.codemod.module_imports` for their decisions, has
  :mod:`~wsaudit.codemod.placement` add the imports they need, and applies
  :mod:`~wsaudit.codemod.edits`;
- :mod:`~wsaudit.codemod.checks`: the six safety checks;
- :mod:`~wsaudit.codemod.apply`, :mod:`~wsaudit.codemod.rollback`, :mod:`~wsaudit.codemod.vcs`:
  writing it with a rollback point, and undoing it;
- :mod:`~wsaudit.codemod.validate_written`: the whole-run validation of the written files
  (they compile, no name became undefined, a re-audit finds what was left for a person);
- :mod:`~wsaudit.codemod.shim`: the compatibility shim (``--emit-shim``);
- :mod:`~wsaudit.codemod.triage`: per violation, whether the plan rewrites it or why not (for
  the effort model).

Nothing is re-exported here: ``plan``, ``apply`` and ``shim`` are both module and function
names, and a re-export would hide the module behind the function.
"""
