"""The explorer inline in JupyterLab (``Audit.explore()``), offline, its selection back in Python.

The widget (anywidget) shows the same page as ``explorer.html`` in a sandboxed ``<iframe>``
whose document is the page itself (``srcdoc``): nothing is fetched, the page's own
Content-Security-Policy still allows no request. A click on a module in the page posts the
module's chain from the Golden Path to the widget, which sets ``selection``; Python reads it as
:attr:`Explorer.selected`. The page posts only when its document says it is in a notebook, and
the widget takes a message only from its own frame, and only a list of module names it knows.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from wsaudit.explorer.page import explorer_page

if TYPE_CHECKING:
    import pandas as pd

SELECTED_COLUMNS = ("module", "path", "tier", "score", "violations", "hops", "is_test", "chosen")
# The n-th explorer a kernel makes: with the page's digest, its model id (a stored notebook's
# output names the widget by it; a random one would make every run's notebook differ)
_MADE = itertools.count(1)

_ESM = r"""
function render({ model, el }) {
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");  // a page of its own origin: no access to the notebook
  frame.setAttribute("title", "Import graph explorer");
  frame.style.width = "100%";
  frame.style.border = "1px solid #ddd";
  frame.style.height = model.get("height") + "px";
  frame.srcdoc = model.get("page");
  const known = new Set(model.get("modules"));
  const onMessage = event => {
    if (event.source !== frame.contentWindow) return;  // only our own page speaks
    const data = event.data;
    if (!data || data.wsaudit !== "selection" || !Array.isArray(data.modules)) return;
    const modules = data.modules.filter(m => typeof m === "string" && known.has(m));
    model.set("selection", modules);
    model.save_changes();
  };
  window.addEventListener("message", onMessage);
  el.appendChild(frame);
  return () => window.removeEventListener("message", onMessage);
}
export default { render };
"""


class Explorer(anywidget.AnyWidget):
    """The import-graph explorer of an audit, as a notebook widget (``Audit.explore()``).

    Click a module in it: its chain from the Golden Path is highlighted, and :attr:`selected`
    holds that chain, the Golden Path first and the module clicked last (``chosen``).

    Parameters
    ----------
    document : dict
        :func:`wsaudit.explorer.data.explorer_data`'s document.
    nodes : Mapping
        Module -> its node's attributes in the audit's ranked graph (``path``, ``tier``,
        ``score``, ``violations``, ``hops``, ``is_test``): the columns of :attr:`selected`.
    height : int
        The frame's height in pixels.
    """

    _esm = _ESM
    page = traitlets.Unicode("").tag(sync=True)
    modules = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    selection = traitlets.List(traitlets.Unicode(), default_value=[]).tag(sync=True)
    height = traitlets.Int(640).tag(sync=True)

    def __init__(self, document: dict[str, Any], nodes: Mapping[str, Mapping[str, Any]], *, height: int = 640):
        self._nodes = {m: dict(a) for m, a in nodes.items()}
        page = explorer_page({**document, "notebook": True})
        model_id = f"wsaudit-explorer-{hashlib.sha256(page.encode()).hexdigest()[:16]}-{next(_MADE)}"
        super().__init__(page=page, modules=sorted(self._nodes), height=height, model_id=model_id)

    @traitlets.validate("selection")
    def _known_modules(self, proposal: Any) -> list[str]:
        """The front end's word is checked here too: only modules of the graph, each once."""
        return list(dict.fromkeys(m for m in proposal["value"] if m in self._nodes))

    @property
    def selected(self) -> pd.DataFrame:
        """The modules selected in the explorer: one row per module of the chain from the Golden
        Path to the module clicked (``chosen``), in that order; no row before a click."""
        import pandas as pd

        return selected_frame(self.selection, self._nodes, pd)

    def __repr__(self) -> str:  # the text a notebook stores: the same for the same audit
        return (f"Import graph explorer: {len(self._nodes)} modules; click a module, then read .selected "
                f"({len(self.selection)} selected)")


def selected_frame(selection: Sequence[str], nodes: Mapping[str, Mapping[str, Any]], pd: Any) -> pd.DataFrame:
    """The rows of :attr:`Explorer.selected`: ``selection`` (a chain, the module clicked last)
    with each module's attributes from ``nodes``.

    >>> import pandas as pd
    >>> nodes = {"app.routes": {"path": "app/routes.py", "tier": "P0", "score": 2.0, "violations": 0, "hops": 0,
    ...                         "is_test": False},
    ...          "app.legacy": {"path": "app/legacy.py", "tier": "P0", "score": 1.5, "violations": 3, "hops": 1,
    ...                         "is_test": False}}
    >>> selected_frame(["app.routes", "app.legacy"], nodes, pd)[["module", "violations", "hops", "chosen"]]
           module  violations  hops  chosen
    0  app.routes           0     0   False
    1  app.legacy           3     1    True
    """
    rows = [{"module": m, **{k: nodes[m].get(k) for k in SELECTED_COLUMNS[1:-1]}, "chosen": i == len(selection) - 1}
            for i, m in enumerate(selection)]
    return pd.DataFrame(rows, columns=list(SELECTED_COLUMNS)).astype({"hops": "Int64"})
