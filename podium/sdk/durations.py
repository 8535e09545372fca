"""ISO-8601 durations as Kestra writes them (``PT15M``), for plugins whose properties hold
one: ``parse_duration(text) -> timedelta`` (ValueError naming the text otherwise)."""

from podium.common.durations import parse_duration

__all__ = ["parse_duration"]
