"""Signed widget session tokens and verified customer identities (pure functions, no I/O).

A session token names an anonymous conversation and the time it was issued, and carries the
server's HMAC-SHA256 of both, so a browser can resume its own conversation but cannot invent or
guess another's. A token is good for a number of days after it was issued (WIDGET_SESSION_DAYS);
the channel issues a fresh one each time a browser resumes, so only an abandoned token expires.
A customer identity is the shop's customer id plus the hex HMAC-SHA256 of that id made with the
secret the shop shares with Rapport ("identity verification"); only the shop's own site can
produce it, so a page cannot claim to be someone else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

TOKEN_VERSION = "v2"  # noqa: S105 - a format version, not a secret
# A token issued this far in the future (a server clock that jumped back) is still accepted.
CLOCK_SKEW_SECONDS = 300
ANONYMOUS_PREFIX = "web-"
CUSTOMER_PREFIX = "customer:"
MAX_CUSTOMER_ID_CHARS = 128
MAX_TOKEN_CHARS = 200
# Customer ids come from the shop's own database: letters, digits and a few separators.
# (fullmatch, never `$`: a trailing newline is not part of an id.)
_CUSTOMER_ID = re.compile(rf"[A-Za-z0-9._@+\-]{{1,{MAX_CUSTOMER_ID_CHARS}}}")
_CONVERSATION_ID = re.compile(r"web-[0-9a-f]{32}")
_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# Between a customer id and its expiry in a signed identity: a character no id may contain,
# so that a signature of one form can never be read as the other.
EXPIRY_SEPARATOR = "|"
MAX_EXPIRY_DIGITS = 12


class TokenRefused(ValueError):
    """A session token that this server did not issue (or that is malformed)."""


class TokenExpired(TokenRefused):
    """A session token this server issued, but longer ago than a session lasts."""


class IdentityRefused(ValueError):
    """A customer identity whose signature does not match, or that is malformed."""


@dataclass(frozen=True)
class SessionToken:
    """An issued token and the anonymous conversation it names."""

    token: str
    conversation_id: str


def _require_secret(secret: str, what: str) -> bytes:
    if not secret:
        raise ValueError(f"the {what} is empty; set it in .env (make run generates one).")
    return secret.encode()


def _sign(secret: str, text: str) -> str:
    key = _require_secret(secret, "session secret")
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def issue_session_token(
    secret: str, conversation_id: str | None = None, now: float | None = None
) -> SessionToken:
    """A new signed token for `conversation_id`, or for a fresh anonymous conversation."""
    conversation_id = conversation_id or ANONYMOUS_PREFIX + secrets.token_hex(16)
    if not _CONVERSATION_ID.fullmatch(conversation_id):
        raise ValueError(f"{conversation_id!r} is not an anonymous conversation id")
    issued = int(time.time() if now is None else now)
    body = f"{TOKEN_VERSION}.{conversation_id}.{issued}"
    return SessionToken(f"{body}.{_sign(secret, body)}", conversation_id)


def verify_session_token(
    secret: str, token: object, max_age_seconds: float | None = None, now: float | None = None
) -> str:
    """The conversation id a token names.

    TokenRefused if this server did not issue it; TokenExpired if it was issued more than
    `max_age_seconds` ago (None: tokens never expire).
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenRefused("the session token is missing or malformed")
    parts = token.split(".")
    if len(parts) != 4:
        raise TokenRefused("the session token is not one this server issues")
    version, conversation_id, issued, signature = parts
    if (
        version != TOKEN_VERSION
        or not _CONVERSATION_ID.fullmatch(conversation_id)
        or not (issued.isascii() and issued.isdigit())
        or len(issued) > 12
    ):
        raise TokenRefused("the session token is not one this server issues")
    expected = _sign(secret, f"{version}.{conversation_id}.{issued}")
    if not _signature_matches(expected, signature):
        raise TokenRefused("the session token's signature does not match")
    moment = time.time() if now is None else now
    if int(issued) > moment + CLOCK_SKEW_SECONDS:
        raise TokenRefused("the session token was issued in the future")
    if max_age_seconds is not None and moment - int(issued) > max_age_seconds:
        raise TokenExpired("the session token has expired")
    return conversation_id


def _signature_matches(expected: str, supplied: object) -> bool:
    """Constant-time comparison of hex signatures; anything not hex is simply no match."""
    if not isinstance(supplied, str) or not _HEX_SIGNATURE.fullmatch(supplied.lower()):
        return False
    return hmac.compare_digest(expected.encode(), supplied.lower().encode())


def identity_signature(secret: str, customer_id: str, expires: int | None = None) -> str:
    """The hex HMAC-SHA256 that the shop's site renders into its page with the customer id.

    Of the id alone (good until the shop changes the secret), or, when the shop wants the
    identity to lapse, of `id|expires` (`expires` in Unix seconds, rendered beside it).
    """
    key = _require_secret(secret, "identity secret")
    text = customer_id if expires is None else f"{customer_id}{EXPIRY_SEPARATOR}{expires}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def verify_identity(
    secret: str,
    customer_id: object,
    signature: object,
    expires: object = None,
    now: float | None = None,
) -> str:
    """The customer id when `signature` is its HMAC (and `expires`, if given, is still ahead);
    IdentityRefused otherwise."""
    if not isinstance(customer_id, str) or not _CUSTOMER_ID.fullmatch(customer_id):
        raise IdentityRefused(
            "the customer id must be 1 to 128 letters, digits or . _ @ + - characters"
        )
    if not isinstance(signature, str) or not signature:
        raise IdentityRefused("the customer id comes without a signature")
    until: int | None = None
    if expires is not None:
        text = str(expires) if isinstance(expires, (int, str)) else ""
        if isinstance(expires, bool) or not (
            text.isascii() and text.isdigit() and len(text) <= MAX_EXPIRY_DIGITS
        ):
            raise IdentityRefused("the identity's expiry must be a time in Unix seconds")
        until = int(text)
    if not _signature_matches(identity_signature(secret, customer_id, until), signature):
        raise IdentityRefused("the customer id's signature does not match")
    if until is not None and until <= (time.time() if now is None else now):
        raise IdentityRefused("the customer identity has expired")
    return customer_id


def customer_conversation_id(customer_id: str) -> str:
    """The Rasa sender id of a verified customer: the same on every device."""
    return CUSTOMER_PREFIX + customer_id
