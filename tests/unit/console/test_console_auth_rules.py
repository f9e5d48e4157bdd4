"""The console's sign-in rules: attempt limits, CSRF comparison, origin check, cookie flags."""

from __future__ import annotations

from bot.console import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_attempts_lock_a_name_from_one_address_until_the_window_passes() -> None:
    clock = Clock()
    limiter = auth.SignInLimiter(max_failures=5, window_seconds=300, clock=clock)
    assert [limiter.attempt("10.0.0.1", "Alex") for _ in range(5)] == [0] * 5
    assert limiter.attempt("10.0.0.1", "alex ") > 0  # the same name, however written
    assert limiter.attempt("10.0.0.1", "Blake") == 0
    clock.now += 301
    assert limiter.attempt("10.0.0.1", "Alex") == 0


def test_attempts_are_counted_before_they_are_checked() -> None:
    # Nothing is reported between the attempts: as with guesses sent all at once.
    limiter = auth.SignInLimiter(max_failures=5, clock=Clock())
    allowed = [limiter.attempt("10.0.0.1", "Alex") == 0 for _ in range(25)]
    assert allowed.count(True) == 5


def test_a_name_alone_is_never_locked() -> None:
    limiter = auth.SignInLimiter(max_failures=5, clock=Clock())
    for n in range(5):
        limiter.attempt(f"10.0.0.{n}", "Alex")
        limiter.attempt("10.0.0.9", "Alex")
    assert limiter.attempt("10.0.0.9", "Alex") > 0
    assert limiter.attempt("192.0.2.1", "Alex") == 0


def test_one_address_trying_many_names_is_locked_longer() -> None:
    clock = Clock()
    limiter = auth.SignInLimiter(
        max_address_failures=20, window_seconds=300, address_window_seconds=900, clock=clock
    )
    for n in range(20):
        assert limiter.attempt("10.0.0.9", f"name-{n}") == 0
    assert limiter.attempt("10.0.0.9", "someone-new") > 300
    assert limiter.attempt("10.0.0.8", "someone-new") == 0
    clock.now += 301
    assert limiter.attempt("10.0.0.9", "someone-new") > 0
    clock.now += 600
    assert limiter.attempt("10.0.0.9", "someone-new") == 0


def test_success_clears_the_pair_and_gives_back_the_address_attempt() -> None:
    limiter = auth.SignInLimiter(max_failures=2, max_address_failures=3, clock=Clock())
    limiter.attempt("10.0.0.1", "Alex")
    limiter.attempt("10.0.0.1", "Alex")
    limiter.succeeded("10.0.0.1", "Alex")
    assert limiter.attempt("10.0.0.1", "Alex") == 0  # 1 of 2 for the pair, 2 of 3 for the address
    assert limiter.attempt("10.0.0.1", "Blake") == 0  # 3 of 3 for the address
    assert limiter.attempt("10.0.0.1", "Casey") > 0


def test_a_refused_attempt_counts_against_nothing() -> None:
    limiter = auth.SignInLimiter(max_failures=1, max_address_failures=2, clock=Clock())
    limiter.attempt("10.0.0.1", "Alex")
    for _ in range(5):
        assert limiter.attempt("10.0.0.1", "Alex") > 0
    assert limiter.attempt("10.0.0.1", "Blake") == 0


def test_an_attempt_that_could_not_be_checked_does_not_count() -> None:
    limiter = auth.SignInLimiter(max_failures=1, clock=Clock())
    limiter.attempt("10.0.0.1", "Alex")
    limiter.not_checked("10.0.0.1", "Alex")
    assert limiter.attempt("10.0.0.1", "Alex") == 0


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


def test_the_console_reads_its_limits_and_trusted_proxies_from_the_credentials() -> None:
    import pytest

    from bot.console import ConsoleConfigError, ConsoleInput

    console = ConsoleInput.from_credentials(
        {
            "database_url": "sqlite://",
            "trusted_proxies": "127.0.0.1",
            "sign_in_failures": "3",
            "sign_in_address_failures": "9",
        }
    )
    assert isinstance(console, ConsoleInput)
    assert [str(n) for n in console.trusted_proxies] == ["127.0.0.1/32"]
    assert (console.sign_in_failures, console.sign_in_address_failures) == (3, 9)
    with pytest.raises(ConsoleConfigError, match="sign_in_failures='none'"):
        ConsoleInput.from_credentials({"database_url": "sqlite://", "sign_in_failures": "none"})


def test_ids_beyond_a_database_row_are_out_of_range() -> None:
    assert auth.ids_in_range({"handoff_id": 7, "name": "x"})
    assert auth.ids_in_range({"handoff_id": auth.MAX_ROW_ID})
    assert not auth.ids_in_range({"handoff_id": auth.MAX_ROW_ID + 1})
    assert not auth.ids_in_range({"promise_id": -1})
