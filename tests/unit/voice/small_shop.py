"""A small in-test business file (not the shipped one): another shop, another catalogue."""

from __future__ import annotations

from pathlib import Path

from voice import business
from voice.business import Business

SMALL_SHOP = """\
shop: {name: Hill & Dale Cycles, currency: EUR, currency_symbol: "€"}
hours:
  saturday: {open: "09:00", close: "17:00"}
locations:
  - {name: Hill & Dale, address: 1 Dale Road, phone: "01 234", email: hi@hill.example}
templates:
  product_line: "{name}, {price}: {description} (on the shelf)"
  product_line_to_order: "{name}, {price}: {description} (ordered in for you)"
  any_interest: "a bike"
  did_you_mean_yes: "That's the one"
  did_you_mean_no: "Something else"
  button_yes_please: "Yes please"
  button_no_thanks: "No thank you"
  button_bring_someone_in: "Yes, a person please"
  button_talk_to_person: "A person, please"
  button_similar: "Similar things"
  button_order_it: "Order it in"
  button_reserve_one: "Keep one for me"
  day_today: "today"
  day_tomorrow: "tomorrow"
  day_date: "EEEE d MMMM"
  day_time: "{time} {day}"
  day_month: "d MMMM"
  list_bullet: "- {item}"
  list_two: "{first} or {last}"
  list_end: "{first} or {last}"
  list_middle: "{first}, {rest}"
products:
  - name: Acme Roadster 5
    category: bicycles
    bike_type: road
    price: 900
    stock: 2
    description: a quick aluminium road machine for club runs
    good_for: [road, fitness]
    synonyms: [roadster5, acme roadster]
    tags: [club racer]
  - name: Acme Roadster 9
    category: bicycles
    bike_type: road
    price: 2400
    stock: 1
    description: a carbon race bike with electronic gears
    good_for: [road, racing]
    synonyms: [roadster9]
  - name: Pip 16
    category: bicycles
    bike_type: kids
    price: 280
    stock: 3
    description: a first pedal bike for small riders
    good_for: [kids]
  - name: Commuto 3
    category: bicycles
    bike_type: city
    price: 450
    stock: 0
    restock_days: 3
    description: an upright town bike with a basket and dynamo lights
    good_for: [commuting, city]
  - name: Stormy track pump
    category: pumps
    price: 39
    stock: 5
    description: a floor pump with a big gauge
    good_for: [maintenance]
    synonyms: [stormy pump]
    tags: [track pump, floor pump, inflator]
  - name: Glow rear light
    category: lights
    price: 19
    stock: 4
    description: a small red rear light with a clip
    tags: [tail light, back light]
services:
  repairs:
    - {name: gear service, price: 25, lead_time_days: 1, tags: [slipping gears, indexing]}
  clinics:
    - {name: Mend it Monday, weekday: monday, time: "18:00", length_minutes: 60, places: 5,
       tags: [repair class]}
events:
  - name: Sunday Hills Loop
    weekly: sunday
    time: "09:00"
    meeting_point: the shop
    level: steady
    distance_km: 50
    description: a steady loop over the hills
    tags: [hill ride, sunday ride]
policies:
  returns_window_days: 14
  refund_days: 3
  refund_method: the card you paid with
  store_credit: Store credit never expires.
  exchanges: Exchanges are free.
  after_window: store credit
  repair_warranty_days: 30
  repair_warranty: We put it right for free.
loyalty:
  programme: Dale Points
  points_per_unit: 1
  rewards: [{name: free gear service, points: 100}]
vocabulary:
  bike_kinds:
    - {name: road, words: [racer, road bike], phrase: road riding}
    - {name: kids, words: [kid's bike, balance bike], phrase: "a child's bike"}
    - {name: city, words: [town bike, city bike], phrase: riding about town}
  purposes:
    - {name: commuting, words: [commute, to work], phrase: commuting}
    - {name: kids, words: [kid, child, son, daughter, year-old, year old], phrase: "a child's bike"}
    - {name: racing, words: [race, races, racing], phrase: racing}
  budget:
    cheap: [cheap, cheapest, budget, affordable]
    best: [best you've got, top of the range]
    at_most: [under, below, up to, max]
    amounts: {a couple of hundred: 200, a grand: 1000}
    multipliers: {k: 1000}
  currency:
    symbols: ["€", "$"]
    words: [euro, euros, eur]
  urgent: [urgent, asap]
  occasions: [race, wedding]
  pointing_words: [it, its, that, this, they, them, those, these]
  question_openers: [ok, okay, k, so, and, right, oh, ah, hi, hey, hello, well, um, er, cool, great]
  function_words: [a, an, the, my, your, our, one, some, any, of, for, to, me, i, it, its, is, are,
    do, does, you, we, have, has, got, sell, stock, buy, get, want, need, looking, look, after,
    about, please, pls, and, or, with, in, on, at, this, that, these, those, there, what, which,
    how, much, many, can, could, would, like, just, new, pair, set]
  facts:
    - {name: opening hours, intent: ask_hours, words: [opening hours, open, opening times]}
    - {name: returns policy, intent: return_request, words: [returns, refund]}
"""


def small_shop(tmp_path: Path, text: str = SMALL_SHOP) -> Business:
    """The small shop, from a business.yml written into `tmp_path`."""
    path = tmp_path / "business.yml"
    path.write_text(text, encoding="utf-8")
    return business.load(path)
