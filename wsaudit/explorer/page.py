"""The explorer's page: one self-contained HTML document around :func:`~wsaudit.explorer.data.explorer_data`'s
document, Cytoscape.js written into it (:mod:`wsaudit.explorer`)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from typing import Any

VENDORED = {"name": "Cytoscape.js", "version": "3.35.0", "licence": "MIT", "file": "vendor/cytoscape.min.js"}
_PLACEHOLDER = re.compile(r"%%([A-Z_]+)%%")


def _vendor(name: str) -> str:
    return (resources.files("wsaudit.explorer") / "vendor" / name).read_text(encoding="utf-8")


def embed_json(document: Any) -> str:
    """JSON safe inside a ``<script>`` element whatever its strings hold: sorted keys, ASCII,
    and ``<``, ``>``, ``&`` escaped (they can only be inside strings, where ``\\u003c`` means
    the same character to ``JSON.parse``).

    >>> embed_json({"b": "</script><!--", "a": "&"})
    '{"a":"\\\\u0026","b":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _nav(pages: Sequence[tuple[str, str]]) -> str:
    if not pages:
        return ""
    links = [("index.html", "Overview"), *pages]
    items = "".join(f'<a href="{html.escape(href)}"'
                    + (' aria-current="page"' if href == "explorer.html" else "")
                    + f">{html.escape(text)}</a>" for href, text in links)
    return f'<nav class="wsaudit-nav" aria-label="Report pages">{items}</nav>'


def explorer_page(document: dict[str, Any], pages: Sequence[tuple[str, str]] = ()) -> str:
    """The HTML page around :func:`explorer_data`'s document; ``pages`` (``(file, heading)``)
    adds the report's navigation bar (the overview first)."""
    title = document.get("title") or "Import graph"
    parts = {"TITLE": html.escape(f"Import graph explorer - {title}"), "NAV": _nav(pages), "CSS": CSS,
             "VENDOR_NOTE": f"{VENDORED['name']} {VENDORED['version']}, {VENDORED['licence']} licence",
             "LIBRARY": _vendor("cytoscape.min.js"), "APP": APP, "DATA": embed_json(document)}
    # one pass: a part's own text (a title, the data) is never searched for another placeholder
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], PAGE)


CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; display: flex;
  flex-direction: column; }
header { padding: .4em 1em; border-bottom: 1px solid #ddd; }
header h1 { font-size: 1.25em; margin: .1em 0; display: inline-block; margin-right: 1em; }
.wsaudit-nav { font-size: 13px; display: inline-block; }
.wsaudit-nav a { margin-right: 1em; }
.wsaudit-nav [aria-current] { font-weight: bold; color: inherit; text-decoration: none; }
#controls { display: flex; flex-wrap: wrap; gap: .3em 1.2em; align-items: center; padding: .3em 1em;
  border-bottom: 1px solid #eee; font-size: 13px; }
#controls fieldset { border: 0; padding: 0; margin: 0; display: inline-flex; gap: .5em; align-items: center; }
#controls legend { float: left; font-weight: 600; margin-right: .4em; padding: 0; }
#main { flex: 1; display: flex; min-height: 0; }
#cy { flex: 1; min-width: 0; background: #fcfcfc; }
#panel { width: 380px; overflow-y: auto; border-left: 1px solid #ddd; padding: .6em 1em; font-size: 13px; }
#panel h2 { font-size: 1.1em; margin: .2em 0 .4em; overflow-wrap: anywhere; }
#panel h3 { font-size: 1em; margin: 1em 0 .3em; }
#panel ul, #panel ol { padding-left: 1.3em; margin: .2em 0; }
#panel li { margin: .15em 0; overflow-wrap: anywhere; }
#panel code, #panel pre { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
#panel pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: .2em .4em; margin: .2em 0; }
button.link { border: 0; background: none; padding: 0; color: #0645ad; cursor: pointer; font: inherit;
  text-align: left; text-decoration: underline; overflow-wrap: anywhere; }
.tier { display: inline-block; padding: 0 .35em; border-radius: 3px; font-size: 11px; font-weight: 600; }
.tier-P0 { background: #f4b6b6; } .tier-P1 { background: #fbd9a8; } .tier-P2 { background: #e4e4e4; }
.muted { color: #666; }
#status { color: #555; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>%%TITLE%%</title>
<style>%%CSS%%</style>
</head>
<body>
<header><h1>Import graph explorer</h1>%%NAV%%</header>
<form id="controls" onsubmit="return false" aria-label="Filters">
<fieldset id="tiers"><legend>Tier</legend></fieldset>
<label>Hops from the Golden Path at most <select id="hops"></select></label>
<label><input type="checkbox" id="tests" checked> tests</label>
<label><input type="checkbox" id="only-violations"> only modules with violations</label>
<fieldset><legend>Imports</legend>
<label><input type="checkbox" id="edges-runtime" checked> run-time</label>
<label><input type="checkbox" id="edges-typing" checked> <code>TYPE_CHECKING</code> only</label></fieldset>
<label>Module <input type="search" id="search" placeholder="name contains..." size="22"></label>
<button type="button" id="collapse">Collapse all</button>
<button type="button" id="fit">Fit</button>
<span id="status" role="status"></span>
</form>
<div id="main">
<div id="cy" role="img" aria-label="The module import graph, packages collapsed; click a package to expand it, \
a module to see its chain from the Golden Path"></div>
<aside id="panel" aria-live="polite"></aside>
</div>
<!-- %%VENDOR_NOTE%% (wsaudit/explorer/vendor/) -->
<script>%%LIBRARY%%</script>
<script type="application/json" id="explorer-data">%%DATA%%</script>
<script>%%APP%%</script>
</body>
</html>
"""

APP = r"""
"use strict";
(function () {
const D = JSON.parse(document.getElementById("explorer-data").textContent);
const M = D.modules, N = M.length;
const NAME = 0, PATH = 1, GROUP = 2, TIER = 3, HOPS = 4, SCORE = 5, TEST = 6, GOLDEN = 7, PARENT = 8, VIOL = 9;
const COLORS = {P0: "#e88", P1: "#f6b866", P2: "#cfcfcf"};
const RANK = {P0: 0, P1: 1, P2: 2};
const COL_W = 360, ROW_H = 30, GROUP_GAP = 24, PACKAGE_LINKS = 3000;
const byName = new Map(M.map((m, i) => [m[NAME], i]));
const outs = Array.from({length: N}, () => []), ins = Array.from({length: N}, () => []);
const edgeLine = new Map();
D.edges.forEach((e, k) => { outs[e[0]].push(k); ins[e[1]].push(k); edgeLine.set(e[0] * N + e[1], k); });
const violationsOf = Array.from({length: N}, () => []);
D.violations.forEach(v => { if (v[0] >= 0) violationsOf[v[0]].push(v); });
const state = {tiers: new Set(D.tiers), maxHops: null, tests: true, onlyViolations: false, runtime: true,
               typing: true, expanded: new Set(), selected: null, chain: [], pinned: new Set()};
const el = id => document.getElementById(id);
function text(tag, content, cls) {
  const e = document.createElement(tag);
  if (content !== undefined && content !== null) e.textContent = String(content);
  if (cls) e.className = cls;
  return e;
}
function chainOf(i) {
  const out = [i];
  const seen = new Set([i]);
  while (M[out[out.length - 1]][PARENT] >= 0) {
    const p = M[out[out.length - 1]][PARENT];
    if (seen.has(p)) break;  // never: a chain is a shortest path
    seen.add(p); out.push(p);
  }
  return out.reverse();
}
function shown(i) {
  if (state.pinned.has(i)) return true;
  const m = M[i];
  if (!state.tiers.has(m[TIER])) return false;
  if (!state.tests && m[TEST]) return false;
  if (state.onlyViolations && !m[VIOL]) return false;
  if (state.maxHops !== null && (m[HOPS] < 0 || m[HOPS] > state.maxHops)) return false;
  return true;
}
function edgeShown(e) {
  return (e[3] & 1) ? state.runtime : state.typing;
}
// the ids of cytoscape's elements: "m<index>" for a module, "g<index>" for a package
function build() {
  const visible = new Uint8Array(N);
  for (let i = 0; i < N; i++) visible[i] = shown(i) ? 1 : 0;
  const elements = [], rep = new Array(N).fill(null);
  const columns = new Map();  // column -> next free y
  let modulesShown = 0;
  D.groups.forEach((g, gi) => {
    const [name, col, first, count] = g;
    const members = D.order.slice(first, first + count).filter(i => visible[i]);
    if (!members.length) return;
    modulesShown += members.length;
    let y = columns.has(col) ? columns.get(col) : 0;
    const x = col * COL_W;
    let worst = 3, viol = 0;
    members.forEach(i => { worst = Math.min(worst, RANK[M[i][TIER]] ?? 3); viol += M[i][VIOL]; });
    const tier = D.tiers[worst] || "";
    const label = (name || "(top level)");
    if (state.expanded.has(gi)) {
      elements.push({group: "nodes", data: {id: "g" + gi, label: label, kind: "package", tier: tier},
                     classes: "package expanded"});
      y += ROW_H;  // the package's own heading
      members.forEach(i => {
        const m = M[i];
        const short = name && m[NAME] !== name ? m[NAME].slice(name.length + 1) : (m[NAME] === name ? "__init__" : m[NAME]);
        const size = 14 + Math.min(26, 5 * Math.sqrt(m[VIOL]));
        elements.push({group: "nodes", data: {id: "m" + i, parent: "g" + gi, label: short + (m[VIOL] ? " (" + m[VIOL] + ")" : ""),
                       kind: "module", tier: m[TIER], size: size}, position: {x: x, y: y},
                       classes: "module" + (m[GOLDEN] ? " golden" : "") + (m[TEST] ? " test" : "") + (m[VIOL] ? " violations" : "")});
        rep[i] = "m" + i;
        y += ROW_H;
      });
      y += GROUP_GAP;
    } else {
      const size = 22 + Math.min(60, 6 * Math.sqrt(viol));
      elements.push({group: "nodes", data: {id: "g" + gi, label: label + "\n" + members.length + " module" + (members.length > 1 ? "s" : "")
                     + (viol ? ", " + viol + " violation" + (viol > 1 ? "s" : "") : ""), kind: "package", tier: tier, size: size},
                     position: {x: x, y: y + size / 2}, classes: "package collapsed" + (viol ? " violations" : "")});
      members.forEach(i => { rep[i] = "g" + gi; });
      y += size + 46;
    }
    columns.set(col, y);
  });
  columns.forEach((y, col) => {
    elements.push({group: "nodes", data: {id: "c" + col, label: D.columns[col] || "", size: 1},
                   position: {x: col * COL_W, y: -50}, classes: "heading"});
  });
  const seen = new Map();
  const chainEdges = new Set();
  for (let k = 1; k < state.chain.length; k++) chainEdges.add(state.chain[k - 1] * N + state.chain[k]);
  D.edges.forEach(e => {
    const a = rep[e[0]], b = rep[e[1]];
    if (a === null || b === null || a === b) return;
    const onChain = chainEdges.has(e[0] * N + e[1]);
    if (!onChain && !edgeShown(e)) return;
    const id = a + "-" + b;
    const found = seen.get(id);
    if (found) { found.data.count++; if (onChain) found.classes = "chain"; if (e[3] & 1) found.data.runs = 1; return; }
    const edge = {group: "edges", data: {id: id, source: a, target: b, count: 1, runs: e[3] & 1},
                  classes: onChain ? "chain" : ((e[3] & 1) ? "" : "typing")};
    seen.set(id, edge);
  });
  // between two collapsed packages, the imports are drawn while they are few enough for a
  // browser to move them at once (a click must be answered within a second or two): past
  // PACKAGE_LINKS, only the links of expanded packages and of the chain are
  let between = 0;
  seen.forEach(edge => { if (edge.data.source[0] === "g" && edge.data.target[0] === "g") between++; });
  const dropped = between > PACKAGE_LINKS ? between : 0;
  seen.forEach(edge => {
    if (dropped && edge.data.source[0] === "g" && edge.data.target[0] === "g" && edge.classes !== "chain") return;
    if (!edge.classes && !edge.data.runs) edge.classes = "typing";
    elements.push(edge);
  });
  return {elements: elements, modulesShown: modulesShown, edges: seen.size - (dropped ? between : 0), dropped: dropped};
}
const cy = cytoscape({
  container: el("cy"), layout: {name: "preset"}, wheelSensitivity: 0.3, minZoom: 0.02, maxZoom: 4,
  hideEdgesOnViewport: true, textureOnViewport: true, pixelRatio: 1, boxSelectionEnabled: false,
  style: [
    {selector: "node", style: {"label": "data(label)", "font-size": 11, "text-valign": "center", "text-halign": "right",
      "text-margin-x": 4, "width": "data(size)", "height": "data(size)", "background-color": "#ddd",
      "border-width": 1, "border-color": "#888", "text-wrap": "wrap", "min-zoomed-font-size": 7}},
    {selector: "node[tier = 'P0']", style: {"background-color": COLORS.P0}},
    {selector: "node[tier = 'P1']", style: {"background-color": COLORS.P1}},
    {selector: "node[tier = 'P2']", style: {"background-color": COLORS.P2}},
    {selector: "node.heading", style: {"events": "no", "background-opacity": 0, "border-width": 0, "font-size": 16,
      "font-weight": "bold", "text-halign": "right", "color": "#555"}},
    {selector: "node.collapsed", style: {"shape": "round-rectangle"}},
    {selector: "node.expanded", style: {"background-opacity": 0.08, "text-valign": "top", "text-halign": "center",
      "label": "data(label)", "font-weight": "bold", "padding": 8, "border-color": "#bbb", "shape": "round-rectangle"}},
    {selector: "node.golden", style: {"border-width": 4, "border-color": "#222", "shape": "star"}},
    {selector: "node.test", style: {"border-style": "dashed"}},
    {selector: "node.violations", style: {"border-color": "#9b1c1c", "border-width": 2}},
    {selector: "node.chain", style: {"border-color": "#1a56db", "border-width": 5, "z-index": 10}},
    {selector: "node.chosen", style: {"border-color": "#1a56db", "border-width": 7, "font-weight": "bold"}},
    {selector: "node.found", style: {"border-color": "#0a7d2c", "border-width": 5}},
    {selector: "edge", style: {"curve-style": "haystack", "haystack-radius": 0, "width": 1, "line-color": "#9aa",
      "opacity": 0.35}},
    {selector: "edge.typing", style: {"line-style": "dotted", "line-color": "#88b"}},
    {selector: "edge.chain", style: {"curve-style": "unbundled-bezier", "control-point-distances": 90,
      "control-point-weights": 0.5, "target-arrow-shape": "triangle", "width": 4,
      "line-color": "#1a56db", "target-arrow-color": "#1a56db", "opacity": 1, "z-index": 9}},
  ],
});
// what is drawn, by id: the element as last given to cytoscape (JSON), so that a change of
// filter or of an expanded package touches only the elements that change, not all of them
let drawn = new Map();
function render(fit) {
  const built = build();
  const chain = new Set(state.chain);
  built.elements.forEach(e => {
    const i = e.data.id[0] === "m" ? Number(e.data.id.slice(1)) : -1;
    if (i >= 0 && chain.has(i)) e.classes += " chain" + (i === state.selected ? " chosen" : "");
  });
  const next = new Map(built.elements.map(e => [e.data.id, JSON.stringify(e)]));
  cy.batch(() => {
    // a node moved into or out of a package is made anew (its parent is part of what it is)
    const gone = cy.elements().filter(e => {
      const before = drawn.get(e.id()), after = next.get(e.id());
      return after === undefined || (e.isNode() && JSON.parse(after).data.parent !== JSON.parse(before).data.parent);
    });
    cy.remove(gone);
    const added = [];
    built.elements.forEach(e => {
      const id = e.data.id, now = next.get(id), node = cy.getElementById(id);
      if (node.empty()) { added.push(e); return; }
      if (drawn.get(id) === now) return;
      node.data(e.data);
      node.classes(e.classes || "");
      if (e.position) node.position(e.position);
    });
    cy.add(added.filter(e => e.group === "nodes"));
    cy.add(added.filter(e => e.group === "edges"));
  });
  drawn = next;
  state.modulesShown = built.modulesShown;
  el("status").textContent = built.modulesShown + " of " + N + " modules shown, " + built.edges + " links drawn"
    + (built.dropped ? " (the " + built.dropped + " links between collapsed packages are not: expand a package to see its imports)" : "");
  if (fit) cy.fit(undefined, 30);
}
// -- the side panel ----------------------------------------------------------------------
function moduleButton(i) {
  const b = text("button", M[i][NAME], "link");
  b.type = "button";
  b.addEventListener("click", () => select(i));
  return b;
}
function tierBadge(tier) { return text("span", tier, "tier tier-" + tier); }
function sourceLink(path, line) {
  const s = D.source;
  if (!s) return null;
  const full = (s.prefix ? s.prefix + "/" : "") + path;
  const values = {commit: encodeURIComponent(s.commit), path: full.split("/").map(encodeURIComponent).join("/"),
                  line: String(line)};
  // the configuration's template, as Python's str.format reads it: {{ and }} are braces
  const url = s.template.replace(/\{\{|\}\}|\{(commit|path|line)\}/g, (all, name) => name ? values[name] : all[0]);
  if (!/^https?:\/\//.test(url)) return null;
  const a = text("a", "source");
  a.href = url; a.rel = "noopener noreferrer"; a.target = "_blank";
  return a;
}
function section(panel, heading, items, limit) {
  panel.appendChild(text("h3", heading));
  if (!items.length) { panel.appendChild(text("p", "none", "muted")); return; }
  const list = text("ul");
  items.slice(0, limit || 200).forEach(node => { const li = text("li"); li.appendChild(node); list.appendChild(li); });
  panel.appendChild(list);
  if (items.length > (limit || 200)) panel.appendChild(text("p", "and " + (items.length - (limit || 200)) + " more", "muted"));
}
function describe(i) {
  const m = M[i], panel = el("panel");
  panel.replaceChildren();
  panel.appendChild(text("h2", m[NAME]));
  const facts = text("p");
  facts.appendChild(tierBadge(m[TIER]));
  facts.appendChild(text("span", " score " + m[SCORE] + ", " + (m[HOPS] < 0 ? "not reached from the Golden Path"
    : m[HOPS] === 0 ? "on the Golden Path" : m[HOPS] + " import hop" + (m[HOPS] > 1 ? "s" : "") + " from the Golden Path")
    + (m[TEST] ? ", a test" : "")));
  panel.appendChild(facts);
  panel.appendChild(text("p", m[PATH], "muted"));
  panel.appendChild(text("h3", "Chain from the Golden Path"));
  if (state.chain.length) {
    const list = text("ol");
    state.chain.forEach((c, k) => {
      const li = text("li");
      li.appendChild(moduleButton(c));
      const g = D.groups[M[c][GROUP]][0];
      let note = " in " + (g || "(top level)");
      if (k > 0) {
        const e = D.edges[edgeLine.get(state.chain[k - 1] * N + c)];
        if (e) note += ", imported at line " + e[2];
      } else {
        note += ", Golden Path";
      }
      li.appendChild(text("span", note, "muted"));
      list.appendChild(li);
    });
    panel.appendChild(list);
  } else {
    panel.appendChild(text("p", "The Golden Path does not reach this module" + (D.type_checking ? "." :
      " through imports that run."), "muted"));
  }
  const rows = violationsOf[i].map(v => {
    const box = text("div");
    const head = text("div");
    head.appendChild(text("code", v[1] + ":" + v[2]));
    head.appendChild(text("span", " " + v[4] + " (" + v[5] + ") "));
    const link = sourceLink(v[1], v[2]);
    if (link) head.appendChild(link);
    box.appendChild(head);
    box.appendChild(text("pre", v[7]));
    return box;
  });
  section(panel, "Violations (" + rows.length + ")", rows);
  const importers = [...new Set(ins[i].map(k => D.edges[k][0]))].sort((a, b) => a - b).map(moduleButton);
  const imports = [...new Set(outs[i].map(k => D.edges[k][1]))].sort((a, b) => a - b).map(moduleButton);
  section(panel, "Imported by (" + importers.length + ")", importers);
  section(panel, "Imports (" + imports.length + ")", imports);
}
function overview() {
  const panel = el("panel");
  panel.replaceChildren();
  panel.appendChild(text("h2", D.title));
  panel.appendChild(text("p", "Click a package to expand or collapse it, a module to see its chain from the Golden Path. "
    + "Packages are coloured by the worst tier of their modules, sized by their violations.", "muted"));
  // the packages on the chains from the Golden Path to the modules with violations
  const through = new Map();
  let reached = 0;
  const withViolations = [];
  for (let i = 0; i < N; i++) {
    if (!M[i][VIOL] || !shown(i)) continue;
    withViolations.push(i);
    if (M[i][HOPS] < 0) continue;
    reached++;
    const groups = new Set(chainOf(i).map(c => M[c][GROUP]));
    groups.forEach(g => through.set(g, (through.get(g) || 0) + 1));
  }
  const ranked = [...through.entries()].sort((a, b) => b[1] - a[1] || D.groups[a[0]][0].localeCompare(D.groups[b[0]][0]));
  const items = ranked.map(([g, n]) => {
    const span = text("span");
    const b = text("button", D.groups[g][0] || "(top level)", "link");
    b.type = "button";
    b.addEventListener("click", () => toggle(g, true));
    span.appendChild(b);
    span.appendChild(text("span", " on " + n + " chain" + (n > 1 ? "s" : ""), "muted"));
    return span;
  });
  section(panel, "Packages between the Golden Path and the " + reached + " modules with violations it reaches", items);
  withViolations.sort((a, b) => (RANK[M[a][TIER]] - RANK[M[b][TIER]]) || ((M[a][HOPS] < 0) - (M[b][HOPS] < 0))
    || (M[a][HOPS] - M[b][HOPS]) || (M[a][NAME] < M[b][NAME] ? -1 : 1));
  section(panel, "Modules with violations (" + withViolations.length + ")", withViolations.map(i => {
    const span = text("span");
    span.appendChild(tierBadge(M[i][TIER]));
    span.appendChild(text("span", " "));
    span.appendChild(moduleButton(i));
    span.appendChild(text("span", " " + M[i][VIOL], "muted"));
    return span;
  }));
}
// -- actions -------------------------------------------------------------------------------
function select(i) {
  state.selected = i;
  state.chain = M[i][HOPS] >= 0 ? chainOf(i) : [i];
  state.pinned = new Set(state.chain);
  state.chain.forEach(c => state.expanded.add(M[c][GROUP]));
  render(false);
  describe(i);
  const nodes = cy.collection();
  state.chain.forEach(c => { nodes.merge(cy.getElementById("m" + c)); });
  if (nodes.nonempty()) cy.animate({fit: {eles: nodes, padding: 60}, duration: 0});
  notify();
}
function unselect() {
  state.selected = null; state.chain = []; state.pinned = new Set();
  render(false); overview();
  notify();
}
// In a notebook (Audit.explore(): this page in an iframe of the widget, D.notebook set), the
// selection, the chain from the Golden Path to the module clicked, goes to Python. A report's
// page never posts: a site that frames it learns nothing.
function notify() {
  if (!D.notebook || window.parent === window) return;
  const modules = state.selected === null ? [] : state.chain.map(i => M[i][NAME]);
  window.parent.postMessage({wsaudit: "selection", modules: modules}, "*");
}
function toggle(g, open) {
  if (open === true || !state.expanded.has(g)) state.expanded.add(g); else state.expanded.delete(g);
  render(false);
  const node = cy.getElementById("g" + g);
  if (open === true && node.nonempty()) cy.animate({fit: {eles: node, padding: 60}, duration: 0});
}
cy.on("tap", "node", evt => {
  const id = evt.target.id(), index = Number(id.slice(1));
  if (id[0] === "m") select(index); else if (id[0] === "g") toggle(index);
});
cy.on("tap", evt => { if (evt.target === cy && state.selected !== null) unselect(); });
// -- controls ------------------------------------------------------------------------------
D.tiers.forEach(t => {
  const label = text("label");
  const box = document.createElement("input");
  box.type = "checkbox"; box.checked = true; box.id = "tier-" + t;
  box.addEventListener("change", () => { if (box.checked) state.tiers.add(t); else state.tiers.delete(t); refresh(); });
  label.appendChild(box); label.appendChild(text("span", " " + t));
  el("tiers").appendChild(label);
});
const hops = el("hops");
hops.appendChild(new Option("any (and not reached)", ""));
const maxHops = M.reduce((a, m) => Math.max(a, m[HOPS]), -1);
for (let h = 0; h <= maxHops; h++) hops.appendChild(new Option(String(h), String(h)));
hops.addEventListener("change", () => { state.maxHops = hops.value === "" ? null : Number(hops.value); refresh(); });
el("tests").addEventListener("change", e => { state.tests = e.target.checked; refresh(); });
el("only-violations").addEventListener("change", e => { state.onlyViolations = e.target.checked; refresh(); });
el("edges-runtime").addEventListener("change", e => { state.runtime = e.target.checked; refresh(); });
el("edges-typing").addEventListener("change", e => { state.typing = e.target.checked; refresh(); });
el("collapse").addEventListener("click", () => { state.expanded.clear(); render(true); });
el("fit").addEventListener("click", () => cy.fit(undefined, 30));
function refresh() { render(false); if (state.selected === null) overview(); }
el("search").addEventListener("input", e => {
  const q = e.target.value.trim().toLowerCase();
  if (!q) { if (state.selected === null) overview(); else describe(state.selected); return; }
  const hits = [];
  for (let i = 0; i < N && hits.length < 500; i++) if (M[i][NAME].toLowerCase().includes(q)) hits.push(i);
  const panel = el("panel");
  panel.replaceChildren();
  panel.appendChild(text("h2", "Modules whose name holds \u201c" + q + "\u201d"));
  section(panel, hits.length >= 500 ? "The first 500" : hits.length + " found", hits.map(moduleButton));
});
render(true);
overview();
// for the browser tests and the curious: the state, and what is drawn
window.wsauditExplorer = {
  data: D, state: state, cy: cy, select: i => select(typeof i === "string" ? byName.get(i) : i),
  unselect: unselect, toggle: toggle,
  visibleModules: () => state.modulesShown,
  chain: () => state.chain.map(i => M[i][NAME]),
  highlighted: () => cy.nodes(".chain").map(n => M[Number(n.id().slice(1))][NAME]).sort(),
  ready: true,
};
})();
"""
