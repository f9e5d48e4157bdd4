"""The managers' insights page in real Chromium against the real Rasa and action servers: a
manager opens it, every chart is drawn on its canvas, the at-risk list opens the customer's card,
a reach-out from the card waits in the agents' console, and a table downloads as CSV; an agent
is refused. Screenshot: var/screenshots/insights.png."""

from __future__ import annotations

import csv
import io
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rapport_widget_server import WidgetServer

from memory.agents import AgentAccounts
from memory.records import Exchange, ExtractedFact
from memory.store import MemoryStore

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

WAIT_MS = 60_000
CHARTS = ("chart-stages", "chart-moves", "chart-satisfaction", "chart-fallback")
# Whether a canvas has a chart of Chart.js with anything painted on it.
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  if (!window.Chart || !window.Chart.getChart(canvas)) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
  return false;
}"""


def sign_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/console/sign-in")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()


def seed_customer_at_risk(database_url: str, name: str) -> int:
    """A customer seen yesterday, with two open complaints, a low rating and a missed message."""
    store = MemoryStore(database_url)
    try:
        sender = f"insights-{secrets.token_hex(4)}"
        at = datetime.now(timezone.utc) - timedelta(days=1)
        store.exchanges.start_conversation(sender, at)
        store.exchanges.record_exchange(
            Exchange(f"{sender}-1", sender, "customer", "blorp", at, "nlu_fallback", 0.2)
        )
        customer_id = store.customers.customer_for_sender(sender)
        store.facts.record_fact(customer_id, ExtractedFact("name", name))
        store.issues.open_issue(customer_id, "complaint", "the wheel arrived bent")
        store.issues.open_issue(customer_id, "complaint", "the refund is late")
        store.feedback.rate(customer_id, 2)
        return customer_id
    finally:
        store.close()


def test_a_manager_reads_the_insights_and_an_agent_is_refused(
    rapport_server: WidgetServer, chromium, screenshots: Path, tmp_path: Path
) -> None:
    url = rapport_server.url
    password = secrets.token_urlsafe(16)
    suffix = secrets.randbelow(10_000)
    manager, agent = f"Morgan{suffix}", f"Alex{suffix}"
    accounts = AgentAccounts(rapport_server.settings.database_url)
    accounts.add(manager, password, role="manager")
    accounts.add(agent, password)
    name = f"Robin{suffix}"
    customer_id = seed_customer_at_risk(rapport_server.settings.database_url, name)

    manager_context = chromium.new_context(
        viewport={"width": 1500, "height": 1100}, accept_downloads=True
    )
    agent_context = chromium.new_context()
    try:
        page = manager_context.new_page()
        sign_in(page, url, manager, password)
        page.wait_for_url(url + "/console", timeout=WAIT_MS)
        # The manager's console links to the insights.
        started = time.monotonic()
        page.locator("#insights-link").click()
        page.locator("body[data-loaded=true]").wait_for(state="attached", timeout=WAIT_MS)
        print(f"insights page loaded in {time.monotonic() - started:.2f} s")
        for chart in CHARTS:
            assert page.evaluate(DRAWN, chart), f"{chart} is not drawn"

        # The at-risk list links to the customer's card.
        link = page.locator('[data-table="at_risk"] a.customer-link', has_text=name)
        link.click()
        card = page.locator(f'#card[data-customer="{customer_id}"]')
        card.wait_for(timeout=WAIT_MS)
        facts = card.locator("#card-facts").text_content() or ""
        assert name in facts and "2 unresolved complaints" in facts

        # Reach out: the follow-up waits for the agent in the console.
        page.locator("#reach-owner").select_option(agent)
        page.locator("#reach-what").fill("Call about the bent wheel")
        due = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        page.locator("#reach-due").fill(due)
        page.locator("#reach-out-form button[type=submit]").click()
        page.locator("#done", has_text=agent).wait_for(timeout=WAIT_MS)
        page.screenshot(path=str(screenshots / "insights.png"), full_page=True)

        # A table downloads as CSV.
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator('[data-table="at_risk"] a.csv').click()
        saved = tmp_path / "at_risk.csv"
        download.value.save_as(saved)
        rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
        assert [row["name"] for row in rows if row["customer_id"] == str(customer_id)] == [name]

        # An agent is refused the page, and finds the follow-up in their console.
        other = agent_context.new_page()
        sign_in(other, url, agent, password)
        other.wait_for_url(url + "/console", timeout=WAIT_MS)
        other.locator("#follow-ups li", has_text="Call about the bent wheel").wait_for(
            timeout=WAIT_MS
        )
        assert other.locator("#insights-link").is_hidden()
        refused = other.goto(url + "/console/insights")
        assert refused is not None and refused.status == 403
        assert other.locator("#refused").is_visible()
        assert "for managers" in (other.locator("h1").text_content() or "")
    finally:
        manager_context.close()
        agent_context.close()
