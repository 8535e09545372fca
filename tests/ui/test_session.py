"""The signed session cookie (api/ui/session.py): what reads back, and what does not."""

from __future__ import annotations

from podium.api.ui.session import SessionCodec


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_reads_back_until_it_expires():
    clock = Clock()
    codec = SessionCodec(b"k" * 32, max_age=60, clock=clock)
    session = codec.new("admin")
    cookie = codec.dumps(session)
    assert codec.loads(cookie) == session
    clock.now += 59
    assert codec.loads(cookie) == session
    clock.now += 1
    assert codec.loads(cookie) is None


def test_another_key_or_a_changed_cookie_reads_as_no_session():
    codec = SessionCodec(b"k" * 32, max_age=60)
    cookie = codec.dumps(codec.new("admin"))
    assert SessionCodec(b"x" * 32, max_age=60).loads(cookie) is None
    payload, _, signature = cookie.partition(".")
    assert codec.loads(payload[:-1] + ("A" if payload[-1] != "A" else "B") + "." + signature) \
        is None
    for junk in (None, "", ".", "a.b.c", "%%%.%%%", payload):
        assert codec.loads(junk) is None


def test_each_session_has_its_own_csrf_token():
    codec = SessionCodec(b"k" * 32, max_age=60)
    assert codec.new().csrf != codec.new().csrf
    assert codec.new().user is None
