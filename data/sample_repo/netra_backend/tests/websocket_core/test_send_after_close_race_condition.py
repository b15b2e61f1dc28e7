"""Send-after-close race condition (original file #3 of issue #1066)."""
import asyncio

import pytest

from netra_backend.app.services.user_sessions import UserExecutionContext
from netra_backend.app.websocket_core.factory import *  # noqa: F403


@pytest.mark.asyncio
async def test_send_after_close_raises():
    manager = build_manager(user_context=UserExecutionContext(user_id="race"))
    await manager.close()
    with pytest.raises(RuntimeError):
        await manager.send_event("agent_completed", {})


@pytest.mark.asyncio
async def test_concurrent_close():
    managers = [
        build_manager(
            user_context=UserExecutionContext(user_id=f"u{i}"),
        )
        for i in range(5)
    ]
    await asyncio.gather(*(m.close() for m in managers))
    assert all(m.closed for m in managers)
