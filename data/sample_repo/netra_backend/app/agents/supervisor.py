"""Supervisor agent: orchestrates sub-agents and streams their events."""
from typing import TYPE_CHECKING

from ...app.services.compat import make_ws_manager

if TYPE_CHECKING:
    from netra_backend.app.websocket_core import create_websocket_manager


class SupervisorAgent:
    """Runs a request for one user and streams agent events to their socket."""

    def __init__(self, user_context):
        self.user_context = user_context

    def run(self, request):
        manager = make_ws_manager(user_context=self.user_context)
        return [manager.send_event("agent_started", request)]

    def run_isolated(self, request):
        from netra_backend.app.websocket_core.websocket_manager_factory import (
            create_websocket_manager as legacy_create,
        )

        def _make(ctx):
            return legacy_create(user_context=ctx)

        return [_make(self.user_context).send_event("agent_started", request)]
