"""Podium's REST API (Kestra's paths and JSON shapes under /api/v1), served by
`podium webserver`. It imports `common` and `podium` (the Runtime); nothing imports it but
the CLI."""

from api.app import create_app

__all__ = ["create_app"]
