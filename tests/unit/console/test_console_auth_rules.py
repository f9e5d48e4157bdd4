"""The console's sign-in rules: attempt limits, CSRF comparison, origin check, cookie flags."""

from __future__ import annotations

from bot.console import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_failures_lock_a_name_until_the_window_passes() -> None:
    clock = Clock()
    limiter = auth.SignInLimiter(max_failures=5, window_seconds=300, clock=clock)
    for _ in range(4):
        limiter.failed("10.0.0.1", "Alex")
    assert limiter.retry_after("10.0.0.1", "Alex") == 0
    limiter.failed("10.0.0.2", "alex ")  # another address, same name
    assert limiter.retry_after("10.0.0.3", "ALEX") > 0
    assert limiter.retry_after("10.0.0.3", "Blake") == 0
    clock.now += 301
    assert limiter.retry_after("10.0.0.3", "Alex") == 0


def test_one_address_trying_many_names_is_locked() -> None:
    limiter = auth.SignInLimiter(max_address_failures=20, clock=Clock())
    for n in range(20):
        limiter.failed("10.0.0.9", f"name-{n}")
    assert limiter.retry_after("10.0.0.9", "someone-new") > 0
    assert limiter.retry_after("10.0.0.8", "someone-new") == 0


def test_success_clears_the_name_but_not_the_address() -> None:
    limiter = auth.SignInLimiter(max_failures=2, max_address_failures=3, clock=Clock())
    limiter.failed("10.0.0.1", "Alex")
    limiter.failed("10.0.0.1", "Alex")
    limiter.succeeded("Alex")
    assert limiter.retry_after("10.0.0.2", "Alex") == 0
    limiter.failed("10.0.0.1", "Blake")
    assert limiter.retry_after("10.0.0.1", "Casey") > 0


def test_csrf_tokens_must_match_exactly() -> None:
    assert auth.csrf_ok("abc", "abc")
    assert not auth.csrf_ok("abc", None)
    assert not auth.csrf_ok("abc", "")
    assert not auth.csrf_ok("abc", "abd")


def test_requests_from_other_sites_are_not_same_origin() -> None:
    assert auth.same_origin({"origin": "http://shop:5005"}, "shop:5005")
    assert auth.same_origin({"referer": "http://shop:5005/console/sign-in"}, "shop:5005")
    assert auth.same_origin({}, "shop:5005")  # no header: not a browser's cross-site form
    assert not auth.same_origin({"origin": "https://evil.example"}, "shop:5005")
    assert not auth.same_origin({"origin": "null"}, "shop:5005")


def test_cookie_is_http_only_strict_and_scoped_to_the_console() -> None:
    flags = auth.cookie_attributes(secure=True, max_age=60)
    assert flags["httponly"] is True and flags["samesite"] == "Strict"
    assert flags["path"] == "/console" and flags["secure"] is True
    assert "secure" not in auth.cookie_attributes(secure=False, max_age=60)


def test_a_customer_cannot_type_the_command_that_un_pauses_a_handed_off_chat() -> None:
    from bot.widget_guards import customer_text

    for typed in ("/restart", " /restart", "//restart", "/session_start"):
        assert not customer_text(typed, offered_payloads=[]).startswith("/")
