"""The executor service. Imports common, never another service."""
