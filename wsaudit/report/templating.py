"""The report's HTML comes from Jinja2 templates (``templates/``), never from Python strings.

One environment for the package: autoescaping on (every value a template prints is escaped
unless it is marked safe: a fragment another template made), undefined names an error (a
misspelt field fails a test instead of printing nothing), and whitespace control so the
templates can be indented for people without indenting the pages.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).with_name("templates")


@functools.cache
def environment():
    """The package's Jinja2 environment (made once)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(FOLDER)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=False)


def render(name: str, **context: Any) -> str:
    """The template ``templates/NAME`` rendered with ``context``.

    >>> render("paragraph.html.j2", text="a < b", strong=False)
    '<p>a &lt; b</p>'
    """
    return environment().get_template(name).render(**context)


def template_text(name: str) -> str:
    """The text of ``templates/NAME`` as it is (a stylesheet, or a template another engine loads)."""
    return (FOLDER / name).read_text(encoding="utf-8")


def fragment(html_text: str):
    """``html_text`` marked as HTML another template made (not escaped again)."""
    from markupsafe import Markup

    return Markup(html_text)
