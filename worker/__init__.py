"""The worker service. Imports common, never another service."""
