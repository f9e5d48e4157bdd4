"""Guards on customer input: slash text, offered payloads, metadata, size and rate limits."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot import widget_guards
from bot.widget_guards import RateLimiter


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("/restart", "restart"),
        ("  /restart  ", "restart"),
        ("\u00a0/restart", "restart"),
        ("//greet", "greet"),
        ("/ /greet", "greet"),
        ('/affirm{"name": "x"}', 'affirm{"name": "x"}'),
        ("hello /there", "hello /there"),
        ("/", ""),
        ("hello", "hello"),
    ],
)
def test_typed_text_never_starts_with_a_slash(typed: str, seen: str) -> None:
    words = widget_guards.customer_text(typed, offered_payloads=[])
    assert words == seen
    # Rasa strips the text before looking for the prefix: the result must survive that too.
    assert not words.strip().startswith("/")


def test_an_offered_payload_passes_as_is() -> None:
    offered = ['/choose{"bike": "city"}', "/affirm"]
    assert widget_guards.customer_text("/affirm", offered) == "/affirm"
    assert widget_guards.customer_text(' /choose{"bike": "city"} ', offered) == (
        '/choose{"bike": "city"}'
    )


def test_a_payload_that_was_not_offered_is_just_words() -> None:
    offered = ["/affirm"]
    assert widget_guards.customer_text("/restart", offered) == "restart"
    assert widget_guards.customer_text('/affirm{"x": 1}', offered) == 'affirm{"x": 1}'


def test_offered_payloads_are_read_from_buttons() -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "broken"}, "junk"]
    assert widget_guards.offered_payloads(buttons) == ["/affirm"]


def test_size_limit() -> None:
    assert not widget_guards.too_long("x" * 2000, 2000)
    assert widget_guards.too_long("x" * 2001, 2000)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ({"rating": 4}, {"rating": 4}),
        ('{"rating": 5}', {"rating": 5}),
        ({"rating": 9}, {}),
        ({"rating": True}, {}),
        ({"rating": "5"}, {}),
        ({"customer_id": "someone-else", "verified": True}, {}),
        ({"page": "https://shop.example/bikes"}, {"page": "https://shop.example/bikes"}),
        ({"page": "javascript:alert(1)"}, {}),
        ("not json", {}),
        (None, {}),
        ([1, 2], {}),
    ],
)
def test_client_metadata_keeps_only_what_a_page_may_say(raw: object, kept: dict) -> None:
    assert widget_guards.client_metadata(raw) == kept


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_per_key_in_a_sliding_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    clock.now += 59
    assert not limiter.allow("a")
    clock.now += 1.5
    assert limiter.allow("a")


def test_idle_keys_are_forgotten() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock)
    limiter.allow("a")
    clock.now += 61
    limiter.forget_idle()
    assert limiter._events == {}


def test_a_rate_limit_below_one_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RateLimiter(0)


def _record_of(error_source: str, filename: str) -> logging.LogRecord:
    try:
        exec(compile(error_source, filename, "exec"), {"json": json})  # noqa: S102
    except Exception:
        info = sys.exc_info()
    return logging.LogRecord("engineio.server", logging.ERROR, "x", 1, "handler error", (), info)


def test_a_malformed_frames_traceback_becomes_one_warning() -> None:
    record = _record_of("json.loads('42[')", "/site-packages/socketio/packet.py")
    assert widget_guards.MalformedFrames().filter(record)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "malformed socket.io frame" in record.getMessage()
    assert "JSONDecodeError" in record.getMessage()


def test_an_error_raised_in_the_projects_code_keeps_its_traceback() -> None:
    record = _record_of("raise ValueError('a bug')", "/srv/rapport/bot/channel.py")
    assert widget_guards.MalformedFrames().filter(record)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
