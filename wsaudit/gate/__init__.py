"""The CI gate behind ``wsaudit check``, one job per module.

:mod:`~wsaudit.gate.collect` finds the violations (parsing only the files that can hold one),
:mod:`~wsaudit.gate.fingerprint` gives each an identity that survives unrelated edits,
:mod:`~wsaudit.gate.baseline` reads and writes the accepted ones, and
:mod:`~wsaudit.gate.check` compares and ratchets. Rendering is :mod:`wsaudit.render.check`'s.
"""
