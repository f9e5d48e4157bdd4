"""A complaint's answer fits its kind: a late order, a faulty part, a repair that did not hold,
how someone was treated, something serious; the kinds and remedies from business.yml, the first
words from domain.yml, through action_handle_complaint with the sample shop's real memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import complaints
from voice import say_yes
from voice.business import load

ROOT = Path(__file__).resolve().parents[3]
RULES = say_yes.parse_rules(
    (ROOT / "business.yml").read_text(encoding="utf-8"), ROOT / "business.yml"
)


def first_words(domain: dict[str, Any], response: str) -> str:
    return str(domain["responses"][response][0]["text"])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my order still hasn't arrived and it's been two weeks", "late_order"),
        ("the puncture repair you did failed, flat again the next day", "bad_repair"),
        ("the lights I bought stopped charging", "faulty"),
        ("the guy at the till was really rude to me", "staff"),
        ("I'm not happy with the colour", None),
    ],
)
def test_a_complaint_is_read_as_its_kind(text: str, kind: str | None) -> None:
    found = RULES.complaints.kind_of(text)
    assert (found.name if found else None) == kind


@pytest.mark.parametrize(
    ("text", "response", "payloads"),
    [
        (
            "my order still hasn't arrived",
            "utter_complaint_ack_late_order",
            ["/order_status", "/request_human"],
        ),
        (
            "the wheel you trued is wobbly again, same problem",
            "utter_complaint_ack_bad_repair",
            ["/book_repair", "/request_human"],
        ),
        (
            "the lights I bought stopped charging",
            "utter_complaint_ack_faulty",
            ["/return_request", "/book_repair"],
        ),
        (
            "the man in the shop was rude and dismissive",
            "utter_complaint_ack_staff",
            ["/request_human", "/give_feedback"],
        ),
    ],
)
async def test_each_kind_gets_its_own_words_and_remedies(
    domain: dict[str, Any], text: str, response: str, payloads: list[str]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("complain", text, sender_id=f"kinds-{response}")
    assert await complaints.ActionHandleComplaint().run(dispatcher, tracker, domain) == []
    feeling, remedy = dispatcher.messages
    assert feeling["text"].startswith(first_words(domain, response))
    assert "sorry" in feeling["text"].lower() and "on us" in feeling["text"]
    assert [button["payload"] for button in remedy["buttons"]] == payloads
    assert remedy["say_yes"]["kind"] == complaints.remedy_kind(RULES, text)


async def test_a_failed_repair_is_offered_the_repair_warranty(domain: dict[str, Any]) -> None:
    shop = load(ROOT / "business.yml")
    dispatcher = CollectingDispatcher()
    text = "the puncture repair you did failed, flat again the next day"
    await complaints.ActionHandleComplaint().run(
        dispatcher, make_tracker("complain", text, sender_id="cath"), domain
    )
    remedy = dispatcher.messages[-1]["text"]
    assert f"{shop.policies.repair_warranty_days}-day warranty" in remedy, remedy
    assert "refund or a swap" not in remedy


async def test_a_serious_complaint_first_asks_whether_everyone_is_all_right(
    domain: dict[str, Any],
) -> None:
    dispatcher = CollectingDispatcher()
    text = "my son crashed because the handlebar you fitted came loose"
    tracker = make_tracker("complain", text, sender_id="dan")
    events = await complaints.ActionHandleComplaint().run(dispatcher, tracker, domain)
    assert events and events[-1]["name"] == "action_handoff"
    feeling = dispatcher.messages[0]["text"]
    assert feeling.startswith(first_words(domain, "utter_complaint_ack_serious"))
    assert "frustrating" not in feeling


async def test_two_complaints_of_different_kinds_are_not_answered_alike(
    domain: dict[str, Any],
) -> None:
    first = CollectingDispatcher()
    lights = "the lights I bought stopped charging"
    await complaints.ActionHandleComplaint().run(
        first, make_tracker("complain", lights, sender_id="gary"), domain
    )
    said = [{"event": "bot", "text": message["text"]} for message in first.messages]
    second = CollectingDispatcher()
    repair = "and the puncture repair you did has failed too"
    tracker = make_tracker("complain", repair, history=said, sender_id="gary")
    await complaints.ActionHandleComplaint().run(second, tracker, domain)
    again = second.messages[0]["text"]
    assert again != first.messages[0]["text"]
    assert again.startswith(first_words(domain, "utter_complaint_ack_bad_repair"))
    assert "on us" not in again  # the ownership line is said once per chat
