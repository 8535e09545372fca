"""Podium's REST API (Kestra's paths and JSON shapes under /api/v1), served by
`podium webserver`. Its routes parse a request, call one operation of the application layer
(`podium.application`) and shape the answer; it imports `common` (never `common.store`) and
`podium` (the Runtime it is built over); nothing imports it but the CLI."""

from podium.api.app import create_app

__all__ = ["create_app"]
