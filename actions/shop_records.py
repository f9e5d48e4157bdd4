"""The shop's records seam: orders, repairs and loyalty accounts the bot can look up.

The sample reads `shop_records.yml`; a real shop replaces this module with calls to its own
order and workshop system and keeps the same functions. Repairs booked through the bot are
written to a small database (`BOOKINGS_URL`, SQLite in var/ by default) so they can be checked
afterwards; each booking keeps the conversation that made it (and the verified shop customer,
when there was one), and gets a random reference that cannot be guessed from another one.
Everything here is synchronous: actions call it through `asyncio.to_thread`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    or_,
    select,
)
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.exc import IntegrityError

from memory.files import private_file

# Letters and digits a person can read out and type back without confusing them (no 0/O,
# 1/I/L): repairs booked in chat get "R-" and eight of them (31^8, about 8.5e11, references).
BOOKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BOOKING_CHARACTERS = 8
BOOKING_PREFIX = "R-"
# Order numbers look like "#A1234" or "51234"; the shop's repair references like "R2041";
# repairs booked in chat like "R-7KQ2M9XA" (the hyphen may be left out when a digit shows
# it is a reference, not a word such as "restarted").
_BOOKED_CHARACTERS = f"[{BOOKING_ALPHABET}]{{{BOOKING_CHARACTERS}}}"
_BOOKED = rf"R-?(?=[A-Z]*[2-9]){_BOOKED_CHARACTERS}|R-{_BOOKED_CHARACTERS}"
_REFERENCE = re.compile(rf"#?\s*\b({_BOOKED}|[A-Z]\d{{4}}|\d{{5}})\b", re.IGNORECASE)
REFERENCE_EXAMPLE = "#A1234"


class ShopRecordsError(RuntimeError):
    """The records cannot be read; the message says which file and why."""


def normalise_reference(text: str | None) -> str | None:
    """The order number or repair reference in a customer's words ("order #a1234" -> "A1234")."""
    if not text:
        return None
    match = _REFERENCE.search(text)
    if match is None:
        return None
    reference = match.group(1).upper()
    if re.fullmatch(f"R{_BOOKED_CHARACTERS}", reference):
        reference = BOOKING_PREFIX + reference[1:]  # typed without its hyphen
    return reference


def new_booking_reference() -> str:
    """A random reference for a repair booked in chat ("R-7KQ2M9XA"): never the next one."""
    return BOOKING_PREFIX + "".join(
        secrets.choice(BOOKING_ALPHABET) for _ in range(BOOKING_CHARACTERS)
    )


@dataclass(frozen=True)
class OrderRecord:
    order_id: str
    customer_id: str
    placed: dt.date
    items: tuple[str, ...]
    status: str  # processing | shipped | delivered | ready_for_collection
    status_date: dt.date  # when it ships / arrives / was delivered / became ready
    email: str = ""  # the details the order was placed with, for the customer to confirm
    postcode: str = ""


@dataclass(frozen=True)
class RepairRecord:
    reference: str
    customer_id: str
    bike: str
    status: str  # booked | in_progress | waiting_parts | ready
    ready_date: dt.date
    service: str = ""
    problem: str = ""
    conversation_id: str = ""  # the chat that booked it (repairs booked through the bot)
    email: str = ""  # the details the repair was booked with, for the customer to confirm
    postcode: str = ""


@dataclass(frozen=True)
class CustomerRecord:
    customer_id: str
    name: str
    points: int
    email: str = ""  # the address on the customer's shop account, when it has one


@dataclass(frozen=True)
class ShopRecords:
    orders: tuple[OrderRecord, ...]
    repairs: tuple[RepairRecord, ...]
    customers: tuple[CustomerRecord, ...]

    def order(self, order_id: str | None) -> OrderRecord | None:
        wanted = normalise_reference(order_id)
        return next((order for order in self.orders if order.order_id == wanted), None)

    def repair(self, reference: str | None) -> RepairRecord | None:
        wanted = normalise_reference(reference)
        return next((repair for repair in self.repairs if repair.reference == wanted), None)

    def customer(self, customer_id: str | None) -> CustomerRecord | None:
        return next(
            (c for c in self.customers if customer_id and c.customer_id == customer_id), None
        )

    def orders_of(self, customer_id: str | None) -> list[OrderRecord]:
        """The customer's orders, the most recently placed first."""
        own = [order for order in self.orders if customer_id and order.customer_id == customer_id]
        return sorted(own, key=lambda order: order.placed, reverse=True)

    def repairs_of(self, customer_id: str | None) -> list[RepairRecord]:
        return [
            repair for repair in self.repairs if customer_id and repair.customer_id == customer_id
        ]


def read_records(path: Path) -> dict[str, Any]:
    """The records file's contents, not yet resolved against a day (synchronous: it reads the
    file; the action server's composition root keeps what it read)."""
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError) as error:
        raise ShopRecordsError(f"{path}: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise ShopRecordsError(f"{path}: must be a mapping with orders, repairs, customers")
    return data


def resolve_records(data: dict[str, Any], today: dt.date, source: Path) -> ShopRecords:
    """The records `read_records` read from `source`, relative dates resolved against `today`."""

    def days(entry: dict[str, Any], key: str) -> int:
        return int(entry.get(key, 0))

    try:
        orders = []
        for entry in data.get("orders", []):
            status = str(entry["status"])
            if status in ("delivered", "ready_for_collection"):
                status_date = today - dt.timedelta(days=days(entry, "status_days_ago"))
            elif status == "shipped":
                status_date = today + dt.timedelta(days=days(entry, "arrives_in_days"))
            else:
                status_date = today + dt.timedelta(days=days(entry, "ships_in_days"))
            orders.append(
                OrderRecord(
                    order_id=str(entry["order_id"]).upper(),
                    customer_id=str(entry.get("customer_id", "")),
                    placed=today - dt.timedelta(days=days(entry, "placed_days_ago")),
                    items=tuple(str(item) for item in entry.get("items", [])),
                    status=status,
                    status_date=status_date,
                    email=str(entry.get("email", "")),
                    postcode=str(entry.get("postcode", "")),
                )
            )
        repairs = [
            RepairRecord(
                reference=str(entry["reference"]).upper(),
                customer_id=str(entry.get("customer_id", "")),
                bike=str(entry["bike"]),
                status=str(entry["status"]),
                ready_date=today + dt.timedelta(days=days(entry, "ready_in_days")),
                service=str(entry.get("service", "")),
                email=str(entry.get("email", "")),
                postcode=str(entry.get("postcode", "")),
            )
            for entry in data.get("repairs", [])
        ]
        customers = [
            CustomerRecord(
                str(entry["customer_id"]),
                str(entry["name"]),
                int(entry["points"]),
                str(entry.get("email") or ""),
            )
            for entry in data.get("customers", [])
        ]
    except (KeyError, TypeError, ValueError) as error:
        raise ShopRecordsError(f"{source}: an entry is incomplete ({error!r})") from None
    return ShopRecords(tuple(orders), tuple(repairs), tuple(customers))


booking_metadata = MetaData()
repair_bookings = Table(
    "repair_bookings",
    booking_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(16), unique=True),
    Column("conversation_id", String(255), nullable=False),
    Column("customer_id", String(255)),
    Column("bike", Text, nullable=False),
    Column("problem", Text, nullable=False),
    Column("drop_off", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
)


# The bookings' schema is kept by Alembic (actions/booking_migrations), in a version table of
# its own.
BOOKING_MIGRATIONS = Path(__file__).resolve().parent / "booking_migrations"
BOOKINGS_VERSION_TABLE = "bookings_alembic_version"


def migrate_bookings(engine: Engine, revision: str = "head") -> None:
    """Bring the bookings database up to `revision` (the newest by default)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(BOOKING_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


# Draws of a new reference before booking gives up (each clash is about one in 1e11).
BOOKING_ATTEMPTS = 5


class RepairBookings:
    """Repairs booked through the bot, in a small SQL database (SQLite in var/ by default)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _ready_engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                if self.url.startswith("sqlite:///"):
                    private_file(Path(self.url.removeprefix("sqlite:///")))
                engine = create_engine(self.url, future=True)
                migrate_bookings(engine)
                self._engine = engine
            return self._engine

    def close(self) -> None:
        """Let go of the database's connections (the next call connects again)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None

    def book(
        self,
        conversation_id: str,
        customer_id: str | None,
        bike: str,
        problem: str,
        drop_off: dt.date,
    ) -> str:
        """Store a booking made in conversation `conversation_id` (by the verified shop
        customer `customer_id`, if any); return its new random reference ("R-7KQ2M9XA")."""
        engine = self._ready_engine()
        for _ in range(BOOKING_ATTEMPTS):
            reference = new_booking_reference()
            try:
                with engine.begin() as connection:
                    connection.execute(
                        repair_bookings.insert().values(
                            reference=reference,
                            conversation_id=conversation_id,
                            customer_id=customer_id,
                            bike=bike,
                            problem=problem,
                            drop_off=drop_off,
                            created_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                        )
                    )
            except IntegrityError:  # that reference is taken (once in ~1e11): draw again
                continue
            return reference
        raise RuntimeError(f"no free booking reference after {BOOKING_ATTEMPTS} draws")

    def change(
        self, reference: str, conversation_id: str, bike: str, problem: str, drop_off: dt.date
    ) -> bool:
        """Change a booking made in conversation `conversation_id` (never anyone else's);
        whether there was such a booking."""
        engine = self._ready_engine()
        with engine.begin() as connection:
            changed = connection.execute(
                repair_bookings.update()
                .where(repair_bookings.c.reference == reference)
                .where(repair_bookings.c.conversation_id == conversation_id)
                .values(bike=bike, problem=problem, drop_off=drop_off)
            )
        return bool(changed.rowcount)

    def cancel(self, reference: str, conversation_id: str) -> bool:
        """Cancel a booking made in conversation `conversation_id` (never anyone else's): it
        is deleted; whether there was such a booking."""
        engine = self._ready_engine()
        with engine.begin() as connection:
            deleted = connection.execute(
                repair_bookings.delete()
                .where(repair_bookings.c.reference == reference)
                .where(repair_bookings.c.conversation_id == conversation_id)
            )
        return bool(deleted.rowcount)

    def find(self, reference: str | None) -> RepairRecord | None:
        wanted = normalise_reference(reference)
        if wanted is None:
            return None
        engine = self._ready_engine()
        with engine.connect() as connection:
            row = connection.execute(
                select(repair_bookings).where(repair_bookings.c.reference == wanted)
            ).first()
        return None if row is None else self._record(row)

    def of(self, customer_id: str | None, conversation_ids: Iterable[str]) -> list[RepairRecord]:
        """Repairs booked by the shop customer or in these conversations, newest booking first."""
        conversations = [str(conversation) for conversation in conversation_ids]
        conditions = []
        if customer_id:
            conditions.append(repair_bookings.c.customer_id == customer_id)
        if conversations:
            conditions.append(repair_bookings.c.conversation_id.in_(conversations))
        if not conditions:
            return []
        engine = self._ready_engine()
        with engine.connect() as connection:
            rows = connection.execute(
                select(repair_bookings)
                .where(or_(*conditions))
                .order_by(repair_bookings.c.id.desc())
            ).all()
        return [self._record(row) for row in rows]

    @staticmethod
    def _record(row: Any) -> RepairRecord:
        return RepairRecord(
            reference=row.reference,
            customer_id=row.customer_id or "",
            bike=row.bike,
            status="booked",
            ready_date=row.drop_off,
            problem=row.problem,
            conversation_id=row.conversation_id,
        )
