"""Smoke test run by CI after each migration wave."""
from netra_backend.app.services import compat


def test_compat_still_exports_factory():
    mk = compat.make_ws_manager
    manager = mk(user_context=None)
    assert manager is not None
