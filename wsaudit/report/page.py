"""The HTML page of an executed notebook: self-contained, titled in words, linked to the others.

nbconvert's ``lab`` template loads require.js and MathJax from a CDN, and Mermaid and the
widget manager when asked; none of it is needed to show tables and PNG figures, and a report
opened offline (an artifact downloaded from CI, a file share) must not wait for the network.
This template drops those scripts, embeds the figures (data URIs, with their alt text), and
adds a navigation bar to ``index.html`` and to the other pages.

The stylesheet (JupyterLab's, about 260 KB, and the report's own rules) is written once, as
``style.css`` beside the pages, and linked from each: inlined, every page carried all of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

from wsaudit.iorw import write_text
from wsaudit.report.templating import render, template_text

STYLESHEET = "style.css"  # beside the pages: one file for all of them



@functools.cache
def stylesheet() -> str:
    """The pages' one stylesheet: the lab template's (its light theme) and the report's rules."""
    from nbconvert import HTMLExporter

    folders = HTMLExporter(template_name="lab").template_paths
    parts = []
    for name in ("static/index.css", "static/theme-light.css"):
        found = next((Path(folder, name) for folder in folders if Path(folder, name).is_file()), None)
        if found is not None:  # a missing theme file leaves the page plainer, not broken
            parts.append(found.read_text(encoding="utf-8"))
    return "\n".join([*parts, template_text("lab-rules.css"), template_text("report.css")])


_HEADING = re.compile(r"^#\s+(?:\d+\.\s*)?(.+?)\s*$", re.MULTILINE)


def heading(notebook_source: str, fallback: str) -> str:
    """The first level-1 heading of a notebook's Markdown, without its number.

    >>> heading("# 2. The violations\\n\\nEvery use...", "02_violations")
    'The violations'
    >>> heading("no heading", "06_burndown")
    'Burndown'
    """
    found = _HEADING.search(notebook_source)
    if found:
        return found.group(1)
    return re.sub(r"^\d+[_ ]*", "", fallback).replace("_", " ").strip().capitalize() or fallback


def nav(pages: Sequence[tuple[str, str]], current: str | None) -> str:
    """The navigation bar: the overview, then every page (``(file name, heading)``).

    >>> nav([("02_violations.html", "The violations")], "index.html")  # doctest: +NORMALIZE_WHITESPACE
    '<nav class="wsaudit-nav" aria-label="Report pages"><a href="index.html" aria-current="page">Overview</a><a
    href="02_violations.html">The violations</a></nav>'
    """
    return render("nav.html.j2", links=[("index.html", "Overview"), *pages], current=current)


def notebook_heading(notebook: Path) -> str:
    """The heading of an executed notebook (its first Markdown cell's ``#`` line)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return heading(markdown, notebook.stem)


def to_html(notebook: Path, title: str, pages: Sequence[tuple[str, str]] = ()) -> Path:
    """Write the page of an executed ``notebook`` beside it, without code cells or prompts.

    Parameters
    ----------
    notebook : Path
        The executed notebook.
    title : str
        The report's title; the page is titled "<its heading> - <title>".
    pages : sequence of (file name, heading)
        Every page of the report, for the navigation bar (this one is marked current).

    Returns
    -------
    Path
        The HTML file (``notebook`` with the suffix ``.html``); ``style.css``, which it links,
        is written beside it.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(notebook, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    nb.metadata["title"] = f"{heading(markdown, notebook.stem)} - {title}"
    exporter = HTMLExporter(template_name="lab", template_file="wsaudit_page.html.j2",
                            extra_loaders=[DictLoader({"wsaudit_page.html.j2": template_text("notebook_page.html.j2")})],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            # the code highlighting's inline rules: no code is shown
                            config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}))
    target = notebook.with_suffix(".html")
    body, _ = exporter.from_notebook_node(nb, resources={
        "inlining": {"css": []}, "wsaudit_stylesheet": STYLESHEET, "wsaudit_nav": nav(pages or [(target.name, title)], target.name)})
    write_text(target.parent / STYLESHEET, stylesheet())
    write_text(target, body)
    return target
