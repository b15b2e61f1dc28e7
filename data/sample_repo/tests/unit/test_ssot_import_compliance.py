"""Unit tests for the SSOT import registry: deprecated paths are listed, not used."""
import importlib
from unittest import mock

from netra_backend.app.services.compat import *  # noqa: F403
from netra_backend.app.services.ws_helpers import create_websocket_manager as helpers_cwm

DEPRECATED_IMPORT = "from netra_backend.app.websocket_core import create_websocket_manager"
DEPRECATED_TARGETS = [
    "netra_backend.app.websocket_core.create_websocket_manager",
    "netra_backend.app.websocket_core.websocket_manager_factory.create_websocket_manager",
]
USAGE_PATTERN = r"create_websocket_manager\(user_context=([^)]+)\)"


def test_registry_lists_deprecated_targets():
    # create_websocket_manager() must never be called from new code.
    assert len(DEPRECATED_TARGETS) == 2


@mock.patch("netra_backend.app.websocket_core.websocket_manager.WebSocketManager")
def test_compat_wrapper_logs(manager_cls):
    manager = make_ws_manager_logged(user_context="ctx")
    assert manager is not None


def test_factory_module_still_importable():
    module = importlib.import_module(r"netra_backend.app.websocket_core.factory")
    assert hasattr(module, "build_manager")


def test_helpers_reexport_same_object():
    assert helpers_cwm is make_ws_manager
