"""User-facing notifications pushed over the WebSocket connection."""
from .ws_helpers import *  # noqa: F403  (send_event, with_manager, canonical_manager)
from netra_backend.app.websocket_core import create_websocket_manager, factory


async def notify(user_context, text):
    manager = create_websocket_manager(user_context=user_context)
    await send_event(manager, "notification", {"text": text})


def legacy_notifier(user_context):
    return factory.build_manager(user_context=user_context)


NOTIFIERS = {
    kind: (lambda ctx: create_websocket_manager(user_context=ctx))
    for kind in ("email", "push")
}
