"""Canonical WebSocket manager (SSOT).

Instantiate ``WebSocketManager`` directly; the old factory function
``create_websocket_manager()`` is deprecated (issue #1066).
"""
import enum


class WebSocketManagerMode(enum.Enum):
    """How a manager is wired: isolated per user, or loopback for tests."""

    ISOLATED = "isolated"
    TEST = "test"


class WebSocketManager:
    """Per-user WebSocket manager with explicit user context isolation."""

    def __init__(self, user_context=None, mode=WebSocketManagerMode.ISOLATED,
                 _ssot_authorization_token=None, **options):
        self.user_context = user_context
        self.mode = mode
        self._token = _ssot_authorization_token
        self.options = options
        self.closed = False

    async def send_event(self, event_type, payload):
        if self.closed:
            raise RuntimeError("send after close")
        return {"type": event_type, "payload": payload}

    async def close(self):
        self.closed = True
