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
import html
import re
from collections.abc import Sequence
from pathlib import Path

from wsaudit.iorw import write_text

TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block extra_css %}{% endblock extra_css %}
{% block notebook_css %}<link rel="stylesheet" href="{{ resources.wsaudit_stylesheet }}">{% endblock notebook_css %}
{%- block body_header -%}
{{ super() }}
{{ resources.wsaudit_nav }}
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.wsaudit_nav }}
{{ super() }}
{% endblock body_footer %}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ ((output | get_metadata('alt', 'image/png')) or 'A figure of this report') | escape_html }}"
{%- set width=output | get_metadata('width', 'image/png') -%}
{%- if width is not none %} width="{{ width | escape_html }}"{%- endif %}>
</div>
{%- endblock data_png %}
"""

CSS = """
.wsaudit-nav { font: 14px/1.5 system-ui, sans-serif; margin: 0 0 1em; padding: .5em 0;
  border-bottom: 1px solid #ddd; }
.wsaudit-nav a { margin-right: 1.2em; }
.wsaudit-nav [aria-current] { font-weight: bold; color: inherit; text-decoration: none; }
table.wsaudit-table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; display: block;
  overflow-x: auto; max-width: 100%; }
table.wsaudit-table caption { caption-side: top; text-align: left; color: #555; padding-bottom: .3em; }
.jp-RenderedHTMLCommon table.wsaudit-table th, .jp-RenderedHTMLCommon table.wsaudit-table td,
table.wsaudit-table th, table.wsaudit-table td { padding: .25em .7em; border-bottom: 1px solid #e5e5e5;
  text-align: left; vertical-align: top; max-width: 32em; overflow-wrap: break-word; }
table.wsaudit-table th { border-bottom: 2px solid #bbb; }
.jp-RenderedHTMLCommon table.wsaudit-table .num, table.wsaudit-table .num { text-align: right;
  font-variant-numeric: tabular-nums; white-space: nowrap; }
.jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: transparent; }
"""

STYLESHEET = "style.css"  # beside the pages: one file for all of them

# what the lab template's own inline block did that these pages need: no anchor links beside
# the headings, no collapsers, outputs in the page's fonts, colours kept when printed
LAB_RULES = """
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
a.anchor-link, .jp-Collapser { display: none; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; }
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
"""


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
    return "\n".join([*parts, LAB_RULES, CSS])


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
    """The navigation bar: the overview, then every page (``(file name, heading)``)."""
    links = [("index.html", "Overview"), *pages]
    items = []
    for href, text in links:
        mark = ' aria-current="page"' if href == current else ""
        items.append(f'<a href="{html.escape(href)}"{mark}>{html.escape(text)}</a>')
    return f'<nav class="wsaudit-nav" aria-label="Report pages">{"".join(items)}</nav>'


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
                            extra_loaders=[DictLoader({"wsaudit_page.html.j2": TEMPLATE})],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            # the code highlighting's inline rules: no code is shown
                            config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}))
    target = notebook.with_suffix(".html")
    body, _ = exporter.from_notebook_node(nb, resources={
        "inlining": {"css": []}, "wsaudit_stylesheet": STYLESHEET, "wsaudit_nav": nav(pages or [(target.name, title)], target.name)})
    write_text(target.parent / STYLESHEET, stylesheet())
    write_text(target, body)
    return target
