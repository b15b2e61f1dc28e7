"""Presence tracking: already migrated to WebSocketManager."""

from netra_backend.app.websocket_core.websocket_manager import WebSocketManager


def track(ctx):
    return WebSocketManager(user_context=ctx)
