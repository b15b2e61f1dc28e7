"""Compatibility shim for the deprecated WebSocket manager factory.

DEPRECATED: use ``WebSocketManager`` directly (issue #1066). This module is
removed in the last migration wave.
"""
import secrets
import warnings

from .websocket_manager import WebSocketManager, WebSocketManagerMode


def create_websocket_manager(user_context=None, **kwargs):
    """
    DEPRECATED: Use WebSocketManager directly.

    This function is deprecated and will be removed after SSOT migration.
    Use: WebSocketManager(user_context=user_context, _ssot_authorization_token=secrets.token_urlsafe(32))
    """
    warnings.warn(
        "create_websocket_manager is deprecated. Use 'from netra_backend.app.websocket_core.websocket_manager import WebSocketManager' instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    if user_context is None:
        return WebSocketManager(mode=WebSocketManagerMode.TEST, **kwargs)
    return WebSocketManager(
        user_context=user_context,
        _ssot_authorization_token=secrets.token_urlsafe(32),
        **kwargs,
    )
