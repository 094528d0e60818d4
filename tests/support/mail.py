"""A real SMTP server on a free loopback port (aiosmtpd), collecting what arrives."""
from __future__ import annotations

import contextlib
import email
import email.policy

from aiosmtpd.controller import Controller

from tests.support.services import free_port


class _Collector:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@contextlib.contextmanager
def smtp_server():
    """Yield (host, port, messages list)."""
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, collector.messages
    finally:
        controller.stop()
