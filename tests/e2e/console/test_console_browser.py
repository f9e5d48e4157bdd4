"""The handoff in two real Chromium contexts against the real Rasa and action servers: a
customer asks for a person in the widget; an agent signs in, sees the chat in the queue with the
relationship card, claims it and replies; the customer sees the reply with the agent's name and
answers; the answer shows in the console; the agent resolves and the bot resumes in the widget.
The customer is told in the chat when the agent joins (screenshot: widget-agent-joined.png).
Prints the median time from an agent's send to the message showing in the widget."""

from __future__ import annotations

import secrets
import statistics
from pathlib import Path

import pytest
from rapport_widget_server import WidgetServer

from memory.agents import AgentAccounts

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 30_000
ROOT_JS = "document.querySelector('#rapport-widget').shadowRoot"
# Records when each agent message first shows in the widget (the page's own clock).
WATCH_AGENT_MESSAGES = f"""() => {{
  window.__agentSeen = {{}};
  const list = {ROOT_JS}.querySelector('.messages');
  new MutationObserver(() => {{
    list.querySelectorAll('.from-agent .bubble').forEach((bubble) => {{
      const text = bubble.textContent;
      if (!(text in window.__agentSeen)) window.__agentSeen[text] = Date.now();
    }});
  }}).observe(list, {{ childList: true, subtree: true }});
}}"""


def bot_count(page) -> int:
    return page.locator(".from-bot, .from-agent").count()


def open_chat(page, url: str) -> None:
    # Locators, not wait_for_function: the demo page's CSP rightly forbids eval.
    page.goto(url + "/")
    page.locator(".launcher").click()
    page.locator('#rapport-widget[data-connection="online"]').wait_for(
        state="attached", timeout=WAIT_MS
    )


def customer_says(page, text: str) -> None:
    page.locator(".input").fill(text)
    page.locator(".input").press("Enter")


def agent_sends(console, text: str) -> int:
    """Type and send a reply in the console; returns the page's clock at the click."""
    console.locator("#reply").fill(text)
    return int(
        console.evaluate(
            "() => { const t = Date.now();"
            " document.querySelector('#reply-form button[type=submit]').click(); return t; }"
        )
    )


# What the say-yes ladder's out-of-hours answers say (business.yml, out_of_hours_contact).
OUT_OF_HOURS_WORDS = (
    "leave your message with me",
    "team is back within the hour",
    "leave a message",
)


def test_a_person_takes_over_and_hands_back(
    rapport_server: WidgetServer, chromium, screenshots: Path
) -> None:
    url = rapport_server.url
    password = secrets.token_urlsafe(16)
    agent_name = f"Alex{secrets.randbelow(10_000)}"
    AgentAccounts(rapport_server.settings.database_url).add(agent_name, password)

    agent_context = chromium.new_context(viewport={"width": 1400, "height": 900})
    customer_context = chromium.new_context()
    try:
        console = agent_context.new_page()
        console.goto(url + "/console")
        assert console.url.endswith("/console/sign-in")
        console.locator("input[name=name]").fill(agent_name)
        console.locator("input[name=password]").fill(password)
        console.locator("button[type=submit]").click()
        console.wait_for_url(url + "/console", timeout=WAIT_MS)
        console.locator("#live").filter(has_text="live").wait_for(timeout=WAIT_MS)

        customer = customer_context.new_page()
        open_chat(customer, url)
        before = bot_count(customer)
        customer_says(customer, "I'd like to talk to a person please")
        customer.locator(".from-bot, .from-agent").nth(before).wait_for(timeout=WAIT_MS)
        told = customer.locator(".from-bot .bubble").last.text_content() or ""
        # In the shop's hours the customer hears their place in the queue; out of them, when a
        # person replies (the test runs whenever CI does). The chat is queued either way.
        in_hours = "in line" in told or "you're next" in told or "take a message" in told
        out_of_hours = any(words in told for words in OUT_OF_HOURS_WORDS)
        assert in_hours or out_of_hours, told

        # The queue shows the chat live (socket push), with its reason and the customer's stage.
        entry = console.locator("#queue li").first
        entry.wait_for(timeout=WAIT_MS)
        assert "asked for a person" in (entry.text_content() or "")
        console.screenshot(path=str(screenshots / "console-queue.png"))
        entry.click()
        console.locator("#card-facts").filter(has_text="Stage").wait_for(timeout=WAIT_MS)
        console.locator("#transcript li.customer").first.wait_for(timeout=WAIT_MS)
        console.locator("#claim").click()
        console.locator("#reply").wait_for(state="visible", timeout=WAIT_MS)
        # The customer is told, in the chat, that a person has joined (domain.yml's words).
        joined = customer.locator('.notice[data-notice="agent_joined"]')
        joined.wait_for(timeout=WAIT_MS)
        assert agent_name in (joined.text_content() or "")

        # While the agent types, the customer sees who is typing.
        console.locator("#reply").type("Hi")
        customer.locator(".typing", has_text=f"{agent_name} is typing").wait_for(timeout=WAIT_MS)
        customer.evaluate(WATCH_AGENT_MESSAGES)
        latencies = []
        for n in range(1, 6):
            text = f"Hi, I'm {agent_name} from the team ({n}). How can I help?"
            sent_at = agent_sends(console, text)
            customer.locator(".from-agent .bubble", has_text=text).wait_for(timeout=WAIT_MS)
            seen_at = customer.evaluate(f"() => window.__agentSeen[{text!r}]")
            latencies.append(seen_at - sent_at)
            if n == 1:  # the joining line, then the agent's first message, each with a time
                customer.screenshot(path=str(screenshots / "widget-agent-joined.png"))
        who = customer.locator(".from-agent .who").last.text_content()
        assert who == agent_name
        assert customer.locator(".from-agent time").count() == 5  # each with its time

        customer_says(customer, "My brakes squeal since the last service")
        console.locator("#transcript li.customer", has_text="My brakes squeal").wait_for(
            timeout=WAIT_MS
        )
        console.locator("#note").fill("Check the brake pads at the next visit")
        console.locator("#note-form button").click()
        console.locator("#notes li", has_text="brake pads").wait_for(timeout=WAIT_MS)
        console.screenshot(path=str(screenshots / "console-chat.png"))

        console.locator("#resolve").click()
        customer.locator(".from-bot .bubble", has_text=agent_name).last.wait_for(timeout=WAIT_MS)
        customer.locator(".rating").wait_for(state="visible", timeout=WAIT_MS)
        customer.screenshot(path=str(screenshots / "widget-after-handoff.png"))

        # The bot answers again once resumed.
        bot_before = customer.locator(".from-bot").count()
        customer_says(customer, "what are your opening hours?")
        customer.locator(".from-bot").nth(bot_before).wait_for(timeout=WAIT_MS)
        print(
            f"\nagent send -> widget: median {statistics.median(latencies):.0f} ms "
            f"over {len(latencies)} messages ({latencies})"
        )
    finally:
        agent_context.close()
        customer_context.close()
