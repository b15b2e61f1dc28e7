"""Backwards-compatible names kept for the agent services during the migration."""
import functools
import logging

from netra_backend.app.websocket_core.factory import build_manager as make_ws_manager

logger = logging.getLogger(__name__)


@functools.wraps(make_ws_manager)
def make_ws_manager_logged(*args, **kwargs):
    """Same as ``make_ws_manager`` but logs the user it is built for."""
    logger.info("legacy %s for %s", make_ws_manager.__name__, kwargs.get("user_context"))
    return make_ws_manager(*args, **kwargs)
