"""The console's alerts for an agent whose console is in a background tab, in real headless
Chromium: a new waiting chat counts in the tab title, shows under the header, plays the short
sound unless muted, and raises a desktop notification once the agent allowed them.

Headless Chromium never hides a tab, so the test says the tab is hidden (document.hidden) and
records what the page hands to the browser's own Notification and AudioContext, which it still
creates for real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from console_harness import PASSWORD, ConsoleServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
WAIT_MS = 20_000
BACKGROUND_TAB = """
(() => {
  window.__hidden = false;
  Object.defineProperty(document, "hidden", { get: () => window.__hidden });
  Object.defineProperty(document, "visibilityState",
    { get: () => (window.__hidden ? "hidden" : "visible") });
  window.__notified = [];
  const RealNotification = window.Notification;
  function Recorded(title, options) {
    window.__notified.push({ title: title, body: (options || {}).body });
    return new RealNotification(title, options);
  }
  Object.defineProperty(Recorded, "permission", { get: () => RealNotification.permission });
  Recorded.requestPermission = RealNotification.requestPermission.bind(RealNotification);
  window.Notification = Recorded;
  window.__tones = 0;
  const RealAudio = window.AudioContext;
  window.AudioContext = function () {
    const audio = new RealAudio();
    const make = audio.createOscillator.bind(audio);
    audio.createOscillator = function () { window.__tones += 1; return make(); };
    return audio;
  };
})();
"""


@pytest.fixture
def context():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_context(viewport={"width": 1400, "height": 900})
        browser.close()


def test_a_new_chat_alerts_an_agent_whose_console_is_in_the_background(
    console_server: ConsoleServer, context
) -> None:
    context.grant_permissions(["notifications"], origin=console_server.url)
    context.add_init_script(BACKGROUND_TAB)
    page = context.new_page()
    page.goto(console_server.url + "/console")
    page.locator("input[name=name]").fill("Alex")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(console_server.url + "/console", timeout=WAIT_MS)
    page.locator("#live").filter(has_text="live").wait_for(timeout=WAIT_MS)
    assert page.locator("#notify").is_hidden()  # allowed already: nothing to ask
    page.evaluate("window.__hidden = true")  # the agent is in another tab

    console_server.service.queue.enqueue(  # type: ignore[attr-defined]
        "cust-alert", "complaint", "my new wheel arrived bent"
    )
    page.locator("#alerts li", has_text="New chat waiting").wait_for(timeout=WAIT_MS)
    assert re.match(r"^\(1\) ", page.title()), page.title()
    notified = page.evaluate("window.__notified")
    assert len(notified) == 1 and "my new wheel arrived bent" in notified[0]["body"], notified
    assert page.evaluate("window.__tones") == 1

    # Muted, the next chat still counts and notifies, without a sound.
    page.locator("#mute").click()
    console_server.service.queue.enqueue(  # type: ignore[attr-defined]
        "cust-alert-2", "customer_asked", "can someone check my order"
    )
    page.locator("#alerts li", has_text="check my order").wait_for(timeout=WAIT_MS)
    assert re.match(r"^\(2\) ", page.title()), page.title()
    assert len(page.evaluate("window.__notified")) == 2
    assert page.evaluate("window.__tones") == 1

    # In the tab, no desktop notification: the list and the title are in front of the agent.
    page.evaluate("window.__hidden = false")
    console_server.service.queue.enqueue(  # type: ignore[attr-defined]
        "cust-alert-3", "customer_asked", "is the shop open on sunday"
    )
    page.locator("#alerts li", has_text="open on sunday").wait_for(timeout=WAIT_MS)
    assert len(page.evaluate("window.__notified")) == 2
