"""The widget's guards on customer input: no commands in text, only offered payloads, size and
rate limits, and client metadata reduced to what a page may say (pure functions, no I/O).

Rasa parses any text that starts with `/` as `/intent{entities}` and skips NLU
(`YAMLStoryReader.unpack_regex_message` after `text.strip()`); `/restart` would even un-pause a
handed-off chat. A customer's words therefore never reach Rasa with a leading `/`, unless they
are exactly a quick-reply payload the bot offered in its last message.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

# The channel's limits count with the shared sliding-window limiter.
from bot.rate_limits import RateLimiter as RateLimiter

INTENT_PREFIX = "/"
RATING_MIN, RATING_MAX = 1, 5
# Keys a page may put in a message's metadata; everything else is dropped, and the identity
# keys (customer_id, verified, ...) are always the server's own.
CLIENT_METADATA_KEYS = ("rating", "page")
MAX_PAGE_CHARS = 500


def readable(text: str) -> str:
    """`text` without lone surrogates: JSON lets a client send them, and no UTF-8 encoder
    (spaCy's, the database driver's) takes them."""
    return text.encode("utf-8", "ignore").decode("utf-8")


def as_words(text: str) -> str:
    """`text` as Rasa's NLU must see it: stripped the way Rasa strips it, no leading `/`, no
    lone surrogates."""
    words = readable(text).strip()
    while words.startswith(INTENT_PREFIX):
        words = words[len(INTENT_PREFIX) :].strip()
    return words


def customer_text(text: str, offered_payloads: Iterable[str]) -> str:
    """What Rasa receives for a customer's `text`: an offered payload as is, else the words."""
    stripped = readable(text).strip()
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


MIN_FRAME_BYTES = 64 * 1024


def max_frame_bytes(max_message_chars: int) -> int:
    """The largest socket.io frame the widget's transport reads: room for a message of
    `max_message_chars` characters, each JSON-escaped at its longest (a character outside the
    Basic Multilingual Plane as two `\\uXXXX` escapes, twelve bytes), its metadata and the
    framing."""
    return max(MIN_FRAME_BYTES, 12 * max_message_chars + 16 * 1024)


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


# Exceptions a frame's decoding raises inside the socket.io library when a client sends bytes
# that are no socket.io packet.
_FRAME_ERRORS = (ValueError, RecursionError, IndexError, KeyError, TypeError, UnicodeError)
_PROJECT_PACKAGES = ("/bot/", "/actions/", "/memory/", "/voice/")


class MalformedFrames(logging.Filter):
    """Turns the socket.io library's tracebacks for a client's malformed frame into one warning.

    A client that sends garbage gets its frame refused by the library, which logs the parse
    error with a full traceback: a flood of them would bury real errors. An exception raised in
    the project's own code keeps its traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        error = record.exc_info[1]
        if not isinstance(error, _FRAME_ERRORS) or _raised_in_project(error):
            return True
        record.msg = "refused a malformed socket.io frame (%s: %.200s)"
        record.args = (type(error).__name__, str(error))
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


def _raised_in_project(error: BaseException) -> bool:
    trace = error.__traceback__
    while trace is not None:
        if any(part in trace.tb_frame.f_code.co_filename for part in _PROJECT_PACKAGES):
            return True
        trace = trace.tb_next
    return False


def quiet_malformed_frames(*loggers: logging.Logger) -> None:
    """Installs `MalformedFrames` on the socket.io and engine.io servers' loggers (once)."""
    defaults = (logging.getLogger("engineio.server"), logging.getLogger("socketio.server"))
    for named in loggers or defaults:
        if not any(isinstance(existing, MalformedFrames) for existing in named.filters):
            named.addFilter(MalformedFrames())
