"""Core triggers types."""
