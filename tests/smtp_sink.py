"""A local SMTP server (aiosmtpd) that keeps what it receives, for the e-mail tests."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message

from aiosmtpd.controller import Controller


class _Keep:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_sink() -> Iterator[tuple[int, list[Message]]]:
    """(port, messages received) of a sink on 127.0.0.1, stopped afterwards."""
    handler = _Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, handler.messages
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    part = message.get_payload(decode=True)
    return part.decode(message.get_content_charset() or "utf-8")
