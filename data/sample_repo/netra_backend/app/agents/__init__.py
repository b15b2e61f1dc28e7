"""Agent implementations (supervisor and sub-agents)."""
