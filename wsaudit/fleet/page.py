"""The fleet report page: one self-contained HTML file (no script, no request: a
Content-Security-Policy that allows none), a function of the fleet result alone.

It answers, in order: how much is left across the fleet; which teams and repositories hold the
P0s; the suggested order across repositories (and why each one is where it is); which
repositories could not be audited, with the error; and, when runs are kept, the trend.
"""

from __future__ import annotations

from html import escape
from typing import Any

from wsaudit.model import CATEGORIES, TIERS

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
td.n,th.n{text-align:right}.p0{color:#a40000;font-weight:600}.err{color:#7a3e00}caption{text-align:left;font-weight:600}
.bar{fill:#a40000}.axis{stroke:#555}svg text{font:11px sans-serif}"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _table(caption: str, head: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    th = "".join(f'<th scope="col"{" class=n" if i in numeric else ""}>{_e(h)}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{_e(c)}</td>' for i, c in enumerate(r))
                   + "</tr>\n" for r in rows)
    return f"<table><caption>{_e(caption)}</caption><thead><tr>{th}</tr></thead><tbody>\n{body}</tbody></table>\n"


def _trend_svg(trend: list[dict[str, Any]]) -> str:
    """P0 uses per kept run, as bars, with its text alternative."""
    width, height, pad = 40 * len(trend) + 60, 160, 30
    top = max([t["P0"] for t in trend] + [1])
    bars = []
    for i, t in enumerate(trend):
        h = round((height - 2 * pad) * t["P0"] / top)
        x = pad + 10 + 40 * i
        bars.append(f'<rect class="bar" x="{x}" y="{height - pad - h}" width="24" height="{h}"/>'
                    f'<text x="{x}" y="{height - pad + 14}">{_e(t["run"])}</text>'
                    f'<text x="{x}" y="{height - pad - h - 4}">{t["P0"]}</text>')
    alt = "P0 uses per kept run: " + ", ".join(f"run {t['run']} {t['P0']}" for t in trend)
    return (f'<svg role="img" aria-label="{_e(alt)}" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(alt)}</title>'
            f'<line class="axis" x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}"/>'
            + "".join(bars) + "</svg>\n")


def fleet_page(document: dict[str, Any]) -> str:
    """The HTML of the fleet report (``index.html`` of ``wsaudit fleet --output DIR``)."""
    t = document["totals"]
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
             f"<title>{_e(document['title'])}: fleet</title><style>{_STYLE}</style></head><body>\n",
             f"<h1>{_e(document['title'])}</h1>\n",
             f"<p>{t['repositories']} repositories audited with <code>{_e(document['config'])}</code> "
             f"({t['failed']} could not be), {t['files']} files: <strong>{t['violations']} uses</strong> of the "
             f"deprecated API, <span class=p0>{t['P0']} P0</span> in {t['repositories_with_p0']} repositories, "
             f"{t['P1']} P1, {t['P2']} P2. The result as data: <a href=\"fleet.json\">fleet.json</a>, "
             f"<a href=\"fleet.csv\">fleet.csv</a>.</p>\n",
             "<h2>Who holds the P0s</h2>\n",
             _table("Teams, the most P0 uses first", ["team", "repositories", "could not be audited", *TIERS,
                                                        "uses"],
                    [[x["team"], x["repositories"], x["failed"], *(x[k] for k in TIERS), x["violations"]]
                     for x in document["teams"]], {1, 2, 3, 4, 5, 6}),
             "<h2>Suggested order across repositories</h2>\n<p>Most P0 uses first (uses on the Golden Path or "
             "reached from it), then P1, then the most uses; repositories with no use left are not listed.</p>\n",
             _table("The order", ["#", "repository", "team", "owner", *TIERS, "uses", "why here"],
                    [[o["rank"], o["name"], o["team"], o["owner"], *(o[k] for k in TIERS), o["violations"],
                      o["reason"]] for o in document["order"]], {0, 4, 5, 6, 7})]
    repos = document["repositories"]
    parts.append("<h2>Every repository</h2>\n")
    parts.append(_table("Uses per repository, by tier and category",
                        ["repository", "source", "revision", "commit", "team", "owner", "files", *TIERS,
                         *CATEGORIES],
                        [[r["name"], r["source"], r["revision"], (r["commit"] or "")[:12], r["team"], r["owner"],
                          r["files"], *((r["by_tier"] or {}).get(k) for k in TIERS),
                          *((r["by_category"] or {}).get(c) for c in CATEGORIES)] for r in repos],
                        set(range(6, 6 + len(TIERS) + len(CATEGORIES) + 1))))
    failed = [r for r in repos if r["error"] is not None]
    if failed:
        parts.append("<h2 class=err>Could not be audited</h2>\n")
        parts.append(_table("Repositories with an error (the others were audited)", ["repository", "source",
                                                                                     "error"],
                            [[r["name"], r["source"], r["error"]] for r in failed], set()))
    trend = document.get("trend")
    if trend:
        parts.append("<h2>Trend over the kept runs</h2>\n")
        parts.append(_trend_svg(trend))
        names = sorted({team for run in trend for team in run["teams"]})
        parts.append(_table("Per kept run: uses by tier, and P0 uses per team", ["run", "repositories", "failed",
                                                                                  "uses", *TIERS, *names],
                            [[r["run"], r["repositories"], r["failed"], r["violations"], *(r[k] for k in TIERS),
                              *(r["teams"].get(n, 0) for n in names)] for r in trend],
                            set(range(1, 7 + len(names)))))
    parts.append("</body></html>\n")
    return "".join(parts)
