"""The console's sign-in rules (pure): attempt limits, cookie attributes, CSRF and origin checks."""

from __future__ import annotations

import hmac
import time
from collections import deque
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

COOKIE_NAME = "rapport_agent"
COOKIE_PATH = "/console"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5  # per agent name
MAX_ADDRESS_FAILURES = 20  # per client address (several agents may share an office address)
FAILURE_WINDOW_SECONDS = 300.0


class SignInLimiter:
    """Refuses sign-in for a while after too many failures from one address or for one name."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        max_address_failures: int = MAX_ADDRESS_FAILURES,
        window_seconds: float = FAILURE_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.max_address_failures = max_address_failures
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def retry_after(self, address: str, name: str) -> int:
        """Seconds until sign-in may be tried again for this address and name; 0 when allowed."""
        waits = []
        limits = {
            f"ip:{address}": self.max_address_failures,
            f"name:{name.strip().lower()}": self.max_failures,
        }
        for key, limit in limits.items():
            failures = self._recent(key)
            if len(failures) >= limit:
                waits.append(int(self.window - (self.clock() - failures[0])) + 1)
        return max(waits, default=0)

    def failed(self, address: str, name: str) -> None:
        for key in (f"ip:{address}", f"name:{name.strip().lower()}"):
            self._recent(key).append(self.clock())
        if len(self._failures) > 10_000:  # forget idle keys so memory stays bounded
            for key in [k for k, v in self._failures.items() if not v]:
                del self._failures[key]

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name.strip().lower()}", None)


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
