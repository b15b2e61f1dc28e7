"""Netra backend application: routes, services, agents and the WebSocket core."""
