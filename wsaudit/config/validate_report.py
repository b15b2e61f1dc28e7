"""The ``[report]`` table of a configuration checked: its title, Golden Path line, figure size,
source link template and baseline (a table of counts or a previous ``summary.json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wsaudit.config.checker import _Checker, _number_shown, _type_name
from wsaudit.config.settings import BASELINE_COUNTS, BASELINE_DAYS, BASELINE_KEYS, ReportBaseline, ReportSettings

REPORT_KEYS = ("title", "golden_path", "baseline", "figure_modules", "source_url")
SOURCE_URL_FIELDS = ("commit", "path", "line")  # what a [report] source_url may hold, in braces


def _validate_report(table: Any, check: _Checker, config_dir: str | None = None) -> ReportSettings | None:
    """``[report]``: ``title`` and ``golden_path`` are one line of text each; ``baseline`` is a
    table of counts (BASELINE_KEYS) or the root-relative path of a previous ``summary.json`` (from
    a ``--config`` file, ``config_dir``: any path, relative to that file's folder);
    ``figure_modules`` a whole number in its range (RANGES)."""
    if not isinstance(table, dict):
        check.problem("report", f"expected a table, got {_type_name(table)}")
        return None
    check.unknown(table, REPORT_KEYS, "report.")
    values: dict[str, Any] = {}
    ok = True
    for key in ("title", "golden_path"):
        if key in table:
            text = check.string(f"report.{key}", table[key])
            if text is not None and (not text.strip() or "\n" in text.strip()):
                check.problem(f"report.{key}", "expected one line of text")
                text = None
            if text is None:
                ok = False
            else:
                values[key] = text.strip()
    if "figure_modules" in table:
        number = check.number("report.figure_modules", table["figure_modules"])
        if number is None:
            ok = False
        else:
            values["figure_modules"] = int(number)
    if "source_url" in table:
        url = _validate_source_url(table["source_url"], check)
        if url is None:
            ok = False
        else:
            values["source_url"] = url
    if "baseline" in table:
        baseline = _validate_baseline(table["baseline"], check, config_dir)
        if baseline is None:
            ok = False
        else:
            values["baseline"] = baseline
    return ReportSettings(**values) if ok else None


def _validate_source_url(value: Any, check: _Checker) -> str | None:
    """``[report] source_url``: an http(s) link template whose only fields are ``{commit}``,
    ``{path}`` (required) and ``{line}``.

    >>> c = _Checker("wsaudit.toml")
    >>> _validate_source_url("https://git.example/o/r/blob/{commit}/{path}#L{line}", c), c.problems
    ('https://git.example/o/r/blob/{commit}/{path}#L{line}', [])
    >>> _validate_source_url("javascript:alert(1)//{path}", c), c.problems[0][1:]
    (None, ('report.source_url', "expected an http(s) address such as 'https://host/org/repo/blob/{commit}/{path}#L{line}', got 'javascript:alert(1)//{path}'"))
    """
    import string
    from urllib.parse import urlsplit

    key, example = "report.source_url", "'https://host/org/repo/blob/{commit}/{path}#L{line}'"
    url = check.string(key, value)
    if url is None:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not url.lower().startswith(("https://", "http://")) or not host or any(c.isspace() or ord(c) < 32 for c in url):
        check.problem(key, f"expected an http(s) address such as {example}, got {url!r}")
        return None
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(url)
                  if name is not None]
    except ValueError:
        fields = [("", "", "")]
    wrong = sorted({f"{{{name}}}" for name, spec, conversion in fields
                    if name not in SOURCE_URL_FIELDS or spec or conversion})
    if wrong:
        check.problem(key, f"{', '.join(wrong)}: the template may only hold {{commit}}, {{path}} and {{line}} "
                      f"(a brace of the address itself is written twice: {{{{ }}}})")
        return None
    if "path" not in {name for name, _, _ in fields}:
        check.problem(key, f"the template must hold {{path}} (the file, from the repository's top), e.g. {example}")
        return None
    return url


def _validate_baseline(value: Any, check: _Checker, config_dir: str | None = None) -> ReportBaseline | None:
    key = "report.baseline"
    if isinstance(value, str) and config_dir is not None:
        # a --config file is the user's own: its baseline may be any file, found from the file's folder
        if not value:
            check.problem(key, "expected the path of a previous summary.json, got an empty string")
            return None
        return ReportBaseline(path=value, base=config_dir)
    if isinstance(value, str):
        # inside the root, like `roots`: a configuration found in the tree must not make the
        # report read files elsewhere
        if not value or Path(value).is_absolute() or ".." in Path(value).parts:
            check.problem(key, f"{value!r} must be a file inside the audited root (a previous summary.json)")
            return None
        return ReportBaseline(path=value)
    if not isinstance(value, dict):
        check.problem(key, f"expected a table of counts or the path of a summary.json, got {_type_name(value)}")
        return None
    check.unknown(value, BASELINE_KEYS, f"{key}.")
    ok = True
    label = None
    if "label" in value:
        label = check.string(f"{key}.label", value["label"])
        ok = label is not None
    counts = []
    for name in (*BASELINE_COUNTS, *BASELINE_DAYS):
        if name not in value:
            continue
        number = value[name]
        if name in BASELINE_COUNTS:
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                check.problem(f"{key}.{name}", f"expected a whole number >= 0, got {_number_shown(number)}")
                ok = False
                continue
            number = check.number(f"{key}.{name}", number, "report.baseline.count")
        elif isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
            check.problem(f"{key}.{name}", f"expected a number of working days >= 0, got {_number_shown(number)}")
            ok = False
            continue
        else:
            number = check.number(f"{key}.{name}", number, "report.baseline.days")
        if number is None:
            ok = False
            continue
        counts.append((name, number))
    if ok and not counts:
        check.problem(key, f"names no figure (give some of: {', '.join((*BASELINE_COUNTS, *BASELINE_DAYS))})")
        ok = False
    return ReportBaseline(tuple(counts), label) if ok else None
