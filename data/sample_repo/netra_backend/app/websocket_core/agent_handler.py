"""Agent message handler: routes agent events to the user's WebSocket (Golden Path)."""
from netra_backend.app.services import agent_bridge
from netra_backend.app.services.agent_bridge import AgentWebSocketBridge
from . import create_websocket_manager


class AgentMessageHandler:
    """Handles ``agent_*`` messages for one connection."""

    def __init__(self, user_context):
        self.user_context = user_context
        self.manager = create_websocket_manager(user_context=user_context)
        self.bridge = AgentWebSocketBridge(self.manager)

    async def handle(self, message):
        await agent_bridge.dispatch(self.bridge, message)
        return True
