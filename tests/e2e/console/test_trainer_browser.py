"""The review inbox in real Chromium against the real Rasa and action servers: a customer's
message goes to the fallback in the widget; a trainer signs in, sees it in the inbox with the
customer's email masked, opens the conversation, labels it, and the example is in the data file
that holds the intent (the server's copy of the content, REVIEW_CONTENT_DIR, never the repo's
data/); the message leaves the inbox. An agent is refused the trainer's page, and a trainer the
agents' console. Screenshot: var/screenshots/trainer-inbox.png."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect
from rapport_widget_server import WidgetServer
from ruamel.yaml import YAML

from memory.agents import AgentAccounts

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 60_000
EMAIL = "kim.lee@example.com"
# A request the model is unsure of (nlu_fallback), with the customer's email address.
SAID = f"does the circus unicycle come in gold? {EMAIL}"
MASKED = "does the circus unicycle come in gold? <email>"
INTENT = "buy_product"


def sign_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/console/sign-in")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()


def test_a_trainer_labels_a_fallback_message_and_an_agent_is_refused(
    rapport_server: WidgetServer, chromium, screenshots: Path
) -> None:
    url = rapport_server.url
    password = secrets.token_urlsafe(16)
    suffix = secrets.randbelow(10_000)
    trainer, agent = f"Tess{suffix}", f"Alex{suffix}"
    accounts = AgentAccounts(rapport_server.settings.database_url)
    accounts.add(trainer, password, role="trainer")
    accounts.add(agent, password)
    data_file = rapport_server.settings.review_dir / "data" / "nlu" / "store.yml"
    assert rapport_server.settings.review_dir != rapport_server.settings.content_dir

    customer_context = chromium.new_context()
    trainer_context = chromium.new_context(viewport={"width": 1500, "height": 950})
    agent_context = chromium.new_context()
    try:
        customer = customer_context.new_page()
        customer.goto(url + "/")
        customer.locator(".launcher").click()
        customer.locator('#rapport-widget[data-connection="online"]').wait_for(
            state="attached", timeout=WAIT_MS
        )
        before = customer.locator(".from-bot").count()
        customer.locator(".input").fill(SAID)
        customer.locator(".input").press("Enter")
        customer.locator(".from-bot").nth(before).wait_for(timeout=WAIT_MS)

        console = trainer_context.new_page()
        sign_in(console, url, trainer, password)
        # A trainer lands on the review inbox: the agents' console is not theirs.
        console.wait_for_url(url + "/console/trainer", timeout=WAIT_MS)
        console.locator("#who", has_text=trainer).wait_for(timeout=WAIT_MS)
        group = console.locator("#groups li", has_text=MASKED)
        for _ in range(30):  # the exchange log is fed through the broker's queue
            if group.count():
                break
            console.wait_for_timeout(1000)
            console.locator("#refresh").click()
        group.first.wait_for(timeout=WAIT_MS)
        assert EMAIL not in console.content()
        assert "went to the fallback" in (group.first.text_content() or "")
        group.first.click()
        console.locator("#messages li", has_text=MASKED).wait_for(timeout=WAIT_MS)

        # The conversation, masked, with what the bot answered.
        console.locator("#messages li", has_text=MASKED).locator("a.conversation-link").click()
        console.locator("#transcript li.customer", has_text=MASKED).wait_for(timeout=WAIT_MS)
        console.locator("#transcript li.bot").first.wait_for(timeout=WAIT_MS)
        assert EMAIL not in console.content()
        console.screenshot(path=str(screenshots / "trainer-inbox.png"))

        # Only this message of the group is labelled.
        boxes = console.locator("#messages li input[type=checkbox]")
        for index in range(boxes.count()):
            row = console.locator("#messages li").nth(index)
            if MASKED not in (row.text_content() or ""):
                boxes.nth(index).uncheck()
        console.locator("#intent").select_option(INTENT)
        console.locator("#accept").click()
        done = console.locator("#done")
        done.wait_for(timeout=WAIT_MS)
        assert "data/nlu/store.yml" in (done.text_content() or "")
        expect(console.locator("#groups li", has_text=MASKED)).to_have_count(0, timeout=WAIT_MS)

        written = YAML(typ="safe").load(data_file.read_text())
        examples = next(e for e in written["nlu"] if e.get("intent") == INTENT)["examples"]
        assert f"- {MASKED}" in examples.splitlines()
        assert EMAIL not in data_file.read_text()

        # A trainer is refused the agents' API (customers' chats and cards).
        cookies = {c["name"]: c["value"] for c in trainer_context.cookies()}
        queue = requests.get(f"{url}/console/api/queue", cookies=cookies, timeout=30)
        assert queue.status_code == 403

        # An agent is refused the trainer's page and its API.
        agent_page = agent_context.new_page()
        sign_in(agent_page, url, agent, password)
        agent_page.wait_for_url(url + "/console", timeout=WAIT_MS)
        refused = agent_page.goto(url + "/console/trainer")
        assert refused is not None and refused.status == 403
        assert agent_page.locator("#refused").count() == 1
        assert MASKED not in agent_page.content()
        api = agent_page.request.get(url + "/console/api/trainer/inbox")
        assert api.status == 403
    finally:
        customer_context.close()
        trainer_context.close()
        agent_context.close()
