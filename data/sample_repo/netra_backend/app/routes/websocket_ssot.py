"""SSOT WebSocket route: the Golden Path entry point (login -> AI responses)."""
from netra_backend.app import websocket_core as wsc
from netra_backend.app.websocket_core import agent_handler
from netra_backend.app.websocket_core.websocket_manager import WebSocketManager


async def websocket_endpoint(websocket, user_context):
    # Was: manager = create_websocket_manager(user_context=user_context)
    manager = wsc.create_websocket_manager(user_context=user_context)
    handler = agent_handler.AgentMessageHandler(user_context)
    async for message in websocket.iter_json():
        await handler.handle(message)
    await manager.close()


def health_manager():
    """Golden Path health probe; already uses the canonical class."""
    return WebSocketManager(mode=wsc.WebSocketManagerMode.TEST)


def debug_manager(user_context):
    return (
        wsc
        .create_websocket_manager(user_context=user_context)
    )
