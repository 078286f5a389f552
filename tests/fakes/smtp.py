"""A real SMTP server on loopback (aiosmtpd): keeps every message it accepts, and answers
`451` to every message while `down`."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class FakeSmtp:
    def __init__(self) -> None:
        self.down = False
        self.messages: list[Message] = []
        self.refused = 0
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.url = f"smtp://127.0.0.1:{self.port}?starttls=off"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.down:
            self.refused += 1
            return "451 4.3.0 mail server temporarily down"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    fake = FakeSmtp()
    fake.controller.start()
    yield fake
    fake.controller.stop()
