"""Legacy v1 WebSocket route, kept for old mobile clients until Q3."""
from ..websocket_core import factory
from ..websocket_core.websocket_manager import WebSocketManagerMode


def legacy_endpoint(user_context):
    try:
        manager = factory.build_manager(user_context=user_context)
    except RuntimeError:
        return None
    manager.mode = WebSocketManagerMode.TEST
    return manager


def reconnect_clients(contexts):
    managers = []
    for ctx in contexts:
        managers.append(factory.build_manager(user_context=ctx))
    return managers
