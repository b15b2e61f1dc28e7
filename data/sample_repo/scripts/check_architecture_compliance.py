"""Architecture compliance checker (the line-regex scanner wsaudit replaces).

Counts lines such as ``create_websocket_manager(`` and
``from netra_backend.app.websocket_core.factory import ...``.
"""
import re
import sys
from pathlib import Path

PATTERNS = {
    "DEPRECATED_FACTORY_USAGE": re.compile(r"create_websocket_manager\("),
    "DEPRECATED_FACTORY_IMPORT": re.compile(
        r"from netra_backend\.app\.websocket_core import create_websocket_manager"
    ),
    "DEPRECATED_FACTORY_MODULE": re.compile(r"from netra_backend\.app\.websocket_core\.factory import"),
}
IMPORT_REPLACEMENTS = {
    "from netra_backend.app.websocket_core import create_websocket_manager":
        "from netra_backend.app.websocket_core.websocket_manager import WebSocketManager",
}
EXAMPLE = """
manager = create_websocket_manager(user_context=context)
"""


def scan(root):
    counts = dict.fromkeys(PATTERNS, 0)
    for path in Path(root).rglob("*.py"):
        text = path.read_text(errors="replace")
        for name, pattern in PATTERNS.items():
            counts[name] += len(pattern.findall(text))
    return counts


if __name__ == "__main__":
    print(scan(sys.argv[1] if len(sys.argv) > 1 else "."))
