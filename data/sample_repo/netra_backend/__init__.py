"""Netra backend monorepo package."""
