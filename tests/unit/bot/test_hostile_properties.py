"""Property-based tests: whatever a client sends, the code that reads it raises nothing but its
own documented refusals.

Each test draws arbitrary input (text with every Unicode class, control characters, lone
surrogates, huge numbers, nested JSON) and checks a property that must hold for all of it.
"""

from __future__ import annotations

import json
import string
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import session_tokens, widget_guards
from bot.rest_channel import bearer_token_matches, message_problem
from memory.facts import FactExtractor
from memory.ingest import EventIngestor

SECRET = "property-tests-secret-" + "p" * 24

# Text as hostile clients send it: any code point (surrogates included), with slashes,
# braces and control characters made likely.
hostile_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None, categories=None)),
    st.text(alphabet="/{}[]\"'\\<>\x00\x1b\r\n\t \u202e\u200f" + string.ascii_letters),
    st.builds(lambda a, b: f"/{a}{{{b}}}", st.text(max_size=20), st.text(max_size=40)),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(hostile_text, st.lists(st.text(max_size=30), max_size=4))
def test_customer_text_never_reaches_rasa_as_a_command_unless_offered(
    text: str, offered: list[str]
) -> None:
    sent = widget_guards.customer_text(text, offered)
    if sent.startswith(widget_guards.INTENT_PREFIX):
        assert sent in offered
        assert sent == widget_guards.readable(text).strip()
    else:
        assert sent == widget_guards.as_words(sent)


@given(hostile_text)
def test_words_are_stripped_and_never_start_with_a_slash(text: str) -> None:
    words = widget_guards.as_words(text)
    assert not words.startswith("/")
    assert words == words.strip()
    assert widget_guards.as_words(words) == words


@given(st.one_of(json_values, json_values.map(json.dumps), st.text()))
def test_page_metadata_keeps_only_what_a_page_may_say(raw: object) -> None:
    accepted = widget_guards.client_metadata(raw)
    assert set(accepted) <= set(widget_guards.CLIENT_METADATA_KEYS)
    if "rating" in accepted:
        assert type(accepted["rating"]) is int
        assert widget_guards.RATING_MIN <= accepted["rating"] <= widget_guards.RATING_MAX
    if "page" in accepted:
        assert accepted["page"].startswith(("http://", "https://"))
        assert len(accepted["page"]) <= widget_guards.MAX_PAGE_CHARS


@given(st.one_of(json_values, hostile_text), st.one_of(st.none(), st.floats(), st.integers()))
def test_a_session_token_is_accepted_only_if_this_server_signed_it(
    token: object, max_age: float | int | None
) -> None:
    with pytest.raises(session_tokens.TokenRefused):
        session_tokens.verify_session_token(SECRET, token, max_age)


@given(st.from_regex(r"web-[0-9a-f]{32}", fullmatch=True), hostile_text)
def test_a_forged_signature_on_a_real_shape_is_refused(conversation: str, forged: str) -> None:
    issued = session_tokens.issue_session_token(SECRET, conversation).token
    version, conversation_id, at, _ = issued.split(".")
    tampered = f"{version}.{conversation_id}.{at}.{forged}"
    if tampered == issued:
        return
    with pytest.raises(session_tokens.TokenRefused):
        session_tokens.verify_session_token(SECRET, tampered)


@given(json_values, json_values, json_values)
def test_an_identity_is_accepted_only_with_its_own_signature(
    customer: object, signature: object, expires: object
) -> None:
    if isinstance(customer, str) and isinstance(signature, str):
        try:
            right = session_tokens.identity_signature(SECRET, customer)
        except Exception:
            right = None
        if right is not None and signature.lower() == right and expires is None:
            return
    with pytest.raises(session_tokens.IdentityRefused):
        session_tokens.verify_identity(SECRET, customer, signature, expires)


@given(st.one_of(st.none(), hostile_text), hostile_text)
def test_a_rest_call_passes_only_with_exactly_the_token(header: str | None, token: str) -> None:
    matches = bearer_token_matches(header, token)
    assert matches == bool(token and header == f"Bearer {token}")


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "event": st.sampled_from(["user", "bot", "slot", "action", "session_started"])
            | st.text(),
            "sender_id": json_values,
            "text": json_values,
            "timestamp": json_values,
            "parse_data": json_values,
            "metadata": json_values,
            "data": json_values,
        },
    )
)
def test_any_event_from_the_broker_is_an_exchange_or_nothing(event: dict) -> None:
    try:
        exchange = EventIngestor.exchange(event)
    except (TypeError, ValueError, OverflowError) as error:
        pytest.fail(f"an event of the stream raised {error!r}: {event!r}")
    if exchange is not None:
        assert exchange.speaker in ("customer", "bot", "agent")
        assert isinstance(exchange.at, datetime)


@pytest.fixture(scope="module")
def extractor(fact_words) -> FactExtractor:
    facts = FactExtractor(words=fact_words)
    facts.load()
    return facts


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hostile_text)
def test_fact_extraction_reads_any_message(extractor: FactExtractor, text: str) -> None:
    for fact in extractor.extract(text):
        assert fact.value
        assert len(fact.value) <= 2000


@given(hostile_text, st.lists(st.text(max_size=30), max_size=4))
def test_what_reaches_rasa_is_always_valid_utf_8(text: str, offered: list[str]) -> None:
    widget_guards.customer_text(text, offered).encode("utf-8")


@given(st.one_of(st.binary(), json_values.map(lambda v: json.dumps(v).encode())))
def test_a_rest_body_is_readable_or_refused_with_what_to_fix(body: bytes) -> None:
    problem = message_problem(body)
    if problem:
        assert "must" in problem
        return
    data = json.loads(body)
    assert isinstance(data["message"], str)
    data["message"].encode("utf-8")


def test_a_rest_message_with_a_lone_surrogate_is_refused() -> None:
    assert "surrogate" in message_problem(b'{"sender": "a", "message": "hi \\ud800"}')
    assert message_problem(b'{"sender": "a", "message": "hi"}') == ""
