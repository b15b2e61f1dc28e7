"""Colocated smoke test for the deprecated factory module."""
from unittest import mock

from .factory import build_manager


def test_build_manager_warns():
    with mock.patch("netra_backend.app.websocket_core.websocket_manager_factory.warnings") as warnings:
        build_manager()
    warnings.warn.assert_called_once()
