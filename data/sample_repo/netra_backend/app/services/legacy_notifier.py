"""Still imports the factory from a module that the migration deleted."""

from netra_backend.app.websocket_core.unified_factory import create_websocket_manager


def notify(ctx):
    manager = create_websocket_manager(user_context=ctx)
    return manager
