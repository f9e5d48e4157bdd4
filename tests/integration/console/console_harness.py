"""The console's test server handle, shared by the console's integration tests."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path

import requests

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ConsoleServer:
    url: str
    app: object
    service: object
    loop: asyncio.AbstractEventLoop
    content: Path | None = None  # the review inbox's copy of domain.yml and data/

    def run(self, coroutine):  # run a coroutine on the server's loop, from the test
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def signed_in(self, name: str, password: str = PASSWORD) -> requests.Session:
        browser = requests.Session()
        reply = browser.post(
            f"{self.url}/console/sign-in",
            data={"name": name, "password": password},
            headers={"Origin": self.url},
            allow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        assert reply.headers["Location"] == "/console", reply.headers["Location"]
        me = browser.get(f"{self.url}/console/api/me").json()
        browser.headers["X-CSRF-Token"] = me["csrf_token"]
        return browser
