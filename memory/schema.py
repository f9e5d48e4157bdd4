"""The relationship memory's tables (SQLAlchemy Core), the single source the migrations follow.

Times are stored as naive UTC. Every read the relationship card and the agent console make has an
index that starts with the customer, so a card never scans a customer's whole history.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Constraint names are fixed so that migrations can refer to them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _customer_fk() -> Column:
    return Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    )


customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    # The shop's own customer id when the customer signed in; NULL while anonymous.
    Column("external_id", String(255), unique=True, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("first_seen", DateTime, nullable=True),
    Column("last_seen", DateTime, nullable=True),
    Column("visits", Integer, nullable=False, default=0),
    # Decayed sums of benefits and costs as of `tally_at` (see memory.rules.Tally).
    Column("benefit", Float, nullable=False, default=0.0),
    Column("cost", Float, nullable=False, default=0.0),
    Column("tally_at", DateTime, nullable=True),
    Column("loyalty_status", String(255), nullable=True),
    Index(None, "first_seen"),  # new customers per week (insights)
)

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    # A widget's anonymous id or any other Rasa sender id.
    Column("sender_id", String(255), nullable=False, unique=True),
    _customer_fk(),
    Column("linked_at", DateTime, nullable=False),
    Index(None, "customer_id"),
)

# An anonymous conversation merged into a signed-in customer's record. Its history moved to that
# customer, but the anonymous id is no key to them: it has no row in `identities`, and the widget
# refuses to resume it. Kept so that forgetting and exporting the customer still cover it.
merged_senders = Table(
    "merged_senders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, unique=True),
    _customer_fk(),
    Column("merged_at", DateTime, nullable=False),
    Index(None, "customer_id"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("sender_id", String(255), nullable=False),
    # The session-start event that opened it, so a replayed event opens no second visit.
    Column("start_event_id", String(64), nullable=True, unique=True),
    Column("started_at", DateTime, nullable=False),
    Column("last_at", DateTime, nullable=False),
    Column("exchange_count", Integer, nullable=False, default=0),
    Column("not_understood", Integer, nullable=False, default=0),
    # What is needed to spot "repeating oneself" and "waiting" without reading the log.
    Column("last_customer_text", Text, nullable=True),
    Column("awaiting_reply_since", DateTime, nullable=True),
    Index(None, "customer_id", "started_at"),
    Index(None, "sender_id", "last_at"),
    Index(None, "started_at"),  # visits per day (insights)
)

exchanges = Table(
    "exchanges",
    metadata,
    Column("id", Integer, primary_key=True),
    # Stable id of the event that produced the exchange: a replayed event is not written twice.
    Column("event_id", String(64), nullable=False, unique=True),
    _customer_fk(),
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("speaker", String(16), nullable=False),  # customer, bot, agent
    Column("text", Text, nullable=True),
    Column("at", DateTime, nullable=False),
    Column("intent", String(255), nullable=True),
    Column("confidence", Float, nullable=True),
    Column("entities", Text, nullable=True),  # JSON list
    Column("action", String(255), nullable=True),  # response or action behind a bot message
    Column("agent", String(255), nullable=True),
    # JSON: why the bot answered as it did (the say-yes decision, a tone-guard replacement).
    Column("policy", Text, nullable=True),
    Index(None, "customer_id", "at"),
    Index(None, "conversation_id", "at"),
    Index(None, "at"),
    # The insights page (memory/insights.py): customers' messages per day and how many were
    # understood, read from the index alone; the say-yes decisions without the other messages.
    Index(None, "speaker", "at", "intent", "confidence"),
    Index(
        "ix_exchanges_policy_at",
        "at",
        sqlite_where=text("policy IS NOT NULL"),
        postgresql_where=text("policy IS NOT NULL"),
    ),
)

facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("kind", String(32), nullable=False),  # name, bike, riding_style, ...
    Column("key", String(64), nullable=False, default=""),  # e.g. "frame" for a size
    Column("value", Text, nullable=False),
    Column("source", String(16), nullable=False),  # message, form, agent
    Column(
        "exchange_id",
        Integer,
        ForeignKey("exchanges.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("confidence", Float, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("superseded_at", DateTime, nullable=True),
    Column("superseded_by", Integer, ForeignKey("facts.id", ondelete="SET NULL"), nullable=True),
    Index(None, "customer_id", "superseded_at", "kind"),
)

issues = Table(
    "issues",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("kind", String(32), nullable=False),  # complaint, problem
    Column("summary", Text, nullable=False),
    Column("state", String(16), nullable=False),  # open, resolved, closed
    Column("opened_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Index(None, "customer_id", "state"),
)

promises = Table(
    "promises",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("text", Text, nullable=False),
    Column("made_at", DateTime, nullable=False),
    Column("due_at", DateTime, nullable=True),
    Column("state", String(16), nullable=False),  # open, kept, broken, cancelled
    Column("settled_at", DateTime, nullable=True),
    Column("issue_id", Integer, ForeignKey("issues.id", ondelete="SET NULL"), nullable=True),
    # Who keeps it, when a person promised it (an agent's follow-up); None for the shop's own.
    Column("owner", String(64), nullable=True),
    Index(None, "customer_id", "state", "due_at"),
    Index(None, "state", "due_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("kind", String(16), nullable=False),  # feedback, idea
    Column("text", Text, nullable=False),
    Column("state", String(16), nullable=False),  # received, acknowledged, planned, done, declined
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index(None, "customer_id", "kind"),
    Index(None, "created_at"),  # ideas per range (insights)
)

feedback_states = Table(
    "feedback_states",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feedback_id", Integer, ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("at", DateTime, nullable=False),
    Index(None, "feedback_id"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column(
        "conversation_id",
        Integer,
        ForeignKey("conversations.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("score", Integer, nullable=False),  # 1..5
    Column("comment", Text, nullable=True),
    Column("at", DateTime, nullable=False),
    Index(None, "customer_id", "at"),
    Index(None, "at"),  # ratings per day (insights)
)

# The relationship's history: a row each time a write to the memory changed the customer's
# judged stage or at-risk flag (memory.rules.assess). The first judgement of a customer has no
# `from_stage` and no `was_at_risk`.
stage_changes = Table(
    "stage_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("from_stage", String(16), nullable=True),
    Column("to_stage", String(16), nullable=False),
    Column("was_at_risk", Boolean, nullable=True),
    Column("at_risk", Boolean, nullable=False),
    Column("at", DateTime, nullable=False),
    Index(None, "customer_id", "at"),  # the customer's latest judgement
    Index(None, "at"),  # moves per week (insights)
)

agent_notes = Table(
    "agent_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    _customer_fk(),
    Column("agent", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Index(None, "customer_id", "at"),
)

# The loyalty ledger: rewards redeemed in a conversation. A points balance is the shop's records'
# points minus these (the shop's till applies the reward itself). What the shop paid out is not
# the customer's to erase: forgetting the customer clears `customer_id` and keeps the row, still
# found by `account` (memory.personal_data.ledger_account of the shop's customer id), so a
# customer who comes back with the same shop account cannot spend the same points again.
redemptions = Table(
    "redemptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("customers.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("account", String(64), nullable=True),
    Column("reward", String(255), nullable=False),
    Column("points", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Index(None, "customer_id", "at"),
    Index(None, "account"),
)

# Tables that hang off a customer, in an order that is safe for deleting and exporting.
CUSTOMER_TABLES = (
    stage_changes,
    redemptions,
    agent_notes,
    ratings,
    feedback,
    promises,
    issues,
    facts,
    exchanges,
    conversations,
    merged_senders,
    identities,
)

# -- the agent console (human handoff) ---------------------------------------------------------
# Agents are the shop's support staff; they are not customers, so these tables hang off no
# customer and are not part of CUSTOMER_TABLES (a customer's export never lists staff accounts).

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    # An argon2id hash (memory-hard); the password itself is never stored.
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime, nullable=False),
    # Presence: the console's live socket refreshes this; "online" means recently seen.
    Column("last_seen_at", DateTime, nullable=True),
    # What the account may open: agent (the chats), trainer (the review inbox), manager (both).
    Column("role", String(16), nullable=False, default="agent", server_default="agent"),
)

agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    # SHA-256 of the cookie's token: a copy of the database cannot be replayed as a cookie.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("agent_id", Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index(None, "agent_id"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    # The Rasa conversation (sender id) that waits for a person.
    Column("sender_id", String(255), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=True),
    Column("state", String(16), nullable=False),  # waiting, claimed, resolved
    Column("requested_at", DateTime, nullable=False),
    # Whether the customer was told no one was available (a message was taken instead).
    Column("offline", Integer, nullable=False, default=0),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_at", DateTime, nullable=True),
    Column("resolved_at", DateTime, nullable=True),
    Column("outcome", String(16), nullable=True),  # resolved, follow_up
    # When the customer was told a person replies by (the team's next opening, or the wait).
    Column("reply_by", DateTime, nullable=True),
    # The email address or phone number the customer left for the team's reply (personal data:
    # exported and forgotten with the handoff, see memory/personal_data.py).
    Column("contact", String(255), nullable=True),
    # A transfer between agents: who handed the chat over, and their note to the next agent.
    Column("transferred_from", String(64), nullable=True),
    Column("transfer_note", Text, nullable=True),
    # The follow-up promised when the chat was resolved (promises.id), open until kept.
    Column("promise_id", Integer, nullable=True),
    # The reply promised when the customer left a message (promises.id, due at reply_by): kept
    # by the agent's first reply in the chat.
    Column("reply_promise_id", Integer, nullable=True),
    Index(None, "state", "requested_at"),
    Index(None, "sender_id", "state"),
    Index(None, "requested_at"),  # handoffs per range (insights)
)

# Replies an agent sent although the tone guard flagged them: what was sent, what was found,
# for a manager's coaching. Internal like notes; forgotten with the chat's handoff.
tone_overrides = Table(
    "tone_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
    Column("agent", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("findings", Text, nullable=False),  # JSON list of {kind, span, suggestion}
    Column("at", DateTime, nullable=False),
    Index(None, "handoff_id"),
    Index(None, "agent", "at"),
)

# -- the review inbox (trainers) ----------------------------------------------------------------
# What a trainer decided about a message of the exchange log. `text` is the message as the trainer
# saw it, personal data masked (bot/review/masking.py), the same text that went into data/; the
# exchange it came from is cleared when its customer is forgotten.
review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    # SHA-256 of the masked, normalised text: the same words are decided once.
    Column("text_key", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column(
        "exchange_id",
        Integer,
        ForeignKey("exchanges.id", ondelete="SET NULL"),
        nullable=True,
    ),
    Column("decision", String(16), nullable=False),  # example, ignore
    Column("intent", String(255), nullable=True),
    Column("file", String(255), nullable=True),  # the data file the example went into
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Index(None, "text_key"),
    Index(None, "exchange_id"),
)
