"""Facts about a customer found in what they say (spaCy parse and entities) and in form values.

The extractor reads the dependency parse: a fact counts only when the customer says it about
themselves ("I", "my", "Dave here"), affirmatively (no negation, not a question), so "I don't
have a bike", "do you have a Trek?" and "I want to buy a helmet" store nothing. Which words are
bikes comes from the business file's vocabulary (`FactWords`, handed in by the composition
root); the parse decides whether a sentence states a fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from memory.records import ExtractedFact


def _said(words: Iterable[str]) -> frozenset[str]:
    return frozenset(" ".join(str(word).lower().split()) for word in words if str(word).strip())


def _lowered(words: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({str(word).lower(): str(meant) for word, meant in words.items()})


@dataclass(frozen=True)
class FactWords:
    """The shop's words that say what a customer's bike is (business.yml `vocabulary.bikes`
    and the kinds of bike of `vocabulary.bike_kinds`): without them no bike is named."""

    bike_words: frozenset[str] = frozenset()  # nouns that are a bike: "bike", "mtb"
    bike_kinds: frozenset[str] = frozenset()  # kinds of bike: "hybrid", "road bike"
    bike_makes: frozenset[str] = frozenset()  # makes and models
    not_bikes: frozenset[str] = frozenset()  # a part, a fault, a thanks: never a bike
    # How a customer rides (`vocabulary.riding`), each word -> the style stored: a kind of
    # riding ("gravel"), a verb ("commute"), where they ride to ("work"), a rider ("roadie").
    styles: Mapping[str, str] = field(default_factory=dict)
    style_verbs: Mapping[str, str] = field(default_factory=dict)
    style_places: Mapping[str, str] = field(default_factory=dict)
    style_people: Mapping[str, str] = field(default_factory=dict)
    # What sizes are kept (`vocabulary.sizes`): the item -> its key, a size word -> the size.
    size_items: Mapping[str, str] = field(default_factory=dict)
    size_words: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, vocabulary: object) -> FactWords:
        """The words of a business file's vocabulary (voice.business.Vocabulary)."""
        kinds: list[str] = []
        for term in getattr(vocabulary, "bike_kinds", ()):
            kinds += [str(term.name), *(str(word) for word in term.words)]
        return cls(
            bike_words=_said(getattr(vocabulary, "bike_words", ())),
            bike_kinds=_said(kinds),
            bike_makes=_said(getattr(vocabulary, "bike_makes", ())),
            not_bikes=_said(getattr(vocabulary, "not_bikes", ())),
            styles=_lowered(getattr(vocabulary, "riding_styles", {})),
            style_verbs=_lowered(getattr(vocabulary, "riding_verbs", {})),
            style_places=_lowered(getattr(vocabulary, "riding_places", {})),
            style_people=_lowered(getattr(vocabulary, "riders", {})),
            size_items=_lowered(getattr(vocabulary, "size_items", {})),
            size_words=_lowered(getattr(vocabulary, "size_words", {})),
        )

    def is_bike_noun(self, word: str) -> bool:
        return word.lower() in self.bike_words


NO_WORDS = FactWords()
OWNING_VERBS = frozenset({"ride", "own", "have", "get", "buy", "use"})
# Words that say how old or whose a bike is, not which bike: "my new bike" names no bike.
NOT_WHICH_BIKE = frozenset(
    {
        "new", "old", "current", "first", "last", "other", "own", "little", "big", "main",
        "spare", "usual", "favourite", "favorite",
    }
)  # fmt: skip
LIKING_VERBS = frozenset({"love", "like", "adore", "prefer"})
ASPIRING_VERBS = frozenset({"want", "hope", "plan", "aim", "dream", "wish", "intend", "train"})
ASPIRING_NOUNS = frozenset({"goal", "dream", "plan", "ambition", "aim", "wish"})
# What a customer "wants to" do with the shop is a request, not an aspiration.
TRANSACTIONAL_VERBS = frozenset(
    {
        "buy", "order", "book", "return", "know", "ask", "talk", "speak", "cancel", "check",
        "get", "find", "see", "pay", "change", "fix", "repair", "have", "exchange", "schedule",
        "sign", "join", "chat", "contact", "reach", "come", "pick", "collect", "make", "send",
        "complain", "report", "leave", "try", "rent", "hire", "borrow", "go", "update", "delete",
        "forget", "export", "give", "tell", "use", "stop", "unsubscribe",
    }
)  # fmt: skip
# A sentence that asks for a fact to be forgotten states none.
FORGETTING_VERBS = frozenset({"forget", "delete", "remove", "erase", "wipe"})
# "test ride": trying a bike in the shop is a request, not a dream.
TRIAL_WORDS = frozenset({"test"})
# Prepositions that say when a goal is ("in May", "by the summer").
WHEN = frozenset({"in", "by", "this", "next", "before"})
UNITS = frozenset({"cm", "mm", "in", "inch", "inches", '"', "centimetres", "centimeters"})
# Entities that are no person's name; a name the customer states as one ("my name's Keith")
# is theirs whatever place the recogniser took it for.
NOT_PEOPLE = frozenset({"ORG", "GPE", "LOC", "PRODUCT", "NORP", "FAC"})
STATED_NOT_PEOPLE = frozenset({"ORG", "PRODUCT"})
NOT_A_NAME = frozenset({"here", "back", "fine", "good", "ok", "okay", "new", "sorry", "ready"})
# A name as people write it: one to three words of letters, an apostrophe or hyphen inside
# ("Anne-Marie", "O'Neill"). A postcode, an email, a number or a reference never is one.
_NAME = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*(?: [^\W\d_]+(?:['\-][^\W\d_]+)*){0,2}")

# Form slots (Rasa slot names) whose values are facts: slot -> (kind, key).
DEFAULT_SLOT_FACTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "customer_name": ("name", ""),
        "name": ("name", ""),
        "first_name": ("name", ""),
        "bike": ("bike", ""),
        "bike_model": ("bike", ""),
        "riding_style": ("riding_style", ""),
        "frame_size": ("size", "frame"),
        "shoe_size": ("size", "shoe"),
        "jersey_size": ("size", "jersey"),
        "helmet_size": ("size", "helmet"),
        "favourite_product": ("favourite_product", ""),
        # Not the `aspiration` slot: the session fills it with a shortened copy of a stored goal.
        "riding_goal": ("aspiration", ""),
    }
)


# Every fact is said in the first person ("I ride ...", "my name is ...", "call me ..."), or
# as an aim with the subject left out ("dreaming of ...", "training for ..."): a message
# with none of these words states no fact, and is not parsed (most messages are questions).
FIRST_PERSON = frozenset({"i", "me", "my"})
LEFT_OUT_SUBJECT_ENDING = "ing"


# A name said in passing has none of them: "Dave here", "it's Sarah", "name's Sarah", "this is
# Hannah". These words let such a message through to the parse, which decides.
NAME_CUES = frozenset({"here", "name"})
NAME_INTRODUCERS = frozenset({"it", "this"})
BE = frozenset({"'s", "\u2019s", "is"})


def could_state_a_fact(words: Doc) -> bool:
    """Whether a tokenised message has a word that a fact needs (FIRST_PERSON, an -ing
    word that may be an aim with the subject left out, or the words of a name said in
    passing)."""
    for word in words:
        if word.lower_ in FIRST_PERSON or word.lower_.endswith(LEFT_OUT_SUBJECT_ENDING):
            return True
        if word.lower_ in NAME_CUES:
            return True
        after = words[word.i + 1 : word.i + 3]
        if (
            word.lower_ in NAME_INTRODUCERS
            and len(after) == 2
            and after[0].lower_ in BE
            and after[1].text[:1].isupper()
        ):
            return True
    return False


def _is_me(token: Token) -> bool:
    if token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    # "Dave here - got a Boardman": the customer who just said their name
    return token.lower_ in ("i", "me") or _here_after(token) is not None


def _here_after(token: Token) -> Token | None:
    """`token` when it is a name said as "Dave here" at the start of a sentence (or after a
    greeting and a comma: "hi, Priya here"), never in "is Tom here today?"."""
    doc = token.doc
    if token.pos_ != "PROPN" or token.i + 1 >= len(doc) or doc[token.i + 1].lower_ != "here":
        return None
    if doc[token.i + 1].head != token and doc[token.i + 1].head != token.head:
        return None
    before = doc[token.i - 1] if token.i > token.sent.start else None
    return token if before is None or before.is_punct else None


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    # "I love and ride my Trek": the second verb shares the first one's subject.
    if verb.dep_ in ("conj", "xcomp") and verb.head != verb:
        return _subject(verb.head)
    return None


def _affirmed(verb: Token) -> bool:
    """The clause is stated, not negated and not asked ("don't", "do I ...?", "can I ...?")."""
    if any(child.dep_ == "neg" for child in verb.children):
        return False
    subject = _subject(verb)
    for child in verb.children:
        if child.dep_ == "aux" and subject is not None and child.i < subject.i:
            return False  # inverted: a question
    return not verb.sent.text.rstrip().endswith("?")


def _said_by_me(verb: Token) -> bool:
    subject = _subject(verb)
    return subject is not None and _is_me(subject) and _affirmed(verb)


def _phrase(token: Token, drop_possessive: bool = True) -> str:
    """The noun phrase headed by `token`, without determiners and "my"."""
    words = []
    # What follows the noun ("that's making a noise", "with ...", ", mostly gravel at
    # weekends") is not its name.
    clauses = {
        inner.i
        for child in token.children
        if child.dep_ in ("prep", "relcl", "cc", "conj", "acl", "appos")
        for inner in child.subtree
    }
    for word in token.subtree:
        if word.i in clauses or (word.i > token.i and word.text in (",", ";")):
            if word.i > token.i:
                break
            continue
        if word.dep_ in ("det", "punct", "case") and word != token:
            continue
        if drop_possessive and word.dep_ == "poss":
            continue
        words.append(word.text)
    # "my Garmin Edge 530": the parser often hangs the model number on the verb.
    after = token.doc[token.right_edge.i + 1] if token.right_edge.i + 1 < len(token.doc) else None
    if after is not None and after.like_num and after.head == token.head and after.i > token.i:
        words.append(after.text)
    return " ".join(words).strip()


def _span_text(start: int, end: int, doc: Doc) -> str:
    span: Span = doc[start:end]
    return span.text.strip().rstrip(".!,;")


def _has_my(token: Token) -> bool:
    return any(child.dep_ == "poss" and child.lower_ == "my" for child in token.children)


def _named_after(token: Token) -> Token | None:
    """The word after "my name's" / "my name is", however the parser hung the sentence
    ("my name's Dave btw" often parses "name" as Dave's possessor)."""
    doc = token.doc
    nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
    if nxt is None or nxt.lower_.replace("\u2019", "'") not in ("'s", "is"):
        return None
    after = doc[nxt.i + 1] if nxt.i + 1 < len(doc) else None
    return after if after is not None and after.pos_ == "PROPN" else None


def _my_name(token: Token) -> bool:
    """ "my name", or "name" alone at the start of a sentence ("name's Sarah", "the name's
    Keith"); never someone else's ("my daughter's name", "your name")."""
    if token.lemma_ != "name":
        return False
    owners = [c for c in token.children if c.dep_ == "poss"]
    if owners:
        return all(c.lower_ == "my" for c in owners)
    first = next((w for w in token.sent if not (w.is_punct or w.dep_ == "det")), None)
    return first == token


def _introduced(verb: Token) -> Token | None:
    """The person named in "it's Sarah" / "this is Hannah" said as a statement."""
    subject = _subject(verb)
    if subject is None or subject.lower_ not in NAME_INTRODUCERS or subject.i > verb.i:
        return None
    if not _affirmed(verb):
        return None
    attr = next((c for c in verb.children if c.dep_ == "attr"), None)
    if attr is None or attr.ent_type_ != "PERSON" or any(c.dep_ == "det" for c in attr.children):
        return None
    return attr


def _names(sentence: Span) -> list[ExtractedFact]:
    found: list[ExtractedFact] = []
    for token in sentence:
        candidate: Token | None = None
        if _my_name(token) and token.dep_ != "nsubj":
            candidate = _named_after(token)
        elif token.pos_ == "PROPN" and _here_after(token) is not None:
            candidate = token
        elif token.lemma_ == "be" and _introduced(token) is not None:
            candidate = _introduced(token)
        elif _my_name(token) and token.dep_ == "nsubj":
            verb = token.head
            if verb.lemma_ == "be" and _affirmed(verb):
                candidate = next((c for c in verb.children if c.dep_ == "attr"), None)
        elif token.lemma_ == "be" and _said_by_me(token):
            candidate = next((c for c in token.children if c.dep_ == "attr"), None)
            if candidate is not None and any(c.dep_ == "det" for c in candidate.children):
                candidate = None  # "I'm a Trek fan"
        elif token.lemma_ == "call" and any(
            c.dep_ == "dobj" and c.lower_ == "me" for c in token.children
        ):
            candidate = next((c for c in token.children if c.dep_ in ("oprd", "xcomp")), None)
        if candidate is None or candidate.pos_ != "PROPN":
            continue
        # "my name's Keith" says it is a name whatever the entity recogniser guessed
        stated = _my_name(token) or token.lemma_ == "call"
        not_people = (
            ("ORG", "PRODUCT") if stated else ("ORG", "GPE", "LOC", "PRODUCT", "NORP", "FAC")
        )
        if candidate.ent_type_ in not_people:
            continue
        parts = [
            c
            for c in candidate.lefts
            if c.dep_ == "compound" and c.pos_ == "PROPN" and c.i > token.i
        ]
        words = [*parts, candidate]
        if not all(word.is_alpha and word.text[:1].isupper() for word in words):
            continue
        if candidate.lower_ in NOT_A_NAME or len(words) > 3:
            continue
        if any(c.dep_ == "case" for c in candidate.children):
            continue  # "I'm Dave's wife": someone else's name
        sure = 0.9 if candidate.ent_type_ == "PERSON" else 0.7
        found.append(ExtractedFact("name", " ".join(word.text for word in words), confidence=sure))
    return found


def _is_bike_phrase(noun: Token, verb_lemma: str, words: FactWords) -> bool:
    said = " ".join(word.lower_ for word in noun.subtree)
    if words.is_bike_noun(noun.lemma_) or noun.lower_ in words.bike_kinds:
        return True
    if any(_has_phrase(said, make) for make in words.bike_makes):
        return True
    return noun.pos_ == "PROPN" and verb_lemma == "ride"


def _has_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def _bikes(sentence: Span, words: FactWords) -> list[ExtractedFact]:
    found: list[ExtractedFact] = []
    for token in sentence:
        if token.pos_ == "VERB" and token.lemma_ in OWNING_VERBS and _said_by_me(token):
            if token.lemma_ in ("buy", "get") and token.tag_ not in ("VBD", "VBN"):
                continue  # "I want to buy a bike" is a wish; "I bought a Trek" a fact
            if token.dep_ == "xcomp":
                continue  # "I'd like to ride a Brompton"
            for obj in token.children:
                if obj.dep_ != "dobj" or obj.lemma_.lower() in words.size_items:
                    continue
                if obj.lemma_.lower() in words.styles:
                    continue  # "I ride gravel" is a style
                if obj.tag_ == "NNS" and words.is_bike_noun(obj.lemma_):
                    continue  # "I have 3 bikes" says how many, not which
                if _is_bike_phrase(obj, token.lemma_, words):
                    value = _phrase(obj)
                    model = obj.pos_ == "PROPN" and token.lemma_ == "ride"
                    if names_a_bike(value, words, model=model):
                        found.append(ExtractedFact("bike", value, confidence=0.8))
        elif _mine(token) and token.dep_ != "compound" and _names_bike_noun(token, words):
            value = _phrase(token)
            if _hyphened(token):
                value = token.doc[token.i - 2 : token.i + 1].text  # "my e-bike"
            if names_a_bike(value, words) and not _negated_around(token):
                found.append(ExtractedFact("bike", value, confidence=0.7))
        elif token.lemma_ == "be" and _affirmed(token):
            # "my bike is a Giant Defy": what the customer's bike is
            subject = _subject(token)
            attr = next((c for c in token.children if c.dep_ == "attr"), None)
            if subject is None or attr is None or not _has_my(subject):
                continue
            if not words.is_bike_noun(subject.lemma_):
                continue
            value = _phrase(attr)
            if names_a_bike(value, words):
                found.append(ExtractedFact("bike", value, confidence=0.8))
    return found


def _has_digit(word: str) -> bool:
    return any(character.isdigit() for character in word)


def _hyphened(token: Token) -> bool:
    """ "e-bike" split by the tokenizer into "e", "-", "bike"."""
    doc = token.doc
    return token.i >= 2 and doc[token.i - 1].text == "-" and doc[token.i - 1].head != token


def _mine(token: Token) -> bool:
    if token.pos_ not in ("NOUN", "PROPN"):
        return False
    return _has_my(token) or (_hyphened(token) and _has_my(token.doc[token.i - 2]))


def _names_bike_noun(token: Token, words: FactWords) -> bool:
    """ "my hybrid", "my bike", "my old Raleigh": a noun that is a bike, a kind or a make."""
    if words.is_bike_noun(token.lemma_) or token.lower_ in words.bike_kinds:
        return True
    said = " ".join(word.lower_ for word in token.subtree if word.i <= token.i)
    return any(_has_phrase(said, make) for make in words.bike_makes)


# Words in front of a bike that say whose it is or which one, not what it is.
_LEADING = re.compile(r"^(?:(?:my|a|an|the|our)\s+)+", re.IGNORECASE)


def names_a_bike(value: str, words: FactWords = NO_WORDS, model: bool = False) -> bool:
    """Whether a phrase says which bike the customer has ("an old Raleigh", "gravel bike",
    "Boardman hybrid"), not just that it is one or how old ("bike", "my new bike"), and is
    no part, fault or thanks ("back wheel is all buckled", "thx"). A phrase names a bike by a
    noun that is a bike with something more, a kind of bike, or a make or model; `model`: the
    customer rides it, so a name of its own ("I ride a Moulton") is a model too."""
    said = " ".join(re.findall(r"[\w'-]+", _LEADING.sub("", value.lower())))
    kept = [word for word in said.split() if word not in NOT_WHICH_BIKE]
    if " ".join(kept) in words.bike_kinds:
        return True  # "hybrid", "e-bike"
    if not kept or " ".join(kept) in words.bike_words:
        return False
    if any(_has_phrase(said, word) for word in words.not_bikes):
        return False
    if not (words.bike_words or words.bike_kinds or words.bike_makes):
        return True  # no vocabulary to judge by: only the checks above
    if any(word in words.bike_words for word in kept):
        return True
    if model and any(
        word[:1].isupper() or any(c.isdigit() for c in word) for word in value.split()
    ):
        return True
    return any(_has_phrase(said, term) for term in words.bike_kinds | words.bike_makes)


def _negated_around(token: Token) -> bool:
    head = token.head
    return any(child.dep_ == "neg" for child in head.children)


def _styles(sentence: Span, words: FactWords) -> list[ExtractedFact]:
    found: list[ExtractedFact] = []
    for token in sentence:
        style = None
        enjoyed = token.dep_ == "xcomp" and token.head.lemma_ in ("love", "like", "enjoy")
        if token.pos_ == "VERB" and (token.dep_ != "xcomp" or enjoyed) and _said_by_me(token):
            if token.lemma_ in words.style_verbs:
                style = words.style_verbs[token.lemma_]
            elif token.lemma_ in ("ride", "cycle", "bike") and _rides_to(token, words):
                style = words.style_places[_rides_to(token, words) or ""]
            elif token.lemma_ in ("ride", "do", "love"):
                for child in token.children:
                    target = child
                    if child.dep_ == "prep" and child.lower_ in ("on", "in"):
                        target = next((c for c in child.children if c.dep_ == "pobj"), child)
                    word = target.lemma_.lower()
                    if target.lower_ in words.styles:
                        word = target.lower_  # "I love bikepacking"
                    if target.dep_ in ("dobj", "pobj", "npadvmod") and word in words.styles:
                        style = words.styles[word]
                    elif target.dep_ == "dobj" and target.lemma_ == "biking":
                        modifier = next((c for c in target.lefts if c.dep_ == "compound"), None)
                        if modifier is not None and modifier.lemma_.lower() in words.styles:
                            style = words.styles[modifier.lemma_.lower()]
        elif token.lemma_ == "be" and _said_by_me(token):
            attr = next((c for c in token.children if c.dep_ == "attr"), None)
            if attr is not None and attr.lemma_.lower() in words.style_people:
                style = words.style_people[attr.lemma_.lower()]
            elif attr is not None and attr.lemma_.lower() in ("biker", "rider", "cyclist"):
                modifier = next(
                    (c for c in attr.lefts if c.dep_ in ("compound", "amod", "nmod")), None
                )
                if modifier is not None and modifier.lemma_.lower() in words.styles:
                    style = words.styles[modifier.lemma_.lower()]
        if style:
            found.append(ExtractedFact("riding_style", style, confidence=0.75))
    return found


def _rides_to(verb: Token, words: FactWords) -> str | None:
    """Where "I ride (a Trek) to work" goes, when it is a place that says what riding is for:
    "to work" parses as a prepositional object or as an infinitive ("to work")."""
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ == "to":
            target = next((c for c in child.children if c.dep_ == "pobj"), None)
            if target is not None and target.lower_ in words.style_places:
                return target.lower_
        if child.dep_ in ("xcomp", "advcl") and child.lower_ in words.style_places:
            if any(c.lower_ == "to" for c in child.children):
                return child.lower_
    return None


def _favourites(sentence: Span) -> list[ExtractedFact]:
    found: list[ExtractedFact] = []
    for token in sentence:
        if (
            token.dep_ == "nsubj"
            and _has_my(token)
            and any(c.lemma_ in ("favourite", "favorite") for c in token.children)
            and token.head.lemma_ == "be"
            and _affirmed(token.head)
        ):
            attr = next((c for c in token.head.children if c.dep_ == "attr"), None)
            if attr is not None and attr.pos_ in ("PROPN", "NOUN"):
                value = _phrase(attr)
                found.append(
                    ExtractedFact("favourite_product", value, key=token.lemma_, confidence=0.85)
                )
        elif token.pos_ == "VERB" and token.lemma_ in LIKING_VERBS and _said_by_me(token):
            if any(c.lower_ in ("would", "'d") for c in token.children):
                continue  # "I'd like a ..." is a request
            for obj in token.children:
                if obj.dep_ != "dobj" or obj.pos_ not in ("PROPN", "NOUN"):
                    continue
                if any(c.dep_ == "poss" and c.lower_ != "my" for c in obj.children):
                    continue
                if not any(word.pos_ == "PROPN" for word in obj.subtree):
                    continue  # "I love the shop": not a product
                found.append(ExtractedFact("favourite_product", _phrase(obj), confidence=0.7))
    return found


def _size_value(item: Token, words: FactWords) -> str | None:
    """The size next to a size item: "56 cm frame", "medium jersey", "size 43 shoes"."""
    candidates = list(item.children)
    if item.head.lemma_ == "size":
        candidates += list(item.head.children)
        if item.head.head.lemma_ == "be":
            candidates += [c for c in item.head.head.children if c.dep_ in ("attr", "acomp")]
    for word in item.sent:
        if word.lemma_ == "size" and word.i + 1 < len(item.doc) and item.doc[word.i + 1].like_num:
            candidates.append(item.doc[word.i + 1])
    for unit_word in item.children:
        if unit_word.lower_ in UNITS:
            number = next((c for c in unit_word.children if c.like_num), None)
            if number is not None:
                return f"{number.text} {unit_word.text}"
    for word in candidates:
        if word.like_num:
            after = word.doc[word.i + 1] if word.i + 1 < len(word.doc) else None
            unit = after.text if after is not None and after.lower_ in UNITS else ""
            plural = item.tag_ == "NNS" and item.lemma_ not in ("shorts", "bib")
            if plural and not unit and word.dep_ == "nummod" and _number(word.text) <= 10:
                continue  # "2 jerseys" counts jerseys
            return f"{word.text} {unit}".strip()
        if word.lower_ in words.size_words and word.dep_ in ("compound", "amod", "attr", "acomp"):
            return words.size_words[word.lower_]
    return None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _sizes(sentence: Span, words: FactWords) -> list[ExtractedFact]:
    if not any(word.lower_ in ("i", "my", "me") for word in sentence):
        return []
    if sentence.text.rstrip().endswith("?") or any(w.dep_ == "neg" for w in sentence):
        return []
    found: list[ExtractedFact] = []
    for token in sentence:
        key = words.size_items.get(token.lemma_.lower()) or words.size_items.get(token.lower_)
        if key and token.pos_ == "NOUN":
            value = _size_value(token, words)
            if value:
                found.append(ExtractedFact("size", value, key=key, confidence=0.75))
    return found


def _aspirations(sentence: Span) -> list[ExtractedFact]:
    found: list[ExtractedFact] = []
    doc = sentence.doc
    for token in sentence:
        if token.pos_ == "VERB" and token.lemma_ in ASPIRING_VERBS | {"love", "like"}:
            subject = _subject(token)
            if subject is not None and not (_is_me(subject) and _affirmed(token)):
                continue
            if subject is None and not (token.dep_ == "ROOT" and token.tag_ == "VBG"):
                continue  # only "dreaming of ..." may leave the subject out
            if token.lemma_ in ("love", "like") and not any(
                c.lower_ in ("would", "'d") for c in token.children
            ):
                continue  # "I love riding" is a liking; "I'd love to ride ..." a wish
            goal = next((c for c in token.children if c.dep_ == "xcomp"), None)
            if goal is not None and goal.pos_ == "VERB":
                if goal.lemma_ in TRANSACTIONAL_VERBS or any(
                    word.lower_ in TRIAL_WORDS for word in (goal, *goal.lefts)
                ):
                    continue  # "I'd like to test ride a ...": a request to the shop
                words = [w for w in goal.subtree if not (w.dep_ == "aux" and w.lower_ == "to")]
                value = _span_text(words[0].i, words[-1].i + 1, doc) if words else ""
                if value and goal.lemma_ != value.lower():
                    found.append(ExtractedFact("aspiration", value, confidence=0.8))
                continue
            if token.lemma_ in ("dream", "train"):
                for prep in token.children:
                    if prep.dep_ == "prep" and prep.lower_ in ("of", "about", "for"):
                        target = next((c for c in prep.children if c.dep_ == "pobj"), None)
                        if target is not None:
                            start = min(w.i for w in target.subtree if w.dep_ != "det")
                            end = max(w.i for w in token.subtree) + 1
                            value = _span_text(start, end, doc)
                            found.append(ExtractedFact("aspiration", value, confidence=0.75))
        elif token.lower_ == "training" and token.pos_ == "NOUN" and token.dep_ == "ROOT":
            # "hi, training for a 200k audax next summer": the goal, not the greeting around it
            aim = _training_for(token)
            if aim:
                found.append(ExtractedFact("aspiration", aim, confidence=0.7))
        elif token.lemma_ in ASPIRING_NOUNS and token.dep_ == "nsubj" and _has_my(token):
            verb = token.head
            goal = next((c for c in verb.children if c.dep_ == "xcomp"), None)
            if verb.lemma_ == "be" and _affirmed(verb) and goal is not None:
                if goal.lemma_ in TRANSACTIONAL_VERBS:
                    continue
                value = _span_text(goal.i, sentence.end, doc)
                found.append(ExtractedFact("aspiration", value, confidence=0.85))
    return found


def _training_for(token: Token) -> str | None:
    """What "training for ..." (said without "I'm") aims at: the object of "for" with a time
    said right after it ("next summer", "in May"), without a bike it is ridden on."""
    prep = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "for"), None)
    target = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
    if target is None:
        return None
    words = [w for w in target.subtree if w.dep_ != "det" or w.i > target.i]
    ridden_on = [w.i for w in words if w.dep_ == "prep" and w.lower_ in ("on", "with")]
    end = min(ridden_on, default=max(w.i for w in words) + 1)
    for sibling in token.children:
        span = sorted(w.i for w in sibling.subtree)
        if span[0] < end:
            continue
        times = sibling.dep_ == "npadvmod" or (sibling.dep_ == "prep" and sibling.lower_ in WHEN)
        if span[0] != end or not times:
            break
        end = span[-1] + 1
    return _span_text(min(w.i for w in words), end, token.doc)


class FactExtractor:
    """Finds facts in customer messages with a spaCy pipeline (loaded on first use)."""

    def __init__(self, nlp: Language | None = None, words: FactWords = NO_WORDS) -> None:
        self._nlp = nlp
        self.words = words

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            from voice import language

            self._nlp = language.load()
        return self._nlp

    def load(self) -> Language:
        """Loads the pipeline now (a worker warms it up before the first message arrives)."""
        return self.nlp

    def __call__(self, text: str) -> list[ExtractedFact]:
        return self.extract(text)

    def extract(self, text: str) -> list[ExtractedFact]:
        """The facts a customer message states about the customer (none for most messages)."""
        text = text.strip()[:2000]
        if not text or text.startswith("/"):
            return []
        # The tokenizer alone is cheap; the tagger, parser and entities are not.
        words = self.nlp.tokenizer(text)
        if not could_state_a_fact(words):
            return []
        return facts_of(self.nlp(words), self.words)


def facts_of(doc: Doc, words: FactWords = NO_WORDS) -> list[ExtractedFact]:
    """The facts a parsed customer message states about the customer."""
    found: list[ExtractedFact] = []
    for sentence in doc.sents:
        if any(word.pos_ == "VERB" and word.lemma_ in FORGETTING_VERBS for word in sentence):
            continue  # "forget my Trek" asks us to forget it, not to keep it again
        for finder in (
            _names,
            partial(_bikes, words=words),
            partial(_styles, words=words),
            _favourites,
            partial(_sizes, words=words),
            _aspirations,
        ):
            for fact in finder(sentence):
                if fact.value and fact not in found:
                    found.append(fact)
    return found


def facts_from_slots(
    slots: Mapping[str, Any],
    slot_facts: Mapping[str, tuple[str, str]] = DEFAULT_SLOT_FACTS,
    words: FactWords = NO_WORDS,
) -> list[ExtractedFact]:
    """Facts from form values (slot name -> value); the customer typed them into a form. A
    bike is kept only when the value names one (`names_a_bike`)."""
    found: list[ExtractedFact] = []
    for slot, value in slots.items():
        if slot not in slot_facts or not isinstance(value, (str, int, float)):
            continue
        text = " ".join(str(value).split())[:200]
        if not text or isinstance(value, bool):
            continue
        kind, key = slot_facts[slot]
        if kind == "name" and not looks_like_name(text):
            continue  # unsure whether it is a name: better forgotten than remembered wrong
        if kind == "bike" and not names_a_bike(text, words, model=True):
            continue  # "thx", "back wheel is all buckled": no bike
        found.append(ExtractedFact(kind, text, key=key, confidence=1.0))
    return found


def names_the_customer(
    name: str, message: str | None, extract: Callable[[str], Sequence[ExtractedFact]] | None
) -> bool:
    """Whether a name the language model took from `message` (an entity that filled a name
    slot) is the customer's own: the message is the name alone (the answer to "what's your
    name?"), or it states that name as theirs ("Dave here"). "it's for my son Tom" and "is
    Sarah in today?" name someone else. Without the message or an extractor to read it, the
    name stands (the slot's own checks still apply)."""
    if message is None or extract is None:
        return True
    said = " ".join(re.findall(r"[^\W\d_]+(?:['\-][^\W\d_]+)*", message.lower()))
    if said == " ".join(name.lower().split()):
        return True
    stated = [fact.value.lower() for fact in extract(message) if fact.kind == "name"]
    return name.lower() in stated


def looks_like_name(text: str) -> bool:
    """Whether a value can be a person's name: letters only, at most three words, not a word
    that says something else ("fine", "back"). "BS5 9QT", "sue@example.com" and "48213" are not."""
    words = " ".join(str(text or "").split())
    if not _NAME.fullmatch(words):
        return False
    return not any(word.lower() in NOT_A_NAME for word in words.split())
