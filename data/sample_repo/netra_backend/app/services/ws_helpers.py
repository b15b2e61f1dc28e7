"""Small helpers shared by the WebSocket services."""
from netra_backend.app.websocket_core import create_websocket_manager
from netra_backend.app.websocket_core.websocket_manager import WebSocketManager

__all__ = ["send_event", "with_manager", "canonical_manager"]


async def send_event(manager, event_type, payload):
    return await manager.send_event(event_type, payload)


def with_manager(user_context, create_websocket_manager=WebSocketManager):
    """``create_websocket_manager`` here is a parameter: callers inject the factory."""
    return create_websocket_manager(user_context=user_context)


def canonical_manager(user_context):
    create_websocket_manager = WebSocketManager
    return create_websocket_manager(user_context=user_context)


def legacy_manager(user_context, factory=create_websocket_manager):
    return factory(user_context=user_context)
