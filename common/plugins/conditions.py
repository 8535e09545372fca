"""Core conditions types."""
