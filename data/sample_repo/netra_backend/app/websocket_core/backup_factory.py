"""Backup copy of factory.py left by an interrupted codemod (excluded: ``backup*``)."""
from .websocket_manager_factory import create_websocket_manager as build_manager

manager = build_manager()
