"""Kestra conformance runner: `python -m tests.conformance --corpus DIR`."""
