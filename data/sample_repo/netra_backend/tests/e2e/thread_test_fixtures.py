"""Thread fixtures for the e2e suite (original file #1 of issue #1066)."""
import uuid

import pytest

from netra_backend.app.services.user_sessions import UserExecutionContext
from netra_backend.app.websocket_core import create_websocket_manager


def make_context(user_id=None):
    return UserExecutionContext(user_id=user_id or str(uuid.uuid4()))


@pytest.fixture
def thread_manager():
    ctx = make_context()
    manager = create_websocket_manager(user_context=ctx)
    yield manager


@pytest.fixture
def thread_managers():
    contexts = [make_context(f"user-{i}") for i in range(3)]
    return {c.user_id: create_websocket_manager(user_context=c) for c in contexts}
