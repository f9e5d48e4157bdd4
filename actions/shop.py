"""Shop facts: hours, where we are, products and buying, recommendations, rides, loyalty.

Every fact comes from the business file; the sentences are the domain's responses. Wherever the
literal request can't be met, the answer says yes to the nearest thing that can ("yes, we can
order it in").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base, follow_ups, own_bike, recommend, requests, two_things
from actions.base import DomainDict, Events, ShopAction
from actions.complaints import answer_complaint_detail
from actions.shop_records import CustomerRecord, ShopRecords, resolve_records
from memory import services
from voice.asked import (
    asked_about_the_rides_before,
    asked_about_the_thing_before,
    asks_price,
    asks_to_join,
    asks_to_try,
    choice_among,
    choosing_words,
    days_asked,
    disagreeing_day,
    is_question,
    owned_things,
    thing_asked_for,
)
from voice.business import WEEKDAYS, Business, Clinic, Event, Product, RepairService, Reward
from voice.catalogue import Catalogue, phrase_at, words_of
from voice.dates import NumberedDay
from voice.say_yes import Choice, Request
from voice.wants import Wants, amounts, read_wants, within

# Holidays this close are listed with the weekly hours.
HOLIDAY_NOTICE_DAYS = 42

logger = logging.getLogger(__name__)
# The complaint protocol (actions/complaints.py), for a fault with something bought here.
COMPLAINT_ACTION = "action_handle_complaint"


async def shop_records(shop: Business) -> ShopRecords:
    """The shop's records (orders, repairs, loyalty), dates resolved against the shop's today."""
    services = await base.services()
    data = await asyncio.to_thread(services.shop_records)
    return resolve_records(data, base.today(shop), services.settings.shop_records_file)


def _clock(time: dt.time) -> str:
    return time.strftime("%H:%M")


def hours_lines(shop: Business, today: dt.date) -> str:
    """The weekly hours, then the holidays coming up soon."""
    lines = []
    for index, weekday in enumerate(WEEKDAYS):
        hours = shop.hours[weekday]
        day = shop.wording.weekday(index)
        if hours is None:
            lines.append(shop.template("closed_day").format(day=day))
        else:
            lines.append(
                shop.template("opening_day").format(
                    day=day, open=_clock(hours.open), close=_clock(hours.close)
                )
            )
    for holiday in shop.holidays:
        if today <= holiday.date <= today + dt.timedelta(days=HOLIDAY_NOTICE_DAYS):
            lines.append(_day_line(shop, holiday.date, today))
    return "\n".join(lines)


def day_lines(shop: Business, days: list[dt.date], today: dt.date) -> str:
    """The hours of each day asked about, as the weekly list writes them; a day the shop is
    closed is followed by the next day it is open, so the answer never stops at "closed"."""
    lines: list[str] = []
    for day in days:
        lines.append(_day_line(shop, day, today))
        if shop.hours_on(day) is None:
            reopens = shop.next_open_day(day, include_today=False)
            if reopens not in days:
                lines.append(_day_line(shop, reopens, today))
    return "\n".join(dict.fromkeys(lines))


def _day_line(shop: Business, day: dt.date, today: dt.date) -> str:
    holiday = shop.holiday_on(day)
    when = shop.format_day(day, today)
    if holiday is not None:
        name = shop.template("holiday_day").format(name=holiday.name, day=when)
    else:
        name = when[:1].upper() + when[1:]
    hours = shop.hours_on(day)
    if hours is None:
        return shop.template("closed_day").format(day=name)
    return shop.template("opening_day").format(
        day=name, open=_clock(hours.open), close=_clock(hours.close)
    )


# The hours answer for each state of today (`today_status`): the week's hours, or the days asked
# about with today's.
WEEK_RESPONSES = {
    "opens_later": "utter_hours_opens_later",
    "open_now": "utter_hours_open_now",
    "closed_for_holiday": "utter_hours_closed_for_holiday",
    "closed_today": "utter_hours_closed_today",
    "closed_for_the_day": "utter_hours_closed_for_the_day",
}
TODAY_AND_DAY_RESPONSES = {
    "opens_later": "utter_hours_today_and_day_opens_later",
    "open_now": "utter_hours_today_and_day_open_now",
    "closed_for_holiday": "utter_hours_today_and_day_closed_for_holiday",
    "closed_today": "utter_hours_today_and_day_closed_today",
    "closed_for_the_day": "utter_hours_today_and_day_closed_for_the_day",
}


def today_status(shop: Business, moment: dt.datetime) -> tuple[str, dict[str, str]]:
    """Whether the shop is open right now, and if not, when it next opens: the state (the end
    of the response's name: opens_later, open_now, closed_for_holiday, closed_today,
    closed_for_the_day) and the times and days the response fills in."""
    today = moment.date()
    hours = shop.hours_on(today)
    holiday = shop.holiday_on(today)
    now = moment.time().replace(tzinfo=None)
    if hours is not None and now < hours.open:
        return "opens_later", {"open": _clock(hours.open)}
    if hours is not None and now < hours.close:
        return "open_now", {"close": _clock(hours.close)}
    next_day = shop.next_open_day(today, include_today=False)
    next_hours = shop.hours_on(next_day)
    assert next_hours is not None
    again = {"next_day": shop.format_day(next_day, today), "next_open": _clock(next_hours.open)}
    if hours is not None:
        return "closed_for_the_day", again
    if holiday is not None and holiday.hours is None:
        return "closed_for_holiday", {**again, "holiday": holiday.name}
    return "closed_today", again


def team_hours_text(shop: Business, moment: dt.datetime) -> str:
    """When the team is around, in the business file's words: "until 18:00 today" or
    "from 09:00 tomorrow"."""
    today = moment.date()
    hours = shop.hours_on(today)
    if hours is not None and moment.time().replace(tzinfo=None) < hours.close:
        if moment.time().replace(tzinfo=None) >= hours.open:
            pattern = shop.template("team_until_today")
        else:
            pattern = shop.template("team_from_until_today")
        return pattern.format(open=_clock(hours.open), close=_clock(hours.close))
    next_day = shop.next_open_day(today, include_today=False)
    next_hours = shop.hours_on(next_day)
    assert next_hours is not None
    return shop.template("team_from_day").format(
        open=_clock(next_hours.open), day=shop.format_day(next_day, today)
    )


def price(shop: Business, product: Product) -> str:
    return shop.format_price(product.price)


def product_line(shop: Business, product: Product) -> str:
    if product.in_stock:
        pattern = shop.template("product_line")
    else:
        pattern = shop.template("product_line_to_order")
    line = pattern.format(
        name=product.name, price=price(shop, product), description=product.description
    )
    return shop.wording.bullet_line(line)


def card_for(store: Any, sender_id: str) -> Any:
    """The relationship card of the conversation's customer, or None (call in a thread)."""
    return store.cards.card_for_sender(sender_id)


def interest_phrase(shop: Business, interest: str) -> str:
    """How to name a kind of riding in a sentence ("gravel riding", "an e-bike"): the business
    file's vocabulary says, for kinds of bike and purposes; other words as they are."""
    vocabulary = shop.vocabulary
    term = vocabulary.bike_kind(interest) or vocabulary.purpose(interest)
    return term.phrase if term is not None else interest


def choose_products(
    shop: Business, interest: str | None, wants: Wants | None = None
) -> list[Product]:
    """Up to two bikes and one accessory for a kind of riding (any bike when none is named)
    within the budget, in-stock first."""
    wants = wants or Wants(interest=interest)
    bikes = within(wants, shop.products_for(interest, bikes=True))[:2]
    if not interest:
        return bikes
    extras = within(wants, shop.products_for(interest, bikes=False))[:1]
    return bikes + extras


def parts_named(shop: Business, text: str | None) -> list[Product]:
    """The things other than bikes a message names by their kind (the words of the catalogue's
    tags: "which <kind> would you recommend"), in the catalogue's order."""
    catalogue = Catalogue.of(shop)
    said = words_of(text or "")
    found: list[Product] = []
    for size in (2, 1):
        for start in range(len(said) - size + 1):
            for product in catalogue.of_kind(" ".join(said[start : start + size])):
                if not product.is_bike and product not in found:
                    found.append(product)
    return found


def names_a_bike(shop: Business, text: str | None) -> bool:
    """Whether a message asks for a bike by a kind's longer words ("a road bike", "an electric
    bike"), not only a kind of riding ("she rides road")."""
    said = words_of(text or "")
    return any(
        phrase_at(said, words_of(spelling), whole=False) is not None
        for kind in shop.vocabulary.bike_kinds
        for spelling in kind.words
        if len(words_of(spelling)) > 1
    )


def asks_for_a_bike(shop: Business, text: str | None) -> bool:
    """Whether a message asks for a bike at all: a kind's longer words ("a road bike"), or a
    word that is a bike ("what bikes have you got", the business file's `vocabulary.bikes`)
    not said as theirs ("a light for my bike" asks for no bike)."""
    if names_a_bike(shop, text):
        return True
    said = words_of(text or "")
    bike_words = {word for phrase in shop.vocabulary.bike_words for word in words_of(phrase)}
    theirs = {word for phrase in shop.vocabulary.owning for word in words_of(phrase)}
    return any(
        word in bike_words and not (place and said[place - 1] in theirs)
        for place, word in enumerate(said)
    )


def choose_parts(parts: list[Product], wants: Wants) -> list[Product]:
    """The parts asked for within the budget (the cheapest when none is), those good for the
    riding named first, in stock first."""
    chosen = within(wants, parts) or sorted(parts, key=lambda product: product.price)[:1]
    return sorted(
        chosen,
        key=lambda product: (
            wants.interest is None or wants.interest not in product.good_for,
            not product.in_stock,
            product.price,
        ),
    )


def similar_in_stock(shop: Business, product: Product) -> list[Product]:
    """Products of the same kind that are in the shop now."""
    return [
        other
        for other in shop.products
        if other.category == product.category and other.in_stock and other != product
    ]


async def answer_product(
    dispatcher: CollectingDispatcher, shop: Business, tracker: Tracker, wanted: str | None
) -> Events:
    """Yes, it's here; otherwise the say-yes ladder: reserve it from the delivery, order it in,
    something similar, or a person who sources it."""
    if not wanted:
        dispatcher.utter_message(response="utter_ask_which_product")
        return []
    product = shop.find_product(wanted)
    similar = Choice(shop.template("button_similar"), "/product_recommendation")
    kind = Catalogue.of(shop).of_kind(wanted) if product is None else []
    if kind:  # a kind of thing with several in the shop ("pumps"): yes, here they are
        lines = "\n".join(product_line(shop, found) for found in kind)
        dispatcher.utter_message(
            response="utter_recommendation", interest=wanted, product_lines=lines
        )
        two_things.answer_second_thing(dispatcher, shop, tracker, {found.name for found in kind})
        return recommended(kind)
    if product is None:
        request = Request(
            "special_order",
            {"item": wanted, "lead_time_days": shop.special_orders.lead_time_days},
        )
        await requests.answer_request(
            dispatcher, tracker, request, shop.template("button_order_it"), similar
        )
        return []
    if product.in_stock:
        asked_price = asks_price(shop, (tracker.latest_message or {}).get("text"))
        last = product.stock == 1
        if asked_price:
            response = "utter_product_price_last" if last else "utter_product_price"
        else:
            response = "utter_product_in_stock_last" if last else "utter_product_in_stock"
        dispatcher.utter_message(
            response=response,
            product=product.name,
            stock=product.stock,
            price=price(shop, product),
            description=product.description,
            website=shop.shop.website or "our website",
        )
        two_things.answer_second_thing(dispatcher, shop, tracker, {product.name})
        return [SlotSet("product", product.name)]
    dispatcher.utter_message(
        response="utter_product_facts",
        product=product.name,
        price=price(shop, product),
        description=product.description,
    )
    request = Request(
        "out_of_stock",
        {
            "item": product.name,
            "restock_days": product.restock_days,
            "similar_in_stock": bool(similar_in_stock(shop, product)),
        },
    )
    await requests.answer_request(
        dispatcher, tracker, request, shop.template("button_reserve_one"), similar
    )
    two_things.answer_second_thing(dispatcher, shop, tracker, {product.name})
    return [SlotSet("product", product.name)]


_LESS = re.compile(r"^\s*(?:less|cheaper|lower|off)\b", re.IGNORECASE)


# A bare number that is a price seen elsewhere ("wiggle has it for 45", "selling it at 39.99"),
# not a count or a size ("for 2 weeks", "at 25kph").
_BARE_PRICE = re.compile(
    r"\b(?:for|at|is|was|only|just|costs?)\s+(\d+(?:\.\d{1,2})?)(?![\d.,]*\s*[a-z%])"
)


def price_seen(shop: Business, text: str | None, our_price: float) -> float | None:
    """The price the customer saw elsewhere: "£780", "90 pounds", or "£20 less" (ours - 20);
    in a price match, a bare number after "for", "at"... is a price too ("has it for 45")."""
    for amount, _, end in amounts(shop, text):
        if _LESS.match((text or "")[end:]):
            amount = our_price - amount
        if amount > 0:
            return amount
    bare = _BARE_PRICE.search((text or "").lower())
    return float(bare.group(1)) if bare and float(bare.group(1)) > 0 else None


async def answer_price_match(
    dispatcher: CollectingDispatcher, shop: Business, tracker: Tracker, wanted: str | None
) -> Events:
    """A lower price seen elsewhere: the say-yes ladder decides from the difference (and a
    loyal customer's standing); the bot asks for what it still needs to know."""
    product = shop.find_product(wanted) if wanted else None
    if product is None:
        dispatcher.utter_message(response="utter_ask_price_match_product")
        return []
    ours = price(shop, product)
    seen = price_seen(shop, (tracker.latest_message or {}).get("text"), product.price)
    if seen is None:
        dispatcher.utter_message(
            response="utter_ask_competitor_price", product=product.name, price=ours
        )
        return [SlotSet("product", product.name)]
    if seen >= product.price:
        dispatcher.utter_message(
            response="utter_price_already_best", product=product.name, price=ours
        )
        return [SlotSet("product", product.name)]
    difference = round((product.price - seen) / product.price * 100, 1)
    request = Request("price_match", {"item": product.name, "difference_percent": difference})
    await requests.answer_request(
        dispatcher, tracker, request, accept_condition=shop.template("button_send_it")
    )
    return [SlotSet("product", product.name)]


class ActionPriceMatch(ShopAction):
    """ "Can you match this price?": the product and the price seen, then the ladder's yes."""

    def name(self) -> str:
        return "action_price_match"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        return await answer_price_match(dispatcher, shop, tracker, item_named(shop, tracker))


def item_named(shop: Business, tracker: Tracker) -> str | None:
    """The product the latest message names (the NLU's entity, else the catalogue item its
    words name: "can you match the price of these?"), else the one talked about."""
    named = base.latest_entity_values(tracker, "product")
    if named:
        return named[-1]
    text = (tracker.latest_message or {}).get("text")
    found = Catalogue.of(shop).mentioned(text, kinds=("product",)) if text else []
    return found[0].item.name if found else tracker.get_slot("product")


# How close to a product's name or synonym a message must come to name it (the catalogue's
# scores, 100 for the name as written).
CLEAR_NAME = 95.0
# How many things are suggested for a budget that no bike fits.
GIFTS = 3
RECOMMENDED_SLOT = "recommended"


def recommended(products: list[Product]) -> Events:
    """What a recommendation leaves behind for the follow-up: the items listed, in order (for
    "the first one", "the cheaper one"), and, when it listed one, that item as the product
    being talked about ("is that in stock?"); when it listed several, none of them yet."""
    names = [product.name for product in products]
    return [
        SlotSet(RECOMMENDED_SLOT, names),
        SlotSet("product", names[0] if len(names) == 1 else None),
    ]


async def answer_recommendation(
    dispatcher: CollectingDispatcher,
    shop: Business,
    interest: str | None,
    card: Any = None,
    text: str | None = None,
) -> Events:
    """Products for a kind of riding or a purpose, within the budget the message states ("under
    £500", "something cheap", "the best you've got"); with the customer's card, the one that
    suits them and why. Nothing within the budget: the nearest above it, said as a yes."""
    wants = read_wants(shop, text, interest.strip().lower() if interest else None)
    interest = wants.interest
    parts = parts_named(shop, text)
    if parts:  # "which <part> would you recommend": those, not bikes
        chosen = choose_parts(parts, wants)
        phrase = interest_phrase(shop, interest) if interest else chosen[0].category
        dispatcher.utter_message(
            response="utter_recommendation",
            interest=phrase,
            product_lines="\n".join(product_line(shop, product) for product in chosen),
        )
        return ([SlotSet("bike_type", interest)] if interest else []) + recommended(chosen)
    if not interest and card is not None:
        interest = recommend.interest_from_card(card, shop)
    if not interest and not wants.has_budget:
        dispatcher.utter_message(response="utter_ask_riding_type")
        return []
    wants = Wants(interest, wants.at_most, wants.cheap, wants.best)
    events = [SlotSet("bike_type", interest)] if interest else []
    phrase = interest_phrase(shop, interest) if interest else shop.template("any_interest")
    products = recommend.without_owned(card, choose_products(shop, interest, wants))
    # Never their own bike, said in this very message ("I ride a <bike>, what else ...").
    theirs = {match.item.name for match in owned_things(shop, text)}
    products = [product for product in products if product.name not in theirs]
    if names_a_bike(shop, text):  # "a <kind> bike for a beginner": bikes, no part among them
        products = [product for product in products if product.is_bike] or products
    over_budget = False
    bikes_for_it = shop.products_for(interest, bikes=True)
    cheapest_bike = min((p.price for p in shop.products if p.is_bike), default=None)
    gifts: list[Product] = []
    no_bike_fits = (
        wants.at_most is not None and cheapest_bike is not None and wants.at_most < cheapest_bike
    )
    if no_bike_fits and not asks_for_a_bike(shop, text):
        # A budget no bike of the shop's fits and no bike asked for ("a present, about £100"):
        # the things for that riding within it, rather than a bike far above it.
        found = within(wants, shop.products_for(interest, bikes=False))
        gifts = recommend.without_owned(card, found)[:GIFTS]
        products = gifts or products
    if (
        not gifts
        and wants.at_most is not None
        and bikes_for_it
        and not any(p.is_bike for p in products)
    ):
        # No bike within the budget: the nearest above it, said as a yes.
        nearest = Wants(interest, None, cheap=True)
        products = recommend.without_owned(card, choose_products(shop, interest, nearest))[:2]
        over_budget = bool(products)
    reason = None
    if not over_budget:
        candidates = products + [
            p for p in within(wants, shop.products_for(interest)) if p not in products
        ]
        reason = recommend.personal_reason(card, candidates, shop)
        if reason is not None and reason.product not in products:
            products.append(reason.product)
    if not products:
        dispatcher.utter_message(response="utter_recommendation_none", interest=phrase)
        return events
    if reason is not None:  # the personal reason leads; the list ends with the question
        dispatcher.utter_message(response=reason.response, **reason.values)
    events += recommended(products)
    lines = "\n".join(product_line(shop, product) for product in products)
    if wants.at_most is not None:
        dispatcher.utter_message(
            response="utter_recommendation_over_budget"
            if over_budget
            else "utter_recommendation_within_budget",
            interest=phrase,
            budget=shop.format_price(wants.at_most),
            product_lines=lines,
        )
    else:
        dispatcher.utter_message(
            response="utter_recommendation", interest=phrase, product_lines=lines
        )
    return events


DAY_DISAGREES = "utter_day_and_date_disagree"


def day_disagreement(shop: Business, said: NumberedDay, today: dt.date) -> dict[str, str]:
    """The words of asking back a weekday that is not the date's ("sunday 28th", a Saturday):
    the date, and the day of the weekday written nearest to it (the Sunday 29th)."""
    assert said.date is not None and said.weekday is not None
    shift = (said.weekday - said.date.weekday() + 3) % 7 - 3  # the nearest, before or after
    other = said.date + dt.timedelta(days=shift)
    return {"date": shop.format_day(said.date, today), "other": shop.format_day(other, today)}


HOURS_ACTION = "action_tell_hours"


def day_after_hours(tracker: Tracker, shop: Business) -> bool:
    """Whether the message names a day right after an hours answer ("and sunday?", "what about
    boxing day"): a follow-up that the hours answer for that day."""
    before = [
        event.get("name")
        for event in base.previous_turn_events(tracker)
        if event.get("event") == "action" and event.get("name") not in ("action_listen", None)
    ]
    if not before or before[-1] != HOURS_ACTION:
        return False
    return bool(days_asked(shop, (tracker.latest_message or {}).get("text"), base.today(shop)))


class ActionTellHours(ShopAction):
    """The hours of the days the customer asked about ("are you open sunday?"), or for the
    week with upcoming holidays; and whether we're open right now when it matters."""

    never_repeats = True

    def name(self) -> str:
        return "action_tell_hours"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        moment = base.now(shop)
        today = moment.date()
        text = (tracker.latest_message or {}).get("text")
        if shop.policies.test_rides and tracker.get_slot("product") and asks_to_try(shop, text):
            # "could I try it tomorrow" after a bike: a test ride on a day, not the hours.
            return [FollowupAction(BUY_ACTION)]
        disagreeing = disagreeing_day(text, today)
        if disagreeing is not None:  # "sunday 28th", a Saturday: which of the two is asked
            dispatcher.utter_message(
                response=DAY_DISAGREES, **day_disagreement(shop, disagreeing, today)
            )
            return []
        days = days_asked(shop, text, today)
        if days:
            # Today matters when it was asked about, or when today's hours are special.
            relevant = today in days or shop.holiday_on(today) is not None
            if not relevant:
                dispatcher.utter_message(
                    response="utter_hours_day", day_hours=day_lines(shop, days, today)
                )
                return []
            state, times = today_status(shop, moment)
            dispatcher.utter_message(
                response=TODAY_AND_DAY_RESPONSES[state],
                day_hours=day_lines(shop, days, today),
                **times,
            )
            return []
        state, times = today_status(shop, moment)
        dispatcher.utter_message(
            response=WEEK_RESPONSES[state],
            hours_lines=hours_lines(shop, moment.date()),
            **times,
        )
        return []


class ActionTellReturnsPolicy(ShopAction):
    """The returns policy, and an offer to start a return (never the return itself)."""

    never_repeats = True

    def name(self) -> str:
        return "action_tell_returns_policy"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        policies = shop.policies
        dispatcher.utter_message(
            response="utter_returns_policy",
            returns_window_days=policies.returns_window_days,
            refund_method=policies.refund_method,
            refund_days=policies.refund_days,
            exchanges=policies.exchanges,
            store_credit=policies.store_credit,
            after_window=policies.after_window,
        )
        return []


class ActionTellLocation(ShopAction):
    """Where the shop is, how to get there, and how to reach us."""

    never_repeats = True

    def name(self) -> str:
        return "action_tell_location"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_location",
            address=place.address,
            directions=place.directions,
            phone=place.phone,
            email=place.email,
        )
        return []


def repair_ready(shop: Business, service: RepairService) -> str:
    """How long a repair usually takes, in the business file's words ("the same day", "3 days")."""
    if service.lead_time_days == 0:
        return shop.template("repair_ready_same_day")
    return base.plural(
        service.lead_time_days,
        shop.template("repair_ready_days_one"),
        shop.template("repair_ready_days_other"),
    )


def answer_repair_service(
    dispatcher: CollectingDispatcher, shop: Business, text: str | None
) -> Events:
    """A question about the workshop ("how much is a <service>", "do you fix <kind>s?"): the
    price and time of the service it names, or of every service, and an offer to book."""
    service = shop.repair_service(text)
    if service is not None:
        dispatcher.utter_message(
            response="utter_repair_service",
            service=service.name,
            price=shop.format_price(service.price),
            ready=repair_ready(shop, service),
            description=service.description,
        )
        return []
    dispatcher.utter_message(
        response="utter_repair_services", service_lines=service_lines(shop, shop.repairs)
    )
    return []


def service_lines(shop: Business, services: list[RepairService] | tuple[RepairService, ...]) -> str:
    """The services' names, prices, times and descriptions, one line each."""
    return "\n".join(
        shop.wording.bullet_line(
            shop.template("service_line").format(
                name=found.name,
                price=shop.format_price(found.price),
                ready=repair_ready(shop, found),
                description=found.description,
            )
        )
        for found in services
    )


def answer_fault(dispatcher: CollectingDispatcher, shop: Business, text: str | None) -> Events:
    """A fault described in the customer's words: no guess at its cause; the repair it names
    (else every repair the workshop does), and an offer to book."""
    service = shop.repair_service(text)
    services = [service] if service is not None else list(shop.repairs)
    dispatcher.utter_message(
        response="utter_fault_needs_a_look", service_lines=service_lines(shop, services)
    )
    return []


class ActionTellRepairService(ShopAction):
    """What a repair costs and how long it takes, with an offer to book (never the booking)."""

    never_repeats = True

    def name(self) -> str:
        return "action_tell_repair_service"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        text = (tracker.latest_message or {}).get("text")
        if about_the_product_before(shop, tracker, text):
            return [FollowupAction(BUY_ACTION)]
        if shop.repair_service(text) is None and follow_ups.asks_how_long(shop, text):
            # "how many days?" right after a repair was talked about: that repair's time.
            talked_about = follow_ups.service_talked_about(shop, tracker)
            if talked_about is not None:
                dispatcher.utter_message(
                    response="utter_repair_time",
                    service=talked_about.name,
                    ready=repair_ready(shop, talked_about),
                )
                return []
        if shop.repair_service(text) is None and not repairs_just_told(tracker):
            asked = asked_about_the_thing_before(shop, text)
            if asked == "price":
                named = product_named_just_before(shop, tracker)
                if named is not None:  # "I saw the <name> in your window" then "how much?"
                    return [SlotSet("product", named), FollowupAction(BUY_ACTION)]
                # "how much is it?" with nothing talked about (a bike seen in the window): which
                # thing, never the workshop's whole price list.
                dispatcher.utter_message(response="utter_ask_which_price")
                return []
            if asked is not None:  # "is it in stock?": a buying question, which asks which
                return [FollowupAction(BUY_ACTION)]
            if product_talked_about(shop, tracker) and a_thing_not_a_repair(shop, text):
                # "and do you do <something else> too?" while a product is talked about: a
                # buying question (yes, or we order it in), not the workshop's prices.
                return [FollowupAction(BUY_ACTION)]
        return answer_repair_service(dispatcher, shop, text)


# What the bot says when it has just told the workshop's prices or asked about a repair: a
# question that names nothing right after is about those.
REPAIR_ANSWERS = frozenset(
    {"utter_repair_service", "utter_repair_services", "utter_fallback_did_you_mean_repair"}
)


def repairs_just_told(tracker: Tracker) -> bool:
    """Whether the bot's previous turn was about the workshop's repairs."""
    return any(
        (event.get("metadata") or {}).get("utter_action") in REPAIR_ANSWERS
        for event in base.previous_turn_events(tracker)
        if event.get("event") == "bot"
    )


def product_named_just_before(shop: Business, tracker: Tracker) -> str | None:
    """The one product the customer's previous message named by its name or synonym (the NLU's
    entity, else the catalogue's match on the name as written), when nothing kept it as the
    product talked about; None otherwise."""
    messages = [event for event in tracker.events if event.get("event") == "user"]
    if len(messages) < 2:
        return None
    before = messages[-2]
    entities = (before.get("parse_data") or {}).get("entities") or []
    named = [str(found["value"]) for found in entities if found.get("entity") == "product"]
    products = [shop.find_product(value) for value in named]
    if len(products) == 1 and products[0] is not None:
        return products[0].name
    found = {
        match.item.name
        for match in Catalogue.of(shop).mentioned(before.get("text") or "", kinds=("product",))
        if match.how == "name" and match.score >= CLEAR_NAME
    }
    theirs = {match.item.name for match in owned_things(shop, before.get("text"))}
    found -= theirs
    return found.pop() if len(found) == 1 else None


def product_talked_about(shop: Business, tracker: Tracker) -> bool:
    """Whether a product, or several just recommended, is what the conversation is about."""
    return bool(tracker.get_slot("product")) or bool(recommended_before(shop, tracker))


def a_thing_not_a_repair(shop: Business, text: str | None) -> bool:
    """Whether a question asks for a thing ("do you do <it> too?") that is none of the workshop's
    repairs nor a word about repairing (the business file's repairs and `owning.trouble`)."""
    thing = thing_asked_for(shop, text)
    if thing is None:
        return False
    repair_words = {
        word
        for service in shop.repairs
        for phrase in (service.name, *service.synonyms, *service.tags)
        for word in words_of(phrase)
    } | {word for phrase in shop.vocabulary.owning_trouble for word in words_of(phrase)}
    saying_nothing = {
        word
        for phrase in (*shop.vocabulary.pointing_back, *shop.vocabulary.owning)
        for word in words_of(phrase)
    }
    return not (set(words_of(thing)) - saying_nothing) & repair_words


BUY_ACTION = "action_buy_product"
BUY_INTENT = "buy_product"


def about_the_product_before(shop: Business, tracker: Tracker, text: str | None) -> str | None:
    """What a message that names nothing asks about the product being talked about ("how much
    is it?", "is that in stock?", "can you hold one for me?"): "price", "stock" or "reserve",
    answered for that product, not as the workshop's prices, an order's status or an "I don't
    know"; None when no product is being talked about or the message names something. Right
    after a recommendation of several, they are being talked about."""
    if not tracker.get_slot("product") and len(recommended_before(shop, tracker)) < 2:
        return None
    return asked_about_the_thing_before(shop, text)


def recommended_before(shop: Business, tracker: Tracker) -> list[Product]:
    """The products the bot recommended last in this conversation, in the order listed."""
    names = tracker.get_slot(RECOMMENDED_SLOT) or []
    found = [shop.find_product(str(name)) for name in names if name]
    return [product for product in found if product is not None]


def the_one_meant(shop: Business, tracker: Tracker, text: str | None) -> str | None:
    """The product a follow-up that names none means: the one of several just recommended that
    it picks ("the cheaper one"), else the product being talked about; None when several were
    recommended and it picks none of them (then the bot asks which)."""
    several = recommended_before(shop, tracker)
    picked = choice_among(shop, text, several) if len(several) > 1 else None
    if picked is not None:
        return picked.name
    return tracker.get_slot("product")


def picked_from_the_list(shop: Business, tracker: Tracker, text: str | None) -> str | None:
    """The product a message that only picks ("the first one"), or asks after the one it picks
    ("how much is the cheaper one?"), picks among the several just recommended; None when it
    says anything more or picks none."""
    several = recommended_before(shop, tracker)
    picked = choice_among(shop, text, several) if len(several) > 1 else None
    if picked is None:
        return None
    allowed = choosing_words(shop) | {
        word
        for phrase in (*shop.vocabulary.pointing_back, *shop.vocabulary.question_starts)
        for word in words_of(phrase)
    }
    only_picks = set(words_of(text or "")) <= allowed
    return picked.name if only_picks or asked_about_the_thing_before(shop, text) else None


def ask_which_of_them(dispatcher: CollectingDispatcher, shop: Business, tracker: Tracker) -> Events:
    """Which of the products just recommended the customer means, each a button."""
    several = recommended_before(shop, tracker)
    dispatcher.utter_message(
        response="utter_ask_which_of_them",
        names=shop.wording.join([product.name for product in several]),
        buttons=[
            {"title": name, "payload": f"/{BUY_INTENT}{json.dumps({'product': name})}"}
            for name in (product.name for product in several)
        ],
    )
    return []


async def reports_fault(text: str | None) -> bool:
    """Whether the message says something bought from the shop has a fault ("the one I
    bought on saturday stopped working"): then it is a complaint, not a stock question."""
    return (await requests.load_rules()).complaints.reports_fault(text)


class ActionBuyProduct(ShopAction):
    """Buying a product: in stock -> yes; out of stock -> yes, we can order it in."""

    never_repeats = True

    def instead_of_repeating(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, shop: Business, events: Events
    ) -> Events:
        """ "got one in a large?" after the product's answer: what the bot knows of it, named,
        and who can tell the rest."""
        named = [event.get("value") for event in events if event.get("name") == "product"]
        product = shop.find_product(str(named[-1] or "")) if named else None
        if product is None:
            return super().instead_of_repeating(dispatcher, tracker, shop, events)
        place = shop.locations[0]
        dispatcher.utter_message(
            response="utter_product_no_more_to_add",
            product=product.name,
            price=price(shop, product),
            description=product.description,
            phone=place.phone,
            email=place.email,
        )
        return [event for event in events if event.get("event") == "slot"]

    def name(self) -> str:
        return "action_buy_product"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        # What this message names comes first; the product talked about before only when the
        # message names nothing ("is it in stock?").
        text = (tracker.latest_message or {}).get("text")
        if await reports_fault(text):
            return [FollowupAction(COMPLAINT_ACTION)]
        if about_what_the_bot_did_not_know(shop, tracker, text) and not tracker.get_slot("product"):
            return say_still_dont_know(dispatcher, shop)
        if base.acted_last_turn(tracker, COMPLAINT_ACTION) and not is_question(shop, text):
            # "it's the one I bought in may" right after a complaint: which one it is about
            return await answer_complaint_detail(dispatcher, tracker, shop)
        # Their own bike said in passing ("I ride a <bike>, ...") is kept as theirs, never sold.
        kept = await own_bike.keep_own_bike(shop, tracker)
        theirs = set(own_bike.own_bikes_said(shop, tracker))
        named = [
            value
            for value in base.latest_entity_values(tracker, "product")
            if not own_bike.is_own_bike(shop, tracker, value)
        ]
        talked_about = the_one_meant(shop, tracker, text)
        if own_bike.is_own_bike(shop, tracker, talked_about):
            talked_about = None
        asked = None if named else about_the_product_before(shop, tracker, text)
        if asked == "reserve" and requests.latest_offer(tracker) is not None:
            return [FollowupAction(requests.ACCEPT_ACTION)]  # "can you hold one?" to "shall I?"
        if named:
            wanted: str | None = named[-1]
        elif asked:
            if talked_about is None:  # several just recommended, none picked: which one?
                return kept + ask_which_of_them(dispatcher, shop, tracker)
            wanted = talked_about
        else:
            found = thing_asked_for(shop, text)
            if found is not None and own_bike.is_own_bike(shop, tracker, found):
                found = None
            wanted = found or talked_about
        if not wanted and theirs:  # only their bike: noted, and what we can do for it
            own_bike.say_own_bike_noted(dispatcher, sorted(theirs)[0])
            return kept
        if shop.policies.test_rides and asks_to_try(shop, text):
            # "Could I test ride one at the weekend?": a buying question, answered with what the
            # shop says yes to, then the bike itself (never a repair booking).
            if not wanted or shop.find_product(wanted) is None:
                dispatcher.utter_message(
                    response="utter_test_ride_which", test_rides=shop.policies.test_rides
                )
                return []
            dispatcher.utter_message(
                response="utter_test_ride", test_rides=shop.policies.test_rides
            )
        return kept + await answer_product(dispatcher, shop, tracker, wanted)


DONT_KNOW = "utter_fallback_dont_know"


def points_at_something_said(shop: Business, text: str | None) -> bool:
    """Whether a message points back at something said before ("can I use it for ..."): one of
    the business file's `vocabulary.pointing_words`."""
    return bool(set(shop.vocabulary.pointing_words) & set(words_of(text or "")))


def about_what_the_bot_did_not_know(shop: Business, tracker: Tracker, text: str | None) -> bool:
    """Whether a message follows up the bot's "I don't know that one" about the same thing
    ("and can I use it for <a kind of bike>?"): the bot's previous turn said it did not know,
    and the message points back at it. Its words may name a bike or a kind, but it asks about
    the thing the bot could not answer, not for a recommendation."""
    said_dont_know = any(
        (event.get("metadata") or {}).get("utter_action") == DONT_KNOW
        for event in base.previous_turn_events(tracker)
        if event.get("event") == "bot"
    )
    return said_dont_know and points_at_something_said(shop, text)


def say_still_dont_know(dispatcher: CollectingDispatcher, shop: Business) -> Events:
    """The follow-up of a question the bot could not answer is not known either: said
    honestly, with who can tell."""
    place = shop.locations[0]
    dispatcher.utter_message(
        response="utter_fallback_dont_know_follow_up", phone=place.phone, email=place.email
    )
    return []


class ActionRecommendProduct(ShopAction):
    """Recommends bikes and kit for a kind of riding, or asks what riding the customer does."""

    never_repeats = True

    def name(self) -> str:
        return "action_recommend_product"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        named = base.latest_entity_values(tracker, "bike_type")
        text = (tracker.latest_message or {}).get("text")
        if about_what_the_bot_did_not_know(shop, tracker, text):
            return say_still_dont_know(dispatcher, shop)
        picked = picked_from_the_list(shop, tracker, text)
        if picked is not None:  # "how much is the cheaper one?" right after several
            return [SlotSet("product", picked), FollowupAction(BUY_ACTION)]
        said = read_wants(shop, text).interest
        interest = named[-1] if named else said or tracker.get_slot("bike_type")
        # What they dream of, like and ride, to say why a product suits them (none if down).
        card = await base.with_memory(card_for, tracker.sender_id, conversation=tracker.sender_id)
        events = await answer_recommendation(dispatcher, shop, interest, card, text)
        # A second request in the same message ("... and can you look at <something> too"):
        # answered or offered after the recommendation, never dropped.
        listed = {
            str(name)
            for event in events
            if event.get("name") == RECOMMENDED_SLOT
            for name in event.get("value") or []
        }
        two_things.answer_second_thing(dispatcher, shop, tracker, listed)
        return events


def asked_events(
    shop: Business, text: str | None, today: dt.date, now: dt.time | None = None
) -> tuple[list[tuple[dt.date, Event]], list[Clinic]] | None:
    """The rides and clinics a message asks about by name, kind or day ("the fast one on
    thursdays", "is there a clinic on mondays?"), or None when it names none (then all of them);
    a ride that set off before `now` today is over."""
    if not text or text.startswith("/"):
        return None
    found = Catalogue.of(shop).mentioned(text, kinds=("event", "clinic"))
    named = {id(match.item.target) for match in found}
    days = days_asked(shop, text, today)
    upcoming = shop.upcoming_events(today, limit=len(shop.events), now=now)
    events = [(day, event) for day, event in upcoming if id(event) in named or day in days]
    clinics = [clinic for clinic in shop.clinics if id(clinic) in named]
    weekdays = {WEEKDAYS[day.weekday()] for day in days}
    clinics += [c for c in shop.clinics if c.weekday in weekdays and c not in clinics]
    return (events, clinics) if events or clinics else None


EVENTS_ACTION = "action_community_events"


def rides_just_listed(shop: Business, tracker: Tracker) -> list[tuple[dt.date, Event]] | None:
    """The rides the bot listed in its previous turn, when a question about them names nothing
    but how hard or how far they are ("ok for a beginner?", "how far is it?"); None otherwise."""
    if base.previous_action(tracker) != EVENTS_ACTION:
        return None
    if asked_about_the_rides_before(shop, (tracker.latest_message or {}).get("text")) is None:
        return None
    users = [event for event in tracker.events if event.get("event") == "user"]
    listed_for = str(users[-2].get("text") or "") if len(users) >= 2 else ""
    now = base.now(shop)
    asked = asked_events(shop, listed_for, now.date(), now.time())
    if asked is not None and asked[0]:
        return asked[0]
    return shop.upcoming_events(now.date(), now=now.time())


def answer_rides_just_listed(
    dispatcher: CollectingDispatcher, shop: Business, rides: list[tuple[dt.date, Event]]
) -> Events:
    """How hard and how far each ride just listed is, with what comes next (all the rides,
    directions); the clinics when no ride was listed."""
    today = base.today(shop)
    pattern = shop.template("ride_fit_line")
    lines = [
        shop.wording.bullet_line(
            pattern.format(
                name=event.name,
                level=event.level,
                distance_km=f"{event.distance_km:g}",
                when=shop.format_day(day, today),
                time=_clock(event.time),
            )
        )
        for day, event in rides
    ]
    if not lines:
        clinic = shop.template("clinic_line")
        lines = [
            shop.wording.bullet_line(
                clinic.format(
                    name=found.name,
                    weekday=shop.wording.weekday(WEEKDAYS.index(found.weekday)),
                    time=_clock(found.time),
                )
            )
            for found in shop.clinics
        ]
    if not lines:
        dispatcher.utter_message(response="utter_events_none_planned_no_clinics")
        return []
    dispatcher.utter_message(response="utter_events_asked", lines="\n".join(lines))
    return []


REPAIR_BOOKING_INTENT = "book_repair"
REPAIR_FORM = "repair_form"


def wants_a_repair(shop: Business, text: str) -> bool:
    """Whether a booking question names a repair of the shop's or the bike itself ("can I book
    my bike in for a <repair>"), rather than asking about booking something else."""
    if shop.repair_service(text) is not None:
        return True
    bikes = {said for word in shop.vocabulary.bike_words for said in words_of(word)}
    return bool(set(words_of(text)) & bikes)


class ActionCommunityEvents(ShopAction):
    """The next group rides and the free repair clinics, or the ones the customer asked about."""

    never_repeats = True

    def name(self) -> str:
        return EVENTS_ACTION

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        if base.latest_intent(tracker) == REPAIR_BOOKING_INTENT:
            # "Do I need to book?" right after the rides (the rule that brings it here): about
            # the rides, unless it names a repair or the bike, which books the repair.
            text = str((tracker.latest_message or {}).get("text") or "")
            if wants_a_repair(shop, text):
                return [FollowupAction(REPAIR_FORM)]
            dispatcher.utter_message(response="utter_events_booking")
            return []
        rides = rides_just_listed(shop, tracker)
        if rides is not None:  # "is it hard?" right after the rides: about those rides
            return answer_rides_just_listed(dispatcher, shop, rides)
        now = base.now(shop)
        today = now.date()
        pattern = shop.template("event_line")
        clinic = shop.template("clinic_line") if shop.clinics else ""

        def event_line(day: dt.date, event: Event) -> str:
            return shop.wording.bullet_line(
                pattern.format(
                    name=event.name,
                    when=shop.format_day(day, today),
                    time=_clock(event.time),
                    meeting_point=event.meeting_point,
                    level=event.level,
                    distance_km=f"{event.distance_km:g}",
                    description=event.description,
                )
            )

        def clinic_line(found: Clinic) -> str:
            return clinic.format(
                name=found.name,
                weekday=shop.wording.weekday(WEEKDAYS.index(found.weekday)),
                time=_clock(found.time),
            )

        asked = asked_events(shop, (tracker.latest_message or {}).get("text"), today, now.time())
        if asked is not None:
            events, clinics_asked = asked
            lines = [event_line(day, event) for day, event in events]
            lines += [shop.wording.bullet_line(clinic_line(found)) for found in clinics_asked]
            dispatcher.utter_message(response="utter_events_asked", lines="\n".join(lines))
            return []
        upcoming = shop.upcoming_events(today, now=now.time())
        lines = [event_line(day, event) for day, event in upcoming]
        clinics = [clinic_line(found) for found in shop.clinics]
        if lines:
            response = "utter_events" if clinics else "utter_events_no_clinics"
        elif clinics:
            response = "utter_events_none_planned"
        else:
            response = "utter_events_none_planned_no_clinics"
        dispatcher.utter_message(
            response=response,
            event_lines="\n".join(lines),
            clinics=shop.wording.join(clinics),
        )
        return []


def points_rule(shop: Business) -> str:
    """How points are earned, in the business file's words ("1 point for every £1")."""
    unit = shop.shop.currency_symbol + "1"
    rule = base.plural(
        shop.loyalty.points_per_unit,
        shop.template("points_rule_one"),
        shop.template("points_rule_other"),
    )
    return rule.format(unit=unit)


# Words that do not tell one reward from another ("a free repair" is the "repair").
REWARD_FILLER = frozenset({"a", "an", "any", "free", "off", "the", "my", "for", "on"})


def reward_named(shop: Business, text: str | None) -> Reward | None:
    """The reward the customer's words name ("use my points for a free repair"), if any."""
    said = set(re.findall(r"[a-z0-9]+", (text or "").lower()))
    for reward in sorted(shop.loyalty.rewards, key=lambda r: -r.points):
        needed = set(re.findall(r"[a-z0-9]+", reward.name.lower())) - REWARD_FILLER
        if needed and needed <= said:
            return reward
    return None


def points_spent(store: Any, sender_id: str, shop_customer_id: str) -> int:
    """Points the signed-in customer redeemed in conversations (call in a worker thread)."""
    return int(
        store.loyalty.points_redeemed(store.customers.link_identity(sender_id, shop_customer_id))
    )


def record_redemption(store: Any, sender_id: str, shop_customer_id: str, reward: Reward) -> int:
    """Remember the redemption against the signed-in customer (call in a worker thread)."""
    return services.redeem_for_account(
        store, sender_id, shop_customer_id, reward.name, reward.points
    )


async def points_balance(tracker: Tracker, customer: CustomerRecord) -> int:
    """The shop's points for the customer minus what they redeemed with us (memory)."""
    spent = await base.with_memory(
        points_spent, tracker.sender_id, customer.customer_id, conversation=tracker.sender_id
    )
    # Memory down: the shop's own figure (the till checks again before applying a reward).
    return max(customer.points - int(spent or 0), 0)


class ActionLoyaltyBalance(ShopAction):
    """A signed-in customer's points and the next reward; otherwise how points work."""

    def name(self) -> str:
        return "action_loyalty_balance"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        records = await shop_records(shop)
        customer = records.customer(tracker.get_slot("customer_id"))
        said = (tracker.latest_message or {}).get("text")
        if customer is None and asks_to_join(shop, said):
            # "how do I join your loyalty thing": what joining brings, and who signs them up.
            bonus = shop.loyalty.sign_up_bonus
            dispatcher.utter_message(
                response="utter_loyalty_join",
                programme=shop.loyalty.programme,
                points_rule=points_rule(shop),
                bonus_text=shop.template("loyalty_sign_up_bonus").format(count=bonus)
                if bonus
                else "",
            )
            return []
        if customer is None:
            dispatcher.utter_message(
                response="utter_loyalty_how_it_works",
                programme=shop.loyalty.programme,
                points_rule=points_rule(shop),
            )
            return []
        points = await points_balance(tracker, customer)
        within_reach = [r for r in shop.loyalty.rewards if r.points > points]
        affordable = [r for r in shop.loyalty.rewards if r.points <= points]
        if affordable:
            response, reward, gap = "utter_loyalty_balance_enough", affordable[-1], 0
        elif within_reach:
            reward = within_reach[0]
            response, gap = "utter_loyalty_balance_closer", reward.points - points
        else:
            dispatcher.utter_message(
                response="utter_loyalty_balance", points=points, programme=shop.loyalty.programme
            )
            return []
        dispatcher.utter_message(
            response=response,
            points=points,
            programme=shop.loyalty.programme,
            reward=base.indefinite(reward.name),
            gap=gap,
        )
        return []


class ActionRedeemReward(ShopAction):
    """The rewards and their point costs, and which the customer can already choose."""

    def name(self) -> str:
        return "action_redeem_reward"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, shop: Business
    ) -> Events:
        records = await shop_records(shop)
        customer = records.customer(tracker.get_slot("customer_id"))
        wanted = reward_named(shop, (tracker.latest_message or {}).get("text"))
        if customer is not None and wanted is not None:
            return await redeem(dispatcher, tracker, shop, customer, wanted)
        pattern = shop.template("reward_line")
        reward_lines = shop.wording.bullets(
            pattern.format(name=reward.name, points=reward.points)
            for reward in shop.loyalty.rewards
        )
        points, choices = 0, list[str]()
        if customer is None:
            response = "utter_rewards_sign_in"
        else:
            points = await points_balance(tracker, customer)
            choices = [r.name for r in shop.loyalty.rewards if r.points <= points]
            response = "utter_rewards_choose" if choices else "utter_rewards_not_yet"
        dispatcher.utter_message(
            response=response,
            programme=shop.loyalty.programme,
            reward_lines=reward_lines,
            points=points,
            choices=shop.wording.join(choices),
        )
        return []


async def redeem(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    shop: Business,
    customer: CustomerRecord,
    reward: Reward,
) -> Events:
    """Redeem the reward the signed-in customer named, remembering it so the balance drops."""
    balance = await points_balance(tracker, customer)
    if reward.points > balance:
        dispatcher.utter_message(
            response="utter_reward_not_enough",
            reward=reward.name,
            points=reward.points,
            balance=balance,
            gap=reward.points - balance,
        )
        return []
    recorded = await base.with_memory(
        record_redemption,
        tracker.sender_id,
        customer.customer_id,
        reward,
        conversation=tracker.sender_id,
    )
    if recorded is None:  # not remembered, so not redeemed: a person can do it
        dispatcher.utter_message(response=base.SOMETHING_WENT_WRONG)
        return []
    logger.info("conversation %s redeemed %s", tracker.sender_id, reward.name)
    dispatcher.utter_message(
        response="utter_reward_redeemed",
        reward=reward.name,
        points=reward.points,
        points_left=balance - reward.points,
        programme=shop.loyalty.programme,
    )
    return []
