"""Figures for the notebooks. Each function returns a :class:`matplotlib.figure.Figure`
built without pyplot, so nothing is shown or kept in global state as a side effect, with its
alt text (``fig.alt_text``: what the figure shows, in words, for screen readers and the
notebook's plain-text output). Layouts are deterministic: no random seed, no set order."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from wsaudit.config import ReportSettings
from wsaudit.model import CATEGORIES, TIERS, ModuleRank

if TYPE_CHECKING:
    from wsaudit.analysis.simulate import Simulation

TIER_COLORS = {"P0": "#d62728", "P1": "#ff7f0e", "P2": "#7f7f7f", None: "#dddddd"}
SHIM_COLOR = "#3b3b6d"  # not a tier: the last wave, apart
CATEGORY_COLORS = dict(zip(CATEGORIES, ("#1f77b4", "#d62728", "#9467bd", "#2ca02c")))


def _short(module: str, parts: int = 2) -> str:
    return ".".join(module.split(".")[-parts:])


# [report] figure_modules's default: more boxes than this make a figure nobody can read
GOLDEN_FIGURE_MODULES = ReportSettings.figure_modules


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


def barycenter_order(H: nx.DiGraph, layer: str = "layer", sweeps: int = 4) -> dict[int, list[str]]:
    """The nodes of each layer (node attribute ``layer``) in an order with few edge crossings
    between neighbouring layers: the barycenter heuristic of layered (Sugiyama) drawing.

    networkx's ``multipartite_layout`` places the layers but does not order their nodes (its
    notes say it does not try to minimize crossings), so each layer is ordered here: starting
    from the names, each node is moved to the mean position of its neighbours in the layer
    before it (sweeping down the layers), then in the layer after it (sweeping up), ``sweeps``
    times; a node with no neighbour there keeps its place, ties keep the earlier order. The
    order kept is the one with the fewest crossings seen (:func:`layer_crossings`), so it never
    has more than the names' order. It depends on the names and edges only, not on the hash seed.

    >>> H = nx.DiGraph([("g", "b"), ("g", "a"), ("a", "y"), ("b", "x")])
    >>> nx.set_node_attributes(H, {"g": 0, "a": 1, "b": 1, "x": 2, "y": 2}, "layer")
    >>> layer_crossings(H, {0: ["g"], 1: ["a", "b"], 2: ["x", "y"]})  # by name: a -> y crosses b -> x
    1
    >>> order = barycenter_order(H)
    >>> order, layer_crossings(H, order)
    ({0: ['g'], 1: ['a', 'b'], 2: ['y', 'x']}, 0)
    """
    layers: dict[int, list[str]] = {}
    for n in sorted(H):
        layers.setdefault(H.nodes[n][layer], []).append(n)
    order = {k: layers[k] for k in sorted(layers)}
    keys = list(order)
    best, fewest = {k: list(v) for k, v in order.items()}, layer_crossings(H, order, layer)
    U = H.to_undirected(as_view=True)

    def place(layer_key: int, beside: int) -> None:
        where = {n: i - (len(order[beside]) - 1) / 2 for i, n in enumerate(order[beside])}
        mine = order[layer_key]
        centre = (len(mine) - 1) / 2

        def key(item: tuple[int, str]) -> tuple[float, int]:
            i, n = item
            near = [where[m] for m in U[n] if m in where]
            return (sum(near) / len(near) if near else i - centre, i)

        order[layer_key] = [n for _, n in sorted(enumerate(mine), key=key)]

    for _ in range(sweeps):
        for before, current in pairwise(keys):
            place(current, before)
        for after, current in pairwise(keys[::-1]):
            place(current, after)
        crossings = layer_crossings(H, order, layer)
        if crossings < fewest:
            best, fewest = {k: list(v) for k, v in order.items()}, crossings
    return best


def layer_crossings(H: nx.DiGraph, order: dict[int, list[str]], layer: str = "layer") -> int:
    """How many pairs of edges cross between neighbouring layers, the nodes of each layer
    placed in ``order`` (edges within a layer or across several are not counted).

    >>> H = nx.DiGraph([("a", "d"), ("b", "c")])
    >>> nx.set_node_attributes(H, {"a": 0, "b": 0, "c": 1, "d": 1}, "layer")
    >>> layer_crossings(H, {0: ["a", "b"], 1: ["c", "d"]}), layer_crossings(H, {0: ["a", "b"], 1: ["d", "c"]})
    (1, 0)
    """
    rank = {n: i for members in order.values() for i, n in enumerate(members)}
    keys = sorted(order)
    total = 0
    for upper, lower in pairwise(keys):
        pairs = sorted((rank[a], rank[b]) for a, b in H.edges
                       for a, b in ((a, b), (b, a)) if H.nodes[a][layer] == upper and H.nodes[b][layer] == lower)
        total += sum(1 for i, (a1, b1) in enumerate(pairs) for a2, b2 in pairs[i + 1:] if a1 < a2 and b1 > b2)
    return total


def layered_layout(H: nx.DiGraph, layer: str = "layer") -> dict[str, tuple[int, float]]:
    """Each node's (column, row): columns by ``layer`` (import hops), rows in
    :func:`barycenter_order`, where networkx's ``multipartite_layout`` places them (each column
    centred on the tallest: beside a column of 2, one node is at row 0.5). Rows count from the top.

    >>> H = nx.DiGraph([("g", "b"), ("g", "a")])
    >>> nx.set_node_attributes(H, {"g": 0, "a": 1, "b": 1}, "layer")
    >>> layered_layout(H)
    {'a': (1, 0.0), 'b': (1, 1.0), 'g': (0, 0.5)}
    """
    order = barycenter_order(H, layer)
    if not order:
        return {}
    # multipartite_layout keeps the order of a layer given as a list (a layer it finds from the
    # attribute is a set, whose order follows the hash seed); it puts the first at the bottom
    pos = nx.multipartite_layout(H, subset_key={k: members[::-1] for k, members in order.items()})
    tallest = max(order.values(), key=len)
    # one row or column apart, in the rescaled coordinates (rescaled alike in x and y, centred on 0)
    if len(tallest) > 1:
        unit = float(pos[tallest[0]][1] - pos[tallest[1]][1])
    elif len(order) > 1:
        first, second = (members[0] for members in list(order.values())[:2])
        unit = float(pos[second][0] - pos[first][0])
    else:
        unit = 1.0
    column = {k: i for i, k in enumerate(order)}
    return {n: (column[H.nodes[n][layer]], round((len(tallest) - 1) / 2 - float(pos[n][1]) / unit, 6) + 0.0)
            for n in sorted(H)}


LABEL_POINTS, HEADING_POINTS, TITLE_POINTS = 8.0, 9.0, 11.0  # font sizes of the Golden Path figure


def _text_inches(text: str, points: float, bold: bool = False) -> float:
    """How wide ``text`` is drawn, in inches (measured with the font, not guessed from its length)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=points, weight="bold" if bold else "normal")
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0] / 72


def _lighter(color: str, share: float = 0.45) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return tuple(c + (1 - c) * share for c in to_rgb(color))


def plot_golden_path(G: nx.DiGraph, ranks: dict[str, ModuleRank], rows: list[dict[str, Any]],
                     width: float = 6.0, most: int | None = GOLDEN_FIGURE_MODULES) -> Figure:
    """The Golden Path subgraph, at most ``most`` modules (``[report] figure_modules``: the
    chains of the highest scores first, :func:`golden_subgraph`), laid out in layers by import
    distance (:func:`layered_layout`), each module a box filled by the tier of its worst
    violation, Golden Path modules with a thick border.

    The figure is as big as its boxes need, measured from their text: no two labels overlap,
    whatever the names and however many modules (``width`` is the least width, in inches)."""
    H = golden_subgraph(G, ranks, rows, most)
    worst: dict[str, str] = {}
    for r in rows:
        worst[r["module"]] = min(worst.get(r["module"], "P9"), r["tier"])
    for n in H:
        H.nodes[n]["layer"] = ranks[n].golden_distance or 0
    layers = Counter(H.nodes[n]["layer"] for n in H)
    partial = H.graph["shown_chains"] < H.graph["chains"]
    title = ("Golden Path and the import chains that reach deprecated uses"
             + (f" (the {H.graph['shown_chains']} highest-scoring of {H.graph['chains']})" if partial else ""))

    def heading(layer: int) -> str:
        return "Golden Path" if layer == 0 else f"{layer} import hop{'s' if layer > 1 else ''} away"

    labels = {n: _short(n) for n in H}
    pad = 0.35 * LABEL_POINTS / 72  # the box around a label, each side (boxstyle pad, in inches)
    box = {n: _text_inches(labels[n], LABEL_POINTS) + 2 * pad for n in H}
    widest = max([*box.values(), *(_text_inches(heading(k), HEADING_POINTS, True) for k in layers)], default=1.0)
    pitch_x = widest + 0.55  # a column: the widest box or heading, and room for the arrows between
    pitch_y = 1.2 * LABEL_POINTS / 72 + 2 * pad + 0.16
    tallest = max(layers.values(), default=1)
    heading_room, title_room, margin, legend_room = 0.35, 0.45, 0.15, 1.9
    drawing = (len(layers) * pitch_x, tallest * pitch_y + heading_room)
    fig_w = max(width, drawing[0] + 2 * margin + legend_room, _text_inches(title, TITLE_POINTS) + 2 * margin)
    fig_h = max(2.5, drawing[1] + title_room + 2 * margin)
    fig = Figure(figsize=(fig_w, fig_h))
    # one unit of the axes is one inch, so that what is measured in inches is where it is drawn
    ax = fig.add_axes((margin / fig_w, margin / fig_h, drawing[0] / fig_w, drawing[1] / fig_h))
    ax.set_xlim(0, drawing[0])
    ax.set_ylim(-drawing[1], 0)
    ax.axis("off")
    fig.text(margin / fig_w, 1 - margin / fig_h, title, ha="left", va="top", fontsize=TITLE_POINTS)
    if not len(H):
        ax.text(0.5, 0.5, "no Golden Path module in this tree", ha="center", va="center", transform=ax.transAxes)
        ax.legend(handles=[Patch(color=TIER_COLORS[None], label="no module")], loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
        fig.alt_text = "No Golden Path module in this tree: nothing to draw."
        return fig
    grid = layered_layout(H)
    column_of = {k: i for i, k in enumerate(sorted(layers))}
    where = {n: ((c + 0.5) * pitch_x, -heading_room - (r + 0.5) * pitch_y) for n, (c, r) in grid.items()}
    for layer, c in column_of.items():
        ax.text((c + 0.5) * pitch_x, -heading_room / 2, heading(layer), ha="center", va="center",
                fontsize=HEADING_POINTS, fontweight="bold")
    _draw_golden_edges(ax, H, where, box)
    for n in sorted(H):
        x, y = where[n]
        golden = ranks[n].golden_distance == 0
        ax.text(x, y, labels[n], ha="center", va="center", fontsize=LABEL_POINTS, zorder=3,
                fontweight="bold" if golden else "normal",
                bbox={"boxstyle": f"round,pad={pad * 72 / LABEL_POINTS:.3f}", "facecolor": _lighter(TIER_COLORS[worst.get(n)]),
                      "edgecolor": "black", "linewidth": 1.6 if golden else 0.5})
    fig.legend(handles=_golden_legend_handles(), loc="upper left", fontsize=8, frameon=False,
               bbox_to_anchor=((margin + drawing[0] + 0.15) / fig_w, 1 - (margin + title_room) / fig_h))
    fig.alt_text = _golden_alt_text(H, layers, worst, partial)
    return fig


def _draw_golden_edges(ax: Any, H: nx.DiGraph, where: dict[str, tuple[float, float]],
                       box: dict[str, float]) -> None:
    """Draw each import of the Golden Path figure as an arrow between the sides of its boxes."""
    from matplotlib.patches import FancyArrowPatch

    for a, b in sorted(H.edges):
        (xa, ya), (xb, yb) = where[a], where[b]
        if xb > xa:  # forward: from the right side of a's box to the left side of b's
            start, end, bend = (xa + box[a] / 2, ya), (xb - box[b] / 2, yb), 0.0
        elif xb == xa:  # within a column: out of the left sides, bowed
            start, end, bend = (xa - box[a] / 2, ya), (xb - box[b] / 2, yb), 0.5 if yb < ya else -0.5
        else:  # back towards the Golden Path
            start, end, bend = (xa - box[a] / 2, ya), (xb + box[b] / 2, yb), 0.25
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8, color="#8c8c8c", linewidth=0.7,
                                     connectionstyle=f"arc3,rad={bend}", shrinkA=0, shrinkB=0, zorder=1))


def _golden_legend_handles() -> list[Patch]:
    """The Golden Path figure's legend: a box per tier's fill, no violation, and the Golden Path border."""
    handles = [Patch(facecolor=_lighter(TIER_COLORS[t]), edgecolor="black", linewidth=0.5, label=f"worst violation {t}")
               for t in TIERS]
    handles.append(Patch(facecolor=_lighter(TIER_COLORS[None]), edgecolor="black", linewidth=0.5, label="no violation"))
    handles.append(Patch(facecolor="white", edgecolor="black", linewidth=1.6, label="Golden Path module"))
    return handles


def _golden_alt_text(H: nx.DiGraph, layers: Counter[int], worst: dict[str, str], partial: bool) -> str:
    """The Golden Path figure's alternative text: how many modules, how far, which tiers they hold."""
    hops = max(layers, default=0)
    marked = Counter(worst[n] for n in H if n in worst)
    return (f"Import graph of the {layers.get(0, 0)} Golden Path modules and the modules they reach up to "
            f"{hops} import hop{'s' if hops != 1 else ''} away, {len(H)} modules in all"
            + (f" (the chains to the {H.graph['shown_chains']} highest-scoring of {H.graph['chains']} "
               f"modules with violations)" if partial else "") + "; "
            + ", ".join(f"{marked[t]} hold a {t} violation" for t in TIERS if marked[t]) + ".")


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


def plot_backtest(observed: list[dict[str, Any]], bands: dict[str, list[dict[str, Any]]],
                  errors: dict[str, dict[str, float | None]], title: str = "") -> Figure:
    """The back-test: per tier, what was left after the start commit (steps, the actual) against
    each plan's median from that commit (``bands``: label -> :func:`wsaudit.history.burndown.band`
    rows; dashed the first, dotted the others), each panel titled with each plan's error in
    working days on the day the tier reached zero."""
    fig = Figure(figsize=(15, 4.4), layout="constrained")
    axes = fig.subplots(1, 3)
    x = [o["day"] for o in observed]
    styles = ("--", ":", "-.")
    for ax, tier in zip(axes, TIERS):
        color = TIER_COLORS[tier]
        ax.plot(x, [o[tier] for o in observed], color=color, linewidth=2, drawstyle="steps-post", marker="o",
                markersize=3, label="actual")
        for style, (label, band) in zip(styles, bands.items()):
            ax.plot([r["day"] for r in band], [r[f"{tier}_p50"] for r in band], color="black", linestyle=style,
                    linewidth=1.2, drawstyle="steps-post", label=f"{label} plan (p50)")
        said = "; ".join(f"{label} {e[tier]:+.1f} d" if e.get(tier) is not None else f"{label} n/a"
                         for label, e in errors.items())
        ax.set_title(f"{tier} left (error: {said})", fontsize=10)
        ax.set_xlabel("working days since the back-test commit")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8, frameon=False, loc="upper right")
    axes[0].set_ylabel("violations left")
    if title:
        fig.suptitle(title)
    p0 = "; ".join(f"{label} {e['P0']:+.1f} working days" for label, e in errors.items() if e.get("P0") is not None)
    fig.alt_text = ("Back-test: violations left per tier after the start commit, actual against each plan's median. "
                    + (f"Error on the day P0 reached zero: {p0}." if p0 else "P0 did not reach zero in the history."))
    return fig
