"""The import-graph explorer: one self-contained HTML page (``explorer.html`` of a report,
``wsaudit graph --format html``, ``Audit.explore()`` in JupyterLab) that needs no network.

``data`` makes the document the page embeds (the graph, the ranking, the violations and the
layout), ``page`` the page around it, ``widget`` the notebook widget that shows the page and
brings the modules selected in it back to Python. A package of its own below the facade, so
that ``Audit.explore()`` and the renderers above it build the same page.

The page draws with Cytoscape.js, carried as package data (``vendor/``, with its licence) and
written into the page; the audit's graph, ranking and violations are embedded as one JSON
document. What the page shows:

* the modules grouped by package, each package collapsed at first (a node sized by its
  violations, coloured by the worst tier of its modules); a click expands or collapses one;
* filters (tier, hops from the Golden Path, tests, only modules with violations, run-time and
  ``TYPE_CHECKING``-only imports) and a search by module name;
* a click on a module: its chain from the Golden Path highlighted (the chain of its rank), and
  a side panel with its tier, score and hops, its violations (``path:line``, category, snippet,
  a link to the source line when ``[report] source_url`` is set and the tree is a git
  checkout), its importers and its imports;
* with nothing selected, the packages that stand between the Golden Path and the modules with
  violations, and the modules with violations, each one click away.

The layout is deterministic and made here: a package's column is the fewest import hops from
the Golden Path among its modules (the Golden Path in column 0, modules the Golden Path does
not reach in the last column, as the static figure of the report puts them), packages in a
column sorted by name, modules of a package sorted by (hops, name). The page stacks the
packages of a column from the top in that order, a collapsed one taking one slot and an
expanded one a row per module shown, so that nothing overlaps whatever is expanded.

The tree is hostile input: module names, paths and snippets come from it. They are only ever
JSON in a ``<script type="application/json">`` element, with ``<``, ``>`` and ``&`` written as
``\\u003c``, ``\\u003e`` and ``\\u0026`` (no ``</script>`` can end it early), and the page sets
them with ``textContent``, never as HTML. The page's Content-Security-Policy allows no request
at all. Same audit, same page, byte for byte: rows sorted, no date, no absolute path.
"""
