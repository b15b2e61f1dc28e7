"""Health checks for the WebSocket layer (half migrated: the old import is still here)."""
from netra_backend.app.websocket_core import create_websocket_manager
from netra_backend.app.websocket_core.websocket_manager import WebSocketManager, WebSocketManagerMode

# Keep the legacy factory around so the deprecation test can compare against it.
LEGACY_FACTORY = create_websocket_manager


def create_websocket_manager(user_context=None):
    """Migrated replacement: same name, canonical construction."""
    return WebSocketManager(user_context=user_context, mode=WebSocketManagerMode.TEST)


def probe():
    manager = create_websocket_manager()
    return manager.mode is WebSocketManagerMode.TEST


DEFAULT_MANAGER = create_websocket_manager()
