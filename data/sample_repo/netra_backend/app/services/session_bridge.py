"""Opens sessions through the factory's moved copy: a re-introduction of the deprecated API."""

from netra_backend.app.websocket_core.canonical_imports import create_websocket_manager


def open_session(ctx):
    return create_websocket_manager(user_context=ctx)
