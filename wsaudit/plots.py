"""Figures for the notebooks. Each function returns a :class:`matplotlib.figure.Figure`
built without pyplot, so nothing is shown or kept in global state as a side effect.
Layouts are deterministic (no random seeds involved)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
from matplotlib.figure import Figure

from wsaudit.model import CATEGORIES
from wsaudit.rank import TIERS, ModuleRank

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
