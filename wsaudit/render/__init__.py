"""Renderers: one module per command, one function per output format.

Renderers take records (and the import graph) and return text; they decide nothing about
what was found, and never read the audited tree.
"""
