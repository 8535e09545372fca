"""Core runners types."""
