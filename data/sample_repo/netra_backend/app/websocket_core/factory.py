"""Deprecated WebSocket factory module (issue #1066).

Kept only so that old imports keep working; import ``WebSocketManager`` from
``netra_backend.app.websocket_core.websocket_manager`` instead.
"""
from .websocket_manager_factory import create_websocket_manager as build_manager

# Old spelling, still imported by a few tests.
create_websocket_manager = build_manager

__all__ = ["build_manager"]
