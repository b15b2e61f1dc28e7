"""Admin maintenance tasks (cron). Not imported by any request path."""
import importlib
import logging
import os

import netra_backend.app.websocket_core
import netra_backend.app.websocket_core.factory as legacy_factory

logger = logging.getLogger(__name__)
_factory = None

if os.environ.get("NETRA_LEGACY_WS") == "1":
    from netra_backend.app.websocket_core import websocket_manager_factory


def _install_legacy_factory():
    global _factory
    from netra_backend.app.websocket_core.factory import build_manager as _factory


def reconnect_all(contexts):
    _install_legacy_factory()
    return [_factory(user_context=c) for c in contexts]


def rebuild(user_context):
    logger.info("rebuilding via %s", legacy_factory.__name__)
    return netra_backend.app.websocket_core.create_websocket_manager(user_context=user_context)


def rebuild_legacy(user_context):
    return legacy_factory.build_manager(user_context=user_context)


def rebuild_from_shim(user_context):
    return websocket_manager_factory.create_websocket_manager(user_context=user_context)


def load_factory_module():
    return importlib.import_module("netra_backend.app.websocket_core.factory")
