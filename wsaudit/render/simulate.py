"""``wsaudit simulate``: the strategies compared (table, JSON, CSV) and the wave plan (CSV, Markdown)."""

from __future__ import annotations

from typing import Any

from wsaudit.analysis.simulate import EXTRA_MEASURES, MEASURES, Simulation, automation_sentence
from wsaudit.analysis.waves import PLAN_FIELDS
from wsaudit.errors import UsageError
from wsaudit.model import CATEGORIES
from wsaudit.render.text import dumps, rows_csv

QUANTILES = ("p10", "p50", "p90", "mean")


def plan_markdown(simulation: Simulation, strategy: str) -> str:
    """The wave plan as Markdown: a section per wave."""
    rows = simulation.plan_rows(strategy)
    s = simulation.model.settings
    lines = [f"# Wave plan ({strategy})", "",
             (f"{len(rows)} files in {max((r['wave'] for r in rows), default=0)} waves; "
             f"{s.capacity_hours_per_day:g} team hours a day, {s.validation_hours:g} h validation per wave."), ""]
    for number in sorted({r["wave"] for r in rows}):
        mine = [r for r in rows if r["wave"] == number]
        hours = sum(r["hours"] for r in mine) + s.validation_hours
        if all(r["shim"] for r in mine):
            title = "remove the shim"
        elif all(r.get("automatable") for r in mine):
            title = f"{len(mine)} files the codemod rewrites: run `wsaudit migrate --wave {number}`, then review"
        else:
            title = f"{len(mine)} files"
        lines.append(f"## Wave {number}: {title}, about {hours:.1f} hours")
        lines.append("")
        lines.append("| path | tier | violations | " + " | ".join(c.split("-")[1] for c in CATEGORIES) + " | hours |")
        lines.append("| --- | --- | ---: | " + " | ".join("---:" for _ in CATEGORIES) + " | ---: |")
        for r in mine:
            lines.append(f"| `{r['path']}` | {r['tier']} | {r['violations']} | "
                         + " | ".join(str(r[c]) for c in CATEGORIES) + f" | {r['hours']:.2f} |")
        lines.append("")
        tests = mine[0]["tests"].split()
        lines.append("Tests to run after it: " + (", ".join(f"`{t}`" for t in tests) if tests else "none found") + ".")
        lines.append("")
    return "\n".join(lines)


def comparison_table(document: dict[str, Any]) -> str:
    """The strategies compared, as a Markdown table (p50 and p90 over the runs)."""
    head = ("| strategy | waves p50 | days to zero P0 p50 (p90) | days to done p50 (p90) | exposure-days p50 | "
            "broken imports |")
    lines = [head, "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for s in document["strategies"]:
        mark = " (recommended)" if s["name"] == document["recommended"] else ""
        lines.append(
            f"| {s['name']}{mark} | {s['waves']['p50']:g} | {s['days_to_zero_p0']['p50']:.2f} "
            f"({s['days_to_zero_p0']['p90']:.2f}) | {s['days_to_done']['p50']:.2f} ({s['days_to_done']['p90']:.2f}) | "
            f"{s['exposure_days']['p50']:.3f} | {s['broken_imports']['p50']:g} |")
    return "\n".join(lines) + "\n"


def plan_files(simulation: Simulation, strategy: str, target: str) -> dict[str, str]:
    """The plan's CSV and Markdown twin: ``{"x.csv": text, "x.md": text}`` for ``target``
    ``x.csv`` or ``x.md`` (any other name gets both suffixes appended)."""
    stem = target[: -len(".csv")] if target.endswith(".csv") else target.removesuffix(".md")
    return {f"{stem}.csv": rows_csv(simulation.plan_rows(strategy), PLAN_FIELDS),
            f"{stem}.md": plan_markdown(simulation, strategy)}


def render_simulation(fmt: str, document: dict[str, Any]) -> str:
    """The comparison of :meth:`Simulation.document` in ``fmt`` (table, json, csv)."""
    if fmt == "json":
        return dumps(document)
    if fmt == "csv":
        measures = (*MEASURES, *EXTRA_MEASURES)
        fields = ["name", *(f"{m}_{q}" for m in measures for q in QUANTILES)]
        rows = [{"name": s["name"], **{f"{m}_{q}": s[m][q] for m in measures for q in QUANTILES}}
                for s in document["strategies"]]
        return rows_csv(rows, fields)
    if fmt == "table":
        p = document["parameters"]
        return (f"{p['files']} files, {p['violations']} violations; {p['runs']} runs, seed {p['seed']}\n\n"
                + comparison_table(document) + "\n" + automation_sentence(document) + "\n"
                + (document["calibration_sentence"] + "\n" if document.get("calibration_sentence") else ""))
    raise UsageError(f"unknown simulate format {fmt!r}")


def render_backtest(fmt: str, document: dict[str, Any]) -> str:
    """``simulate --backtest REV``: the plans made at REV against what happened after it."""
    if fmt == "json":
        return dumps(document)
    tiers = ("P0", "P1", "P2")
    if fmt == "csv":
        rows = [{"plan": label, "tier": t, "planned_days": document[label]["planned_days_to_zero"][t],
                 "observed_days": document["observed_days_to_zero"][t], "error_days": document[label]["error_days"][t]}
                for label in ("default", "calibrated") for t in tiers]
        return rows_csv(rows, ["plan", "tier", "planned_days", "observed_days", "error_days"])
    if fmt != "table":
        raise UsageError(f"unknown simulate format {fmt!r}")
    lines = [f"Back-test at {document['rev'][:12]} ({document['date'][:10]}): working days from it to the day each "
             "tier reached zero (outside the shim), and the mean error in working days of each fall of the tier's "
             "count (the burndown)", "",
             "| tier | actual | default plan (error) | calibrated plan (error) | burndown error: default | calibrated |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def cell(label: str, t: str) -> str:
        err = document[label]["error_days"][t]
        shown = f"{err:+.2f}" if err is not None else "n/a"
        return f"{document[label]['planned_days_to_zero'][t]:.2f} ({shown})"

    def burn(label: str, t: str) -> str:
        mae = document[label]["burndown"][t]["mean_abs_error_days"]
        return f"{mae:.2f}" if mae is not None else "no fall"

    for t in tiers:
        seen = document["observed_days_to_zero"][t]
        lines.append(f"| {t} | {f'{seen:.2f}' if seen is not None else 'not reached'} | {cell('default', t)} | "
                     f"{cell('calibrated', t)} | {burn('default', t)} | {burn('calibrated', t)} |")
    lines += ["", document["calibration_sentence"]]
    d, c = document["default"]["error_days"]["P0"], document["calibrated"]["error_days"]["P0"]
    if d is not None and c is not None:
        lines.append(f"Error on the day of the last P0: default {abs(d):.2f} working days, calibrated {abs(c):.2f}.")
    return "\n".join(lines) + "\n"
