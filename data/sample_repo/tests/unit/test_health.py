"""Unit tests for the WebSocket health checks."""
from netra_backend.app.services.health import LEGACY_FACTORY, create_websocket_manager, probe


def test_probe_uses_the_migrated_helper():
    assert probe()
    assert create_websocket_manager().user_context is None


def test_legacy_factory_is_kept_for_comparison():
    assert LEGACY_FACTORY is not create_websocket_manager
