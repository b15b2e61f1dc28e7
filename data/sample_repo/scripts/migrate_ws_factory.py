"""One-off helper used during wave 1 to locate the legacy factory at run time."""
import importlib

CANDIDATES = [f"netra_backend.app.websocket_core.factory{suffix}" for suffix in ("", "_v2")]


def load_legacy_factory():
    module = importlib.import_module("netra_backend.app.websocket_core.factory")
    return getattr(module, "build_manager")


def load_candidates():
    return [importlib.import_module(name) for name in CANDIDATES]
