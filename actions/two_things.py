"""Two requests in one message: the one the bot answered, and the other one offered.

"do you sell <one thing> and also how much is <a repair>" is read as one intent (the first
request). The second request is found in the words after a joining word ("and", "also", a
question mark...): when that part names a different thing of the shop's (business.yml, through
the catalogue), a repair's usual price and time are said at once with an offer to book it, and
anything else is offered as a button ("You asked about something else too"), with a no beside
it so a typed yes takes it. A message with one request, or whose later part names what was
answered, gets nothing more.
"""

from __future__ import annotations

import json
import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from voice.business import Business, RepairService
from voice.catalogue import Catalogue, Match

# Where a second request starts: a joining word, or the end of a question or sentence.
_JOIN = re.compile(r"\?|;|\.\s|\b(?:and also|also|and|plus|as well as|oh and|btw)\b", re.I)


def later_parts(text: str | None) -> tuple[str, str]:
    """(the first request's words, the words after the first joining word); ("", "") when the
    message has no joining word, or is a button's payload."""
    text = text or ""
    if text.startswith("/"):
        return "", ""
    found = _JOIN.search(text)
    if found is None:
        return "", ""
    return text[: found.start()], text[found.end() :]


def second_thing(shop: Business, text: str | None, answered: set[str]) -> Match | None:
    """The thing of the shop's that the later part of the message names, when it is neither
    what was answered nor named by the first part."""
    first, later = later_parts(text)
    if not later.strip():
        return None
    catalogue = Catalogue.of(shop)
    named_first = {match.item.name for match in catalogue.mentioned(first)}
    for match in catalogue.mentioned(later):
        name = match.item.name
        if name not in answered and name not in named_first:
            return match
    return None


def offer_button(shop: Business, match: Match) -> dict[str, str]:
    """The button that asks for the thing, titled with its name."""
    item = match.item
    if item.kind == "product":
        payload = f"/buy_product{json.dumps({'product': item.name})}"
    else:
        payload = f"/{item.intent}"
    return {"title": item.name, "payload": payload}


def answer_second_thing(
    dispatcher: CollectingDispatcher, shop: Business, tracker: Tracker, answered: set[str]
) -> None:
    """After the answer to the first request: the second one answered (a repair's price) or
    offered as a button."""
    match = second_thing(shop, (tracker.latest_message or {}).get("text"), answered)
    if match is None:
        return
    target = match.item.target
    worded = "repair_estimate" in shop.templates
    if match.item.kind == "repair" and isinstance(target, RepairService) and worded:
        # Imported here: the orders module reads the shop module, which offers the second thing.
        from actions.orders import repair_estimate

        # The price and time, and the next step: a yes books it (a typed yes too).
        dispatcher.utter_message(
            response="utter_also_asked_repair",
            estimate=repair_estimate(shop, target),
            buttons=[
                {"title": shop.template("did_you_mean_book"), "payload": "/book_repair"},
                {"title": shop.template("button_no_thanks"), "payload": "/deny"},
            ],
        )
        return
    buttons = [
        offer_button(shop, match),
        {"title": shop.template("button_no_thanks"), "payload": "/deny"},
    ]
    dispatcher.utter_message(response="utter_also_asked", buttons=buttons)
