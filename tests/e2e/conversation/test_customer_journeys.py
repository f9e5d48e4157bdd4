"""A new customer's journeys through the real bot: Rasa, the action server and the trained model.

Each journey is what the issue's "done when" asks for: hours, finding and buying a product, booking
and checking a repair, checking an order, a return past the window, the fallback ladder up to a
person, and what the bot knows. Button payloads are used where a customer would press a button.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import settings
from bot.settings import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# The weekday and hour the journeys' shop clock shows (SHOP_CLOCK): mid-morning of an ordinary
# Friday, when the shop is open, so that no answer depends on the day the tests run on (the
# shop is closed from Sunday evening to Tuesday morning). Not a Wednesday or a Thursday: the
# journeys book on "Tuesday" and move it to "thursday", which must be neither today nor
# tomorrow.
JOURNEY_WEEKDAY, JOURNEY_TIME = 4, dt.time(11, 0)


def journey_moment(now: dt.datetime | None = None) -> dt.datetime:
    """The shop's local time in the journeys: the first Friday at 11:00, not before `now` (the
    real time), on which the shop keeps its weekly hours (no holiday). Never before now: the
    memory stamps its records, and a promise due "within a day", with the real clock, and the
    shop's clock must not lag behind it (a promise due tomorrow would not be due yet)."""
    from zoneinfo import ZoneInfo

    from voice import business

    shop = business.load(ROOT / "business.yml")
    zone = ZoneInfo(shop.shop.timezone) if shop.shop.timezone else None
    real = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone).replace(tzinfo=None)
    day = real.date() + dt.timedelta(days=(JOURNEY_WEEKDAY - real.weekday()) % 7)
    while dt.datetime.combine(day, JOURNEY_TIME) < real or shop.holiday_on(day) is not None:
        day += dt.timedelta(days=7)
    moment = dt.datetime.combine(day, JOURNEY_TIME)
    assert shop.open_at(moment), f"the shop is not open at {moment}: change JOURNEY_TIME"
    return moment


# The journeys' "today", for tests that name a date the bot names.
SHOP_TODAY = journey_moment().date()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on the port (connections in TIME_WAIT don't count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def takes_a_message(reply: str) -> bool:
    """No agent is online in these tests: in the shop's hours or out of them, the bot offers
    to take a message (the wording differs, the next step does not)."""
    in_hours = (
        "Nobody from our team is free to chat just now" in reply and "take a message" in reply
    )
    out_of_hours = "leave your message with me" in reply or "team is back within the hour" in reply
    return in_hours or out_of_hours


def logged_decisions(memory_url: str, sender: str) -> list[tuple[str, str, str]]:
    """(kind, rung, reason) of each say-yes decision in the sender's exchange log, once the
    memory has caught up (it is written by a worker thread after the reply)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(memory_url)
    deadline = time.monotonic() + 30
    try:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT e.policy FROM exchanges e JOIN conversations c "
                        "ON c.id = e.conversation_id WHERE c.sender_id = :sender "
                        "AND e.policy IS NOT NULL ORDER BY e.id"
                    ),
                    {"sender": sender},
                ).scalars()
                found = [json.loads(row).get("say_yes") for row in rows]
            decisions = [(d["kind"], d["rung"], d["reason"]) for d in found if d]
            if decisions or time.monotonic() > deadline:
                return decisions
            time.sleep(0.5)
    finally:
        engine.dispose()


class BotRun:
    """`python -m bot run --no-train` with a settings file: started, stopped and started again
    on the same ports and databases; each start's output in a log of its own in `folder`."""

    def __init__(self, folder: Path, env_file: Path) -> None:
        self.folder = folder
        self.env_file = env_file
        self.starts = 0
        self.log = folder / "run.log"
        self.process: subprocess.Popen[str] | None = None

    def start(self, seconds: float) -> None:
        """Starts it and waits until it says it is ready (fails with its output if it stops or
        takes longer than `seconds`)."""
        self.starts += 1
        self.log = self.folder / ("run.log" if self.starts == 1 else f"run-{self.starts}.log")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "--env-file", str(self.env_file), "run", "--no-train"],
            cwd=ROOT,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + seconds
        while "rapport: ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the bot did not start:\n{self.log.read_text()}")
            time.sleep(0.25)

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Stops it as a terminal's Ctrl-C (SIGINT) or a service manager (SIGTERM) does; its
        exit code."""
        assert self.process is not None, "the bot was never started"
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        return self.process.wait(timeout=60)


class Bot:
    def __init__(self, port: int, rest_token: str, memory: str, run: BotRun) -> None:
        self.port = port
        self.rest_token = rest_token
        self.memory = memory
        self.run = run
        self.last_reply: dict[str, str] = {}

    @property
    def log(self) -> Path:
        """The output of the servers' latest start."""
        return self.run.log

    def problems(self) -> str:
        """The servers' error lines and tracebacks so far, to print when a journey fails."""
        lines = self.log.read_text(errors="replace").splitlines()
        marks = [n for n, line in enumerate(lines) if "ERROR" in line or "Traceback" in line]
        return "\n".join("\n".join(lines[n : n + 12]) for n in marks[-5:])

    def wait_for_memory(self, sender: str, timeout: float = 30) -> None:
        """Waits until the memory has logged the bot's last reply to `sender` (the event
        broker writes it from a worker thread, after the reply has been sent)."""
        from sqlalchemy import create_engine, text

        expected = self.last_reply.get(sender)
        engine = create_engine(self.memory)
        deadline = time.monotonic() + timeout
        try:
            while True:
                with engine.connect() as conn:
                    latest = conn.execute(
                        text(
                            "SELECT e.text FROM exchanges e JOIN conversations c "
                            "ON c.id = e.conversation_id WHERE c.sender_id = :sender "
                            "AND e.speaker = 'bot' ORDER BY e.id DESC LIMIT 1"
                        ),
                        {"sender": sender},
                    ).scalar()
                if latest == expected:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"the memory did not log {expected!r} in {timeout}s (last: {latest!r})"
                    )
                time.sleep(0.2)
        finally:
            engine.dispose()

    def say(self, sender: str, text: str) -> str:
        """All the bot's replies to one message, as one text (with button titles)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.rest_token}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as reply:  # noqa: S310 - loopback
            messages = json.loads(reply.read())
        texts = [message["text"] for message in messages if message.get("text")]
        if texts:
            self.last_reply[sender] = texts[-1]
        parts = []
        for message in messages:
            parts.append(message.get("text") or "")
            parts += [f"[{button['title']}]" for button in message.get("buttons") or []]
        return "\n".join(parts)


def env_file_for(folder: Path, extra: str = "") -> tuple[Path, int]:
    """A settings file for servers of their own in `folder` (free ports, their own databases),
    with `extra` settings lines; and the Rasa server's port."""
    rasa_port, actions_port = free_port(), free_port()
    env_file = folder / "test.env"
    env_file.write_text(
        f"{extra}RASA_PORT={rasa_port}\nACTIONS_PORT={actions_port}\n"
        f"TRACKER_DB={folder / 'tracker.db'}\nDATABASE_URL=sqlite:///{folder / 'memory.db'}\n"
        f"BOOKINGS_URL=sqlite:///{folder / 'bookings.db'}\n"
        # An outbox of their own: its memory writer writes into this memory, no other.
        f"MEMORY_OUTBOX={folder / 'memory-outbox.db'}\n"
    )
    return env_file, rasa_port


@contextlib.contextmanager
def running_bot(
    folder: Path, env_file: Path, rasa_port: int, start_seconds: float = 300
) -> Iterator[Bot]:
    """`python -m bot run --no-train` with `env_file`, until it is ready; stopped afterwards
    (with SIGTERM, as a service manager stops it: cleanly, its ports free again)."""
    run = BotRun(folder, env_file)
    try:
        run.start(start_seconds)
        yield Bot(
            rasa_port,
            settings.load(env_file).rest_token,
            f"sqlite:///{folder / 'memory.db'}",
            run,
        )
    finally:
        code = run.stop() if run.process is not None else 0
    assert code == 0 and "rapport: stopped." in run.log.read_text(), (
        f"the bot did not stop cleanly (exit code {code}):\n{run.log.read_text()[-3000:]}"
    )
    config = settings.load(env_file)
    assert port_is_free(config.rasa_port) and port_is_free(config.actions_port)


def start_shared_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """The servers every module's `bot` fixture shares: `python -m bot run --no-train` with its
    own ports and databases, started once per test session (tests/e2e/conftest.py)."""
    if not list((ROOT / "models").glob("*.tar.gz")):
        pytest.skip("no trained model; run `python -m bot train` first")
    folder = tmp_path_factory.mktemp("journeys")
    # The shop's clock stands still on a weekday morning: the same answers on any day.
    env_file, rasa_port = env_file_for(
        folder, f"SHOP_CLOCK={dt.datetime.combine(SHOP_TODAY, JOURNEY_TIME).isoformat()}\n"
    )
    with running_bot(folder, env_file, rasa_port) as started:
        yield started


@pytest.fixture(scope="module")
def bot(shared_bot: Bot) -> Bot:
    """The real bot: one Rasa server and action server for the whole session (each journey
    talks as a sender id of its own)."""
    return shared_bot


@pytest.fixture(autouse=True)
def servers_log(bot: Bot) -> Iterator[None]:
    """After each journey, the servers' errors (pytest shows them when the journey failed)."""
    yield
    print(bot.problems() or "(no errors in the servers' log)")


def test_hours_and_directions(bot: Bot) -> None:
    reply = bot.say("hours", "what are your opening hours?")
    assert "Monday: closed" in reply and "Would you like directions" in reply
    assert "14 Mill Lane" in bot.say("hours", "/affirm")


def test_find_and_buy_a_product(bot: Bot) -> None:
    assert "What kind of riding" in bot.say("buy", "can you recommend a bike for me?")
    assert "Specialized Diverge" in bot.say("buy", '/inform{"bike_type": "gravel"}')
    reply = bot.say("buy", "I'd like to buy the Giant Talon 2")
    assert "Yes, we can get the Giant Talon 2 for you" in reply


def test_book_a_repair_then_check_it(bot: Bot) -> None:
    assert "Which bike is it?" in bot.say("repair", "/book_repair")
    assert "What's going on with it?" in bot.say("repair", "my Trek FX 3")
    assert "When would you like to bring it in?" in bot.say("repair", "the brakes squeal badly")
    assert "has already gone by" in bot.say("repair", "1 January 2020")
    booked = bot.say("repair", "Tuesday")
    assert "Yes, you're booked in! Your Trek FX 3" in booked
    reference = booked.split("Your reference is ")[1].split(".")[0]
    assert "booked in for" in bot.say("repair", f'/inform{{"order_id": "{reference}"}}')


def test_moving_a_booking_made_in_an_earlier_session_changes_it(bot: Bot) -> None:
    assert "Which bike is it?" in bot.say("mover", "/book_repair")
    assert "What's going on with it?" in bot.say("mover", "my Trek FX 3")
    assert "When would you like to bring it in?" in bot.say("mover", "the brakes squeal badly")
    booked = bot.say("mover", "Tuesday")
    reference = booked.split("Your reference is ")[1].split(".")[0]
    bot.say("mover", "/session_start")  # a later visit: the booking is not of this session
    moved = bot.say("mover", "change my booking to wednesday")
    assert f"I've changed your booking {reference} instead of making a new one" in moved
    assert "Trek FX 3" in moved and "Wednesday" in moved


def test_a_swap_in_the_window_is_set_up_at_once(bot: Bot) -> None:
    assert "order number" in bot.say("swap", "can I swap my Giro helmet for a bigger size?")
    # Not signed in: the order's email address and postcode show it is the customer's.
    assert "email address" in bot.say("swap", "A1234")
    assert "postcode" in bot.say("swap", "sam.taylor@example.com")
    reply = bot.say("swap", "BS6 5QA")
    if "Which" in reply:  # the order has two items: which one
        reply = bot.say("swap", "the Giro helmet")
    assert "reason" in reply.lower()
    reply = bot.say("swap", "it's too small")
    assert "Yes, we'll happily swap the Giro helmet" in reply
    assert "Your exchange is all set!" in reply
    assert ("exchange", "yes", "within the window and the new one is in stock") in (
        logged_decisions(bot.memory, "swap")
    )


def test_an_urgent_repair_is_booked_and_a_yes_to_the_rush_brings_a_person(bot: Bot) -> None:
    assert "Which bike is it?" in bot.say("rush", "/book_repair")
    assert "What's going on with it?" in bot.say("rush", "my Trek FX 3")
    reply = bot.say("rush", "the brakes squeal, and it's urgent")
    assert "When would you like to bring it in?" in reply
    reply = bot.say("rush", "Tuesday")
    assert "You're booked in: your Trek FX 3" in reply  # booked as usual, whatever comes next
    assert "Yes, we can rush the brake service if you can drop the bike off first thing" in reply
    assert "[Yes, fast-track it]" in reply and "[No, thanks]" in reply
    assert takes_a_message(bot.say("rush", "/affirm"))  # a person fast-tracks it


def test_check_an_order_and_return_past_the_window(bot: Bot) -> None:
    # Not signed in: the order's email address and postcode first, then its status.
    assert "email address" in bot.say("order", '/order_status{"order_id": "A5521"}')
    assert "on its way" in bot.say("order", "sam.taylor@example.com BS6 5QA")
    assert "What's the order number?" in bot.say("order", "/return_request")
    assert "doesn't look like an order number" in bot.say("order", "it was twelve")
    assert "email address" in bot.say("order", "C3309")  # another customer's order
    assert "what's the reason" in bot.say("order", "priya.shah@example.com, BS7 8NB").lower()
    reply = bot.say("order", "it's too narrow for me")
    assert "Yes, we can take the Brooks saddle back as store credit" in reply
    assert "[Yes, go ahead]" in reply and "[No, thanks]" in reply
    assert takes_a_message(bot.say("order", "/affirm"))  # a person sets up the store credit
    # The decision and its reason are in the exchange log, with the bot's message.
    decisions = logged_decisions(bot.memory, "order")
    assert ("return", "yes_with_condition", "past the returns window, within 60 days") in decisions


def test_a_return_reason_that_mentions_rides_is_the_reason(bot: Bot) -> None:
    assert "email address" in bot.say("ache", '/order_status{"order_id": "A5521"}')
    assert "on its way" in bot.say("ache", "sam.taylor@example.com BS6 5QA")
    assert "What's the order number?" in bot.say("ache", "/return_request")
    assert "email address" in bot.say("ache", "C3309")
    assert "what's the reason" in bot.say("ache", "priya.shah@example.com, BS7 8NB").lower()
    reply = bot.say("ache", "it hurts on long rides")
    assert "Yes, we can take the Brooks saddle back as store credit" in reply


def test_fallback_ladder_ends_with_a_person(bot: Bot) -> None:
    replies = [bot.say("ladder", "/nlu_fallback") for _ in range(3)]
    assert "say it another way" in replies[0] or "Here's what I can help with" in replies[0]
    assert "Here's what I can help with" in replies[1]
    assert "Shall I bring someone in?" in replies[2]
    # No agent has the console open in this test, so the honest next step is taking a message.
    assert takes_a_message(bot.say("ladder", "/affirm"))


def test_what_the_bot_knows_and_forgetting(bot: Bot) -> None:
    bot.say("privacy", "I'm training for my first century ride")
    assert "century" in bot.say("privacy", "/what_do_you_know")
    assert "Shall I go ahead?" in bot.say("privacy", "/forget_me")
    assert "I've forgotten" in bot.say("privacy", "/affirm")
    # Rasa's save of that turn brought nothing back (bot/tracker_store.py deletes it again).
    assert "century" not in bot.say("privacy", "/what_do_you_know")


def test_a_complaint_gets_an_apology_and_a_next_step(bot: Bot) -> None:
    reply = bot.say("complaint", "/complain")
    assert "sorry" in reply.lower()
    assert "?" in reply or "person" in reply


def test_a_form_takes_only_answers_and_what_the_request_said(bot: Bot) -> None:
    """A question given to "Which bike is it?" is not the bike; "I said, X" is X; the repair
    asked for by name is the problem, with its estimate; "I don't know" to the repair reference
    of a new customer offers a person."""
    assert "Which bike is it?" in bot.say("pete", "/book_repair")
    reply = bot.say("pete", "ok whatever. can i pay in instalments?")
    assert "I'll remember that" not in reply and "Which bike is it?" in reply
    reply = bot.say("pete", "i said, an old raleigh")
    assert "Your old raleigh, lovely!" in reply
    assert "is my bike ready" not in reply
    assert "reference" in bot.say("lucy", "is my bike ready yet?")
    assert "Shall I bring someone in?" in bot.say("lucy", "I don't know")
