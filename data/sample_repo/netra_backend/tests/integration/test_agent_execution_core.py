"""Agent execution core integration tests (original file #2 of issue #1066)."""
from unittest import mock

import pytest

from netra_backend.app import websocket_core
from netra_backend.app.services.user_sessions import UserExecutionContext
from netra_backend.app.websocket_core.agent_handler import AgentMessageHandler
from netra_backend.app.websocket_core.websocket_manager_factory import create_websocket_manager


@pytest.fixture
def ctx():
    return UserExecutionContext(user_id="u-1")


@mock.patch("netra_backend.app.services.user_sessions.make_ws_manager")
def test_handler_uses_session_factory(make_ws_manager_mock, ctx):
    handler = AgentMessageHandler(ctx)
    assert handler.user_context is ctx


def test_shim_returns_manager(ctx):
    manager = create_websocket_manager(user_context=ctx)
    assert manager.user_context is ctx


def test_package_attribute_patch(ctx):
    with mock.patch.object(websocket_core, "create_websocket_manager") as factory_mock:
        AgentMessageHandler(ctx)
    factory_mock.assert_called_once_with(user_context=ctx)
