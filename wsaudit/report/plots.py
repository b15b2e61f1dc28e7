"""Figures for the notebooks. Each function returns a :class:`matplotlib.figure.Figure`
built without pyplot, so nothing is shown or kept in global state as a side effect, with its
alt text (``fig.alt_text``: what the figure shows, in words, for screen readers and the
notebook's plain-text output). Layouts are deterministic: no random seed, no set order."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from wsaudit.model import CATEGORIES, TIERS, ModuleRank

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation

TIER_COLORS = {"P0": "#d62728", "P1": "#ff7f0e", "P2": "#7f7f7f", None: "#dddddd"}
SHIM_COLOR = "#3b3b6d"  # not a tier: the last wave, apart
CATEGORY_COLORS = dict(zip(CATEGORIES, ("#1f77b4", "#d62728", "#9467bd", "#2ca02c")))


def _short(module: str, parts: int = 2) -> str:
    return ".".join(module.split(".")[-parts:])


GOLDEN_FIGURE_MODULES = 40  # more boxes than this make a figure nobody can read


def golden_subgraph(G: nx.DiGraph, ranks: dict[str, ModuleRank], rows: list[dict[str, Any]],
                    most: int | None = None) -> nx.DiGraph:
    """The Golden Path modules and the chains that lead from them to violation-bearing modules.

    With ``most``, at most that many modules: the chains of the highest-scoring modules first
    (then the Golden Path modules on no chain, by name, while there is room); the graph's
    ``shown_chains`` and ``chains`` attributes say how many chains were drawn of how many."""
    reached = sorted((ranks[m] for m in {r["module"] for r in rows}
                      if m in ranks and ranks[m].golden_distance is not None), key=lambda r: (-r.score, r.module))
    golden = sorted(m for m, r in ranks.items() if r.golden_distance == 0)
    keep: set[str] = set()
    shown = 0
    for rank in reached:
        grown = keep | set(rank.golden_chain)
        if most is not None and len(grown) > most and keep:
            break
        keep, shown = grown, shown + 1
    for m in golden:
        if most is None or len(keep) < most or m in keep:
            keep.add(m)
    H = nx.DiGraph(shown_chains=shown, chains=len(reached))
    H.add_nodes_from(sorted(keep))
    H.add_edges_from(sorted(G.subgraph(keep).edges))
    return H


def layered_layout(H: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Columns by ``layer`` (import hops), modules sorted by name from top to bottom.

    networkx's ``multipartite_layout`` places nodes in an order that varies with Python's hash
    seed; this one depends on the names only.

    >>> H = nx.DiGraph(); H.add_node("b", layer=0); H.add_node("a", layer=0); H.add_node("c", layer=1)
    >>> layered_layout(H)
    {'a': (0.0, 0.5), 'b': (0.0, -0.5), 'c': (1.0, 0.0)}
    """
    columns: dict[int, list[str]] = {}
    for n in sorted(H):
        columns.setdefault(H.nodes[n]["layer"], []).append(n)
    pos = {}
    for x, layer in enumerate(sorted(columns)):
        members = columns[layer]
        for i, n in enumerate(members):
            pos[n] = (float(x), (len(members) - 1) / 2 - i)
    return dict(sorted(pos.items()))


def plot_golden_path(G: nx.DiGraph, ranks: dict[str, ModuleRank], rows: list[dict[str, Any]],
                     width: float = 11.0) -> Figure:
    """The Golden Path subgraph, laid out by import distance, violation-bearing modules
    coloured by the tier of their worst violation."""
    H = golden_subgraph(G, ranks, rows, GOLDEN_FIGURE_MODULES)
    worst: dict[str, str] = {}
    for r in rows:
        worst[r["module"]] = min(worst.get(r["module"], "P9"), r["tier"])
    for n in H:
        H.nodes[n]["layer"] = ranks[n].golden_distance or 0
    layers = Counter(H.nodes[n]["layer"] for n in H)
    height = max(3.5, 0.55 * max(layers.values(), default=1) + 1.5)
    width = max(width, 2.0 * len(layers) + 2.5)  # room for each column's heading
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    partial = H.graph["shown_chains"] < H.graph["chains"]
    ax.set_title("Golden Path and the import chains that reach deprecated uses"
                 + (f" (the {H.graph['shown_chains']} highest-scoring of {H.graph['chains']})" if partial else ""))
    ax.axis("off")
    if not len(H):
        ax.text(0.5, 0.5, "no Golden Path module in this tree", ha="center", va="center")
        fig.alt_text = "No Golden Path module in this tree: nothing to draw."
        return fig
    pos = layered_layout(H)
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
    hops = max(layers, default=0)
    marked = Counter(worst[n] for n in H if n in worst)
    fig.alt_text = (f"Import graph of the {layers.get(0, 0)} Golden Path modules and the modules they reach up to "
                    f"{hops} import hop{'s' if hops != 1 else ''} away, {len(H)} modules in all"
                    + (f" (the chains to the {H.graph['shown_chains']} highest-scoring of {H.graph['chains']} "
                       f"modules with violations)" if partial else "") + "; "
                    + ", ".join(f"{marked[t]} hold a {t} violation" for t in TIERS if marked[t]) + ".")
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
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, title="category")
    fig.alt_text = "Bar chart of violations per tier: " + "; ".join(
        f"{t} {total} (" + ", ".join(f"{counts[(t, c)]} {c}" for c in CATEGORIES if counts[(t, c)]) + ")"
        for t, total in zip(TIERS, bottom)) + "."
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
    ax.legend(handles=[Patch(color=TIER_COLORS[t], label=t) for t in TIERS], fontsize=8, frameon=False, title="tier")
    zero = sum(1 for r in rows if r["score"] == 0)
    ax.set_xlabel("module score (personalized PageRank from the Golden Path; a share of 1)")
    ax.set_ylabel("violations")
    ax.set_title(f"Score distribution ({zero} violations in unreached modules score 0)")
    scores = [r["score"] for r in rows if r["score"] > 0]
    fig.alt_text = (f"Histogram of the scores of {len(scores)} violations in modules the Golden Path reaches"
                    + (f", from {min(scores):.3f} to {max(scores):.3f}" if scores else "")
                    + f"; {zero} violations score 0.")
    return fig


STRATEGY_COLORS = {"tier": "#1f77b4", "centrality": "#d62728", "leaves-first": "#2ca02c",
                   "dependency-safe": "#9467bd", "random": "#7f7f7f"}
# told apart without colour too: each strategy its own dash pattern and marker
STRATEGY_STYLES = {"tier": ("-", "o"), "centrality": ("--", "s"), "leaves-first": (":", "^"),
                   "dependency-safe": ("-.", "D"), "random": ((0, (5, 1, 1, 1, 1, 1)), "v")}
_EXTRA_STYLES = [("-", "P"), ("--", "X"), (":", "*"), ("-.", "h")]


def burndown_series(simulation: Simulation, points: int = 400) -> dict[str, dict[str, np.ndarray]]:
    """Per strategy, on a grid of ``points`` instants from day 0 to the last run's end:
    p10/p50/p90 over the runs of the violations left (shim excluded) and of the Golden Path
    exposure left as a share of the starting exposure (so between 0 and 1).

    Sampled finely (not once a day), so that a plan of two days shows its waves."""
    horizon = max((r.times[-1] for runs in simulation.results.values() for r in runs if r.times), default=0.0)
    grid = np.linspace(0.0, horizon, points) if horizon > 0 else np.zeros(1)
    out = {}
    for name, runs in simulation.results.items():
        width = max((len(r.times) for r in runs), default=0)
        times = np.full((len(runs), width), np.inf)
        left = np.zeros((len(runs), width + 1))
        exposure = np.zeros((len(runs), width + 1))
        for i, r in enumerate(runs):
            n = len(r.times)
            times[i, :n] = r.times
            start_left, start_exposure = sum(r.start[0]), r.start[1]
            left[i, 0], exposure[i, 0] = start_left, 1.0 if start_exposure > 0 else 0.0
            left[i, 1:n + 1] = [sum(x) for x in r.remaining]
            exposure[i, 1:n + 1] = np.clip(np.asarray(r.exposure) / start_exposure, 0.0, 1.0) if start_exposure > 0 else 0.0
            left[i, n + 1:], exposure[i, n + 1:] = left[i, n], exposure[i, n]
        done = (times[:, :, None] <= grid[None, None, :]).sum(axis=1)  # waves completed at each instant
        rows = np.arange(len(runs))[:, None]
        series = {"day": grid}
        for key, values in (("left", left[rows, done]), ("exposure", exposure[rows, done])):
            p10, p50, p90 = np.percentile(values, [10, 50, 90], axis=0)
            series.update({f"{key}_p10": p10, f"{key}_p50": p50, f"{key}_p90": p90})
        out[name] = series
    return out


def plot_burndown(simulation: Simulation) -> Figure:
    """Violations left and Golden Path exposure left (a share of the start) over working days,
    per strategy: the median run as a line (its own colour, dash pattern and marker), the
    p10-p90 band of the runs shaded; the recommended strategy drawn thicker."""
    series = burndown_series(simulation)
    recommended = simulation.recommended()
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left_ax, right_ax = fig.subplots(1, 2)
    for k, (name, data) in enumerate(series.items()):
        color = STRATEGY_COLORS.get(name, f"C{k}")
        dash, marker = STRATEGY_STYLES.get(name, _EXTRA_STYLES[k % len(_EXTRA_STYLES)])
        every = max(len(data["day"]) // 8, 1)
        for ax, key in ((left_ax, "left"), (right_ax, "exposure")):
            ax.plot(data["day"], data[f"{key}_p50"], label=name, color=color, linestyle=dash, marker=marker,
                    markevery=(k * every // 5, every), markersize=5, linewidth=2.6 if name == recommended else 1.4,
                    drawstyle="steps-post")
            ax.fill_between(data["day"], data[f"{key}_p10"], data[f"{key}_p90"], color=color, alpha=0.10,
                            step="post", linewidth=0)
    left_ax.set_title("Violations left (shim excluded)")
    left_ax.set_ylabel("violations")
    right_ax.set_title("Golden Path exposure left (share of today's)")
    right_ax.set_ylabel("share of today's exposure")
    right_ax.set_ylim(0, 1.05)
    right_ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    for ax in (left_ax, right_ax):
        ax.set_xlabel("working days (line: median run; band: 80% of runs)")
        ax.set_xlim(left=0)
    left_ax.set_ylim(bottom=0)
    handles, labels = left_ax.get_legend_handles_labels()
    labels = [f"{n} (recommended)" if n == recommended else n for n in labels]
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=9, frameon=False,
               title="strategy")
    ends = {name: float(data["day"][np.argmax(data["left_p50"] <= 0)]) if (data["left_p50"] <= 0).any()
            else float(data["day"][-1]) for name, data in series.items()}
    fig.alt_text = ("Two line charts over working days, one line per migration strategy: violations left and the "
                    "share of Golden Path exposure left. In the median run the violations reach zero after "
                    + ", ".join(f"{days:.1f} days ({name})" for name, days in ends.items())
                    + f"; the recommended strategy is {recommended}.")
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
        color = SHIM_COLOR if shim else TIER_COLORS[min(u.tier for u in wave)]
        ax.barh(i, end - start, left=start, color=color, height=0.6)
        ax.plot([lo, hi], [i, i], color="black", linewidth=1)
        files = f"{len(wave)} file" + ("s" if len(wave) > 1 else "")
        label = "shim removal" if shim else f"{files}, {sum(u.violations for u in wave)} violations"
        ax.annotate(label, (hi, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(waves)), [f"wave {i + 1}" for i in range(len(waves))])
    ax.invert_yaxis()
    ax.set_xlabel("working days (bar: median run; whisker: p10-p90 of the end)")
    ax.set_title(f"Wave timeline ({strategy})")
    ax.set_xlim(0, float(ends.max()) * 1.3 if ends.size else 1)
    handles = [Patch(color=TIER_COLORS[t], label=f"worst violation {t}") for t in TIERS]
    handles += [Patch(color=SHIM_COLOR, label="shim removal"),
                Line2D([], [], color="black", linewidth=1, label="p10-p90 of the end")]
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    last = float(np.median(ends[:, -1])) if ends.size else 0.0
    fig.alt_text = (f"Timeline of the {len(waves)} waves of the {strategy} plan, one bar per wave coloured by its worst "
                    f"tier; the median run ends after {last:.1f} working days.")
    return fig


class Shown:
    """A figure as a notebook cell shows it: the PNG with its alt text in the output's
    metadata (the HTML page's ``alt``), and the alt text as the plain-text form (what nbval
    compares, and what a terminal shows)."""

    def __init__(self, fig: Figure, png: bytes):
        self.fig = fig
        self.png = png
        self.alt = getattr(fig, "alt_text", "") or (fig.axes[0].get_title() if fig.axes else "A figure")

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        width = int(self.fig.get_figwidth() * 110)
        return ({"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt},
                {"image/png": {"alt": self.alt, "width": width}})

    def __repr__(self) -> str:
        return self.alt


def save(fig: Figure, output_dir: str | None, name: str) -> Shown:
    """Also write ``fig`` as ``output_dir/name`` (PNG, no software/time metadata) when a
    folder is given; returns it for a notebook cell to show (see :class:`Shown`)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    if output_dir:
        from pathlib import Path

        (Path(output_dir) / name).write_bytes(buffer.getvalue())
    return Shown(fig, buffer.getvalue())
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
