"""Half-migrated module: the codemod was interrupted mid-edit (see #1066)."""
from netra_backend.app.websocket_core import create_websocket_manager


def open_manager(ctx)
    return create_websocket_manager(user_context=ctx)
