"""Repository-wide pytest fixtures."""
import pytest


@pytest.fixture
def legacy_ws_manager():
    from netra_backend.app.websocket_core import create_websocket_manager as _legacy

    manager = _legacy()
    yield manager
