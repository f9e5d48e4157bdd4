"""A throw-away RabbitMQ server for the cluster tests, from Debian's `rabbitmq-server` package.

It is `bot.local_services.RabbitServer` (the one `python -m bot run --start-services` starts) in
a temporary folder, so it meets no other RabbitMQ on the machine. Tests may stop it and start
it again: its durable queues and persistent messages survive, as they do on a real server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bot import local_services


def installed() -> bool:
    return local_services.RABBITMQ_SERVER.exists()


class RabbitServer(local_services.RabbitServer):
    """One RabbitMQ node on 127.0.0.1 in a new temporary folder."""

    def __init__(self) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="rapport-rabbitmq-")))
