"""What a question asks about exactly: which days ("are you open sunday?"), whether it asks
for a price ("how much is..."), what a follow-up that names nothing asks about the thing just
talked about ("is that one in stock?"), and which thing a buying question asks for when the NLU
found no product in it ("do you sell bmx bikes?"). The words come from the business file's
`vocabulary` (`days`, `price_question`, `question_starts`, `pointing_back`, ...) and catalogue,
found as the catalogue search finds names (typos forgiven), and the thing asked for from the
message's English grammar (spaCy's parse), so this module holds no shop words.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from voice.business import RELATIVE_DAYS, WEEKDAYS, Business, Product
from voice.catalogue import Catalogue, Match, phrase_at, words_of
from voice.dates import NumberedDay, next_date_by_rules, numbered_days

# The verbs of asking for a thing in a shop ("do you sell / have / stock / carry ... X", "can I
# buy / get / order X", "I want / need X"), and the prepositions of "looking for X", "after X".
# English grammar, not the shop's words: the thing asked for comes from the message.
ASKING_VERBS = frozenset("sell have get stock carry buy order want need find do".split())
ASKING_PREPOSITIONS = {"for": frozenset({"look", "search", "shop"}), "after": frozenset()}
# Parts of speech that end the words straight after an asking verb.
STOPS_A_PHRASE = frozenset({"ADP", "ADV", "AUX", "CCONJ", "SCONJ", "PRON", "VERB", "PART"})
# What a noun phrase may be without naming a thing ("one", "something", "it").
NAMES_NOTHING = frozenset("one ones something anything thing things stuff kind kinds sort".split())


def _first_place(said: list[str], spellings: tuple[str, ...]) -> int | None:
    places = [phrase_at(said, words_of(spelling), whole=False) for spelling in spellings]
    starts = [place[1] for place in places if place is not None]
    return min(starts) if starts else None


def _first_span(said: list[str], spellings: tuple[str, ...]) -> range | None:
    places = [phrase_at(said, words_of(spelling), whole=False) for spelling in spellings]
    found = sorted((place[1], -place[2]) for place in places if place is not None)
    return range(found[0][0], -found[0][1]) if found else None


def days_asked(shop: Business, text: str | None, today: dt.date) -> list[dt.date]:
    """The days a message names, in the order it names them: a weekday is its next date (today
    when today is that weekday), `today` and `tomorrow` count from `today`, a day by its number
    is that date ("the 24th", "29/11"), a holiday of the business file by its name ("boxing
    day") is its date when it is still ahead, and a named day of its vocabulary ("easter
    monday", "bank holiday monday") the next date its calendar rules give. A weekday inside a
    named day's words ("bank holiday monday") is not another day."""
    said = words_of(text or "")
    named: list[tuple[int, dt.date]] = []
    # Days by number ("sunday 27th december", "the 24th"); one whose weekday disagrees is asked
    # back (`disagreeing_day`), not answered.
    spans: list[range] = []
    for numbered in numbered_days(text, today):
        first = len(words_of((text or "")[: numbered.start]))
        spans.append(range(first, len(words_of((text or "")[: numbered.end]))))
        if numbered.date is not None and not numbered.disagrees:
            named.append((first, numbered.date))
    for holiday in shop.holidays:  # "what about boxing day": the next one of that name
        span = _first_span(said, (holiday.name,))
        if span is not None and holiday.date >= today:
            spans.append(span)
            if all(day != holiday.date for _, day in named):
                named.append((span.start, holiday.date))
    for named_day in shop.vocabulary.named_days:  # "easter monday": its next date
        span = _first_span(said, named_day.spellings)
        date = next_date_by_rules(named_day.dates, today) if span is not None else None
        if span is None or date is None:
            continue
        spans.append(span)
        if all(day != date for _, day in named):
            named.append((span.start, date))
    for term in shop.vocabulary.days:
        place = _first_place(said, term.spellings)
        if place is None or any(place in span for span in spans):
            continue
        if term.name in RELATIVE_DAYS:
            day = today + dt.timedelta(days=RELATIVE_DAYS[term.name])
        else:
            day = today + dt.timedelta(days=(WEEKDAYS.index(term.name) - today.weekday()) % 7)
        named.append((place, day))
    days: list[dt.date] = []
    for _, day in sorted(named):
        if day not in days:
            days.append(day)
    return days


def is_question(shop: Business, text: str | None) -> bool:
    """Whether a message asks something: a question mark, or a question's first word (the
    business file's `vocabulary.question_starts`)."""
    said = (text or "").strip()
    words = words_of(said)
    if not words or said.startswith("/"):
        return False  # a bare "?" asks nothing the bot could answer
    starts = {word for phrase in shop.vocabulary.question_starts for word in words_of(phrase)}
    return said.endswith("?") or words[0] in starts


def asks_something(shop: Business, text: str | None) -> bool:
    """Whether a message asks something (`is_question`), also after words that only open it
    ("ok whats the number": the business file's `vocabulary.question_openers`)."""
    if is_question(shop, text):
        return True
    openers = set(shop.vocabulary.question_openers)
    words = (text or "").split()
    while words and words[0].lower().strip(",.!") in openers:
        words = words[1:]
    return len(words) < len((text or "").split()) and is_question(shop, " ".join(words))


def disagreeing_day(text: str | None, today: dt.date) -> NumberedDay | None:
    """The first day the message writes by number with a weekday that is not its own ("sunday
    28th" when the 28th is a Saturday), or None."""
    return next((day for day in numbered_days(text, today) if day.disagrees), None)


def asks_price(shop: Business, text: str | None) -> bool:
    """Whether the message asks what something costs."""
    return _first_place(words_of(text or ""), shop.vocabulary.price_question) is not None


def asked_about_the_thing_before(shop: Business, text: str | None) -> str | None:
    """What a message that names nothing asks about the thing talked about just before: its
    "price" ("how much is that?"), whether it is in "stock" ("is it in stock", "got it in a
    medium?") or to "reserve" it ("can you put one aside?"); None when it names something or
    asks none of these. The words are the business file's (`vocabulary.price_question`,
    `stock_question`, `reserve_question`, with `pointing_back` and `question_starts` for the
    words around them); words that pick one of several items just recommended ("how much is
    the cheaper one?", `vocabulary.choosing`) may be among them."""
    vocabulary = shop.vocabulary
    return _asks_only(
        shop,
        text,
        {
            "price": vocabulary.price_question,
            "stock": vocabulary.stock_question,
            "reserve": vocabulary.reserve_question,
        },
        also=choosing_words(shop),
    )


def asked_about_the_rides_before(shop: Business, text: str | None) -> str | None:
    """What a message that names nothing asks about the rides just listed: their "level" ("ok
    for a beginner?", "is it hard?") or "distance" ("how far is it?"), from the business file's
    `vocabulary.level_question` and `distance_question`; None otherwise."""
    vocabulary = shop.vocabulary
    return _asks_only(
        shop,
        text,
        {"level": vocabulary.level_question, "distance": vocabulary.distance_question},
    )


def _asks_only(
    shop: Business,
    text: str | None,
    asking: dict[str, tuple[str, ...]],
    also: frozenset[str] | set[str] = frozenset(),
) -> str | None:
    """The first kind of `asking` whose words the message says, when its other words only point
    back, start a question or are `also`; None otherwise."""
    said = words_of(text or "")
    if not said or (text or "").lstrip().startswith("/"):
        return None
    found = [kind for kind, phrases in asking.items() if _first_place(said, phrases) is not None]
    if not found:
        return None
    vocabulary = shop.vocabulary
    allowed = set(also) | {
        word
        for phrases in (*asking.values(), vocabulary.pointing_back, vocabulary.question_starts)
        for phrase in phrases
        for word in words_of(phrase)
    }
    return found[0] if all(word in allowed for word in said) else None


def asks_after_a_product(shop: Business, text: str | None) -> bool:
    """Whether a message asks a product's price, stock or size, or to reserve it, whatever else
    it says ("how much is the <name>?", "<name> in stock?")."""
    said = words_of(text or "")
    vocabulary = shop.vocabulary
    asking = (vocabulary.price_question, vocabulary.stock_question, vocabulary.reserve_question)
    return any(_first_place(said, phrases) is not None for phrases in asking)


def points_back_only(shop: Business, text: str | None) -> bool:
    """Whether a message only asks again about what was just said: a question mark alone, or
    with only words that point back ("?", "and that?", "that one?")."""
    said = (text or "").strip()
    if not said.endswith("?") or said.startswith("/"):
        return False
    back = {word for phrase in shop.vocabulary.pointing_back for word in words_of(phrase)}
    return all(word in back for word in words_of(said))


def _object_of_asking(chunk: Any) -> bool:
    root = chunk.root
    if root.pos_ == "PRON":
        return False
    if root.dep_ == "dobj":
        return bool(root.head.lemma_.lower() in ASKING_VERBS)
    if root.dep_ == "pobj":
        preposition = root.head.lower_
        heads = ASKING_PREPOSITIONS.get(preposition)
        return heads is not None and (not heads or root.head.head.lemma_.lower() in heads)
    return False


def _objects_asked_for(doc: Any) -> list[list[Any]]:
    """The phrases a message asks for, as tokens with their main noun last: the objects of
    an asking verb in the parse, or, when the small parser misreads the verb ("do you stock
    tubeless sealant" parsed as one noun phrase), the words straight after it."""
    found = []
    for chunk in doc.noun_chunks:
        if _object_of_asking(chunk):
            words = [token for token in chunk if token.dep_ not in ("det", "poss", "predet")]
            found.append([*[token for token in words if token.i != chunk.root.i], chunk.root])
    if found:
        return found
    for index, token in enumerate(doc):
        if token.lower_ not in ASKING_VERBS:
            continue
        words = []
        for after in doc[index + 1 :]:
            if after.is_punct or after.pos_ in STOPS_A_PHRASE:
                break
            if after.pos_ != "DET":
                words.append(after)
        if words:
            return [words]
    return []


def thing_asked_for(shop: Business, text: str | None) -> str | None:
    """What a buying question asks for, when the NLU found no product in it.

    The object of "do you sell / have / stock ..." ("bmx bikes") is looked up in the catalogue:
    a kind the shop has several of is that kind ("any floor pumps": the pumps, when there are
    several); an item counts when it is named by the phrase's main noun ("a floor pump"), or by
    a modifier when the main noun is a word many items share ("club racer bikes"), never by a
    modifier of something else ("a pump bag" is not the pump). A phrase the catalogue does not
    have is returned as said, for the say-yes ladder's special order. Without such a phrase,
    the catalogue item the message names anywhere. None when it names no thing, or only words
    many items share ("do you sell bikes?"): then the bot asks which.
    """
    if not text or text.startswith("/"):
        return None
    from voice import language  # here: spaCy loads only when a message needs it

    catalogue = Catalogue.of(shop)
    function_words = set(shop.vocabulary.function_words)
    for words in _objects_asked_for(language.load()(text)):
        content = [
            token.lower_
            for token in words
            if token.lower_ not in function_words and token.lower_ not in NAMES_NOTHING
        ]
        if not content:
            continue
        phrase = " ".join(token.text for token in sorted(words, key=lambda token: token.i))
        main = words_of(words[-1].text)
        if len(catalogue.of_kind(words[-1].text)) > 1:
            return words[-1].text  # a kind of thing the shop has several of
        main_is_common = all(catalogue.common(word) for word in main)
        for match in catalogue.mentioned(phrase, kinds=("product",)):
            if main_is_common or set(main) <= set(match.said.split()):
                return match.item.name
        if not all(catalogue.common(word) for word in content):
            return phrase
        return None
    found = catalogue.mentioned(text, kinds=("product",))
    return found[0].item.name if found else None


# Words of a phrase may have a few words between them: "try the gravel one before buying".
_MAX_WORDS_BETWEEN = 4


def says_a_phrase(phrases: tuple[str, ...], text: str | None) -> bool:
    """Whether a message says one of `phrases`, a few words allowed between a phrase's words
    ("try the gravel one before buying")."""
    said = " ".join((text or "").lower().replace("\u2019", "'").split())
    gap = rf"(?:\s+\S+){{0,{_MAX_WORDS_BETWEEN}}}?\s+"
    for phrase in phrases:
        pattern = gap.join(re.escape(word) for word in phrase.split())
        if re.search(rf"(?<![\w']){pattern}(?![\w'])", said):
            return True
    return False


def asks_to_try(shop: Business, text: str | None) -> bool:
    """Whether a message asks to try a bike before buying it (the business file's
    `vocabulary.test_ride`: "test ride", "try … before")."""
    return says_a_phrase(shop.vocabulary.test_ride, text)


def says_trouble(shop: Business, text: str | None) -> bool:
    """Whether a message says something is wrong with a thing (the business file's
    `vocabulary.owning.trouble` words: "squealing", "wobbly", "stopped working"), typos
    forgiven as the catalogue search forgives them."""
    said = words_of(text or "")
    return any(
        _first_place(said, (phrase,)) is not None for phrase in shop.vocabulary.owning_trouble
    )


def asks_to_join(shop: Business, text: str | None) -> bool:
    """Whether a message asks to join the loyalty card (the business file's
    `vocabulary.loyalty_join`: "sign me up", "how do I join")."""
    return says_a_phrase(shop.vocabulary.loyalty_join, text)


def _start_of(said: list[str], words: list[str]) -> int | None:
    """Where `words` stand together in `said`, or None."""
    for start in range(len(said) - len(words) + 1):
        if said[start : start + len(words)] == words:
            return start
    return None


def _ends_with(said: list[str], end: int, phrases: tuple[str, ...]) -> bool:
    """Whether one of `phrases` ends in `said` just before `end`."""
    for phrase in phrases:
        words = words_of(phrase)
        if words and len(words) <= end and said[end - len(words) : end] == words:
            return True
    return False


def said_as_own(shop: Business, text: str | None, thing: str | None) -> bool:
    """Whether a message names `thing` as the customer's own: straight after the business
    file's `vocabulary.owning` words ("my", "I ride a", "my bike is a"), or after its
    `about_it` words ("its a") in a message that says what is wrong (`trouble`: "that's making
    the noise"). Their bike, never one to sell them."""
    vocabulary = shop.vocabulary
    said, named = words_of(text or ""), words_of(thing or "")
    if not said or not named or not vocabulary.owning or (text or "").lstrip().startswith("/"):
        return False
    start = _start_of(said, named)
    if start is None:
        return False
    between = {word for phrase in vocabulary.owning_between for word in words_of(phrase)}
    trouble = any(_first_place(said, (phrase,)) is not None for phrase in vocabulary.owning_trouble)
    owning = (*vocabulary.owning, *(vocabulary.owning_about_it if trouble else ()))
    while start > 0 and said[start - 1] in between:
        start -= 1
    return _ends_with(said, start, owning)


def owned_things(shop: Business, text: str | None) -> list[Match]:
    """The catalogue's products a message names as the customer's own (`said_as_own`), by
    their name or a synonym: "my gravel bike" says what kind of bike they have, not that it is
    the shop's model tagged so, and remembering that model as theirs would be remembering wrong."""
    found = Catalogue.of(shop).mentioned(text, kinds=("product",)) if text else []
    return [match for match in found if match.how == "name" and said_as_own(shop, text, match.said)]


def choice_among(shop: Business, text: str | None, products: list[Product]) -> Product | None:
    """The one of several products just recommended (in the order listed) that a message picks
    by its place or price ("the first one", "how much is the cheaper one"), from the business
    file's `vocabulary.choosing`; None when it picks none, or the words pick two ways."""
    said = words_of(text or "")
    if not said or not products:
        return None
    ways = [
        way
        for way, phrases in shop.vocabulary.choosing.items()
        if _first_place(said, phrases) is not None
    ]
    if len(ways) != 1:
        return None
    by_price = sorted(products, key=lambda product: product.price)
    picked = {
        "first": products[:1],
        "second": products[1:2],
        "third": products[2:3],
        "last": products[-1:],
        "cheapest": by_price[:1],
        "dearest": by_price[-1:],
    }.get(ways[0], [])
    return picked[0] if picked else None


def choosing_words(shop: Business) -> set[str]:
    """The words that pick one of several items (`vocabulary.choosing`), each on its own."""
    return {
        word
        for phrases in shop.vocabulary.choosing.values()
        for phrase in phrases
        for word in words_of(phrase)
    }
