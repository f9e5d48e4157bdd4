"""Forms with exits, through the real servers: a customer with no order number who answers "I
don't know" to the forms' questions, and one whose first message already says what is wrong.
Each asserts what is stored afterwards (the booking, the say-yes decision in the exchange log,
the memory's facts), not only what the bot says.

The real Rasa server with the trained model, the real action server, the SQLite memory and the
bookings database, over REST (see test_three_visits.py). The transcript is printed (run with -s)
and kept in docs/personal.md.
"""

from __future__ import annotations

from typing import Any

import pytest

# tests/e2e/personal/conftest.py puts the conversation journeys' module on the path.
from test_customer_journeys import logged_decisions

from actions.shop_records import RepairBookings
from memory.store import MemoryStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Chat:
    """One customer's conversation, its transcript, and what the stores hold for them."""

    def __init__(self, bot: Any, sender: str, transcript: list[str]) -> None:
        self.bot, self.sender, self.transcript = bot, sender, transcript

    def say(self, text: str) -> str:
        reply = self.bot.say(self.sender, text)
        self.transcript.append(f"Customer: {text}")
        self.transcript.extend(f"Bot: {line}" for line in reply.splitlines() if line)
        return reply

    def booked(self) -> list[Any]:
        """The repairs booked in this conversation (the bookings database beside the memory)."""
        url = self.bot.memory.replace("memory.db", "bookings.db")
        bookings = RepairBookings(url)
        try:
            return bookings.of(None, [self.sender])
        finally:
            bookings.close()

    def facts(self) -> list[tuple[str, str]]:
        self.bot.wait_for_memory(self.sender)
        store = MemoryStore(self.bot.memory)
        try:
            card = store.cards.card_for_sender(self.sender)
            assert card is not None
            return [(fact.kind, fact.value) for fact in store.facts.facts(card.customer_id)]
        finally:
            store.close()


def test_a_customer_who_does_not_know(bot: Any) -> None:
    transcript: list[str] = []
    chat = Chat(bot, "exits-no-number-nia", transcript)
    try:
        chat.say("hi")
        assert "order number" in chat.say("I want to return something")
        item = chat.say("I don't know")
        assert "Which item would you like to return?" in item and "order number?" not in item
        # Not signed in: the order's email address is another way to find it, said with the
        # way out; "I don't know" takes it.
        assert "what's the email address you ordered with?" in chat.say("the Giro helmet")
        assert "Roughly when did you buy it?" in chat.say("I don't know")
        reason = chat.say("no idea")
        assert "what's the reason?" in reason and "when did you buy it" not in reason
        decision = chat.say("dunno")
        assert "That's fine, no reason needed." in decision
        assert "Would you like to go ahead?" in decision or "[Talk to a person]" in decision
        # Stored: the say-yes decision for a return of unknown age (past the window), no
        # "yes" to a return that nothing shows is inside it.
        bot.wait_for_memory(chat.sender)
        decisions = logged_decisions(bot.memory, chat.sender)
        assert decisions and decisions[-1][0] == "return" and decisions[-1][1] != "yes"

        assert "Which bike is it?" in chat.say("/book_repair")
        bike = chat.say("I don't know")
        assert "the mechanic will see which bike it is" in bike
        assert "What's going on with it?" in bike
        problem = chat.say("no idea")
        assert "the mechanic will take a look" in problem and "When would you like" in problem
        offer = chat.say("dunno")
        assert "shall I put you down for then?" in offer and "[Talk to a person]" in offer
        booked = chat.say("yes")
        assert "you're booked in! Your bike on" in booked
        assert "for: a look by the mechanic to find what it needs." in booked
        # Stored: one booking with the domain's words for what nobody could say, and no bike
        # remembered from "I don't know".
        [repair] = chat.booked()
        assert (repair.bike, repair.problem) == (
            "bike",
            "a look by the mechanic to find what it needs",
        )
        assert repair.reference in booked
        facts = chat.facts()
        assert not [value for kind, value in facts if kind == "bike"]
        assert not [value for _, value in facts if "know" in value.lower() or "idea" in value]
    finally:
        print("\n".join(transcript))


def test_a_customer_whose_first_message_says_the_problem(bot: Any) -> None:
    transcript: list[str] = []
    chat = Chat(bot, "exits-problem-first-pat", transcript)
    try:
        bike = chat.say("can I book my bike in, the gears keep slipping")
        assert "Which bike is it?" in bike
        date = chat.say("my Trek FX 3")
        assert "What's going on with it?" not in date  # said already
        assert "When would you like to bring it in?" in date
        booked = chat.say("Saturday")
        assert "you're booked in! Your Trek FX 3" in booked
        assert "for: the gears keep slipping." in booked
        # Stored: the booking holds the problem from the first message, and the bike is kept.
        [repair] = chat.booked()
        assert (repair.bike, repair.problem) == ("Trek FX 3", "the gears keep slipping")
        assert ("bike", "Trek FX 3") in chat.facts()

        # Not the order's details: a person checks it with them, no wrong guess counted.
        check = chat.say("my order C3309 hasn't come")
        assert "C3309" in check and "What's the email address" in check
        unknown = chat.say("I don't know")
        assert "A person from our team can check it with you" in unknown
        assert "[Talk to a person]" in unknown
        # A change of mind in the middle of a form stops it and asks what instead.
        assert "order number" in chat.say("I'd like to return something")
        stopped = chat.say("forget it, I want to ask about something else")
        assert "I've stopped the return and nothing has changed" in stopped
        assert chat.booked() == [repair]  # nothing else was booked or changed
    finally:
        print("\n".join(transcript))


def test_a_return_found_by_the_order_s_email_and_postcode_and_an_attacker_who_learns_nothing(
    bot: Any,
) -> None:
    """A customer who is not signed in finds their order by its email address and postcode; a
    stranger who gives that customer's email address hears exactly what someone giving an
    unknown one hears, and after three misses only a person."""
    transcript: list[str] = []

    def up_to_the_email(chat: Chat) -> None:
        chat.say("hi")
        assert "order number" in chat.say("I want to return something")
        assert "Which item" in chat.say("no, I don't have one")  # a plain no: not a stop
        assert "email address you ordered with" in chat.say("the Giro helmet")

    try:
        transcript.append("--- the owner, not signed in ---")
        owner = Chat(bot, "details-owner-sam", transcript)
        up_to_the_email(owner)
        assert "postcode" in owner.say("sam.taylor@example.com")
        found = owner.say("bs6 5qa")
        assert "Found it" in found and "#A1234" in found and "Giro helmet" in found
        assert "what's the reason?" in found
        started = owner.say("it's too small for me")
        assert "all set! Bring the Giro helmet from order #A1234" in started
        # Stored: a plain yes to the return of that order (12 days old, inside the window).
        assert ("return", "yes") in [
            (kind, rung) for kind, rung, _ in logged_decisions(bot.memory, owner.sender)
        ]

        transcript.append("\n--- a stranger with the owner's email address ---")
        stranger = Chat(bot, "details-stranger", transcript)
        up_to_the_email(stranger)
        stranger.say("sam.taylor@example.com")
        guessed = stranger.say("BS1 1AA")
        transcript.append("\n--- someone with an email address nobody has ---")
        nobody = Chat(bot, "details-nobody", transcript)
        up_to_the_email(nobody)
        nobody.say("nobody@example.com")
        unknown = nobody.say("BS1 1AA")
        assert guessed == unknown  # the same words: nothing says the email address is known
        for secret in ("A1234", "Giro helmet", "Lezyne", "Found it"):
            assert secret not in guessed
        assert "Roughly when did you buy it?" in guessed  # and the return goes on without it
        stranger.say("last week")
        decision = stranger.say("too small")
        assert "A1234" not in decision and "Lezyne" not in decision

        # Three misses in one chat: a person, and no more details asked for.
        for attempt in range(2):
            assert "order number" in stranger.say("I want to return something")
            stranger.say("I don't have it")
            assert "email address you ordered with" in stranger.say("the Giro helmet")
            stranger.say("sam.taylor@example.com")
            last = stranger.say(f"BS{attempt + 2} 2BB")
            stranger.say("last week")
            stranger.say("too small")
        assert "talk to a person" in last and "A1234" not in last
        assert "order number" in stranger.say("I want to return something")
        stranger.say("I don't have it")
        assert "email address" not in stranger.say("the Giro helmet")
    finally:
        print("\n".join(transcript))
