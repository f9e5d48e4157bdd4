"""The managers' insights page and API on a real Sanic server: only a manager opens them, the
figures come back for a date range, each table downloads as safe CSV, a reach-out waits in the
agents' console, and an idea's state is set (a declined one with its reason)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import requests
from console_harness import PASSWORD, ConsoleServer

from memory.records import Exchange


def _customer_at_risk(server: ConsoleServer, sender: str) -> int:
    """A customer with two open complaints, one of them written like a spreadsheet formula."""
    store = server.service.store
    at = datetime.now(timezone.utc) - timedelta(days=1)
    store.exchanges.start_conversation(sender, at)
    store.exchanges.record_exchange(
        Exchange(f"ip-{sender}", sender, "customer", "hello", at, "greet", 0.9)
    )
    customer_id = store.customers.customer_for_sender(sender)
    store.issues.open_issue(customer_id, "complaint", '=HYPERLINK("http://evil","late")')
    store.issues.open_issue(customer_id, "complaint", 'wheel, "bent"')
    return customer_id


def test_only_a_manager_opens_the_insights(console_server: ConsoleServer) -> None:
    url = console_server.url
    for name in ("Alex", "Tess"):
        browser = requests.Session()
        browser.post(
            f"{url}/console/sign-in",
            data={"name": name, "password": PASSWORD},
            headers={"Origin": url},
            allow_redirects=False,
        )
        page = browser.get(f"{url}/console/insights", allow_redirects=False)
        assert page.status_code == 403 and 'id="refused"' in page.text
        assert "for managers" in page.text
        assert browser.get(f"{url}/console/api/insights").status_code == 403
        assert browser.get(f"{url}/console/api/insights/export/at_risk").status_code == 403
        assert browser.get(f"{url}/console/chart.umd.min.js").status_code == 403
    nobody = requests.get(f"{url}/console/insights", allow_redirects=False, timeout=30)
    assert nobody.status_code == 302 and nobody.headers["Location"] == "/console/sign-in"
    assert requests.get(f"{url}/console/api/insights", timeout=30).status_code == 401

    manager = console_server.signed_in("Morgan")
    assert manager.get(f"{url}/console/api/me").json()["role"] == "manager"  # the console's link
    page = manager.get(f"{url}/console/insights")
    assert page.status_code == 200 and 'id="chart-stages"' in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    library = manager.get(f"{url}/console/chart.umd.min.js")
    assert library.status_code == 200 and "Chart" in library.text[:2000]


def test_figures_csv_and_a_reach_out(console_server: ConsoleServer) -> None:
    url = console_server.url
    customer_id = _customer_at_risk(console_server, "ip-risky")
    manager = console_server.signed_in("Morgan")

    report = manager.get(f"{url}/console/api/insights").json()
    mine = [item for item in report["at_risk"] if item["customer_id"] == customer_id]
    assert mine and "2 unresolved complaints" in mine[0]["reasons"]
    assert sum(stage["customers"] for stage in report["stages"]) >= 1
    assert len(report["moves"]) >= 8  # the last 8 weeks by default
    assert manager.get(f"{url}/console/api/insights?start=2026-13-01").status_code == 400

    export = manager.get(f"{url}/console/api/insights/export/open_issues")
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    summaries = {row["summary"] for row in rows if row["customer_id"] == str(customer_id)}
    # The formula is text in a spreadsheet; the comma and quotes survive the quoting.
    assert summaries == {'\'=HYPERLINK("http://evil","late")', 'wheel, "bent"'}
    assert manager.get(f"{url}/console/api/insights/export/nothing").status_code == 404

    card = manager.get(f"{url}/console/api/insights/customers/{customer_id}").json()["card"]
    assert card["at_risk"] is True
    assert manager.get(f"{url}/console/api/insights/customers/999999").status_code == 404

    due = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    refused = manager.post(
        f"{url}/console/api/insights/customers/{customer_id}/reach-out",
        json={"owner": "Nobody", "what": "Call Robin", "due_at": due},
    )
    assert refused.status_code == 400
    done = manager.post(
        f"{url}/console/api/insights/customers/{customer_id}/reach-out",
        json={"owner": "Alex", "what": "Call about the wheel", "due_at": due},
    )
    assert done.status_code == 200, done.text
    agent = console_server.signed_in("Alex")
    waiting = agent.get(f"{url}/console/api/queue").json()["follow_ups"]
    assert [(f["what"], f["owner"]) for f in waiting if f["what"] == "Call about the wheel"] == [
        ("Call about the wheel", "Alex")
    ]
    # A reach-out is not a chat the customer handed over.
    reasons = manager.get(f"{url}/console/api/insights").json()["handoffs"]["reasons"]
    assert "reach_out" not in {reason["reason"] for reason in reasons}
    # Without the CSRF token, nothing is written.
    del manager.headers["X-CSRF-Token"]
    assert (
        manager.post(
            f"{url}/console/api/insights/customers/{customer_id}/reach-out",
            json={"owner": "Alex", "what": "again", "due_at": due},
        ).status_code
        == 403
    )


def test_a_manager_sets_an_ideas_state(console_server: ConsoleServer) -> None:
    url = console_server.url
    store = console_server.service.store
    at = datetime.now(timezone.utc)
    store.exchanges.start_conversation("ip-ideas", at)
    customer_id = store.customers.customer_for_sender("ip-ideas")
    idea = store.feedback.add_feedback(customer_id, "idea", "Sunday opening")
    manager = console_server.signed_in("Morgan")
    path = f"{url}/console/api/insights/ideas/{idea}/state"
    assert manager.post(path, json={"state": "declined"}).status_code == 400
    assert manager.post(path, json={"state": "shelved"}).status_code == 400
    assert manager.post(path, json={"state": "declined", "note": "We run the clinic"}).ok
    items = manager.get(f"{url}/console/api/insights").json()["ideas"]["items"]
    assert [(i["state"], i["note"]) for i in items if i["feedback_id"] == idea] == [
        ("declined", "We run the clinic")
    ]
    assert (
        manager.post(
            f"{url}/console/api/insights/ideas/999999/state", json={"state": "done"}
        ).status_code
        == 404
    )
