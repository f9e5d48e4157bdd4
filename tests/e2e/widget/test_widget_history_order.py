"""The widget in real headless Chromium against a socket.io stand-in that the test drives, so
the order of the server's events is the test's to choose: a customer who types before the
conversation's history has arrived keeps seeing what they typed, once, after it arrives.

(Against the real server the history follows the session's confirmation by a few
milliseconds; a fast customer, or a busy machine, sends in between.)"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

WIDGET_JS = Path(__file__).resolve().parents[3] / "bot" / "static" / "widget.js"
SHOP = "http://shop.test"

# A socket.io client whose events the test fires: `window.fakeServer.fire(name, data)`;
# what the widget emits is kept in `window.fakeServer.sent`.
FAKE_IO = """
window.fakeServer = { handlers: {}, sent: [] };
window.io = function () {
  var socket = {
    on: function (name, handler) { window.fakeServer.handlers[name] = handler; },
    emit: function (name, data) { window.fakeServer.sent.push([name, data]); },
    io: { on: function () {} },
  };
  return socket;
};
window.fakeServer.fire = function (name, data) {
  var handler = window.fakeServer.handlers[name];
  if (handler) handler(data);
};
"""

PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><script>{FAKE_IO}</script></head>
<body><script src="{SHOP}/widget.js" data-title="Chat with us"></script></body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.route(
        f"{SHOP}/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html" if route.request.url.endswith("/") else "text/javascript",
            body=PAGE if route.request.url.endswith("/") else WIDGET_JS.read_text(),
        ),
    )
    shown = context.new_page()
    shown.goto(SHOP + "/")
    shown.locator(".launcher").click()
    shown.evaluate(
        "() => { fakeServer.fire('connect'); fakeServer.fire('session_confirm', 'tok'); }"
    )
    yield shown
    context.close()


def customer_bubbles(page) -> list[str]:
    return page.locator(".from-customer .bubble").all_text_contents()


def type_and_send(page, text: str) -> None:
    page.locator(".input").fill(text)
    page.locator(".input").press("Enter")


def test_a_message_typed_before_the_history_arrives_stays_shown(page) -> None:
    type_and_send(page, "see https://example.com/bikes please")
    assert ["user_uttered"] == [name for name, _ in page.evaluate("() => fakeServer.sent")][-1:]

    page.evaluate("() => fakeServer.fire('history', {messages: []})")

    assert customer_bubbles(page) == ["see https://example.com/bikes please"]
    assert page.locator(".from-customer a").count() == 1


def test_a_message_the_history_already_holds_is_shown_once(page) -> None:
    type_and_send(page, "hi there")
    page.evaluate(
        """() => fakeServer.fire('history', {messages: [
             {sender: 'customer', text: 'hi there', timestamp: 1764200000},
             {sender: 'bot', text: 'Hello! How can I help?', timestamp: 1764200001}]})"""
    )

    assert customer_bubbles(page) == ["hi there"]
    assert page.locator(".from-bot").count() == 1


def test_an_earlier_visit_in_the_history_comes_before_what_was_just_typed(page) -> None:
    type_and_send(page, "me again")
    page.evaluate(
        """() => fakeServer.fire('history', {messages: [
             {sender: 'customer', text: 'hello', timestamp: 1764200000},
             {sender: 'bot', text: 'Hi!', timestamp: 1764200001}]})"""
    )

    assert customer_bubbles(page) == ["hello", "me again"]
