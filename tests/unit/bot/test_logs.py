"""Log lines as JSON with the conversation they are about (bot/logs.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from bot import logs


def capture(log_format: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(log_format))
    handler.addFilter(logs.ConversationFilter())
    logger = logging.getLogger(f"rapport.test.{log_format}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_time_level_logger_message_and_its_conversation() -> None:
    logger, stream = capture("json")
    logger.info("outside any conversation")
    with logs.about("web-4ba1ef"):
        logger.warning("rate limit reached (%d a minute)", 30)
    first, second = lines(stream)
    assert "conversation" not in first
    assert second["conversation"] == "web-4ba1ef"
    assert second["level"] == "WARNING"
    assert second["logger"] == "rapport.test.json"
    assert second["message"] == "rate limit reached (30 a minute)"
    assert second["time"].endswith("+00:00")
    assert logs.current_conversation() is None


def test_an_exception_is_kept_in_its_line() -> None:
    logger, stream = capture("json")
    try:
        raise ValueError('bad "quoted"\nline')
    except ValueError:
        logger.exception("an action failed")
    (line,) = lines(stream)
    assert line["message"] == "an action failed"
    assert "ValueError" in line["exception"] and "Traceback" in line["exception"]


async def test_each_task_logs_about_its_own_conversation() -> None:
    logger, stream = capture("json")

    async def handle(conversation: str) -> None:
        logs.set_conversation(conversation)
        await asyncio.sleep(0.01)
        logger.info("handled")

    await asyncio.gather(handle("web-a"), handle("web-b"))
    assert sorted(line["conversation"] for line in lines(stream)) == ["web-a", "web-b"]
    assert logs.current_conversation() is None


def test_text_stays_text_and_an_unknown_format_is_refused() -> None:
    logger, stream = capture("text")
    logger.info("plain")
    assert stream.getvalue().rstrip().endswith("- plain")
    with pytest.raises(ValueError, match="log format"):
        logs.formatter("xml")


def test_reformat_turns_the_installed_handlers_into_json_lines() -> None:
    stream = io.StringIO()
    top = logging.getLogger("rapport.test.top")  # stands in for the root logger
    top.handlers = [logging.StreamHandler(stream)]
    top.propagate = False
    logs.reformat("json", top)
    with logs.about("web-c"):
        logging.getLogger("rapport.test.top.processor").warning("no reply")
    (line,) = lines(stream)
    assert line == {**line, "conversation": "web-c", "logger": "rapport.test.top.processor"}
