"""The widget's guards on customer input: no commands in text, only offered payloads, size and
rate limits, and client metadata reduced to what a page may say (pure functions, no I/O).

Rasa parses any text that starts with `/` as `/intent{entities}` and skips NLU
(`YAMLStoryReader.unpack_regex_message` after `text.strip()`); `/restart` would even un-pause a
handed-off chat. A customer's words therefore never reach Rasa with a leading `/`, unless they
are exactly a quick-reply payload the bot offered in its last message.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

# The channel's limits count with the shared sliding-window limiter.
from bot.rate_limits import RateLimiter as RateLimiter

INTENT_PREFIX = "/"
RATING_MIN, RATING_MAX = 1, 5
# Keys a page may put in a message's metadata; everything else is dropped, and the identity
# keys (customer_id, verified, ...) are always the server's own.
CLIENT_METADATA_KEYS = ("rating", "page")
MAX_PAGE_CHARS = 500


def as_words(text: str) -> str:
    """`text` as Rasa's NLU must see it: stripped the way Rasa strips it, no leading `/`."""
    words = text.strip()
    while words.startswith(INTENT_PREFIX):
        words = words[len(INTENT_PREFIX) :].strip()
    return words


def customer_text(text: str, offered_payloads: Iterable[str]) -> str:
    """What Rasa receives for a customer's `text`: an offered payload as is, else the words."""
    stripped = text.strip()
    if stripped.startswith(INTENT_PREFIX) and stripped in set(offered_payloads):
        return stripped
    return as_words(text)


def offered_payloads(quick_replies: Iterable[dict]) -> list[str]:
    """The payloads of a bot message's buttons or quick replies."""
    return [
        str(button["payload"])
        for button in quick_replies
        if isinstance(button, dict) and isinstance(button.get("payload"), str)
    ]


def too_long(text: str, max_chars: int) -> bool:
    return len(text) > max_chars


def client_metadata(raw: object) -> dict:
    """The part of a page's metadata (dict or JSON text) that the server accepts."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    accepted: dict = {}
    rating = raw.get("rating")
    if isinstance(rating, int) and not isinstance(rating, bool) and RATING_MIN <= rating <= 5:
        accepted["rating"] = rating
    page = raw.get("page")
    if isinstance(page, str) and page.startswith(("http://", "https://")):
        accepted["page"] = page[:MAX_PAGE_CHARS]
    return accepted
