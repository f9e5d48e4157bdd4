"""Operators' commands for the relationship memory: forget or export a customer, purge, migrate.

    python -m bot customer forget ID     delete everything about a customer (memory + tracker)
    python -m bot customer export ID     print the customer's copy of their data as JSON
                                         (--internal adds staff notes, for a person to review)
    python -m bot memory purge           delete exchanges older than RETENTION_DAYS
    python -m bot memory migrate         bring the memory database schema up to date
    python -m bot memory consume         write the exchanges RabbitMQ holds into memory
                                         (EXCHANGE_FEED=rabbitmq; run one or several)
    python -m bot memory write           write the exchanges of the Rasa server's outbox into
                                         memory (MEMORY_WRITER=process; `run` starts it)

ID is the shop's customer id, a widget/sender id, or `#<number>` for the memory's own id.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from bot.cli import CommandFailed
from bot.settings import Settings


def tracker_store_url(config: Settings) -> str:
    """The SQLAlchemy URL of Rasa's SQL tracker store, from the TRACKER_* settings."""
    if config.tracker_dialect == "sqlite":
        return f"sqlite:///{config.tracker_db}"
    return URL.create(
        config.tracker_dialect, host=config.tracker_url or None, database=config.tracker_db
    ).render_as_string(hide_password=False)


def _store(config: Settings) -> Any:
    import memory
    from memory.rules import RelationshipRules, RulesError
    from memory.store import MemoryStore

    try:
        rules = RelationshipRules.from_mapping(config.raw)
        memory.migrate(config.database_url)
    except (memory.MemoryUnavailable, RulesError) as error:
        raise CommandFailed(str(error)) from None
    return MemoryStore(config.database_url, rules=rules)


def _customer(store: Any, reference: str) -> int:
    customer_id = store.customers.find_customer(reference)
    if customer_id is None:
        raise CommandFailed(
            f"no customer is known as {reference!r}; give a shop customer id, a sender id "
            "or #<number>."
        )
    return int(customer_id)


def command_forget(config: Settings, args: argparse.Namespace) -> None:
    from memory.privacy import forget_customer

    store = _store(config)
    try:
        customer_id = _customer(store, args.id)
        forgotten = forget_customer(
            store, customer_id, tracker_store_url(config), config.bookings_url
        )
    finally:
        store.close()
    print(
        f"rapport: forgot customer #{forgotten.customer_id}: memory deleted, "
        f"{forgotten.tracker_events} conversation events deleted for "
        f"{len(forgotten.sender_ids)} sender id(s), {forgotten.bookings} repair booking(s) "
        "deleted; the loyalty ledger is kept without them.",
        flush=True,
    )


def command_export(config: Settings, args: argparse.Namespace) -> None:
    from memory.privacy import export_customer

    store = _store(config)
    try:
        data = export_customer(
            store,
            _customer(store, args.id),
            tracker_store_url(config),
            config.bookings_url,
            include_internal=args.internal,
        )
    finally:
        store.close()
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def command_purge(config: Settings, args: argparse.Namespace) -> None:
    from memory.privacy import purge_exchanges

    days = args.days or config.retention_days
    store = _store(config)
    try:
        removed = purge_exchanges(store, days)
    finally:
        store.close()
    print(f"rapport: purged {removed} exchange(s) older than {days} days.", flush=True)


def command_migrate(config: Settings, args: argparse.Namespace) -> None:
    import memory

    try:
        memory.migrate(config.database_url)
    except memory.MemoryUnavailable as error:
        raise CommandFailed(str(error)) from None
    print("rapport: the memory database is up to date.", flush=True)


def _ingestor(config: Settings, no_facts: bool) -> tuple[Any, Any]:
    """The memory store and the ingestor of a process that writes the exchange feed into
    memory (a RabbitMQ consumer or the outbox's writer): memory migrated, the fact extractor's
    language model loaded now, not while the first event waits."""
    import memory
    from bot import composition
    from memory.facts import FactExtractor
    from memory.ingest import EventIngestor
    from memory.rules import RelationshipRules
    from memory.store import MemoryStore

    try:
        memory.migrate(config.database_url)
    except memory.MemoryUnavailable as error:
        raise CommandFailed(str(error)) from None
    words = composition.compose(config).fact_words()
    extractor = None if no_facts else FactExtractor(words=words)
    store = MemoryStore(
        config.database_url,
        rules=RelationshipRules.from_mapping(config.raw),
        fact_extractor=extractor,
    )
    if extractor is not None:
        extractor.load()
    return store, EventIngestor(store, fact_words=words)


def command_consume(config: Settings, args: argparse.Namespace) -> None:
    """A memory worker: RabbitMQ's exchange queue into memory until SIGTERM or Ctrl-C."""
    import asyncio
    import signal
    import threading

    from bot import logs
    from bot.exchange_feed import consume, where

    logs.configure(config.log_level, config.log_format)
    if config.exchange_feed != "rabbitmq":
        print(
            "rapport: note: EXCHANGE_FEED is not rabbitmq, so the Rasa server publishes "
            "nothing; this consumer only drains what is queued.",
            file=sys.stderr,
            flush=True,
        )
    store, ingestor = _ingestor(config, args.no_facts)
    prefetch = args.prefetch or config.consumer_prefetch

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():  # a second SIGTERM or Ctrl-C: now
                _exit_now("a second stop signal")
            stop.set()
            # A clean stop takes a second or two; a RabbitMQ connection that never answers again
            # must not keep the worker alive. Nothing is lost by leaving: an event is
            # acknowledged only after its write commits, so the rest go back to the queue.
            watchdog = threading.Timer(STOP_GRACE_SECONDS, _exit_now, ["the stop taking too long"])
            watchdog.daemon = True
            watchdog.start()

        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, on_signal)
        print(
            f"rapport: memory consumer started: RabbitMQ {where(config.rabbitmq_url)} -> "
            "memory; stops on SIGTERM or Ctrl-C.",
            flush=True,
        )
        await consume(config.rabbitmq_url, _about_its_conversation(ingestor.ingest), stop, prefetch)

    try:
        asyncio.run(run())
    finally:
        store.close()


def _about_its_conversation(ingest: Any) -> Any:
    """`ingest` with each event's log lines naming its conversation (as the Rasa server's and
    the action server's lines do), and a DEBUG line for each event written."""
    import logging

    from bot import logs

    logger = logging.getLogger("bot.memory_writer")

    def ingest_about(event: Any) -> Any:
        sender = event.get("sender_id") if isinstance(event, dict) else None
        with logs.about(str(sender) if sender else None):
            written = ingest(event)
            logger.debug(
                "memory: %s event %s", "wrote" if written else "already had", event.get("event")
            )
            return written

    return ingest_about


# Seconds a memory consumer is given to stop cleanly after SIGTERM before it leaves anyway.
STOP_GRACE_SECONDS = 15.0


def _exit_now(why: str) -> None:
    """Leave at once (what was not acknowledged goes back to RabbitMQ's queue), saying why and
    where each thread was, so that a stop that hangs can be understood from the log."""
    import faulthandler
    import os

    print(
        f"rapport: memory consumer: stopping without a clean close ({why}); events not yet "
        "acknowledged go back to the queue. Where each thread was:",
        file=sys.stderr,
        flush=True,
    )
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.flush()
    os._exit(0)


def command_write(config: Settings, args: argparse.Namespace) -> None:
    """The memory writer: the Rasa server's outbox into memory until SIGTERM or Ctrl-C.

    The Rasa process (MEMORY_WRITER=process) only appends each event to the outbox file;
    this process finds the facts and writes the exchanges, with the same ingestor as a
    RabbitMQ consumer. One writer per outbox: a second one refuses to start."""
    import signal
    import threading

    from bot import logs
    from memory.ingest import Outbox, OutboxWriter, WriterRunning

    logs.configure(config.log_level, config.log_format)
    if not config.writer_process:
        print(
            "rapport: note: the Rasa server writes memory itself (MEMORY_WRITER is not process, "
            "or EXCHANGE_FEED is rabbitmq); this writer only drains what the outbox holds.",
            file=sys.stderr,
            flush=True,
        )
    outbox_path = args.outbox or config.memory_outbox
    outbox = Outbox(outbox_path)
    if outbox.writer_running():
        raise CommandFailed(f"another memory writer already drains {outbox_path}; stop it first.")
    store, ingestor = _ingestor(config, args.no_facts)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    writer = OutboxWriter(outbox, _about_its_conversation(ingestor.ingest))
    print(
        f"rapport: memory writer started: {outbox_path} -> memory; stops on SIGTERM or Ctrl-C.",
        flush=True,
    )
    try:
        writer.run(stop)
    except WriterRunning as error:
        raise CommandFailed(str(error)) from None
    finally:
        store.close()
    if not stop.is_set():
        raise CommandFailed("the memory writer's thread stopped; see the log above.")
    print("rapport: memory writer stopped.", flush=True)


def register(commands: Any) -> None:
    """Add the `customer` and `memory` commands to `python -m bot`."""
    customer = commands.add_parser("customer", help="Forget or export one customer's data.")
    customer_commands = customer.add_subparsers(dest="customer_command", required=True)
    forget = customer_commands.add_parser(
        "forget", help="Delete everything about a customer, including their conversations."
    )
    forget.add_argument("id", help="shop customer id, sender id, or #<memory id>")
    forget.set_defaults(handler=command_forget)
    export = customer_commands.add_parser(
        "export", help="Print the customer's copy of everything stored about them as JSON."
    )
    export.add_argument("id", help="shop customer id, sender id, or #<memory id>")
    export.add_argument(
        "--internal",
        action="store_true",
        help="add staff notes (internal), for a person answering a formal request to review",
    )
    export.set_defaults(handler=command_export)

    memory_parser = commands.add_parser("memory", help="Maintain the relationship memory.")
    memory_commands = memory_parser.add_subparsers(dest="memory_command", required=True)
    purge = memory_commands.add_parser(
        "purge", help="Delete exchanges older than RETENTION_DAYS (or --days)."
    )
    purge.add_argument("--days", type=int, default=None, help="override RETENTION_DAYS")
    purge.set_defaults(handler=command_purge)
    migrate = memory_commands.add_parser(
        "migrate", help="Bring the memory database schema up to date."
    )
    migrate.set_defaults(handler=command_migrate)
    consume = memory_commands.add_parser(
        "consume",
        help="Write the exchanges queued in RabbitMQ (EXCHANGE_FEED=rabbitmq) into memory; "
        "several may run.",
    )
    consume.add_argument(
        "--prefetch", type=int, default=None, help="override CONSUMER_PREFETCH (messages ahead)"
    )
    consume.add_argument(
        "--no-facts", action="store_true", help="write the exchanges without finding facts"
    )
    consume.set_defaults(handler=command_consume)
    write = memory_commands.add_parser(
        "write",
        help="Write the exchanges of the Rasa server's outbox (MEMORY_WRITER=process) into "
        "memory; `python -m bot run` starts it.",
    )
    write.add_argument(
        "--outbox", type=Path, default=None, help="override MEMORY_OUTBOX (the outbox file)"
    )
    write.add_argument(
        "--no-facts", action="store_true", help="write the exchanges without finding facts"
    )
    write.set_defaults(handler=command_write)
