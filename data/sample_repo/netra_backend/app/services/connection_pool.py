"""Outbound connection pool; its helper merely shares the deprecated factory's name."""
from netra_backend.app.websocket_core.websocket_manager import WebSocketManager, WebSocketManagerMode

_POOL = []


def create_websocket_manager(size=4):
    """Local helper with an unfortunate name; it is not the deprecated factory."""
    return [WebSocketManager(mode=WebSocketManagerMode.TEST) for _ in range(size)]


def warm_pool():
    _POOL.extend(create_websocket_manager(size=2))
    return len(_POOL)
