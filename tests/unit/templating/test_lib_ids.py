"""ksuid, nanoId, randomPort and uuid, rendered by the engine. Oracles: Kestra's
KSUIDFunctionTest, NanoIDFuntionTest, RandomPortFunction, UUIDFunctionTest (its generator
is Jackson's time-based epoch one: UUID version 7)."""

import re
import socket
import time

import pytest

from podium.common.errors import TemplateError
from podium.common.templating import render
from podium.common.templating.library import ids


def test_ksuid_KSUIDFunctionTest():
    first, second = render("{{ ksuid() }}", {}), render("{{ ksuid() }}", {})
    assert re.fullmatch(r"[0-9A-Za-z]{27}", first) and first != second


def test_ksuid_sorts_by_creation_second(monkeypatch):
    monkeypatch.setattr(ids.time, "time", lambda: 1_700_000_000.0)
    older = render("{{ ksuid() }}", {})
    monkeypatch.setattr(ids.time, "time", lambda: 1_700_000_001.0)
    assert render("{{ ksuid() }}", {}) > older  # base62 digits are in ASCII order
    # the first 4 bytes are seconds since the KSUID epoch (1400000000)
    assert _base62_value(older) >> 128 == 300_000_000


def _base62_value(text: str) -> int:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    value = 0
    for char in text:
        value = value * 62 + digits.index(char)
    return value


def test_nano_id_NanoIDFuntionTest():
    assert len(render("{{ nanoId() }}", {})) == 21
    assert re.fullmatch(r"[0-9A-Za-z_-]{21}", render("{{ nanoId() }}", {}))
    assert len(render("{{ nanoId(length) }}", {"length": 8})) == 8
    odd = render("{{ nanoId(length, alphabet) }}", {"length": 21, "alphabet": ":;<=>?@"})
    assert len(odd) == 21 and all(":" <= c <= "@" for c in odd)
    with pytest.raises(TemplateError, match="must be lower than: 1000"):
        render("{{ nanoId(1001) }}", {})


def test_random_port_is_free_to_bind():
    port = int(render("{{ randomPort() }}", {}))
    assert 0 < port < 65536
    with socket.socket() as probe:  # free right after: a flow can start a server on it
        probe.bind(("127.0.0.1", port))


def test_uuid_is_a_time_ordered_version_7():
    first = render("{{ uuid() }}", {})
    time.sleep(0.002)
    second = render("{{ uuid() }}", {})
    pattern = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    assert re.fullmatch(pattern, first) and len(first) == 36
    assert second > first  # the millisecond prefix orders them
    millis = int(first.replace("-", "")[:12], 16)
    assert abs(millis / 1000 - time.time()) < 60
