"""`python -m bot review`: the review inbox on the command line, for trainers who prefer files.

    python -m bot review                          the groups of messages to review, with ids
    python -m bot review show CONVERSATION        a conversation, masked
    python -m bot review accept ID... --intent ask_hours
    python -m bot review accept ID --intent ask_parking --file store --response "..."
    python -m bot review accept ID --intent buy_product --entity 8:14:bike_type
    python -m bot review ignore ID...

IDs are the message ids the listing shows; accepted examples go into the data files of
REVIEW_CONTENT_DIR (CONTENT_DIR by default), exactly as from the trainer's page.
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from bot.cli import CommandFailed
from bot.settings import Settings


def _inbox(config: Settings) -> Any:
    import memory
    from bot import review

    try:
        memory.migrate(config.database_url)
    except memory.MemoryUnavailable as error:
        raise CommandFailed(str(error)) from None
    return review.build(config)


def _percent(confidence: float | None) -> str:
    return "?" if confidence is None else f"{round(confidence * 100)}%"


def command_list(config: Settings, args: argparse.Namespace) -> None:
    from bot.review.inbox import REASONS

    groups = _inbox(config).groups()
    if not groups:
        print("rapport: nothing to review")
        return
    for number, group in enumerate(groups, 1):
        reasons = sorted({r for item in group.items for r in item.reasons}, key=list(REASONS).index)
        print(
            f"group {number}: {len(group.items)} message(s), guessed {group.intent or 'nothing'} "
            f"({_percent(group.confidence)}); {', '.join(REASONS[r] for r in reasons)}"
        )
        for item in group.items:
            print(
                f"  [{item.exchange_id}] {item.text}    "
                f"({item.intent or '?'} {_percent(item.confidence)}, "
                f"conversation {item.conversation_id})"
            )
        for reply in group.candidates:
            print(f"  agent answered: {reply}")


def command_show(config: Settings, args: argparse.Namespace) -> None:
    try:
        messages = _inbox(config).transcript(args.conversation)
    except LookupError as error:
        raise CommandFailed(str(error)) from None
    for message in messages:
        said = f" ({message['intent']} {_percent(message['confidence'])})"
        print(
            f"[{message['exchange_id']}] {message['speaker']}: {message['text']}"
            + (said if message["intent"] else "")
        )


def _entity(value: str) -> Any:
    from bot.review.training_files import EntitySpan

    try:
        start, end, entity = value.split(":", 2)
        return EntitySpan(int(start), int(end), entity)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "an entity is START:END:NAME, e.g. 8:14:bike_type"
        ) from None


def command_accept(config: Settings, args: argparse.Namespace) -> None:
    from bot.review.inbox import ReviewError

    try:
        done = _inbox(config).accept(
            args.ids, args.intent, args.who, args.file, args.entity or (), args.response
        )
    except ReviewError as error:
        raise CommandFailed(str(error)) from None
    for example in done["added"]:
        print(f"rapport: {done['file']}: {done['intent']}: + {example}")
    for example in done["already_there"]:
        print(f"rapport: {done['file']}: {done['intent']} already has: {example}")
    if done["response"]:
        print(f"rapport: domain.yml: + {done['response']} (and a rule in data/rules/review.yml)")
    print("rapport: check and train to use them (python -m bot validate; python -m bot train)")


def command_ignore(config: Settings, args: argparse.Namespace) -> None:
    from bot.review.inbox import ReviewError

    try:
        done = _inbox(config).ignore(args.ids, args.who)
    except ReviewError as error:
        raise CommandFailed(str(error)) from None
    print(f"rapport: ignored {done['ignored']} message(s)")


def register(commands: Any) -> None:
    """Add the `review` command to `python -m bot`."""
    review = commands.add_parser(
        "review", help="The review inbox: label what customers said that the bot missed."
    )
    review.set_defaults(handler=command_list)
    actions = review.add_subparsers(dest="review_command")
    listing = actions.add_parser("list", help="The groups of messages to review (the default).")
    listing.set_defaults(handler=command_list)
    show = actions.add_parser("show", help="A conversation of the inbox, masked.")
    show.add_argument("conversation", type=int, help="the conversation id the listing shows")
    show.set_defaults(handler=command_show)
    who = f"cli:{getpass.getuser()}"
    accept = actions.add_parser("accept", help="Add messages as examples of an intent.")
    accept.add_argument("ids", type=int, nargs="+", help="message ids from the listing")
    accept.add_argument("--intent", required=True, help="an intent, or a new intent's name")
    accept.add_argument("--file", help="for a new intent: data/nlu/FILE.yml (default: its own)")
    accept.add_argument("--response", help="for a new intent: the bot's answer (and a rule)")
    accept.add_argument(
        "--entity",
        type=_entity,
        action="append",
        help="START:END:NAME, characters of the (masked) message; repeat for more",
    )
    accept.add_argument("--as", dest="who", default=who, help="who decided (default: %(default)s)")
    accept.set_defaults(handler=command_accept)
    ignore = actions.add_parser("ignore", help="Take messages out of the inbox.")
    ignore.add_argument("ids", type=int, nargs="+", help="message ids from the listing")
    ignore.add_argument("--as", dest="who", default=who, help="who decided (default: %(default)s)")
    ignore.set_defaults(handler=command_ignore)
