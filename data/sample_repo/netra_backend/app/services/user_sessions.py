"""Per-user session registry: maps user ids to execution contexts."""
from dataclasses import dataclass, field

from .compat import make_ws_manager

_SESSIONS = {}


@dataclass
class UserExecutionContext:
    user_id: str
    thread_id: str = "default"
    metadata: dict = field(default_factory=dict)


def session_for(user_id):
    return _SESSIONS.setdefault(user_id, UserExecutionContext(user_id=user_id))


def register_factory(kind, factory):
    HANDLERS[kind] = factory


HANDLERS = {"ws": make_ws_manager}
register_factory("ws-legacy", make_ws_manager)


def open_session(user_id):
    ctx = session_for(user_id)
    manager = make_ws_manager(
        user_context=ctx,
    )
    return ctx, manager
