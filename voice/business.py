"""The business file: loads and validates `business.yml` into typed facts the bot may state.

Everything the bot says about the shop (hours, places, products, prices, stock, services,
policies, loyalty, rides) comes from here. A mistake in the file is reported as one line that
names the file, the line and what is wrong, so the owner can fix it without reading code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from voice.dates import MONTHS, is_date_rule
from voice.items import names_a_thing
from voice.wording import Wording, valid_locale

if TYPE_CHECKING:
    from voice.catalogue import Catalogue
    from voice.say_yes import SayYesRules

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The days a question may name relative to the day it is asked, by days from today.
RELATIVE_DAYS = {"today": 0, "tomorrow": 1}
TOP_LEVEL_KEYS = (
    "shop",
    "hours",
    "holidays",
    "locations",
    "products",
    "special_orders",
    "services",
    "policies",
    "loyalty",
    "events",
    "menu",
    "templates",
    "vocabulary",
    # The say-yes rules (what the shop may agree to), parsed by `voice.say_yes.rules_from`.
    "say_yes",
)
REQUIRED_TOP_LEVEL = ("shop", "hours", "locations", "products", "policies", "loyalty")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class BusinessFileError(ValueError):
    """The business file cannot be used; the message names the file, the line and the fault."""


@dataclass(frozen=True)
class Shop:
    name: str
    currency: str
    currency_symbol: str
    tagline: str = ""
    website: str = ""
    timezone: str = ""
    # The language and region dates are written in (a Babel locale: "en_GB", "fr_FR").
    locale: str = "en"


@dataclass(frozen=True)
class OpeningHours:
    open: dt.time
    close: dt.time


@dataclass(frozen=True)
class Holiday:
    date: dt.date
    name: str
    hours: OpeningHours | None  # None: closed all day


@dataclass(frozen=True)
class Location:
    name: str
    address: str
    phone: str
    email: str
    directions: str = ""
    workshop: bool = False


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    price: float
    stock: int
    description: str
    good_for: tuple[str, ...] = ()
    bike_type: str | None = None
    restock_days: int | None = None
    synonyms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def is_bike(self) -> bool:
        """A bike (it has a kind of bike), not an accessory or a part."""
        return self.bike_type is not None


@dataclass(frozen=True)
class SpecialOrders:
    lead_time_days: int
    deposit_percent: float


@dataclass(frozen=True)
class RepairService:
    name: str
    price: float
    lead_time_days: int
    description: str = ""
    synonyms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clinic:
    name: str
    weekday: str
    time: dt.time
    length_minutes: int
    places: int
    synonyms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policies:
    returns_window_days: int
    refund_days: int
    refund_method: str
    store_credit: str
    exchanges: str
    after_window: str
    # Only a shop that repairs things has a repair warranty (0 and "" when it has none).
    repair_warranty_days: int = 0
    repair_warranty: str = ""
    # What the shop can say yes to when a customer asks to try a bike before buying ("" when
    # it offers no test rides: the question is then answered as a buying question).
    test_rides: str = ""


@dataclass(frozen=True)
class Reward:
    name: str
    points: int


@dataclass(frozen=True)
class Loyalty:
    programme: str
    points_per_unit: float
    rewards: tuple[Reward, ...]
    sign_up_bonus: int = 0


@dataclass(frozen=True)
class Event:
    name: str
    time: dt.time
    meeting_point: str
    level: str
    description: str
    distance_km: float
    weekly: str | None = None  # a weekday name for a ride that repeats every week
    date: dt.date | None = None  # a one-off ride
    synonyms: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def next_date(self, today: dt.date, now: dt.time | None = None) -> dt.date | None:
        """The next day (today or later) this event happens, or None when it is over. With the
        time of day `now`, a ride that set off earlier today is over: its next day is asked."""
        started = now is not None and now >= self.time
        if self.date is not None:
            over = self.date < today or (self.date == today and started)
            return None if over else self.date
        assert self.weekly is not None
        ahead = (WEEKDAYS.index(self.weekly) - today.weekday()) % 7
        if ahead == 0 and started:
            ahead = 7
        return today + dt.timedelta(days=ahead)


@dataclass(frozen=True)
class MenuItem:
    intent: str
    label: str
    main: bool = False


@dataclass(frozen=True)
class Term:
    """A word the shop's customers use: its stored name, the other ways they write it, and how
    a sentence names it ("gravel riding", "an e-bike"); `intent` for a shop fact."""

    name: str
    words: tuple[str, ...] = ()
    phrase: str = ""
    intent: str = ""

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.words)


@dataclass(frozen=True)
class NamedDay:
    """A day customers name ("boxing day", "bank holiday monday"): its name, the other ways
    they write it, and its calendar rules (`voice.dates.date_by_rule`); the next date one of
    the rules gives is the day meant."""

    name: str
    words: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.words)


@dataclass(frozen=True)
class Budget:
    """Budget words: `cheap`, `best`, `at_most` (caps: "under £500") phrases, amounts said in words
    ("a couple of hundred"), and multipliers after a number ("2k", "1 grand")."""

    cheap: tuple[str, ...] = ()
    best: tuple[str, ...] = ()
    at_most: tuple[str, ...] = ()
    amounts: dict[str, float] = field(default_factory=dict)
    multipliers: dict[str, float] = field(default_factory=dict)
    # A bare number is a budget only after one of `stated` ("budget about 800", "spend 600",
    # "around 1200": caps that make a bare number money are listed here too), and never before
    # one of `not_money` ("about 10 years old", "under 20 inch", "about 20 mins").
    stated: tuple[str, ...] = ()
    not_money: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """The shop's customers' words besides item names (the `vocabulary:` section)."""

    bike_kinds: tuple[Term, ...] = ()
    purposes: tuple[Term, ...] = ()
    budget: Budget = field(default_factory=Budget)
    currency_symbols: tuple[str, ...] = ()
    currency_words: tuple[str, ...] = ()
    urgent: tuple[str, ...] = ()
    occasions: tuple[str, ...] = ()
    facts: tuple[Term, ...] = ()
    # Days named in a question about hours: a weekday or one of RELATIVE_DAYS, with spellings.
    days: tuple[Term, ...] = ()
    price_question: tuple[str, ...] = ()
    # A plain yes ("yep", "yes that's it"): its first word one of `yes_words`, every other word
    # one of `yes_words` or `yes_also` (bot/typed_buttons.py).
    yes_words: tuple[str, ...] = ()
    yes_also: tuple[str, ...] = ()
    # A plain no ("nah", "no thanks"), read the same way, for the no button of a yes-or-no offer.
    no_words: tuple[str, ...] = ()
    no_also: tuple[str, ...] = ()
    # An acknowledgement ("ok thanks", "okay cheers"): one of `ack_words`, then one of
    # `ack_thanks` among only `ack_also` words. It thanks the bot for an answer and takes up no
    # offer, even one whose plain yes it would otherwise be.
    ack_words: tuple[str, ...] = ()
    ack_thanks: tuple[str, ...] = ()
    ack_also: tuple[str, ...] = ()
    # Words that ask how long something takes ("how many days?"), faults a customer describes
    # ("it keeps slipping"), and a time of day said for a visit ("after 4 o'clock").
    time_question: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    clock: tuple[str, ...] = ()
    # Words that make a message an idea for the shop ("you should", "would be good if").
    suggesting: tuple[str, ...] = ()
    # How a question starts when it is typed without its question mark ("whats the address").
    question_starts: tuple[str, ...] = ()
    # Words that point back at what was just talked about, or say nothing on their own ("it",
    # "that one", "can I"): a question of only these and its asking words asks about that.
    pointing_back: tuple[str, ...] = ()
    # Words that ask whether an item is there (in stock, in a size), and to reserve or order it.
    stock_question: tuple[str, ...] = ()
    reserve_question: tuple[str, ...] = ()
    # Words that ask how hard or how long the rides just listed are ("ok for a beginner?").
    level_question: tuple[str, ...] = ()
    distance_question: tuple[str, ...] = ()
    # What the memory may keep as the customer's bike (`bikes:`): nouns that are a bike
    # ("bike", "mtb"), makes and models of bike, and words that never name one (a part, a
    # fault, a thanks).
    bike_words: tuple[str, ...] = ()
    bike_makes: tuple[str, ...] = ()
    not_bikes: tuple[str, ...] = ()
    # How customers say they ride (`riding:`), each word -> the riding style remembered: kinds
    # of riding ("gravel"), verbs ("commute"), where they ride to ("work"), riders ("roadie").
    riding_styles: dict[str, str] = field(default_factory=dict)
    riding_verbs: dict[str, str] = field(default_factory=dict)
    riding_places: dict[str, str] = field(default_factory=dict)
    riders: dict[str, str] = field(default_factory=dict)
    # Sizes remembered (`sizes:`): the item -> its key ("glove" -> "gloves"), a size's word
    # -> the size ("medium" -> "M").
    size_items: dict[str, str] = field(default_factory=dict)
    size_words: dict[str, str] = field(default_factory=dict)
    # Days named by what they are ("new year's day", "easter monday"), for hours on that date.
    named_days: tuple[NamedDay, ...] = ()
    # Words before a day that make it the day to bring the bike in ("book it in for sat"), and
    # words that make a day the day something happened ("it broke on sat"), not a drop-off.
    drop_off_day: tuple[str, ...] = ()
    happened: tuple[str, ...] = ()
    # Rough times of a past purchase: a month's name (`name`) and the words that mean it ("in
    # the summer"); and words that mean long ago, too long to say when ("ages ago").
    rough_months: tuple[Term, ...] = ()
    long_ago: tuple[str, ...] = ()
    # Words that ask to try a bike before buying it ("test ride", "try it out").
    test_ride: tuple[str, ...] = ()
    # Words that wish a bike repaired or serviced ("fix", "service", "book it in"): only a
    # booking request with one of them (or a fault, or a repair's name) starts the repair form.
    repair_wish: tuple[str, ...] = ()
    # Words that ask to join the loyalty card ("sign me up", "how do I join").
    loyalty_join: tuple[str, ...] = ()
    # Words that pick one of several items just recommended, by the way they pick (one of
    # CHOOSING_WAYS: "first" -> ("first", "1st"), "cheapest" -> ("cheaper", ...)).
    choosing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Words that say an item named straight after them is the customer's own ("my", "I ride");
    # `owning_between`: words that may stand between them and the item ("a", "old", "is");
    # `owning_about_it` ("it's a") says so only with one of `owning_trouble` ("noise").
    owning: tuple[str, ...] = ()
    owning_between: tuple[str, ...] = ()
    owning_about_it: tuple[str, ...] = ()
    owning_trouble: tuple[str, ...] = ()
    # Plain English the machinery reads by, kept here with the rest of the customers' words:
    # words that point at something just said ("can I use it for ..."), words that may open a
    # question before its question word ("ok what's ..."), and words that never tell one item
    # from another ("do you have the ...").
    pointing_words: tuple[str, ...] = ()
    question_openers: tuple[str, ...] = ()
    function_words: tuple[str, ...] = ()
    # How a clause of a booking request starts when it is not the problem (`clause_starts`): a
    # question word, an answer to something else ("yes please"), or a request: a greeting, a
    # wish ("I'd like to" + a verb of `request_verbs`: `requesters` then `wishes`) or a direct
    # request ("please book").
    clause_questions: tuple[str, ...] = ()
    clause_answers: tuple[str, ...] = ()
    clause_greetings: tuple[str, ...] = ()
    clause_requesters: tuple[str, ...] = ()
    clause_wishes: tuple[str, ...] = ()
    clause_request_verbs: tuple[str, ...] = ()
    clause_direct_requests: tuple[str, ...] = ()

    def bike_kind(self, name: str | None) -> Term | None:
        """The kind of bike a word names, by its name or one of its spellings."""
        wanted = _normalise(name or "")
        for term in self.bike_kinds:
            if any(_normalise(spelling) == wanted for spelling in term.spellings):
                return term
        return None

    def purpose(self, name: str | None) -> Term | None:
        wanted = _normalise(name or "")
        return next((t for t in self.purposes if _normalise(t.name) == wanted), None)


@dataclass(frozen=True)
class Business:
    """The validated business file."""

    source: Path
    shop: Shop
    hours: dict[str, OpeningHours | None]
    holidays: tuple[Holiday, ...]
    locations: tuple[Location, ...]
    products: tuple[Product, ...]
    special_orders: SpecialOrders
    repairs: tuple[RepairService, ...]
    clinics: tuple[Clinic, ...]
    policies: Policies
    loyalty: Loyalty
    events: tuple[Event, ...]
    menu: tuple[MenuItem, ...]
    templates: dict[str, str] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    # The `say_yes:` section (None when the file has none: `say_yes_rules()` names that).
    say_yes: SayYesRules | None = None
    # The shop's clock set to stand still at this local time (the SHOP_CLOCK setting, for tests
    # and demos only; `clock_at` sets it); None: the real clock. Not part of the file.
    fixed_now: dt.datetime | None = None

    def say_yes_rules(self) -> SayYesRules:
        """What the shop may say yes to; SayYesError, naming the file, when it has no section."""
        from voice import say_yes

        if self.say_yes is None:
            raise say_yes.missing(self.source)
        return self.say_yes

    # -- facts derived from the file (plain functions the actions and tests call) --

    @cached_property
    def catalogue(self) -> Catalogue:
        """The searchable catalogue of this file, built on first use and kept with it."""
        from voice.catalogue import Catalogue

        return Catalogue.build(self)

    def holiday_on(self, day: dt.date) -> Holiday | None:
        return next((holiday for holiday in self.holidays if holiday.date == day), None)

    def hours_on(self, day: dt.date) -> OpeningHours | None:
        """The opening hours on a date (holidays win over the weekly hours); None when closed."""
        holiday = self.holiday_on(day)
        if holiday is not None:
            return holiday.hours
        return self.hours[WEEKDAYS[day.weekday()]]

    def next_open_day(self, day: dt.date, include_today: bool = True) -> dt.date:
        """The first date the shop is open on or after `day` (after it, when not include_today)."""
        candidate = day if include_today else day + dt.timedelta(days=1)
        for _ in range(366):
            if self.hours_on(candidate) is not None:
                return candidate
            candidate += dt.timedelta(days=1)
        raise BusinessFileError(f"{self.source}: the shop is never open in the next year")

    def clock_at(self, moment: dt.datetime | None) -> Business:
        """This business with its clock standing still at the local `moment` (None: the real
        clock): the one way the shop's time is set, from the settings, never from a message."""
        return replace(self, fixed_now=moment)

    def local_now(self) -> dt.datetime:
        """The shop's local time now (its `timezone`; the server's when it names none): the one
        source of "now" for opening hours, due days, "today" and "tomorrow"."""
        from zoneinfo import ZoneInfo

        zone = self.shop.timezone
        try:
            where = ZoneInfo(zone) if zone else None
        except (KeyError, ValueError):  # an unknown zone name: the server's local time is close
            where = None
        if self.fixed_now is not None:
            return self.fixed_now.replace(tzinfo=where) if where else self.fixed_now
        return dt.datetime.now(where) if where else dt.datetime.now()

    def open_at(self, moment: dt.datetime) -> bool:
        """Whether the shop (and its team) works at this local moment (hours and holidays)."""
        hours = self.hours_on(moment.date())
        time = moment.time().replace(tzinfo=None)
        return hours is not None and hours.open <= time < hours.close

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """When the team is next at work, from `moment` (today's opening if it is still ahead)."""
        today = moment.date()
        hours = self.hours_on(today)
        time = moment.time().replace(tzinfo=None)
        if hours is not None and time < hours.open:
            return dt.datetime.combine(today, hours.open, tzinfo=moment.tzinfo)
        day = self.next_open_day(today, include_today=False)
        opening = self.hours_on(day)
        assert opening is not None  # next_open_day only returns a day with hours
        return dt.datetime.combine(day, opening.open, tzinfo=moment.tzinfo)

    @property
    def wording(self) -> Wording:
        """The shop's words for days and lists (its locale and templates); BusinessFileError,
        naming the template, when the file lacks one."""
        try:
            return Wording.of(self.shop.locale, self.templates)
        except KeyError as error:
            raise BusinessFileError(str(error.args[0])) from None

    def format_day(self, day: dt.date, today: dt.date) -> str:
        """A date as the shop says it: "today", "tomorrow", "Saturday 28 November"."""
        return self.wording.day(day, today)

    def format_moment(self, moment: dt.datetime, today: dt.date) -> str:
        """A time on a day as the shop says it: "09:00 tomorrow"."""
        return self.wording.moment(moment, today)

    def format_price(self, amount: float) -> str:
        text = f"{amount:,.2f}".removesuffix(".00")
        return f"{self.shop.currency_symbol}{text}"

    def find_product(self, text: str | None) -> Product | None:
        """The catalogue product a customer's words name (its name, a synonym, a tag or its
        description, fuzzily), or None when the shop has nothing that is the same item."""
        from voice.catalogue import Catalogue

        if not text or not names_a_thing(text):
            return None  # a bare number ("about 50 days ago") names no product

        return Catalogue.of(self).product(text)

    def products_for(
        self, interest: str | None, category: str | None = None, bikes: bool | None = None
    ) -> list[Product]:
        """Products that suit a bike type or use ("gravel", "commuting"), in-stock first;
        only bikes (or only the rest) with `bikes`."""
        wanted = _normalise(interest or "")
        found = [
            product
            for product in self.products
            if (category is None or product.category == category)
            and (bikes is None or product.is_bike == bikes)
            and (
                not wanted
                or wanted == _normalise(product.bike_type or "")
                or any(wanted == _normalise(tag) for tag in product.good_for)
                or _normalise(self._kind_name(interest)) == _normalise(product.bike_type or "")
            )
        ]
        return sorted(found, key=lambda product: (not product.in_stock, product.price))

    def _kind_name(self, text: str | None) -> str:
        kind = self.vocabulary.bike_kind(text)
        return kind.name if kind else ""

    def repair_service(self, text: str | None) -> RepairService | None:
        """The repair service a description mentions ("the gears slip" -> a gear service)."""
        words = _normalise(text or "").split()
        for service in self.repairs:
            keys = [word for word in _normalise(service.name).split() if word not in _GENERIC]
            joined = "".join(words)
            if any(word.startswith(key) for key in keys for word in words) or any(
                len(key) >= 5 and key in joined for key in keys
            ):
                return service
        # Otherwise by its other names and tags ("my wheel is buckled" -> a wheel repair).
        from voice.catalogue import Catalogue

        catalogue = Catalogue.of(self)
        found = catalogue.mentioned(text, kinds=("repair",)) or catalogue.resolve(
            text, kinds=("repair",)
        )
        return found[0].item.target if found else None

    def upcoming_events(
        self, today: dt.date, limit: int = 4, now: dt.time | None = None
    ) -> list[tuple[dt.date, Event]]:
        """The next `limit` rides, soonest first; with the time of day `now`, none that set off
        earlier today."""
        dated = [(event.next_date(today, now), event) for event in self.events]
        upcoming = [(day, event) for day, event in dated if day is not None]
        return sorted(upcoming, key=lambda pair: (pair[0], pair[1].time))[:limit]

    def menu_label(self, intent: str) -> str | None:
        return next((item.label for item in self.menu if item.intent == intent), None)

    def template(self, name: str, default: str | None = None) -> str:
        """The words of template `name` (`templates:`); BusinessFileError, naming it, when the
        file lacks it and no `default` is given (tests check that the shipped files have every
        template the code asks for)."""
        text = self.templates.get(name, default)
        if text is None:
            raise BusinessFileError(f"the business file has no template {name!r} under templates:")
        return text


# Words of service names that say nothing about which service a customer means.
_GENERIC = {"service", "repair", "full", "true", "up"}


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("-", "")).strip()


class _Reader:
    """Reads values out of ruamel's round-trip nodes, raising errors that name their line."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def fail(self, line: int | None, message: str) -> BusinessFileError:
        where = f"{self.source.name} line {line + 1}" if line is not None else self.source.name
        return BusinessFileError(f"{where}: {message}")

    @staticmethod
    def line_of(parent: Any, key: Any) -> int | None:
        try:
            if isinstance(parent, CommentedMap):
                return int(parent.lc.value(key)[0])
            if isinstance(parent, CommentedSeq):
                return int(parent.lc.item(key)[0])
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        line = getattr(getattr(parent, "lc", None), "line", None)
        return int(line) if line is not None else None

    def mapping(self, parent: Any, key: Any, path: str) -> CommentedMap:
        value = parent[key]
        if not isinstance(value, CommentedMap):
            raise self.fail(
                self.line_of(parent, key), f"{path} must be a mapping of keys, got {value!r}"
            )
        return value

    def sequence(self, parent: Any, key: Any, path: str) -> CommentedSeq:
        value = parent[key]
        if not isinstance(value, CommentedSeq):
            raise self.fail(self.line_of(parent, key), f"{path} must be a list, got {value!r}")
        return value

    def keys(
        self, node: CommentedMap, path: str, required: Iterable[str], optional: Iterable[str]
    ) -> None:
        required, optional = tuple(required), tuple(optional)
        for key in node:
            if key not in required and key not in optional:
                allowed = ", ".join((*required, *optional))
                raise self.fail(
                    node.lc.key(key)[0],
                    f"{path}.{key} is not a known key (known: {allowed})",
                )
        for key in required:
            if key not in node:
                raise self.fail(node.lc.line, f"{path}.{key} is missing")

    def text(self, node: CommentedMap, key: str, path: str, default: str | None = None) -> str:
        if key not in node:
            if default is None:
                raise self.fail(node.lc.line, f"{path}.{key} is missing")
            return default
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                self.line_of(node, key), f"{path}.{key} must be non-empty text, got {value!r}"
            )
        return value.strip()

    def number(
        self, node: CommentedMap, key: str, path: str, positive: bool = True, default: Any = None
    ) -> float:
        if key not in node and default is not None:
            return float(default)
        value = node.get(key)
        kind = "a positive number" if positive else "a number of 0 or more"
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or value < 0
            or (positive and value == 0)
        ):
            raise self.fail(self.line_of(node, key), f"{path}.{key} must be {kind}, got {value!r}")
        return float(value)

    def whole(
        self, node: CommentedMap, key: str, path: str, positive: bool = False, default: Any = None
    ) -> int:
        if key not in node and default is not None:
            return int(default)
        value = node.get(key)
        kind = "a whole number above 0" if positive else "a whole number of 0 or more"
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < 0
            or (positive and value == 0)
        ):
            raise self.fail(self.line_of(node, key), f"{path}.{key} must be {kind}, got {value!r}")
        return value

    def flag(self, node: CommentedMap, key: str, path: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(
                self.line_of(node, key), f"{path}.{key} must be true or false, got {value!r}"
            )
        return value

    def clock(self, node: CommentedMap, key: str, path: str) -> dt.time:
        value = node.get(key)
        match = _TIME.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(
                self.line_of(node, key),
                f'{path}.{key} must be a 24-hour time in quotes like "09:00", got {value!r}',
            )
        return dt.time(int(match.group(1)), int(match.group(2)))

    def day(self, node: CommentedMap, key: str, path: str) -> dt.date:
        value = node.get(key)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(
                self.line_of(node, key),
                f'{path}.{key} must be a date like "2026-12-25", got {value!r}',
            ) from None

    def weekday(self, node: CommentedMap, key: str, path: str) -> str:
        value = node.get(key)
        if not isinstance(value, str) or value.lower() not in WEEKDAYS:
            raise self.fail(
                self.line_of(node, key), f"{path}.{key} must be a weekday name, got {value!r}"
            )
        return value.lower()

    def tags(self, node: CommentedMap, key: str, path: str) -> tuple[str, ...]:
        if key not in node:
            return ()
        value = self.sequence(node, key, f"{path}.{key}")
        for index, tag in enumerate(value):
            if not isinstance(tag, str) or not tag.strip():
                raise self.fail(
                    self.line_of(value, index), f"{path}.{key}[{index}] must be text, got {tag!r}"
                )
        return tuple(tag.strip().lower() for tag in value)

    def opening(self, node: CommentedMap, path: str) -> OpeningHours:
        opens = self.clock(node, "open", path)
        closes = self.clock(node, "close", path)
        if closes <= opens:
            raise self.fail(
                self.line_of(node, "close"), f"{path}.close must be later than {path}.open"
            )
        return OpeningHours(opens, closes)


def _items(reader: _Reader, root: CommentedMap, key: str) -> list[tuple[str, CommentedMap]]:
    """The entries of a top-level list, each a mapping, with its path for messages."""
    if key not in root:
        return []
    entries = reader.sequence(root, key, key)
    items = []
    for index in range(len(entries)):
        items.append((f"{key}[{index}]", reader.mapping(entries, index, f"{key}[{index}]")))
    return items


def parse(text: str, source: Path) -> Business:
    """Validate the text of a business file; raise BusinessFileError naming the first fault."""
    reader = _Reader(source)
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "is not valid YAML"
        raise reader.fail(mark.line if mark else None, f"not valid YAML: {problem}") from None
    if not isinstance(root, CommentedMap):
        raise reader.fail(None, "must be a mapping with keys such as shop, hours and products")
    for key in root:
        if key not in TOP_LEVEL_KEYS:
            raise reader.fail(
                root.lc.key(key)[0],
                f"{key} is not a known section (known: {', '.join(TOP_LEVEL_KEYS)})",
            )
    for key in REQUIRED_TOP_LEVEL:
        if key not in root:
            raise reader.fail(None, f"the {key} section is missing")

    shop_node = reader.mapping(root, "shop", "shop")
    reader.keys(
        shop_node,
        "shop",
        ("name", "currency", "currency_symbol"),
        ("tagline", "website", "timezone", "locale"),
    )
    locale = reader.text(shop_node, "locale", "shop", "en")
    if not valid_locale(locale):
        raise reader.fail(
            reader.line_of(shop_node, "locale"),
            f"shop.locale {locale!r} is not a locale (a language and region like en_GB)",
        )
    shop = Shop(
        name=reader.text(shop_node, "name", "shop"),
        currency=reader.text(shop_node, "currency", "shop"),
        currency_symbol=reader.text(shop_node, "currency_symbol", "shop"),
        tagline=reader.text(shop_node, "tagline", "shop", ""),
        website=reader.text(shop_node, "website", "shop", ""),
        timezone=reader.text(shop_node, "timezone", "shop", ""),
        locale=locale,
    )

    hours_node = reader.mapping(root, "hours", "hours")
    reader.keys(hours_node, "hours", (), WEEKDAYS)
    hours: dict[str, OpeningHours | None] = {}
    for weekday in WEEKDAYS:
        value = hours_node.get(weekday, "closed")
        if value == "closed":
            hours[weekday] = None
        elif isinstance(value, CommentedMap):
            reader.keys(value, f"hours.{weekday}", ("open", "close"), ())
            hours[weekday] = reader.opening(value, f"hours.{weekday}")
        else:
            raise reader.fail(
                reader.line_of(hours_node, weekday),
                f'hours.{weekday} must be `closed` or {{open: "09:00", close: "18:00"}}, '
                f"got {value!r}",
            )
    if all(value is None for value in hours.values()):
        raise reader.fail(hours_node.lc.line, "hours: the shop must be open on at least one day")

    holidays = []
    for path, node in _items(reader, root, "holidays"):
        reader.keys(node, path, ("date", "name"), ("closed", "open", "close"))
        closed = reader.flag(node, "closed", path)
        if closed and ("open" in node or "close" in node):
            raise reader.fail(node.lc.line, f"{path} is closed, so it cannot have open/close times")
        if not closed and not ("open" in node and "close" in node):
            raise reader.fail(node.lc.line, f"{path} needs `closed: true` or open and close times")
        holidays.append(
            Holiday(
                date=reader.day(node, "date", path),
                name=reader.text(node, "name", path),
                hours=None if closed else reader.opening(node, path),
            )
        )

    locations = []
    for path, node in _items(reader, root, "locations"):
        reader.keys(node, path, ("name", "address", "phone", "email"), ("directions", "workshop"))
        email = reader.text(node, "email", path)
        if not _EMAIL.match(email):
            raise reader.fail(
                reader.line_of(node, "email"),
                f"{path}.email must be an email address, got {email!r}",
            )
        locations.append(
            Location(
                name=reader.text(node, "name", path),
                address=reader.text(node, "address", path),
                phone=reader.text(node, "phone", path),
                email=email,
                directions=reader.text(node, "directions", path, ""),
                workshop=reader.flag(node, "workshop", path),
            )
        )
    if not locations:
        raise reader.fail(reader.line_of(root, "locations"), "locations must list at least one")

    vocabulary = _vocabulary(reader, root)
    products = []
    seen_names: dict[str, str] = {}
    for path, node in _items(reader, root, "products"):
        reader.keys(
            node,
            path,
            ("name", "category", "price", "stock", "description"),
            ("good_for", "bike_type", "restock_days", "synonyms", "tags"),
        )
        name = reader.text(node, "name", path)
        if _normalise(name) in seen_names:
            raise reader.fail(
                reader.line_of(node, "name"),
                f"{path}.name {name!r} is already used by {seen_names[_normalise(name)]}",
            )
        seen_names[_normalise(name)] = path
        category = reader.text(node, "category", path).lower()
        bike_type = reader.text(node, "bike_type", path, "") or None
        if bike_type is not None and vocabulary.bike_kinds:
            if vocabulary.bike_kind(bike_type) is None:
                kinds = ", ".join(kind.name for kind in vocabulary.bike_kinds)
                raise reader.fail(
                    reader.line_of(node, "bike_type"),
                    f"{path}.bike_type {bike_type!r} is not one of vocabulary.bike_kinds ({kinds})",
                )
        products.append(
            Product(
                name=name,
                category=category,
                price=reader.number(node, "price", path),
                stock=reader.whole(node, "stock", path),
                description=reader.text(node, "description", path),
                good_for=reader.tags(node, "good_for", path),
                bike_type=bike_type.lower() if bike_type else None,
                restock_days=(
                    reader.whole(node, "restock_days", path, positive=True)
                    if "restock_days" in node
                    else None
                ),
                synonyms=reader.tags(node, "synonyms", path),
                tags=reader.tags(node, "tags", path),
            )
        )
    if not products:
        raise reader.fail(reader.line_of(root, "products"), "products must list at least one")

    special = SpecialOrders(lead_time_days=7, deposit_percent=0)
    if "special_orders" in root:
        node = reader.mapping(root, "special_orders", "special_orders")
        reader.keys(node, "special_orders", ("lead_time_days",), ("deposit_percent",))
        special = SpecialOrders(
            lead_time_days=reader.whole(node, "lead_time_days", "special_orders", positive=True),
            deposit_percent=reader.number(
                node, "deposit_percent", "special_orders", positive=False, default=0
            ),
        )

    repairs: list[RepairService] = []
    clinics: list[Clinic] = []
    if "services" in root:
        services = reader.mapping(root, "services", "services")
        reader.keys(services, "services", (), ("repairs", "clinics"))
        for path, node in _items(reader, services, "repairs"):
            path = f"services.{path}"
            reader.keys(
                node, path, ("name", "price", "lead_time_days"), ("description", *_WORD_KEYS)
            )
            repairs.append(
                RepairService(
                    name=reader.text(node, "name", path),
                    price=reader.number(node, "price", path),
                    lead_time_days=reader.whole(node, "lead_time_days", path),
                    description=reader.text(node, "description", path, ""),
                    synonyms=reader.tags(node, "synonyms", path),
                    tags=reader.tags(node, "tags", path),
                )
            )
        for path, node in _items(reader, services, "clinics"):
            path = f"services.{path}"
            reader.keys(
                node, path, ("name", "weekday", "time", "length_minutes", "places"), _WORD_KEYS
            )
            clinics.append(
                Clinic(
                    name=reader.text(node, "name", path),
                    weekday=reader.weekday(node, "weekday", path),
                    time=reader.clock(node, "time", path),
                    length_minutes=reader.whole(node, "length_minutes", path, positive=True),
                    places=reader.whole(node, "places", path, positive=True),
                    synonyms=reader.tags(node, "synonyms", path),
                    tags=reader.tags(node, "tags", path),
                )
            )

    node = reader.mapping(root, "policies", "policies")
    policy_text = ("refund_method", "store_credit", "exchanges", "after_window")
    policy_days = ("returns_window_days", "refund_days")
    warranty = ("repair_warranty_days", "repair_warranty")
    reader.keys(node, "policies", (*policy_days, *policy_text), (*warranty, "test_rides"))
    if ("repair_warranty" in node) != ("repair_warranty_days" in node):
        raise reader.fail(
            node.lc.line, "policies needs both repair_warranty_days and repair_warranty, or neither"
        )
    policies = Policies(
        returns_window_days=reader.whole(node, "returns_window_days", "policies", positive=True),
        refund_days=reader.whole(node, "refund_days", "policies", positive=True),
        refund_method=reader.text(node, "refund_method", "policies"),
        store_credit=reader.text(node, "store_credit", "policies"),
        exchanges=reader.text(node, "exchanges", "policies"),
        after_window=reader.text(node, "after_window", "policies"),
        repair_warranty_days=(
            reader.whole(node, "repair_warranty_days", "policies", positive=True)
            if "repair_warranty_days" in node
            else 0
        ),
        repair_warranty=reader.text(node, "repair_warranty", "policies", ""),
        test_rides=reader.text(node, "test_rides", "policies", ""),
    )

    node = reader.mapping(root, "loyalty", "loyalty")
    reader.keys(node, "loyalty", ("programme", "points_per_unit", "rewards"), ("sign_up_bonus",))
    rewards = []
    for path, reward in _items(reader, node, "rewards"):
        path = f"loyalty.{path}"
        reader.keys(reward, path, ("name", "points"), ())
        rewards.append(
            Reward(
                name=reader.text(reward, "name", path),
                points=reader.whole(reward, "points", path, positive=True),
            )
        )
    loyalty = Loyalty(
        programme=reader.text(node, "programme", "loyalty"),
        points_per_unit=reader.number(node, "points_per_unit", "loyalty"),
        rewards=tuple(sorted(rewards, key=lambda reward: reward.points)),
        sign_up_bonus=reader.whole(node, "sign_up_bonus", "loyalty", default=0),
    )

    events = []
    for path, node in _items(reader, root, "events"):
        reader.keys(
            node,
            path,
            ("name", "time", "meeting_point", "level", "description", "distance_km"),
            ("weekly", "date", *_WORD_KEYS),
        )
        if ("weekly" in node) == ("date" in node):
            raise reader.fail(
                node.lc.line, f"{path} needs either `weekly: <weekday>` or `date:`, not both"
            )
        events.append(
            Event(
                name=reader.text(node, "name", path),
                time=reader.clock(node, "time", path),
                meeting_point=reader.text(node, "meeting_point", path),
                level=reader.text(node, "level", path),
                description=reader.text(node, "description", path),
                distance_km=reader.number(node, "distance_km", path),
                weekly=reader.weekday(node, "weekly", path) if "weekly" in node else None,
                date=reader.day(node, "date", path) if "date" in node else None,
                synonyms=reader.tags(node, "synonyms", path),
                tags=reader.tags(node, "tags", path),
            )
        )

    menu = []
    for path, node in _items(reader, root, "menu"):
        reader.keys(node, path, ("intent", "label"), ("main",))
        menu.append(
            MenuItem(
                intent=reader.text(node, "intent", path),
                label=reader.text(node, "label", path),
                main=reader.flag(node, "main", path),
            )
        )

    templates: dict[str, str] = {}
    if "templates" in root:
        node = reader.mapping(root, "templates", "templates")
        for key in node:
            templates[str(key)] = reader.text(node, key, "templates")

    return Business(
        source=source,
        shop=shop,
        hours=hours,
        holidays=tuple(holidays),
        locations=tuple(locations),
        products=tuple(products),
        special_orders=special,
        repairs=tuple(repairs),
        clinics=tuple(clinics),
        policies=policies,
        loyalty=loyalty,
        events=tuple(events),
        menu=tuple(menu),
        templates=templates,
        vocabulary=vocabulary,
        say_yes=_say_yes(root, source),
    )


def _say_yes(root: CommentedMap, source: Path) -> SayYesRules | None:
    """The say-yes section, validated with the rest of the file (its module reads it, since it
    knows what a rung is); None when the file has none."""
    from voice import say_yes

    return say_yes.rules_from(root, source) if say_yes.SECTION in root else None


_WORD_KEYS = ("synonyms", "tags")
_VOCABULARY_KEYS = (
    "bike_kinds",
    "purposes",
    "budget",
    "currency",
    "urgent",
    "occasions",
    "facts",
    "days",
    "price_question",
    "plain_yes",
    "plain_no",
    "acknowledgement",
    "time_question",
    "faults",
    "clock",
    "suggesting",
    "question_starts",
    "pointing_back",
    "stock_question",
    "reserve_question",
    "level_question",
    "distance_question",
    "bikes",
    "riding",
    "sizes",
    "named_days",
    "drop_off_day",
    "happened",
    "rough_months",
    "long_ago",
    "test_ride",
    "repair_wish",
    "loyalty_join",
    "choosing",
    "owning",
    "pointing_words",
    "question_openers",
    "function_words",
    "clause_starts",
)
# The parts of `vocabulary.clause_starts`.
CLAUSE_START_PARTS = (
    "questions",
    "answers",
    "greetings",
    "requesters",
    "wishes",
    "request_verbs",
    "direct_requests",
)
# The ways of picking one of several items just recommended (`vocabulary.choosing`): by its
# place in the list, or by its price.
CHOOSING_WAYS = ("first", "second", "third", "last", "cheapest", "dearest")


def _terms(reader: _Reader, node: CommentedMap, key: str, needs_intent: bool) -> tuple[Term, ...]:
    terms = []
    for path, item in _items(reader, node, key):
        path = f"vocabulary.{path}"
        required = ("name", "intent") if needs_intent else ("name",)
        reader.keys(item, path, required, ("words", "phrase"))
        name = reader.text(item, "name", path)
        terms.append(
            Term(
                name=name.lower(),
                words=reader.tags(item, "words", path),
                phrase=reader.text(item, "phrase", path, name),
                intent=reader.text(item, "intent", path) if needs_intent else "",
            )
        )
    return tuple(terms)


def _amounts(reader: _Reader, node: CommentedMap, key: str, path: str) -> dict[str, float]:
    if key not in node:
        return {}
    amounts = reader.mapping(node, key, f"{path}.{key}")
    return {
        str(word).strip().lower(): reader.number(amounts, word, f"{path}.{key}") for word in amounts
    }


def _word_maps(
    reader: _Reader, node: CommentedMap, key: str, parts: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """A section of word -> meaning mappings (`riding: {styles: {gravel: gravel riding}}`)."""
    if key not in node:
        return {}
    path = f"vocabulary.{key}"
    section = reader.mapping(node, key, path)
    reader.keys(section, path, (), parts)
    found: dict[str, dict[str, str]] = {}
    for part in parts:
        if part not in section:
            continue
        words = reader.mapping(section, part, f"{path}.{part}")
        found[part] = {
            str(word).strip().lower(): reader.text(words, word, f"{path}.{part}") for word in words
        }
    return found


def _vocabulary(reader: _Reader, root: CommentedMap) -> Vocabulary:
    """The `vocabulary:` section: customers' words for kinds of bike, purposes, budgets, money,
    urgency and the shop's facts. Optional: without it the bot understands item names only."""
    if "vocabulary" not in root:
        return Vocabulary()
    node = reader.mapping(root, "vocabulary", "vocabulary")
    reader.keys(node, "vocabulary", (), _VOCABULARY_KEYS)
    budget = Budget()
    if "budget" in node:
        path = "vocabulary.budget"
        words = reader.mapping(node, "budget", path)
        reader.keys(
            words,
            path,
            (),
            ("cheap", "best", "at_most", "amounts", "multipliers", "stated", "not_money"),
        )
        budget = Budget(
            cheap=reader.tags(words, "cheap", path),
            best=reader.tags(words, "best", path),
            at_most=reader.tags(words, "at_most", path),
            amounts=_amounts(reader, words, "amounts", path),
            multipliers=_amounts(reader, words, "multipliers", path),
            stated=reader.tags(words, "stated", path),
            not_money=reader.tags(words, "not_money", path),
        )
    symbols: tuple[str, ...] = ()
    currency_words: tuple[str, ...] = ()
    if "currency" in node:
        path = "vocabulary.currency"
        money = reader.mapping(node, "currency", path)
        reader.keys(money, path, (), ("symbols", "words"))
        symbols = reader.tags(money, "symbols", path)
        currency_words = reader.tags(money, "words", path)
    yes_words, yes_also = _plain_answer(reader, node, "plain_yes")
    no_words, no_also = _plain_answer(reader, node, "plain_no")
    acknowledgement: dict[str, tuple[str, ...]] = {}
    if "acknowledgement" in node:
        path = "vocabulary.acknowledgement"
        ack = reader.mapping(node, "acknowledgement", path)
        reader.keys(ack, path, ("words", "thanks"), ("also",))
        acknowledgement = {key: reader.tags(ack, key, path) for key in ("words", "thanks", "also")}
    bikes: dict[str, tuple[str, ...]] = {}
    if "bikes" in node:
        path = "vocabulary.bikes"
        said = reader.mapping(node, "bikes", path)
        reader.keys(said, path, (), ("words", "makes", "not_bikes"))
        bikes = {key: reader.tags(said, key, path) for key in ("words", "makes", "not_bikes")}
    riding = _word_maps(reader, node, "riding", ("styles", "verbs", "places", "riders"))
    choosing: dict[str, tuple[str, ...]] = {}
    if "choosing" in node:
        path = "vocabulary.choosing"
        said = reader.mapping(node, "choosing", path)
        reader.keys(said, path, (), CHOOSING_WAYS)
        choosing = {key: reader.tags(said, key, path) for key in CHOOSING_WAYS if key in said}
    owning: dict[str, tuple[str, ...]] = {}
    if "owning" in node:
        path = "vocabulary.owning"
        said = reader.mapping(node, "owning", path)
        parts = ("words", "between", "about_it", "trouble")
        reader.keys(said, path, ("words",), parts[1:])
        owning = {key: reader.tags(said, key, path) for key in parts}
    sizes = _word_maps(reader, node, "sizes", ("items", "words"))
    clauses: dict[str, tuple[str, ...]] = {}
    if "clause_starts" in node:
        path = "vocabulary.clause_starts"
        said = reader.mapping(node, "clause_starts", path)
        reader.keys(said, path, (), CLAUSE_START_PARTS)
        clauses = {key: reader.tags(said, key, path) for key in CLAUSE_START_PARTS}
    return Vocabulary(
        pointing_words=reader.tags(node, "pointing_words", "vocabulary"),
        question_openers=reader.tags(node, "question_openers", "vocabulary"),
        function_words=reader.tags(node, "function_words", "vocabulary"),
        clause_questions=clauses.get("questions", ()),
        clause_answers=clauses.get("answers", ()),
        clause_greetings=clauses.get("greetings", ()),
        clause_requesters=clauses.get("requesters", ()),
        clause_wishes=clauses.get("wishes", ()),
        clause_request_verbs=clauses.get("request_verbs", ()),
        clause_direct_requests=clauses.get("direct_requests", ()),
        riding_styles=riding.get("styles", {}),
        riding_verbs=riding.get("verbs", {}),
        riding_places=riding.get("places", {}),
        riders=riding.get("riders", {}),
        size_items=sizes.get("items", {}),
        size_words=sizes.get("words", {}),
        bike_words=bikes.get("words", ()),
        bike_makes=bikes.get("makes", ()),
        not_bikes=bikes.get("not_bikes", ()),
        bike_kinds=_terms(reader, node, "bike_kinds", needs_intent=False),
        purposes=_terms(reader, node, "purposes", needs_intent=False),
        budget=budget,
        currency_symbols=symbols,
        currency_words=currency_words,
        urgent=reader.tags(node, "urgent", "vocabulary"),
        occasions=reader.tags(node, "occasions", "vocabulary"),
        facts=_terms(reader, node, "facts", needs_intent=True),
        days=_days(reader, node),
        price_question=reader.tags(node, "price_question", "vocabulary"),
        yes_words=yes_words,
        yes_also=yes_also,
        no_words=no_words,
        no_also=no_also,
        ack_words=acknowledgement.get("words", ()),
        ack_thanks=acknowledgement.get("thanks", ()),
        ack_also=acknowledgement.get("also", ()),
        time_question=reader.tags(node, "time_question", "vocabulary"),
        faults=reader.tags(node, "faults", "vocabulary"),
        clock=reader.tags(node, "clock", "vocabulary"),
        suggesting=reader.tags(node, "suggesting", "vocabulary"),
        question_starts=reader.tags(node, "question_starts", "vocabulary"),
        pointing_back=reader.tags(node, "pointing_back", "vocabulary"),
        stock_question=reader.tags(node, "stock_question", "vocabulary"),
        reserve_question=reader.tags(node, "reserve_question", "vocabulary"),
        level_question=reader.tags(node, "level_question", "vocabulary"),
        distance_question=reader.tags(node, "distance_question", "vocabulary"),
        named_days=_named_days(reader, node),
        drop_off_day=reader.tags(node, "drop_off_day", "vocabulary"),
        happened=reader.tags(node, "happened", "vocabulary"),
        rough_months=_rough_months(reader, node),
        long_ago=reader.tags(node, "long_ago", "vocabulary"),
        test_ride=reader.tags(node, "test_ride", "vocabulary"),
        repair_wish=reader.tags(node, "repair_wish", "vocabulary"),
        loyalty_join=reader.tags(node, "loyalty_join", "vocabulary"),
        choosing=choosing,
        owning=owning.get("words", ()),
        owning_between=owning.get("between", ()),
        owning_about_it=owning.get("about_it", ()),
        owning_trouble=owning.get("trouble", ()),
    )


def _plain_answer(
    reader: _Reader, node: CommentedMap, key: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A plain yes or no, `{words, also}`: the words it starts with, and the others it may have."""
    if key not in node:
        return (), ()
    path = f"vocabulary.{key}"
    answer = reader.mapping(node, key, path)
    reader.keys(answer, path, ("words",), ("also",))
    return reader.tags(answer, "words", path), reader.tags(answer, "also", path)


def _named_days(reader: _Reader, node: CommentedMap) -> tuple[NamedDay, ...]:
    """The `named_days` vocabulary: each day's name, spellings and calendar rules."""
    days = []
    for path, item in _items(reader, node, "named_days"):
        path = f"vocabulary.{path}"
        reader.keys(item, path, ("name", "dates"), ("words",))
        rules = reader.tags(item, "dates", path)
        for rule in rules:
            if not is_date_rule(rule):
                raise reader.fail(
                    reader.line_of(item, "dates"),
                    f'{path}.dates: {rule!r} is not a date rule ("12-24", "easter+1", '
                    f'"last monday of may")',
                )
        days.append(
            NamedDay(
                name=reader.text(item, "name", path).lower(),
                words=reader.tags(item, "words", path),
                dates=rules,
            )
        )
    return tuple(days)


def _rough_months(reader: _Reader, node: CommentedMap) -> tuple[Term, ...]:
    """The `rough_months` vocabulary: each name a month's."""
    months = _terms(reader, node, "rough_months", needs_intent=False)
    for index, month in enumerate(months):
        if month.name not in MONTHS:
            raise reader.fail(
                reader.line_of(reader.sequence(node, "rough_months", "vocabulary"), index),
                f"vocabulary.rough_months[{index}].name {month.name!r} is not a month's name",
            )
    return months


def _days(reader: _Reader, node: CommentedMap) -> tuple[Term, ...]:
    """The `days` vocabulary: each name a weekday or one of RELATIVE_DAYS."""
    days = _terms(reader, node, "days", needs_intent=False)
    known = (*WEEKDAYS, *RELATIVE_DAYS)
    for index, day in enumerate(days):
        if day.name not in known:
            raise reader.fail(
                reader.line_of(reader.sequence(node, "days", "vocabulary.days"), index),
                f"vocabulary.days[{index}].name {day.name!r} is not one of {', '.join(known)}",
            )
    return days


def read_file(path: Path, error: type[BusinessFileError] = BusinessFileError) -> str:
    """The business file's text; `error` (naming the file) when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as failure:
        raise error(f"{path}: cannot be read ({failure.strerror})") from None


def load(path: Path) -> Business:
    """Read and validate a business file (synchronous: call it from a worker thread in a loop)."""
    return parse(read_file(path), path)
