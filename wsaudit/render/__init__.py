"""Renderers: one module per command, one function per output format.

Renderers take records (and the import graph) and return text; they decide nothing about
what was found. They read the audited tree only to say where a row is: the line of a
multi-line import's name (:mod:`~wsaudit.render.positions`), a row's fingerprint for SARIF
(:mod:`wsaudit.gate.fingerprint`), and the git repository's top that paths are written from
(:func:`~wsaudit.render.sarif.repository_top`).
"""
