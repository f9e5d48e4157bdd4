"""Session tokens and identity signatures: issued ones verify, anything else is refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot import session_tokens
from bot.session_tokens import IdentityRefused, TokenRefused

SECRET = "a-session-secret"
OTHER_SECRET = "another-server"


def test_an_issued_token_names_its_conversation() -> None:
    issued = session_tokens.issue_session_token(SECRET)
    assert issued.conversation_id.startswith("web-")
    assert session_tokens.verify_session_token(SECRET, issued.token) == issued.conversation_id


def test_every_token_names_a_new_conversation() -> None:
    first = session_tokens.issue_session_token(SECRET)
    second = session_tokens.issue_session_token(SECRET)
    assert first.conversation_id != second.conversation_id


def test_a_token_signed_by_another_key_is_refused() -> None:
    issued = session_tokens.issue_session_token(OTHER_SECRET)
    with pytest.raises(TokenRefused, match="signature"):
        session_tokens.verify_session_token(SECRET, issued.token)


def test_a_token_pointing_at_another_conversation_is_refused() -> None:
    mine = session_tokens.issue_session_token(SECRET)
    theirs = session_tokens.issue_session_token(SECRET)
    forged = mine.token.replace(mine.conversation_id, theirs.conversation_id)
    with pytest.raises(TokenRefused):
        session_tokens.verify_session_token(SECRET, forged)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        42,
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "v1.customer:7.abc",
        "v1.web-x.sig",
        "v2.web-x.1700000000.sig",
        "v2.web-0123456789abcdef0123456789abcdef.soon.sig",
        "x" * 500,
    ],
)
def test_malformed_tokens_are_refused(token: object) -> None:
    with pytest.raises(TokenRefused):
        session_tokens.verify_session_token(SECRET, token)


DAY = 86400.0


def test_a_token_is_good_for_its_days_and_then_expires() -> None:
    issued = session_tokens.issue_session_token(SECRET, now=1_700_000_000)
    within = 1_700_000_000 + 29 * DAY
    after = 1_700_000_000 + 31 * DAY
    assert session_tokens.verify_session_token(SECRET, issued.token, 30 * DAY, now=within) == (
        issued.conversation_id
    )
    with pytest.raises(session_tokens.TokenExpired):
        session_tokens.verify_session_token(SECRET, issued.token, 30 * DAY, now=after)


def test_changing_the_issue_time_breaks_the_signature() -> None:
    issued = session_tokens.issue_session_token(SECRET, now=1_700_000_000)
    version, conversation, _, signature = issued.token.split(".")
    younger = f"{version}.{conversation}.{1_700_000_000 + 40 * int(DAY)}.{signature}"
    with pytest.raises(TokenRefused, match="signature"):
        session_tokens.verify_session_token(SECRET, younger, 30 * DAY, now=1_700_000_000)


def test_a_token_issued_in_the_future_is_refused() -> None:
    issued = session_tokens.issue_session_token(SECRET, now=1_700_000_000 + DAY)
    with pytest.raises(TokenRefused, match="future"):
        session_tokens.verify_session_token(SECRET, issued.token, now=1_700_000_000)


def test_an_empty_secret_is_an_error_not_a_weak_token() -> None:
    with pytest.raises(ValueError, match="empty"):
        session_tokens.issue_session_token("")


def test_identity_signature_is_the_hex_hmac_sha256_of_the_customer_id() -> None:
    expected = hmac.new(b"shop-secret", b"cust-42", hashlib.sha256).hexdigest()
    assert session_tokens.identity_signature("shop-secret", "cust-42") == expected
    assert session_tokens.verify_identity("shop-secret", "cust-42", expected) == "cust-42"
    assert session_tokens.verify_identity("shop-secret", "cust-42", expected.upper()) == "cust-42"


def test_a_signature_for_another_customer_is_refused() -> None:
    signature = session_tokens.identity_signature("shop-secret", "cust-42")
    with pytest.raises(IdentityRefused, match="does not match"):
        session_tokens.verify_identity("shop-secret", "cust-43", signature)


@pytest.mark.parametrize(
    ("customer_id", "signature"),
    [
        ("", "abc"),
        ("a b", "abc"),
        ("x" * 129, "abc"),
        (42, "abc"),
        ("cust-42", ""),
        ("cust-42", None),
    ],
)
def test_malformed_identities_are_refused(customer_id: object, signature: object) -> None:
    with pytest.raises(IdentityRefused):
        session_tokens.verify_identity("shop-secret", customer_id, signature)


def test_a_customer_has_one_conversation_id_everywhere() -> None:
    assert session_tokens.customer_conversation_id("cust-42") == "customer:cust-42"


@pytest.mark.parametrize("signature", ["é" * 64, "ü", "0" * 63 + "é", "zz" * 32, " " + "0" * 64])
def test_a_signature_that_is_not_hex_is_refused_not_a_crash(signature: str) -> None:
    with pytest.raises(IdentityRefused):
        session_tokens.verify_identity("shop-secret", "cust-42", signature)
    issued = session_tokens.issue_session_token("secret", now=1_700_000_000)
    forged = issued.token.rsplit(".", 1)[0] + "." + signature
    with pytest.raises(TokenRefused):
        session_tokens.verify_session_token("secret", forged, now=1_700_000_000)


def test_non_ascii_digits_are_no_issue_time() -> None:
    issued = session_tokens.issue_session_token("secret", now=1_700_000_000)
    version, conversation, _, signature = issued.token.split(".")
    with pytest.raises(TokenRefused):
        session_tokens.verify_session_token("secret", f"{version}.{conversation}.١٢٣.{signature}")


def test_a_customer_id_with_a_trailing_newline_is_refused() -> None:
    signature = session_tokens.identity_signature("shop-secret", "cust-42\n")
    with pytest.raises(IdentityRefused, match="customer id must be"):
        session_tokens.verify_identity("shop-secret", "cust-42\n", signature)


def test_an_identity_may_carry_an_expiry_that_is_signed_and_enforced() -> None:
    now = 1_700_000_000
    expires = now + 3600
    signed = session_tokens.identity_signature("shop-secret", "cust-42", expires)
    assert session_tokens.verify_identity("shop-secret", "cust-42", signed, expires, now) == (
        "cust-42"
    )
    assert session_tokens.verify_identity("shop-secret", "cust-42", signed, str(expires), now)
    with pytest.raises(IdentityRefused, match="expired"):
        session_tokens.verify_identity("shop-secret", "cust-42", signed, expires, expires + 1)
    with pytest.raises(IdentityRefused, match="signature"):  # a later expiry is not signed
        session_tokens.verify_identity("shop-secret", "cust-42", signed, expires + 86400, now)
    plain = session_tokens.identity_signature("shop-secret", "cust-42")
    with pytest.raises(IdentityRefused, match="signature"):  # nor is adding one to a plain id
        session_tokens.verify_identity("shop-secret", "cust-42", plain, expires, now)
    for bad in (True, -5, "soon", 1.5, "١٢٣"):
        with pytest.raises(IdentityRefused):
            session_tokens.verify_identity("shop-secret", "cust-42", signed, bad, now)
