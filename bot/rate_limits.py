"""Rate limits kept in the process's memory, and who the client is behind a trusted proxy.

`RateLimiter` counts events per key in a sliding window. An event is counted when it is
allowed (`allow`), before the work it permits is done, so requests that arrive together cannot
all pass before the first is recorded; `release` gives one back (a sign-in that succeeded).
`allow_all` takes one event from several limiters only when every one of them has room, so a
refusal by one limit does not use up the others.

`client_address` is the address a limit counts: the socket's peer, or, when the peer is one of
the configured trusted proxies, the nearest address in X-Forwarded-For that is not itself a
trusted proxy. Anything further left in that header was written by the client and is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN_ADDRESS = "?"
MAX_KEYS = 10_000  # idle keys are forgotten past this many, so memory stays bounded


class RateLimiter:
    """At most `limit` events per key in any window of `window_seconds` (sliding), in memory.

    Thread-safe: the action server counts from worker threads.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("a rate limit must allow at least one event in its window")
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.RLock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and now - events[0] >= self.window:
            events.popleft()
        return events

    def has_room(self, key: str) -> bool:
        """Whether one more event for `key` would be allowed (nothing is counted)."""
        with self._lock:
            return len(self._recent(key, self._clock())) < self.limit

    def allow(self, key: str) -> bool:
        """Count an event for `key` if it is within the limit; say whether it was."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > MAX_KEYS:
                self.forget_idle()
            return True

    def release(self, key: str) -> None:
        """Give back the latest event counted for `key` (the work it reserved did not count)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()

    def clear(self, key: str | None = None) -> None:
        """Forget the events of `key`, or of every key."""
        with self._lock:
            if key is None:
                self._events.clear()
            else:
                self._events.pop(key, None)

    def retry_after(self, key: str) -> float:
        """Seconds until `key` has room again; 0 when it has room now."""
        with self._lock:
            now = self._clock()
            events = self._recent(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(0.0, self.window - (now - events[len(events) - self.limit]))

    def forget_idle(self) -> None:
        """Drop keys with no event in the window, so memory stays bounded."""
        with self._lock:
            now = self._clock()
            idle = [
                key
                for key, events in self._events.items()
                if not events or now - events[-1] >= self.window
            ]
            for key in idle:
                del self._events[key]


def allow_all(checks: Iterable[tuple[RateLimiter, str]]) -> bool:
    """Count one event for each (limiter, key) only if all of them have room."""
    checks = list(checks)
    if not all(limiter.has_room(key) for limiter, key in checks):
        return False
    for limiter, key in checks:
        limiter.allow(key)
    return True


def trusted_networks(entries: Iterable[str] | str) -> tuple[Network, ...]:
    """Addresses or networks (`10.0.0.1`, `10.0.0.0/8`, `::1`), comma-separated or listed.

    Raises ValueError naming the entry that is neither."""
    if isinstance(entries, str):
        entries = entries.split(",")
    networks = []
    for entry in entries:
        entry = str(entry).strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{entry!r} is not an IP address or network (like 10.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:1234"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:1234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]
) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[Network]
) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy (see above)."""
    current = _address(peer or "")
    if current is None:
        return (peer or "").strip() or UNKNOWN_ADDRESS
    if not forwarded_for or not _trusted(current, trusted_proxies):
        return str(current)
    for hop in reversed(forwarded_for.split(",")):
        previous = _address(hop)
        if previous is None:
            break  # unreadable: the last hop we could read is the best we know
        current = previous
        if not _trusted(current, trusted_proxies):
            break
    return str(current)


def client_key(secret: str, address: str) -> str:
    """A stable name for a client address that does not reveal it (keyed SHA-256, shortened):
    what a conversation's messages carry so that other processes can count per client."""
    digest = hmac.new(secret.encode(), f"client-address:{address}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]
