"""WebSocket core package: the canonical manager and (temporarily) the legacy factory."""
from .websocket_manager import WebSocketManager, WebSocketManagerMode
from .websocket_manager_factory import create_websocket_manager

__all__ = ["WebSocketManager", "WebSocketManagerMode", "create_websocket_manager"]
