"""A test left behind: it patches the factory where presence used to import it."""

from unittest import mock

from netra_backend.app.services import presence


@mock.patch("netra_backend.app.services.presence.create_websocket_manager")
def test_track(fake):
    assert presence.track(object()) is not None
