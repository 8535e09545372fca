"""Errors of the SQL store."""

from __future__ import annotations

from podium.common import errors
from podium.common.errors import PodiumError


class StoreError(PodiumError):
    """The store refused an operation (unsupported database URL, unknown row...)."""


class NotFoundError(StoreError, errors.NotFoundError):
    """An update named a row that does not exist."""
