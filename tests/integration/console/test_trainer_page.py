"""The trainer's page and API on a real Sanic server: who may open what (agent, trainer,
manager), CSRF on decisions, and a labelled message written masked into the data copy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests
from console_harness import PASSWORD, ConsoleServer
from ruamel.yaml import YAML
from sqlalchemy import select

from memory import schema
from memory.records import Exchange


def _sign_in(server: ConsoleServer, name: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    reply = browser.post(
        f"{server.url}/console/sign-in",
        data={"name": name, "password": PASSWORD},
        headers={"Origin": server.url},
        allow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return browser, reply.headers["Location"]


def _fallback_message(server: ConsoleServer, sender: str, text: str) -> int:
    store = server.service.store
    at = datetime.now(timezone.utc) - timedelta(minutes=5)
    store.exchanges.start_conversation(sender, at)
    store.exchanges.record_exchange(
        Exchange(f"tp-{sender}", sender, "customer", text, at, "nlu_fallback", 0.5)
    )
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                select(schema.exchanges.c.id).where(schema.exchanges.c.event_id == f"tp-{sender}")
            ).scalar_one()
        )


def test_each_role_opens_only_its_own_pages(console_server: ConsoleServer) -> None:
    url = console_server.url
    agent, _ = _sign_in(console_server, "Alex")
    refused = agent.get(f"{url}/console/trainer", allow_redirects=False)
    assert refused.status_code == 403 and 'id="refused"' in refused.text
    assert agent.get(f"{url}/console/api/trainer/inbox").status_code == 403
    assert agent.get(f"{url}/console/api/queue").status_code == 200

    trainer, _ = _sign_in(console_server, "Tess")
    console = trainer.get(f"{url}/console", allow_redirects=False)
    assert console.status_code == 302 and console.headers["Location"] == "/console/trainer"
    assert trainer.get(f"{url}/console/api/queue").status_code == 403
    assert trainer.get(f"{url}/console/api/me").status_code == 403
    page = trainer.get(f"{url}/console/trainer")
    assert page.status_code == 200 and 'id="groups"' in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert trainer.get(f"{url}/console/trainer.js").status_code == 200
    inbox = trainer.get(f"{url}/console/api/trainer/inbox")
    assert inbox.status_code == 200 and inbox.json()["trainer"] == "Tess"

    manager, _ = _sign_in(console_server, "Morgan")
    assert manager.get(f"{url}/console/api/queue").status_code == 200
    assert manager.get(f"{url}/console/api/trainer/inbox").status_code == 200

    nobody = requests.get(f"{url}/console/trainer", allow_redirects=False, timeout=30)
    assert nobody.status_code == 302 and nobody.headers["Location"] == "/console/sign-in"
    assert requests.get(f"{url}/console/api/trainer/inbox", timeout=30).status_code == 401


def test_a_trainer_labels_a_message_and_it_is_written_masked(
    console_server: ConsoleServer,
) -> None:
    url = console_server.url
    said = _fallback_message(console_server, "tp-1", "hiya can u post to france, jo@example.com")
    trainer, _ = _sign_in(console_server, "Tess")
    inbox = trainer.get(f"{url}/console/api/trainer/inbox").json()
    texts = [item["text"] for group in inbox["groups"] for item in group["items"]]
    assert "hiya can u post to france, <email>" in texts
    assert "jo@example.com" not in str(inbox)

    label = {"exchange_ids": [said], "intent": "ask_shipping", "file": "shipping"}
    no_token = trainer.post(f"{url}/console/api/trainer/accept", json=label)
    assert no_token.status_code == 403
    trainer.headers["X-CSRF-Token"] = inbox["csrf_token"]
    bad = trainer.post(f"{url}/console/api/trainer/accept", json={**label, "intent": "A B"})
    assert bad.status_code == 409 and "intent name" in bad.json()["error"]
    done = trainer.post(f"{url}/console/api/trainer/accept", json=label)
    assert done.status_code == 200, done.text
    assert done.json()["file"] == "data/nlu/shipping.yml"
    assert console_server.content is not None
    written = YAML(typ="safe").load((console_server.content / "data/nlu/shipping.yml").read_text())
    assert written["nlu"] == [
        {"intent": "ask_shipping", "examples": "- hiya can u post to france, <email>\n"}
    ]
    again = trainer.get(f"{url}/console/api/trainer/inbox").json()
    assert said not in [item["exchange_id"] for g in again["groups"] for item in g["items"]]
    transcript = trainer.get(f"{url}/console/api/trainer/conversations/999999")
    assert transcript.status_code == 404


def test_an_agents_reply_in_a_handed_off_chat_becomes_a_new_intents_answer(
    console_server: ConsoleServer,
) -> None:
    url = console_server.url
    store = console_server.service.store
    said = _fallback_message(console_server, "tp-2", "is there a bike rack for my van")
    with store.engine.begin() as conn:
        conn.execute(
            schema.handoffs.insert().values(
                sender_id="tp-2",
                reason="fallback",
                state="resolved",
                requested_at=datetime.now(timezone.utc).replace(tzinfo=None),
                offline=0,
            )
        )
    reply = "We fit van racks in the workshop: book a slot and we'll sort it."
    store.exchanges.record_exchange(
        Exchange("tp-2-agent", "tp-2", "agent", reply, datetime.now(timezone.utc), agent="Alex")
    )
    trainer, _ = _sign_in(console_server, "Tess")
    inbox = trainer.get(f"{url}/console/api/trainer/inbox").json()
    group = next(g for g in inbox["groups"] if said in [i["exchange_id"] for i in g["items"]])
    assert "handoff" in group["reasons"]
    assert group["candidates"] == [reply]
    trainer.headers["X-CSRF-Token"] = inbox["csrf_token"]
    label = {"exchange_ids": [said], "intent": "ask_van_rack", "response": group["candidates"][0]}
    done = trainer.post(f"{url}/console/api/trainer/accept", json=label)
    assert done.status_code == 200, done.text
    assert done.json()["response"] == "utter_ask_van_rack"
    assert console_server.content is not None
    domain = YAML(typ="safe").load((console_server.content / "domain.yml").read_text())
    assert "ask_van_rack" in domain["intents"]
    assert domain["responses"]["utter_ask_van_rack"] == [{"text": reply}]
