"""Unit tests: each stage of wsaudit on its own, over in-memory records (no disk, no Audit)."""
