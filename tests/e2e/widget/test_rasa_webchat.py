"""rasa-webchat 1.0.1 from the npm registry, embedded the way its README shows on a page of
another origin (listed in ALLOWED_ORIGINS), against the real servers in headless Chromium."""

from __future__ import annotations

import functools
import json
import shutil
import statistics
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rapport_widget_server import SESSION_SECRET, WidgetServer

from bot import session_tokens
from bot.settings import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.browser]

WEBCHAT = ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"
REPLY_MS = 60_000
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another page of the shop</title></head>
<body>
<h1>Another page of the shop</h1>
<script src="/webchat.js"></script>
<script>
  window.WebChat.default({
    socketUrl: %(socket_url)s,
    socketPath: "/socket.io/",
    customData: {language: "en"},
    title: "Chat with us",
    params: {storage: "local"}
  }, null);
</script>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def elsewhere(widget_server: WidgetServer, tmp_path: Path) -> Iterator[str]:
    """A page of another origin with rasa-webchat on it, as a shop would embed it."""
    if not WEBCHAT.exists():
        pytest.fail(f"{WEBCHAT} is missing; run `make setup` (npm ci installs rasa-webchat)")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(WEBCHAT, folder / "webchat.js")
    (folder / "index.html").write_text(PAGE % {"socket_url": json.dumps(widget_server.url)})
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", widget_server.elsewhere_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield widget_server.elsewhere_origin + "/"
    server.shutdown()
    server.server_close()


def open_chat(page) -> None:
    """Open the chat unless rasa-webchat kept it open (it remembers that across reloads)."""
    page.locator(".rw-launcher").wait_for(timeout=REPLY_MS)
    if not page.locator(".rw-new-message").is_visible():
        page.locator(".rw-launcher").click()
    page.locator(".rw-new-message").wait_for(timeout=REPLY_MS)


def responses(page) -> list[str]:
    return page.locator(".rw-response").all_inner_texts()


def send(page, text: str) -> float:
    """Type and send like a customer; the seconds until a new bot response shows."""
    before = page.locator(".rw-response").count()
    box = page.locator(".rw-new-message")
    box.fill(text)
    started = time.perf_counter()
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=REPLY_MS
    )
    return time.perf_counter() - started


def conversation(page) -> str:
    stored = page.evaluate("() => window.localStorage.getItem('chat_session')")
    token = json.loads(stored)["session_id"]
    return session_tokens.verify_session_token(SESSION_SECRET, token)


def test_rasa_webchat_chats_clicks_a_button_and_continues_after_a_reload(
    elsewhere: str, browser, screenshots: Path
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(elsewhere)
    open_chat(page)
    times = [send(page, "hello")]
    page.locator(".rw-reply").first.wait_for(timeout=REPLY_MS)
    assert responses(page), "no reply shown"
    before = page.locator(".rw-response").count()
    page.locator(".rw-reply").first.click()
    page.wait_for_function(
        "n => document.querySelectorAll('.rw-response').length > n", arg=before, timeout=REPLY_MS
    )
    times.append(send(page, "what are your opening hours?"))
    chat = conversation(page)
    page.screenshot(path=str(screenshots / "rasa-webchat.png"))

    page.reload()
    open_chat(page)
    # rasa-webchat shows the conversation it kept in the browser's storage.
    page.wait_for_function(
        "() => document.querySelectorAll('.rw-response').length > 0", timeout=REPLY_MS
    )
    assert " ".join(responses(page)), "the conversation is gone after a reload"
    times.append(send(page, "where is the shop?"))
    assert conversation(page) == chat  # the same conversation, under a renewed token
    print(f"rasa-webchat: median send-to-reply {statistics.median(times):.2f} s over {len(times)}")
    context.close()
