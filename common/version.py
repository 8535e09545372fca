"""Podium's own version, as installed (build info, service rows)."""

from __future__ import annotations

from importlib import metadata


def podium_version() -> str:
    try:
        return metadata.version("podium")
    except metadata.PackageNotFoundError:  # run from a source tree not installed
        return "unknown"
