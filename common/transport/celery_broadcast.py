"""Broadcast on Celery's broker: a kombu fanout exchange, which kombu maps to Redis
PUBLISH/SUBSCRIBE (see `CeleryTransport.broadcast`)."""

from __future__ import annotations

import logging
import socket
import threading
from typing import Any

from celery import Celery
from kombu.common import Broadcast
from kombu.connection import Connection
from kombu.entity import Exchange
from kombu.messaging import Consumer

from podium.common.transport.base import Handler, StopSubscription, TransportError, decode_payload

log = logging.getLogger("podium.transport")


def fanout(channel: str) -> Exchange:
    return Exchange(channel, type="fanout", durable=False, auto_delete=True)


class Subscriber:
    """One broadcast subscription: its own connection and thread, reconnecting on errors."""

    def __init__(self, app: Celery, channel: str, handler: Handler) -> None:
        self.app, self.channel, self.handler = app, channel, handler
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"podium-broadcast-{channel}",
                                       daemon=True)

    def start(self) -> StopSubscription:
        self.thread.start()
        if not self.ready.wait(10):
            self.stop()
            raise TransportError(f"could not subscribe to broadcast {self.channel}")
        return self.stop

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not threading.current_thread():
            self.thread.join()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.app.connection_for_read() as conn:
                    self._listen(conn)
            except Exception as exc:  # noqa: BLE001 - broker hiccup: reconnect, never die silently
                log.warning("broadcast subscription %s lost (%s), reconnecting", self.channel, exc)
                self.stopping.wait(1.0)

    def _listen(self, conn: Connection) -> None:
        queue = Broadcast(name=self.channel, exchange=fanout(self.channel))
        with Consumer(conn, queues=[queue], callbacks=[self._on_message], accept=["json"],
                      no_ack=True):
            # On Redis the SUBSCRIBE is sent by the first poll: only then is it live.
            self._drain(conn)
            self.ready.set()
            while not self.stopping.is_set():
                self._drain(conn)

    @staticmethod
    def _drain(conn: Connection) -> None:
        try:
            conn.drain_events(timeout=0.2)
        except socket.timeout:
            pass

    def _on_message(self, body: Any, message: Any) -> None:
        try:
            self.handler(decode_payload(body))
        except Exception:  # noqa: BLE001 - one bad broadcast must not end the subscription
            log.exception("broadcast handler on %s failed", self.channel)
