"""Snapshot of the websocket_core package before the SSOT migration (excluded)."""
from netra_backend.app.websocket_core import create_websocket_manager

manager = create_websocket_manager()
