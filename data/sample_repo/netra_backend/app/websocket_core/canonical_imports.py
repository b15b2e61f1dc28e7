"""Canonical import paths for the WebSocket stack.

During the SSOT migration the factory was copied here "for compatibility" instead of being
removed: the deprecated API moved, it did not go away.
"""

from netra_backend.app.websocket_core.websocket_manager import WebSocketManager


def create_websocket_manager(user_context=None):
    """Compatibility copy of the deprecated factory (moved here mid-migration)."""
    return WebSocketManager(user_context=user_context)
