"""Reaches for the factory in the new manager module, which never defined it."""

from netra_backend.app.websocket_core import websocket_manager as wsm


def shortcut(ctx):
    return wsm.create_websocket_manager(user_context=ctx)
