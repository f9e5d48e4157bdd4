"""Requests answered on the say-yes ladder: returns, items out of stock, special orders, and a
yes to the bot's offer; and the tone guard on every text an action builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from action_testkit import (
    action_event,
    entity,
    make_tracker,
    rendered,
    response_buttons,
    said,
    user_event,
)
from rasa_sdk import Tracker

from actions import base
from actions.details import ActionUseDetails
from actions.orders import ActionSubmitReturn, return_wish
from actions.requests import ActionAcceptOffer, request_summary
from actions.shop import ActionBuyProduct, ActionPriceMatch
from voice.business import load as load_business

ROOT = Path(__file__).resolve().parents[3]


def returned(order_id: str, item: str) -> dict[str, Any]:
    """The return form's slots, for an order its owner confirmed in the chat (email, postcode)."""
    return {
        "return_order_id": order_id,
        "return_item": item,
        "return_reason": "too small",
        "confirmed_orders": [order_id],
    }


def return_tracker(order_id: str, item: str) -> Tracker:
    return make_tracker("inform", "too small", slots=returned(order_id, item))


def asked_for(wish: str, order_id: str, item: str) -> Tracker:
    """A return form just completed, after the customer asked for the return in `wish`."""
    history = [
        action_event("action_listen"),
        user_event("return_request", wish),
        action_event("return_form"),
        action_event("action_listen"),
        user_event("inform", order_id),
    ]
    return make_tracker("inform", "too small", slots=returned(order_id, item), history=history)


def payloads(message: dict[str, Any]) -> list[str]:
    return [button["payload"] for button in message.get("buttons") or []]


async def complain_twice(sender_id: str) -> None:
    """Give the conversation's customer two open complaints (a relationship that needs care)."""
    store = await base.store()
    customer = store.customers.customer_for_sender(sender_id)
    store.issues.open_issue(customer, "complaint", "the wheel was bent")
    store.issues.open_issue(customer, "complaint", "the wheel is still bent")


async def test_a_return_in_the_window_is_a_plain_yes_and_set_up_at_once(dispatcher, domain) -> None:
    events = await ActionSubmitReturn().run(
        dispatcher, return_tracker("A1234", "Giro helmet"), domain
    )
    decision, details = dispatcher.messages
    assert decision["say_yes"]["rung"] == "yes"
    assert decision["say_yes"]["reason_code"] == "return.yes"
    assert decision["text"].startswith("Yes, of course you can return the Giro helmet")
    assert payloads(decision) == []  # nothing to agree to: it is done
    assert details["response"] == "utter_return_started" and details["refund_days"] == 5
    assert [(e["name"], e["value"]) for e in events] == [
        ("return_order_id", None),
        ("return_item", None),
        ("return_bought", None),
        ("return_reason", None),
        ("order_email", None),
        ("order_postcode", None),
        ("order_id", "A1234"),
    ]


async def test_a_return_past_the_window_is_a_yes_with_a_condition(dispatcher, domain) -> None:
    await ActionSubmitReturn().run(dispatcher, return_tracker("C3309", "Brooks saddle"), domain)
    [message] = dispatcher.messages
    assert message["say_yes"]["rung"] == "yes_with_condition"
    assert "as store credit" in message["text"] and "Brooks saddle" in message["text"]
    assert message["say_yes"]["condition"].startswith("as store credit")
    assert payloads(message) == ["/affirm", "/deny"]
    assert message["say_yes"]["offered"] == ["/affirm", "/deny"]


async def test_a_return_long_after_the_window_offers_the_nearest_things(dispatcher, domain) -> None:
    await ActionSubmitReturn().run(dispatcher, return_tracker("D2087", "Shimano XT pedals"), domain)
    [message] = dispatcher.messages
    assert message["say_yes"]["rung"] == "yes_alternative"
    assert message["say_yes"]["reason"] == "more than 60 days after purchase"
    assert payloads(message) == ["/book_repair", "/product_recommendation"]
    assert "no" not in message["text"].lower().split()


async def test_a_customer_with_repeated_complaints_gets_a_person(dispatcher, domain) -> None:
    tracker = return_tracker("C3309", "Brooks saddle")
    await complain_twice(tracker.sender_id)
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["say_yes"]["rung"] == "yes_person"
    assert message["say_yes"]["reason_code"] == "return.person.standing"
    assert payloads(message) == ["/affirm", "/deny"]
    assert message["buttons"][0]["title"] == "Yes, bring someone in"


def test_the_customer_s_wish_is_the_last_one_named_and_not_negated() -> None:
    assert return_wish(["I'd like a refund for order A1234"]) == "refund"
    assert return_wish(["can I get my money back for the lock"]) == "refund"
    assert return_wish(["can I exchange my tyres for a different size"]) == "exchange"
    assert return_wish(["I bought the wrong size tubes, can I swap them"]) == "exchange"
    assert return_wish(["I don't want a refund", "can I swap it?"]) == "exchange"
    assert return_wish(["not a swap please, I'd rather have a refund"]) == "refund"
    assert return_wish(["swap it", "actually, a refund"]) == "refund"
    assert return_wish(["I want to return my helmet", "too small"]) is None
    assert return_wish(["I'd like store credit for this return"]) is None


async def test_a_refund_in_the_window_is_a_yes_on_the_refund_ladder(dispatcher, domain) -> None:
    tracker = asked_for("I'd like my money back for the helmet", "A1234", "Giro helmet")
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    decision, details = dispatcher.messages
    assert decision["say_yes"]["reason_code"] == "refund.yes"
    assert "refund the Giro helmet to your original payment method" in decision["text"]
    assert details["response"] == "utter_return_started"


async def test_a_refund_past_the_window_offers_an_exchange_or_a_tune_up(dispatcher, domain) -> None:
    tracker = asked_for("refund please", "C3309", "Brooks saddle")
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["say_yes"]["reason_code"] == "refund.alternatives"
    assert payloads(message) == ["/return_request", "/book_repair"]


async def test_a_swap_of_an_item_in_stock_is_set_up_at_once(dispatcher, domain) -> None:
    tracker = asked_for("can I swap the helmet for a bigger size", "A1234", "Giro helmet")
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    decision, details = dispatcher.messages
    assert decision["say_yes"]["reason_code"] == "exchange.yes"
    assert decision["text"].startswith("Yes, we'll happily swap the Giro helmet")
    assert details["response"] == "utter_exchange_started" and details["order_id"] == "#A1234"


async def test_a_swap_long_after_purchase_gets_the_nearest_yes(dispatcher, domain) -> None:
    tracker = asked_for("can I exchange these pedals", "D2087", "Shimano XT pedals")
    await ActionSubmitReturn().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["say_yes"]["reason_code"] == "exchange.alternatives"
    assert payloads(message) == ["/book_repair", "/product_recommendation"]


async def test_an_item_out_of_stock_can_be_reserved_from_the_delivery(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "", [entity("product", "Giant Talon 2")])
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    facts, answer = dispatcher.messages
    assert facts["response"] == "utter_product_facts" and facts["product"] == "Giant Talon 2"
    assert answer["say_yes"]["kind"] == "out_of_stock"
    assert answer["say_yes"]["rung"] == "yes_with_condition"
    assert "about 7 days" in answer["text"]
    assert payloads(answer) == ["/affirm", "/product_recommendation"]
    assert events[0]["value"] == "Giant Talon 2"


async def test_something_we_do_not_sell_gets_a_special_order_or_similar(dispatcher, domain) -> None:
    tracker = make_tracker("buy_product", "", [entity("product", "Brompton folding bike")])
    events = await ActionBuyProduct().run(dispatcher, tracker, domain)
    assert events == []
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "special_order"
    assert "Brompton folding bike" in answer["text"] and "within 7 days" in answer["text"]
    assert payloads(answer) == ["/request_human", "/product_recommendation"]


def after_offer(offer: dict[str, Any], answer: str = "affirm") -> Tracker:
    """A tracker whose bot said `offer` in the previous turn, then the customer said yes."""
    history = [
        action_event("action_listen"),
        user_event("buy_product", "can I get a Giant Talon 2"),
        action_event("action_buy_product"),
        {"event": "bot", **offer},
    ]
    return make_tracker(answer, "yes please", history=history)


OFFER = {
    "text": "Yes, we can get the Giant Talon 2 for you if a wait of about 7 days works for you.",
    "data": {"buttons": [{"title": "Yes, reserve one", "payload": "/affirm"}]},
    "metadata": {
        "say_yes": {
            "kind": "out_of_stock",
            "rung": "yes_with_condition",
            "reason": "back in stock within two weeks",
            "condition": "if a wait of about 7 days works for you",
            "offered": ["/affirm"],
        }
    },
}


async def test_yes_to_an_offer_brings_in_a_person_who_sees_what_was_offered(
    dispatcher, domain
) -> None:
    tracker = after_offer(OFFER)
    events = await ActionAcceptOffer().run(dispatcher, tracker, domain)
    assert events == [{"event": "followup", "timestamp": None, "name": "action_handoff"}]
    assert request_summary(tracker, load_business(ROOT / "business.yml")) == (
        "out of stock, yes with condition (back in stock within two weeks), "
        "if a wait of about 7 days works for you"
    )


async def test_yes_to_no_offer_asks_how_to_help(dispatcher, domain) -> None:
    plain = {"text": "Here are our opening hours.", "data": {}, "metadata": {}}
    events = await ActionAcceptOffer().run(dispatcher, after_offer(plain), domain)
    assert events == []
    assert said(dispatcher) == ["utter_how_can_i_help"]


async def test_an_offer_from_an_earlier_turn_is_not_the_question(dispatcher, domain) -> None:
    # The customer said yes to the offer already; a second yes answers nothing of ours.
    answered = after_offer(OFFER)
    later = make_tracker(
        "affirm", "yes", history=[*answered.events, action_event("utter_how_can_i_help")]
    )
    await ActionAcceptOffer().run(dispatcher, later, domain)
    assert said(dispatcher) == ["utter_how_can_i_help"]


async def test_customer_words_that_would_fail_the_tone_guard_are_never_echoed(
    dispatcher, domain
) -> None:
    # The customer's own words become part of the answer ("getting the ... for you"): the
    # guard stops them, and the answer keeps its buttons, so there is still a next step.
    named = "bike you obviously never stock"
    tracker = make_tracker("buy_product", "", [entity("product", named)])
    await ActionBuyProduct().run(dispatcher, tracker, domain)
    [answer] = dispatcher.messages
    assert answer["text"] is None and answer["response"] == "utter_tone_safe_next_step"
    assert rendered(domain, answer).startswith("Yes, I can help with that.")
    assert payloads(answer) == ["/request_human", "/product_recommendation"]
    [note] = answer["tone"]["replaced"]
    assert named in note["original"]
    assert [finding["kind"] for finding in note["findings"]] == ["contempt"]
    assert answer["say_yes"]["kind"] == "special_order"  # the decision is still logged


async def test_a_built_message_without_buttons_becomes_the_offer_of_a_person(domain) -> None:
    messages = [{"text": "You should have read the returns policy."}]
    await base.check_tone(messages, "a test")
    [message] = messages
    # The domain's response carries the words and the offer of a person.
    assert message["text"] is None and message["response"] == "utter_tone_safe_offer_person"
    assert rendered(domain, message).startswith("I want to get this exactly right for you")
    offer, no = response_buttons(domain, message["response"])
    assert (offer["payload"], no["payload"]) == ("/request_human", "/deny")
    assert message["tone"]["replaced"][0]["findings"][0]["kind"] == "criticism"


async def test_a_message_s_own_fallback_replaces_it_and_is_never_sent_as_such() -> None:
    failing = {"text": "That's not our fault, sorry.", "tone_fallback": "I'm so sorry."}
    passing = {"text": "I'm sorry this happened.", "tone_fallback": "I'm so sorry."}
    await base.check_tone([failing, passing], "a test")
    assert failing["text"] == "I'm so sorry." and "buttons" not in failing
    assert failing["tone"]["replaced"][0]["findings"][0]["kind"] == "defensiveness"
    assert passing == {"text": "I'm sorry this happened."}


async def test_a_built_fill_in_that_fails_is_left_out_and_one_that_passes_stays() -> None:
    failing = {"response": "utter_loyalty_balance", "next_reward_text": "Obviously, spend more."}
    passing = {"response": "utter_loyalty_balance", "next_reward_text": "You're 80 points away."}
    sent = {"text": "You should receive your refund by Friday."}
    await base.check_tone([failing, passing, sent], "a test")
    assert failing["next_reward_text"] == ""
    assert failing["tone"]["replaced"][0]["field"] == "next_reward_text"
    assert passing["next_reward_text"] == "You're 80 points away." and "tone" not in passing
    assert sent == {"text": "You should receive your refund by Friday."}


def price_tracker(text: str, product: str | None = "Trek FX 3") -> Tracker:
    entities = [entity("product", product)] if product else []
    return make_tracker("price_match", text, entities)


async def test_a_small_price_difference_is_matched_once_the_price_is_seen(
    dispatcher, domain
) -> None:
    # The Trek FX 3 is £849 with us; £820 elsewhere is 3.4% less.
    await ActionPriceMatch().run(dispatcher, price_tracker("it's £820 at another shop"), domain)
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "price_match"
    assert answer["say_yes"]["rung"] == "yes_with_condition"
    assert "once we've seen the other shop's price" in answer["text"]
    assert [b["title"] for b in answer["buttons"]] == ["Yes, I'll send it", "No, thanks"]


async def test_a_larger_difference_is_met_with_other_ways_to_save(dispatcher, domain) -> None:
    await ActionPriceMatch().run(dispatcher, price_tracker("Wiggle has it for £680"), domain)
    [answer] = dispatcher.messages
    assert answer["say_yes"]["rung"] == "yes_alternative"
    assert payloads(answer) == ["/redeem_reward", "/product_recommendation"]


async def test_a_very_large_difference_is_checked_by_a_person(dispatcher, domain) -> None:
    await ActionPriceMatch().run(dispatcher, price_tracker("I can get it for 500 pounds"), domain)
    [answer] = dispatcher.messages
    assert answer["say_yes"]["rung"] == "yes_person"


async def test_a_price_given_as_so_much_less(dispatcher, domain) -> None:
    await ActionPriceMatch().run(dispatcher, price_tracker("it's £20 less on Wiggle"), domain)
    [answer] = dispatcher.messages
    assert answer["say_yes"]["rung"] == "yes_with_condition"  # £829 against £849: 2.4%


async def test_a_price_match_asks_for_what_it_still_needs(dispatcher, domain) -> None:
    await ActionPriceMatch().run(dispatcher, price_tracker("do you price match?", None), domain)
    await ActionPriceMatch().run(dispatcher, price_tracker("can you match the price?"), domain)
    await ActionPriceMatch().run(dispatcher, price_tracker("it's £900 elsewhere"), domain)
    assert said(dispatcher) == [
        "utter_ask_price_match_product",
        "utter_ask_competitor_price",
        "utter_price_already_best",
    ]
    assert dispatcher.messages[1]["price"] == "£849"


async def test_the_price_given_after_the_question_is_used(dispatcher, domain) -> None:
    history = [
        action_event("action_listen"),
        user_event("price_match", "can you price match the Trek FX 3?"),
        action_event("action_price_match"),
        {"event": "bot", "text": "what price did you see?", "data": {}, "metadata": {}},
    ]
    tracker = make_tracker(
        "inform", "it was £820 at Wiggle", slots={"product": "Trek FX 3"}, history=history
    )
    await ActionUseDetails().run(dispatcher, tracker, domain)
    [answer] = dispatcher.messages
    assert answer["say_yes"]["kind"] == "price_match"
