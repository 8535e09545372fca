"""Code shared by every Podium service: flow language, models, errors, settings. Imports no service."""
