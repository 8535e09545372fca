"""common/ports.py: a default port that is taken moves to the next free one; a port the
user chose is refused when taken."""

from __future__ import annotations

import socket

import pytest

from podium.common.errors import ServiceSetupError
from podium.common.ports import bind_port


def bind(port: int) -> socket.socket:
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    sock.listen()
    return sock


@pytest.fixture
def taken():
    """A listening socket on a free port, and the port."""
    sock = bind(0)
    yield sock.getsockname()[1]
    sock.close()


def test_a_taken_default_port_moves_to_the_next_free_one(taken):
    sock, port = bind_port(bind, taken, explicit=False, what="test")
    with sock:
        assert port > taken
        assert sock.getsockname()[1] == port


def test_a_taken_explicit_port_is_refused_naming_it(taken):
    with pytest.raises(ServiceSetupError) as raised:
        bind_port(bind, taken, explicit=True, what="podium worker: management server")
    assert str(raised.value) == (f"podium worker: management server: port {taken} is already "
                                 "in use; stop what uses it or choose another port")


def test_a_free_port_is_used_as_is(taken):
    sock, port = bind_port(bind, 0, explicit=True, what="test")
    with sock:
        assert port == 0 and sock.getsockname()[1] not in (0, taken)


def test_no_free_port_in_the_range_is_an_error(taken):
    with pytest.raises(ServiceSetupError, match=f"ports {taken} to {taken} are all in use"):
        bind_port(bind, taken, explicit=False, what="test", tries=1)


def test_only_a_default_port_that_moved_is_said_to_be_in_use():
    from podium.common.ports import moved_note

    assert moved_note(9102, 9103) == "port 9102 in use, "
    assert moved_note(9102, 9102) == ""
    assert moved_note(0, 40123) == ""  # port 0: any free port was asked for
