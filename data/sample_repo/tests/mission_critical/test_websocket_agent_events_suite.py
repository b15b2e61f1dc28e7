"""Mission-critical: every agent event reaches the user's WebSocket (Golden Path)."""
from unittest import mock

from netra_backend.app.routes import websocket_ssot
from netra_backend.app.websocket_core.factory import build_manager, create_websocket_manager

REQUIRED_EVENTS = ("agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_completed")


class TestAgentEvents:
    """Drives the Golden Path route with a patched manager factory."""

    @mock.patch(
        "netra_backend.app.websocket_core."
        "create_websocket_manager"
    )
    def test_route_uses_factory(self, factory_mock):
        assert websocket_ssot.health_manager() is not None

    @mock.patch("netra_backend.app.websocket_core.factory.build_manager")
    def test_factory_module_patch(self, build_mock):
        manager = build_manager(user_context=None)
        assert manager is not None

    def test_old_spelling_is_same_object(self):
        assert create_websocket_manager is build_manager
