"""Bridge for the Windows desktop agent (saved by a Windows editor: BOM + CRLF)."""
import logging

from netra_backend.app.websocket_core import create_websocket_manager as new_manager

logger = logging.getLogger(__name__)


def desktop_manager(ctx):
    managers = {"état": "prêt", "manager": new_manager(user_context=ctx)}
    logger.info("desktop manager → %s", managers["état"])
    return managers["manager"]
