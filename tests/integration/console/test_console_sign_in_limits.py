"""The console's sign-in limits over real HTTP: parallel guesses, and no lock-out of an agent.

Passwords are slow to verify on purpose (on a worker thread), so guesses sent at once must be
counted before they are checked. The harness trusts 127.0.0.1 as a proxy: each test names its
client address in X-Forwarded-For.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from console_harness import PASSWORD, ConsoleServer

GUESSES = 25
PAIR_FAILURES = 5  # the console's default: wrong passwords for one name from one address
ADDRESS_FAILURES = 20  # the console's default: wrong passwords from one address


def sign_in(server: ConsoleServer, name: str, password: str, address: str) -> requests.Response:
    return requests.post(
        f"{server.url}/console/sign-in",
        data={"name": name, "password": password},
        headers={"Origin": server.url, "X-Forwarded-For": address},
        allow_redirects=False,
        timeout=60,
    )


def locked(reply: requests.Response) -> bool:
    return reply.status_code == 303 and "error=locked" in reply.headers["Location"]


@pytest.fixture
def verifications(console_server: ConsoleServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names whose password the server checked (each check is the slow part)."""
    accounts = console_server.service.accounts  # type: ignore[attr-defined]
    checked: list[str] = []
    lock = threading.Lock()
    real = accounts.authenticate

    def counting(name: str, password: str) -> int | None:
        with lock:
            checked.append(name)
        return real(name, password)

    monkeypatch.setattr(accounts, "authenticate", counting)
    return checked


def test_parallel_wrong_guesses_are_counted_before_they_are_checked(
    console_server: ConsoleServer, verifications: list[str]
) -> None:
    with ThreadPoolExecutor(GUESSES) as pool:
        replies = list(
            pool.map(
                lambda n: sign_in(console_server, "Alex", f"guess {n}", "203.0.113.10"),
                range(GUESSES),
            )
        )
    assert len(verifications) <= PAIR_FAILURES
    assert sum(locked(reply) for reply in replies) >= GUESSES - PAIR_FAILURES
    assert not any(reply.headers["Location"] == "/console" for reply in replies)


def test_guessing_an_agents_password_does_not_lock_the_agent_out(
    console_server: ConsoleServer,
) -> None:
    for n in range(PAIR_FAILURES + 2):
        sign_in(console_server, "Blake", f"guess {n}", "203.0.113.20")
    # The guesser's address is locked for that name, even with the right password...
    assert locked(sign_in(console_server, "Blake", PASSWORD, "203.0.113.20"))
    # ...and Blake, from Blake's own address, signs in.
    reply = sign_in(console_server, "Blake", PASSWORD, "192.0.2.44")
    assert reply.status_code == 303 and reply.headers["Location"] == "/console"


def test_one_address_guessing_many_names_is_locked_for_every_name(
    console_server: ConsoleServer,
) -> None:
    for n in range(ADDRESS_FAILURES):
        sign_in(console_server, f"name-{n}", "guess", "203.0.113.30")
    assert locked(sign_in(console_server, "Casey", PASSWORD, "203.0.113.30"))
    reply = sign_in(console_server, "Casey", PASSWORD, "192.0.2.45")
    assert reply.headers["Location"] == "/console"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    console_server: ConsoleServer,
) -> None:
    # 127.0.0.1 is the trusted proxy here: what a client wrote in front of the address the
    # proxy saw is not believed, so changing it does not give new guesses.
    for n in range(PAIR_FAILURES):
        sign_in(console_server, "Alex", "guess", f"10.0.0.{n}, 203.0.113.40")
    assert locked(sign_in(console_server, "Alex", PASSWORD, "10.0.0.99, 203.0.113.40"))
