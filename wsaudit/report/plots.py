"""Figures for the notebooks. Each function returns a :class:`matplotlib.figure.Figure`
built without pyplot, so nothing is shown or kept in global state as a side effect.
Layouts are deterministic (no random seeds involved)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx
from matplotlib.figure import Figure

from wsaudit.model import CATEGORIES, TIERS, ModuleRank

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation

TIER_COLORS = {"P0": "#d62728", "P1": "#ff7f0e", "P2": "#7f7f7f", None: "#dddddd"}
CATEGORY_COLORS = dict(zip(CATEGORIES, ("#1f77b4", "#d62728", "#9467bd", "#2ca02c")))


def _short(module: str, parts: int = 2) -> str:
    return ".".join(module.split(".")[-parts:])


def golden_subgraph(G: nx.DiGraph, ranks: dict[str, ModuleRank], rows: list[dict[str, Any]]) -> nx.DiGraph:
    """The Golden Path modules and the chains that lead from them to violation-bearing modules."""
    keep: set[str] = {m for m, r in ranks.items() if r.golden_distance == 0}
    for path_module in {r["module"] for r in rows}:
        rank = ranks.get(path_module)
        if rank is not None and rank.golden_distance is not None:
            keep.update(rank.golden_chain)
    H = nx.DiGraph()
    H.add_nodes_from(sorted(keep))
    H.add_edges_from(sorted(G.subgraph(keep).edges))
    return H


def plot_golden_path(G: nx.DiGraph, ranks: dict[str, ModuleRank], rows: list[dict[str, Any]],
                     width: float = 11.0) -> Figure:
    """The Golden Path subgraph, laid out by import distance, violation-bearing modules
    coloured by the tier of their worst violation."""
    H = golden_subgraph(G, ranks, rows)
    worst: dict[str, str] = {}
    for r in rows:
        worst[r["module"]] = min(worst.get(r["module"], "P9"), r["tier"])
    for n in H:
        H.nodes[n]["layer"] = ranks[n].golden_distance or 0
    layers = Counter(H.nodes[n]["layer"] for n in H)
    height = max(3.5, 0.55 * max(layers.values(), default=1) + 1.5)
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title("Golden Path and the import chains that reach deprecated uses")
    ax.axis("off")
    if not len(H):
        ax.text(0.5, 0.5, "no Golden Path module in this tree", ha="center", va="center")
        return fig
    pos = nx.multipartite_layout(H, subset_key="layer", align="vertical", scale=1.0)
    colors = [TIER_COLORS[worst.get(n)] for n in H]
    nx.draw_networkx_edges(H, pos, ax=ax, arrows=True, arrowsize=12, edge_color="#999999", node_size=900,
                           connectionstyle="arc3,rad=0.2", width=0.8)
    nx.draw_networkx_nodes(H, pos, ax=ax, node_color=colors, node_size=900, edgecolors="black", linewidths=0.5)
    for n, (x, y) in pos.items():
        ax.annotate(_short(n), (x, y), xytext=(0, -16), textcoords="offset points", ha="center", va="top",
                    fontsize=8)
    top = max(y for _, y in pos.values())
    for layer in sorted(layers):
        x = next(pos[n][0] for n in H if H.nodes[n]["layer"] == layer)
        label = "Golden Path" if layer == 0 else f"{layer} import hop{'s' if layer > 1 else ''} away"
        ax.annotate(label, (x, top), xytext=(0, 28), textcoords="offset points", ha="center", fontsize=9,
                    fontweight="bold")
    handles = [ax.scatter([], [], color=TIER_COLORS[t], label=f"worst violation {t}") for t in TIERS]
    handles.append(ax.scatter([], [], color=TIER_COLORS[None], label="no violation"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.margins(0.12)
    return fig


def plot_tiers_by_category(rows: list[dict[str, Any]]) -> Figure:
    """Violations per tier, stacked by category."""
    counts = Counter((r["tier"], r["category"]) for r in rows)
    fig = Figure(figsize=(7, 3.8), layout="constrained")
    ax = fig.add_subplot()
    bottom = [0] * len(TIERS)
    for category in CATEGORIES:
        heights = [counts[(t, category)] for t in TIERS]
        ax.bar(TIERS, heights, bottom=bottom, label=category, color=CATEGORY_COLORS[category])
        bottom = [b + h for b, h in zip(bottom, heights)]
    for i, total in enumerate(bottom):
        ax.annotate(str(total), (i, total), xytext=(0, 3), textcoords="offset points", ha="center")
    ax.set_ylabel("violations")
    ax.set_title("Violations per tier and category")
    ax.set_ylim(0, max(bottom, default=0) * 1.15 + 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return fig


def plot_score_distribution(rows: list[dict[str, Any]], bins: int = 20) -> Figure:
    """Histogram of violation scores per tier (scores of 0 — unreached modules — counted apart)."""
    fig = Figure(figsize=(7, 3.8), layout="constrained")
    ax = fig.add_subplot()
    positive = {t: [r["score"] for r in rows if r["tier"] == t and r["score"] > 0] for t in TIERS}
    data = [positive[t] for t in TIERS if positive[t]]
    if data:
        ax.hist(data, bins=bins, stacked=True, label=[t for t in TIERS if positive[t]],
                color=[TIER_COLORS[t] for t in TIERS if positive[t]])
        ax.legend(fontsize=8, frameon=False)
    zero = sum(1 for r in rows if r["score"] == 0)
    ax.set_xlabel("score (personalized PageRank from the Golden Path)")
    ax.set_ylabel("violations")
    ax.set_title(f"Score distribution ({zero} violations in unreached modules score 0)")
    return fig


STRATEGY_COLORS = {"tier": "#1f77b4", "centrality": "#d62728", "leaves-first": "#2ca02c",
                   "dependency-safe": "#9467bd", "random": "#7f7f7f"}


def plot_burndown(simulation: Simulation) -> Figure:
    """Violations left and Golden Path exposure left per day, per strategy: the median run
    as a line, the p10-p90 band of the runs shaded."""
    daily = simulation.daily()
    fig = Figure(figsize=(11, 4), layout="constrained")
    left_ax, right_ax = fig.subplots(1, 2)
    for name in simulation.results:
        rows = [r for r in daily if r["strategy"] == name]
        days = [r["day"] for r in rows]
        color = STRATEGY_COLORS.get(name, None)
        for ax, key in ((left_ax, "left_total"), (right_ax, "exposure")):
            ax.plot(days, [r[f"{key}_p50"] for r in rows], label=name, color=color, drawstyle="steps-post")
            ax.fill_between(days, [r[f"{key}_p10"] for r in rows], [r[f"{key}_p90"] for r in rows],
                            color=color, alpha=0.15, step="post", linewidth=0)
    left_ax.set_title("Violations left (shim excluded)")
    left_ax.set_ylabel("violations")
    right_ax.set_title("Golden Path exposure left (summed score)")
    right_ax.set_ylabel("exposure")
    for ax in (left_ax, right_ax):
        ax.set_xlabel("working days")
        ax.set_ylim(bottom=0)
    handles, labels = left_ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9, frameon=False)
    return fig


def plot_wave_timeline(simulation: Simulation, strategy: str) -> Figure:
    """When each wave of ``strategy`` ships: bars from the median start to the median end,
    whiskers over the p10-p90 of its completion day."""
    import numpy as np

    runs = simulation.results[strategy]
    waves = simulation.orders[strategy]
    ends = np.array([r.times for r in runs])
    starts = np.hstack([np.zeros((len(runs), 1)), ends[:, :-1]])
    fig = Figure(figsize=(9, 0.45 * len(waves) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    for i, wave in enumerate(waves):
        start, end = float(np.median(starts[:, i])), float(np.median(ends[:, i]))
        lo, hi = np.percentile(ends[:, i], [10, 90])
        shim = all(u.shim for u in wave)
        color = "#7f7f7f" if shim else TIER_COLORS[min(u.tier for u in wave)]
        ax.barh(i, end - start, left=start, color=color, height=0.6)
        ax.plot([lo, hi], [i, i], color="black", linewidth=1)
        files = f"{len(wave)} file" + ("s" if len(wave) > 1 else "")
        label = "shim removal" if shim else f"{files}, {sum(u.violations for u in wave)} violations"
        ax.annotate(label, (hi, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(waves)), [f"wave {i + 1}" for i in range(len(waves))])
    ax.invert_yaxis()
    ax.set_xlabel("working days (bar: median run; whisker: p10-p90 of the end)")
    ax.set_title(f"Wave timeline ({strategy}); colour: worst tier in the wave")
    ax.set_xlim(0, float(ends.max()) * 1.3 if ends.size else 1)
    return fig


def save(fig: Figure, output_dir: str | None, name: str) -> Figure:
    """Also write ``fig`` as ``output_dir/name`` (PNG, no software/time metadata) when a
    folder is given; returns the figure so that a notebook cell shows it."""
    if output_dir:
        from pathlib import Path

        fig.savefig(Path(output_dir) / name, dpi=110, metadata={"Software": None})
    return fig


AREA_COLORS = {"production": "#1f77b4", "tests": "#2ca02c", "total": "#000000"}


def plot_history_burndown(observed: list[dict[str, Any]], band: list[dict[str, Any]],
                          pace_factor: float | None = None, title: str = "") -> Figure:
    """The actual burndown per tier, per area and in total as steps, against the plan's median
    (dashed) and p10-p90 band (shaded) from the start commit; flagged steps marked with a dotted
    line and their flag; in the total, the uses hidden in files that do not parse added back
    (grey) and the plan at the observed pace (dotted)."""
    fig = Figure(figsize=(15, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    days = [r["day"] for r in band]
    x = [o["day"] for o in observed]
    panels = ((TIERS, TIER_COLORS, "tier"), (("production", "tests"), AREA_COLORS, "area"),
              (("total",), AREA_COLORS, "total"))
    for ax, (keys, colors, label) in zip(axes, panels):
        for key in keys:
            color = colors[key]
            ax.fill_between(days, [r[f"{key}_p10"] for r in band], [r[f"{key}_p90"] for r in band], color=color,
                            alpha=0.15, step="post", linewidth=0)
            ax.plot(days, [r[f"{key}_p50"] for r in band], color=color, linestyle="--", linewidth=1,
                    drawstyle="steps-post", label=f"{key} (plan p50, p10-p90)" if label == "total" else None)
            ax.plot(x, [o[key] for o in observed], color=color, linewidth=2, drawstyle="steps-post", marker="o",
                    markersize=3, label=f"{key} (actual)")
        ax.set_title("Violations left, in total" if label == "total" else f"Violations left per {label}")
        ax.set_xlabel("working days since the start commit")
    total_ax = axes[2]
    total_ax.plot(x, [o["total"] + o["suspects"] for o in observed], color="#999999", linewidth=1,
                  drawstyle="steps-post", label="with the uses hidden in broken files")
    if pace_factor:
        total_ax.plot([d / pace_factor for d in days], [r["total_p50"] for r in band], color="black", linestyle=":",
                      linewidth=1.5, drawstyle="steps-post", label=f"plan at the observed pace ({pace_factor:.2f}x)")
    right = max(days[-1] if days else 0, x[-1] if x else 0) + 0.5
    for ax in axes:
        for o in observed:
            if o["flag"]:
                ax.axvline(o["day"], color="#555555", linestyle=":", linewidth=1)
                ax.annotate(o["flag"], (o["day"], 0.98), xycoords=("data", "axes fraction"), xytext=(2, 0),
                            textcoords="offset points", rotation=90, va="top", fontsize=8, color="#555555")
        ax.set_xlim(0, right)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, frameon=False, loc="lower left" if ax is total_ax else "upper right")
    axes[0].set_ylabel("violations (solid: actual; dashed and band: plan)")
    if title:
        fig.suptitle(title)
    return fig
