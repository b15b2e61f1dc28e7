"""Event delivery service: fan-out of agent events to connected users.

Half migrated: ``open`` uses the canonical class, ``open_legacy`` still calls
create_websocket_manager() (tracked in issue #1066).
"""
import typing

from netra_backend.app.websocket_core import create_websocket_manager
from netra_backend.app.websocket_core.websocket_manager import WebSocketManager

if typing.TYPE_CHECKING:
    from netra_backend.app.websocket_core import factory


class EventDelivery:
    """Delivers events for one user; the class body still imports the old factory."""

    from netra_backend.app.websocket_core.factory import build_manager

    legacy_factory = staticmethod(build_manager)

    def create_websocket_manager(self, user_context):
        """Canonical construction behind the old name (a method, not the factory)."""
        return WebSocketManager(user_context=user_context)

    def open(self, user_context):
        return self.create_websocket_manager(user_context)

    def open_legacy(self, user_context):
        # Class attributes do not leak into methods: this is the module-level import.
        return create_websocket_manager(user_context=user_context)

    def open_via_class_attribute(self, user_context):
        return self.legacy_factory(user_context=user_context)
