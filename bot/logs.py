"""How the servers' log lines look: text for people, or JSON lines for log collectors
(LOG_FORMAT=json), with the conversation a line is about.

The entry points mark the conversation they work on (`about`), and every line logged while
they do, by our code or by Rasa's, carries its id (`conversation`). Customers' words are logged
only at DEBUG.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s  - %(message)s"

_conversation: ContextVar[str | None] = ContextVar("rapport_conversation", default=None)


@contextmanager
def about(conversation_id: str | None) -> Iterator[None]:
    """Lines logged inside this block (in this task or thread) name `conversation_id`."""
    token = _conversation.set(conversation_id or None)
    try:
        yield
    finally:
        _conversation.reset(token)


def set_conversation(conversation_id: str | None) -> None:
    """Name the conversation of what follows in this task (a request's own task)."""
    _conversation.set(conversation_id or None)


def current_conversation() -> str | None:
    return _conversation.get()


class ConversationFilter(logging.Filter):
    """Adds `conversation` (the id or None) to every record; filters nothing out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "conversation", None) is None:
            record.conversation = _conversation.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, conversation
    (when the line is about one), and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation = getattr(record, "conversation", None) or _conversation.get()
        if conversation:
            line["conversation"] = conversation
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {FORMATS}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(level: str, log_format: str) -> None:
    """The process's logging: one handler on standard error, in `log_format`."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    handler.addFilter(ConversationFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def reformat(log_format: str, logger: logging.Logger | None = None) -> None:
    """Put the handlers Rasa installed on the root logger (its coloured text) into
    `log_format`, and name the conversation on every record; Rasa's filters and levels stay
    as they are."""
    shape = formatter(log_format) if log_format == "json" else None
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, ConversationFilter) for f in handler.filters):
            handler.addFilter(ConversationFilter())
        if shape is not None:
            handler.setFormatter(shape)
