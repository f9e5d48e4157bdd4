"""Agent accounts of the console: argon2id password hashes, server-side sessions, presence.

Hashing is deliberately slow (memory-hard), so callers on an event loop run these methods in a
worker thread. Session tokens are only ever stored as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from memory import schema as s
from memory.db import make_engine
from memory.records import now_utc, utc

AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
SESSION_HOURS = 12
PRESENCE_SECONDS = 90  # an agent seen this recently (live socket heartbeat) is online
# What an account may open in the console: agents the chats, trainers the review inbox (masked
# messages, never a customer's card or live chat), managers both.
ROLES = ("agent", "trainer", "manager")
CHAT_ROLES = ("agent", "manager")
TRAINER_ROLES = ("trainer", "manager")


class AgentAccountError(ValueError):
    """An agent name or password cannot be used; the message says why."""


@dataclass(frozen=True)
class AgentSession:
    """A signed-in agent, as a request sees it."""

    agent_id: int
    agent: str
    csrf_token: str
    expires_at: datetime
    role: str = "agent"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> str:
    name = name.strip()
    if not AGENT_NAME.match(name):
        raise AgentAccountError(
            "an agent name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AgentAccountError(f"a role is one of {', '.join(ROLES)}, not {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AgentAccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AgentAccountError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    return password


class AgentAccounts:
    """Creates agents, checks their passwords, and keeps their sessions and presence."""

    def __init__(
        self,
        database: str | Engine,
        clock: Callable[[], datetime] = now_utc,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = make_engine(database) if isinstance(database, str) else database
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._decoy: str | None = None

    def _now(self) -> datetime:
        return utc(self.clock())

    def add(self, name: str, password: str, role: str = "agent") -> int:
        """Create an agent; AgentAccountError when the name is taken or the password too short."""
        name = check_name(name)
        role = check_role(role)
        password_hash = self.hasher.hash(check_password(password))
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    s.agents.insert().values(
                        name=name, password_hash=password_hash, created_at=self._now(), role=role
                    )
                )
                return int(result.inserted_primary_key[0])
        except IntegrityError:
            raise AgentAccountError(f"an agent named {name!r} already exists") from None

    def set_password(self, name: str, password: str) -> None:
        password_hash = self.hasher.hash(check_password(password))
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(s.agents).where(s.agents.c.name == name).values(password_hash=password_hash)
            ).rowcount
            if not changed:
                raise AgentAccountError(f"no agent is named {name!r}")
            # A new password signs the agent out everywhere.
            agent_id = select(s.agents.c.id).where(s.agents.c.name == name).scalar_subquery()
            conn.execute(delete(s.agent_sessions).where(s.agent_sessions.c.agent_id == agent_id))

    def exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(select(s.agents.c.id).where(s.agents.c.name == name)).scalar()
        return found is not None

    def set_role(self, name: str, role: str) -> None:
        """Give the account another role; its sessions end, so the new role applies at once."""
        role = check_role(role)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(s.agents).where(s.agents.c.name == name).values(role=role)
            ).rowcount
            if not changed:
                raise AgentAccountError(f"no agent is named {name!r}")
            agent_id = select(s.agents.c.id).where(s.agents.c.name == name).scalar_subquery()
            conn.execute(delete(s.agent_sessions).where(s.agent_sessions.c.agent_id == agent_id))

    def role(self, name: str) -> str | None:
        """The account's role, or None when no agent has that name."""
        with self.engine.connect() as conn:
            found = conn.execute(select(s.agents.c.role).where(s.agents.c.name == name)).scalar()
        return None if found is None else str(found)

    def names(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(s.agents.c.name).order_by(s.agents.c.name)).scalars())

    def authenticate(self, name: str, password: str) -> int | None:
        """The agent's id when the name and password match, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.agents.c.id, s.agents.c.password_hash).where(
                    s.agents.c.name == name.strip()
                )
            ).first()
        if row is None and self._decoy is None:
            # Verified against when the name is unknown, so that a wrong name takes as long as
            # a wrong password and does not reveal which names exist.
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        stored: str = row.password_hash if row is not None else str(self._decoy)
        try:
            self.hasher.verify(stored, password[:MAX_PASSWORD_CHARS])
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    update(s.agents)
                    .where(s.agents.c.id == row.id)
                    .values(password_hash=self.hasher.hash(password))
                )
        return int(row.id)

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, agent_id: int, hours: int = SESSION_HOURS) -> tuple[str, AgentSession]:
        """A new session: (the cookie's token, the session). Only the token's hash is kept."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._now()
        expires = now + timedelta(hours=hours)
        with self.engine.begin() as conn:
            found = conn.execute(
                select(s.agents.c.name, s.agents.c.role).where(s.agents.c.id == agent_id)
            ).first()
            if found is None:
                raise AgentAccountError(f"no agent has id {agent_id}")
            conn.execute(delete(s.agent_sessions).where(s.agent_sessions.c.expires_at < now))
            conn.execute(
                s.agent_sessions.insert().values(
                    token_hash=token_hash(token),
                    agent_id=agent_id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return token, AgentSession(agent_id, str(found.name), csrf, expires, str(found.role))

    def session(self, token: str | None) -> AgentSession | None:
        """The live session of a cookie's token, or None (unknown, expired or signed out)."""
        if not token or len(token) > 256:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    s.agent_sessions.c.agent_id,
                    s.agent_sessions.c.csrf_token,
                    s.agent_sessions.c.expires_at,
                    s.agents.c.name,
                    s.agents.c.role,
                )
                .join(s.agents, s.agents.c.id == s.agent_sessions.c.agent_id)
                .where(s.agent_sessions.c.token_hash == token_hash(token))
            ).first()
        if row is None or utc(row.expires_at) <= self._now():
            return None
        return AgentSession(
            int(row.agent_id), row.name, row.csrf_token, utc(row.expires_at), str(row.role)
        )

    def close_session(self, token: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(s.agent_sessions).where(s.agent_sessions.c.token_hash == token_hash(token))
            )

    # -- presence ----------------------------------------------------------------------------

    def heartbeat(self, agent: str) -> None:
        """The agent's console is connected now."""
        with self.engine.begin() as conn:
            conn.execute(
                update(s.agents).where(s.agents.c.name == agent).values(last_seen_at=self._now())
            )

    def went_away(self, agent: str) -> None:
        """The agent's last console socket closed."""
        with self.engine.begin() as conn:
            conn.execute(update(s.agents).where(s.agents.c.name == agent).values(last_seen_at=None))

    def online(self, within_seconds: int = PRESENCE_SECONDS) -> list[str]:
        """Names of agents whose console was connected in the last `within_seconds`."""
        since = self._now() - timedelta(seconds=within_seconds)
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(s.agents.c.name)
                    .where(s.agents.c.last_seen_at >= since)
                    .order_by(s.agents.c.name)
                ).scalars()
            )
