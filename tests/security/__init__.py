"""Hostile input and untrusted code (issue 14): one case per attack, each asserting the
status, the message and that nothing was stored. Shared fixtures in conftest.py."""
