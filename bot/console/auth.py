"""The console's sign-in rules (pure): attempt limits, cookie attributes, CSRF and origin checks."""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from bot.rate_limits import RateLimiter, allow_all

COOKIE_NAME = "rapport_agent"
COOKIE_PATH = "/console"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5  # wrong passwords for one name from one address
FAILURE_WINDOW_SECONDS = 300.0
MAX_ADDRESS_FAILURES = 20  # wrong passwords from one address, whatever the names
ADDRESS_WINDOW_SECONDS = 900.0


class SignInLimiter:
    """Limits sign-in attempts per (name, address) and, longer and larger, per address.

    An attempt is counted before its password is checked (`attempt`) and given back when it
    succeeds (`succeeded`): checking is slow on purpose, so attempts sent together are counted
    before any result is known. A name alone is never locked: whoever guesses at an agent's
    name shuts out only their own address for it, and the agent still signs in from theirs.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        window_seconds: float = FAILURE_WINDOW_SECONDS,
        address_window_seconds: float = ADDRESS_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pairs = RateLimiter(max_failures, window_seconds, clock)
        self.addresses = RateLimiter(max_address_failures, address_window_seconds, clock)

    @staticmethod
    def _keys(address: str, name: str) -> tuple[str, str]:
        return f"{name.strip().lower()}@{address}", address

    def attempt(self, address: str, name: str) -> int:
        """Count an attempt before checking it: 0 when it may go ahead, else the seconds to
        wait (nothing is counted then)."""
        pair, address_key = self._keys(address, name)
        if allow_all([(self.pairs, pair), (self.addresses, address_key)]):
            return 0
        wait = max(self.pairs.retry_after(pair), self.addresses.retry_after(address_key))
        return max(1, math.ceil(wait))

    def succeeded(self, address: str, name: str) -> None:
        """The attempt was right: the pair's failures are forgotten, the address's attempt
        given back."""
        pair, address_key = self._keys(address, name)
        self.pairs.clear(pair)
        self.addresses.release(address_key)

    def not_checked(self, address: str, name: str) -> None:
        """The attempt could not be checked (an error on our side): it does not count."""
        pair, address_key = self._keys(address, name)
        self.pairs.release(pair)
        self.addresses.release(address_key)

    def clear(self) -> None:
        self.pairs.clear()
        self.addresses.clear()


def csrf_ok(expected: str, supplied: str | None) -> bool:
    """Whether a state-changing request carries the session's CSRF token."""
    return bool(supplied) and hmac.compare_digest(expected.encode(), str(supplied).encode())


def same_origin(headers: Mapping[str, str], host: str) -> bool:
    """False when the browser says the request came from another site (Origin or Referer)."""
    source = headers.get("origin") or headers.get("referer")
    if not source or source == "null":
        return source is None
    return urlsplit(source).netloc == host


def cookie_attributes(secure: bool, max_age: int) -> dict[str, object]:
    """HttpOnly (no script reads it), SameSite=Strict (no other site sends it), console path."""
    attributes: dict[str, object] = {
        "httponly": True,
        "samesite": "Strict",
        "path": COOKIE_PATH,
        "max-age": max_age,
    }
    if secure:
        attributes["secure"] = True
    return attributes


# The largest id a database row can have (a signed 64-bit integer, PostgreSQL's bigint).
MAX_ROW_ID = 2**63 - 1


def ids_in_range(path_values: Mapping[str, object]) -> bool:
    """Whether every whole number in a route's path is an id a row could have: a larger one
    would overflow the database driver instead of finding nothing."""
    return all(
        0 <= value <= MAX_ROW_ID
        for value in path_values.values()
        if isinstance(value, int) and not isinstance(value, bool)
    )
