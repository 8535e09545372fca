"""Helpers shared by several test suites (integration, faults)."""
