"""Bridge between agent execution and per-user WebSocket managers."""
import asyncio

from netra_backend.app.services.user_sessions import session_for

try:
    from netra_backend.app.websocket_core import create_websocket_manager
except ImportError:  # shim already removed in this deployment
    create_websocket_manager = None


class AgentWebSocketBridge:
    """Forwards agent lifecycle events (agent_started, tool_executing, ...)."""

    def __init__(self, manager=None):
        self.manager = manager

    def create_websocket_manager(self, user_context):
        # Look-alike method: returns the injected manager, not the old factory.
        return self.manager

    async def ensure_manager(self, user_context):
        if self.manager is None:
            self.manager = self.create_websocket_manager(user_context)
        return self.manager


async def dispatch(bridge, message):
    ctx = session_for(message["user_id"])
    if bridge.manager is None:
        bridge.manager = await asyncio.to_thread(create_websocket_manager, ctx)
    await bridge.manager.send_event(message["type"], message.get("payload"))


def managers_for(contexts):
    """Build one manager per user context (used by the load tests)."""
    return [create_websocket_manager(user_context=c) for c in contexts]
