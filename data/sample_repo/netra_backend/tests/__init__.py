"""Backend test suites (e2e, integration, websocket_core)."""
