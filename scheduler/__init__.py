"""The scheduler service. Imports common, never another service."""
