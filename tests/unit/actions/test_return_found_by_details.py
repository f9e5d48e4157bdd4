"""A customer who is not signed in and has no order number: the return form finds the order by
the email address and postcode it was placed with (the ownership proof of actions/ownership.py),
and someone giving another customer's email learns nothing.

Every answer that does not find an order (details nobody has, someone else's email with a
wrong postcode, the right details but no order holding the item) gets the same words and the
same slots, counts as a miss, and the third miss offers a person and stops asking for details.
"""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker, said
from rasa_sdk.executor import CollectingDispatcher

from actions.exits import UNKNOWN
from actions.forms import NO_ORDER, ActionAskOrderEmail, ValidateReturnForm
from actions.orders import ActionSubmitReturn

DOMAIN_SLOTS = [
    "return_order_id",
    "order_email",
    "order_postcode",
    "return_item",
    "return_bought",
    "return_reason",
]
SAM = ("sam.taylor@example.com", "BS6 5QA")  # order A1234 holds the Giro helmet


def at_postcode(postcode: str, email: str, item: str = "the helmet", **more: Any) -> Any:
    """The return form's postcode question answered, the email address given before it."""
    slots = {
        "requested_slot": "order_postcode",
        "return_order_id": NO_ORDER,
        "return_item": item,
        "order_email": email,
        "order_postcode": postcode,
        **more,
    }
    return make_tracker("inform", postcode, slots=slots, active_loop="return_form")


async def give_details(email: str, postcode: str, **more: Any) -> tuple[dict[str, Any], list]:
    dispatcher = CollectingDispatcher()
    tracker = at_postcode(postcode, email, **more)
    result = await ValidateReturnForm().validate_order_postcode(postcode, dispatcher, tracker, {})
    return result, dispatcher.messages


async def test_a_customer_not_signed_in_is_asked_for_the_order_s_details_after_the_item(
    dispatcher: CollectingDispatcher,
) -> None:
    tracker = make_tracker(
        "inform", "helmet", slots={"return_order_id": NO_ORDER}, active_loop="return_form"
    )
    slots = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, tracker, {})
    assert slots == [
        "return_order_id",
        "return_item",
        "order_email",
        "order_postcode",
        "return_bought",
        "return_reason",
    ]


async def test_the_question_says_what_it_is_for_and_the_way_out(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        "inform",
        "helmet",
        slots={"return_order_id": NO_ORDER, "return_item": "helmet"},
        active_loop="return_form",
    )
    await ActionAskOrderEmail().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_ask_order_email_to_find_order"]
    words = domain["responses"]["utter_ask_order_email_to_find_order"][0]["text"]
    assert "email" in words and "skip" in words


async def test_the_order_s_email_and_postcode_find_it_and_the_return_goes_on_with_it(
    domain: dict[str, Any],
) -> None:
    result, messages = await give_details(*SAM)
    assert result["return_order_id"] == "A1234"
    assert result["return_item"] == "Giro helmet"
    assert result["confirmed_orders"] == ["A1234"]
    assert result["order_email"] is None and result["order_postcode"] is None
    assert [m["response"] for m in messages] == ["utter_return_found_by_details"]
    assert messages[0]["order_id"] == "#A1234"

    # The form then asks only the reason, and the return is set up for that order.
    dispatcher = CollectingDispatcher()
    slots = {**result, "return_reason": "too small"}
    tracker = make_tracker("inform", "too small", slots=slots, active_loop="return_form")
    required = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, tracker, {})
    assert required == ["return_order_id", "return_item", "return_reason"]
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    assert "utter_return_started" in said(dispatcher)


@pytest.mark.parametrize(
    ("email", "postcode", "item"),
    [
        ("nobody@example.com", "BS1 1AA", "the helmet"),  # details nobody has
        ("sam.taylor@example.com", "BS1 1AA", "the helmet"),  # someone else's email
        ("sam.taylor@example.com", "BS6 5Q", "the helmet"),  # a postcode nearly right
        ("sam.taylor@example.com", "BS6 5QA", "the lock"),  # right details, not their item
        ("priya.shah@example.com", "BS7 8NB", "the helmet"),  # one customer, another's item
    ],
)
async def test_anything_else_gets_the_same_words_and_tells_nothing(
    email: str, postcode: str, item: str, domain: dict[str, Any]
) -> None:
    result, messages = await give_details(email, postcode, item=item)
    unknown, unknown_messages = await give_details("nobody@example.com", "BS1 1AA", item=item)
    assert (
        result
        == unknown
        == {
            "order_email": UNKNOWN,
            "order_postcode": UNKNOWN,
            "order_check_misses": 1.0,
        }
    )
    assert messages == unknown_messages
    assert [m["response"] for m in messages] == ["utter_return_not_found_by_details"]
    words = domain["responses"]["utter_return_not_found_by_details"][0]["text"]
    assert "{" not in words  # nothing of any order is filled in
    shop_words = str(messages)
    for secret in ("A1234", "A5521", "Giro", "Lezyne", "Kryptonite", "C3309"):
        assert secret not in shop_words


async def test_the_third_miss_offers_a_person_and_no_more_details_are_asked(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    result, messages = await give_details(
        "sam.taylor@example.com", "BS1 1AA", order_check_misses=2.0
    )
    assert result["order_check_misses"] == 3.0
    assert [m["response"] for m in messages] == ["utter_return_details_limit"]
    assert "person" in domain["responses"]["utter_return_details_limit"][0]["text"]
    # Even the right details are no longer asked for in this chat.
    tracker = make_tracker(
        "inform",
        "helmet",
        slots={"return_order_id": NO_ORDER, "order_check_misses": 3.0},
        active_loop="return_form",
    )
    slots = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, tracker, {})
    assert "order_email" not in slots and "order_postcode" not in slots


async def test_misses_by_number_and_by_details_count_together(
    dispatcher: CollectingDispatcher,
) -> None:
    # Two wrong details for an order number earlier in the chat, then one here: a person.
    _, messages = await give_details("nobody@example.com", "BS1 1AA", order_check_misses=2.0)
    assert [m["response"] for m in messages] == ["utter_return_details_limit"]


async def test_a_signed_in_customer_or_a_shop_purchase_is_not_asked_for_details(
    dispatcher: CollectingDispatcher,
) -> None:
    signed_in = make_tracker(
        "inform",
        "helmet",
        slots={"return_order_id": NO_ORDER, "customer_id": "c-1001"},
        active_loop="return_form",
    )
    slots = await ValidateReturnForm().required_slots(DOMAIN_SLOTS, dispatcher, signed_in, {})
    assert "order_email" not in slots
    in_shop = make_tracker(
        "inform",
        "I bought it in the shop",
        slots={"requested_slot": "return_order_id"},
        active_loop="return_form",
    )
    result = await ValidateReturnForm().validate_return_order_id(
        "I bought it in the shop", dispatcher, in_shop, {}
    )
    assert result["order_email"] == UNKNOWN  # counts as answered: the question is skipped


async def test_a_new_return_forgets_the_details_of_the_last_one(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    slots = {
        "return_order_id": NO_ORDER,
        "return_item": "Giro helmet",
        "return_bought": "20",
        "return_reason": "too small",
        "order_email": UNKNOWN,
        "order_postcode": UNKNOWN,
    }
    tracker = make_tracker("inform", "too small", slots=slots)
    events = await ActionSubmitReturn().run(dispatcher, tracker, domain)
    cleared = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert cleared["order_email"] is None and cleared["order_postcode"] is None
