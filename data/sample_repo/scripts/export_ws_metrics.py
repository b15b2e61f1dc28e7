"""Export WebSocket metrics to CSV (legacy; saved with a broken encoding)."""
import csv

from netra_backend.app.websocket_core import create_websocket_manager

HEADER = ["user", "Température", "events"]


def export(path, contexts):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for ctx in contexts:
            writer.writerow([ctx.user_id, 0, create_websocket_manager(user_context=ctx)])
