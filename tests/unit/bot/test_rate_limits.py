"""The shared sliding-window limiter and the client address behind trusted proxies."""

from __future__ import annotations

import pytest

from bot.rate_limits import RateLimiter, allow_all, client_address, trusted_networks


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_event_is_counted_when_allowed_and_given_back_on_release() -> None:
    limiter = RateLimiter(2, window_seconds=10, clock=Clock())
    assert limiter.allow("a") and limiter.allow("a")
    assert not limiter.allow("a")
    limiter.release("a")
    assert limiter.allow("a")


def test_retry_after_is_when_the_oldest_counted_event_leaves_the_window() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window_seconds=10, clock=clock)
    limiter.allow("a")
    clock.now += 4
    limiter.allow("a")
    assert limiter.retry_after("a") == 6
    clock.now += 6
    assert limiter.retry_after("a") == 0


def test_allow_all_counts_nothing_when_one_limit_is_full() -> None:
    small, large = RateLimiter(1, clock=Clock()), RateLimiter(5, clock=Clock())
    assert allow_all([(small, "socket"), (large, "address")])
    assert not allow_all([(small, "socket"), (large, "address")])
    assert not allow_all([(small, "socket"), (large, "address")])
    assert allow_all([(small, "other socket"), (large, "address")])
    assert [large.allow("address") for _ in range(4)] == [True, True, True, False]


PROXIES = trusted_networks("127.0.0.1, 10.0.0.0/8, ::1")


def test_the_peer_is_the_client_when_it_is_not_a_trusted_proxy() -> None:
    assert client_address("192.0.2.7", "198.51.100.1", PROXIES) == "192.0.2.7"
    assert client_address("192.0.2.7", None, PROXIES) == "192.0.2.7"
    assert client_address("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    assert client_address("127.0.0.1", "198.51.100.1", PROXIES) == "198.51.100.1"
    # The client wrote the first entry itself; the proxies appended the rest.
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", PROXIES) == (
        "198.51.100.1"
    )
    assert client_address("::1", "2001:db8::5", PROXIES) == "2001:db8::5"


def test_a_header_of_trusted_hops_only_names_the_farthest() -> None:
    assert client_address("127.0.0.1", "10.0.0.5, 10.0.0.6", PROXIES) == "10.0.0.5"


def test_an_unreadable_hop_stops_the_walk() -> None:
    assert client_address("127.0.0.1", "198.51.100.1, nonsense", PROXIES) == "127.0.0.1"
    assert client_address("127.0.0.1", "nonsense, 198.51.100.2", PROXIES) == "198.51.100.2"


def test_ports_and_mapped_addresses_are_read_as_the_address() -> None:
    assert client_address("127.0.0.1", "198.51.100.1:5555", PROXIES) == "198.51.100.1"
    assert client_address("::ffff:127.0.0.1", "198.51.100.1", PROXIES) == "198.51.100.1"
    assert client_address(None, "198.51.100.1", PROXIES) == "?"


def test_a_trusted_proxy_setting_that_is_not_an_address_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"'proxy\.example' is not an IP address or network"):
        trusted_networks("10.0.0.1, proxy.example")
    assert trusted_networks("") == ()
