"""Unit tests for the outbound connection pool (a look-alike name, not a violation)."""
from netra_backend.app.services.connection_pool import create_websocket_manager, warm_pool


def test_pool_helper_is_not_the_deprecated_factory():
    managers = create_websocket_manager(size=3)
    assert len(managers) == 3


def test_warm_pool():
    assert warm_pool() >= 2
