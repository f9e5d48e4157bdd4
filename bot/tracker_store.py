"""Rasa's SQL tracker store, plus forgetting a customer once their last turn has been saved.

Named in endpoints.yml (`tracker_store: type: bot.tracker_store.ForgettingSQLTrackerStore`) with
the same keys as Rasa's `SQL` store. Rasa saves a turn's events after its actions ran: it
publishes them to the event broker (every event, when the conversation was deleted meanwhile)
and writes them back to the `events` table. So when `action_forget_me` forgets a customer, the
turn's save would bring the whole conversation back. This store looks, after the normal save,
for the marker the action leaves (the `forgotten` slot set to true in this turn), then deletes
the conversation's rows and asks the event broker to forget the customer behind the events it
already queued.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import delete, text

from memory.db import checkpoint

logger = logging.getLogger(__name__)

# The slot `action_forget_me` sets to true in the turn it forgot the customer (see domain.yml).
FORGOTTEN_SLOT = "forgotten"
# How long a forgetting turn waits for the memory to apply it before answering anyway.
FORGET_WAIT_SECONDS = 10.0


def forgot_in_this_turn(tracker: DialogueStateTracker) -> bool:
    """Whether an action set the `forgotten` marker since the customer's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == FORGOTTEN_SLOT and event.value is True:
            return True
    return False


class ForgettingSQLTrackerStore(SQLTrackerStore):
    """An SQL tracker store that deletes a conversation in the turn it is forgotten."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The latest session's stored rows, counted once per save by `stream_events` and used
        # again by `_additional_events` in the same save (Rasa holds the conversation's lock
        # for the whole turn, so no other save of it comes between).
        self._counted: dict[str, int] = {}

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            await super().save(tracker)
        finally:
            self._counted.pop(tracker.sender_id, None)
        if forgot_in_this_turn(tracker):
            await self.forget(tracker.sender_id)

    def _stored_in_latest_session(self, session: Any, sender_id: str) -> int:
        return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        """Publish the tracker's events that are not stored yet: those after as many events as
        the latest session has rows (what Rasa's save counts to decide which events to write,
        and what its own `stream_events` learns by rebuilding the stored tracker)."""
        if self.event_broker is None:
            return
        with self.session_scope() as session:
            stored = self._stored_in_latest_session(session, tracker.sender_id)
        self._counted[tracker.sender_id] = stored
        new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Any]:
        """The events Rasa's save writes: those after the rows `stream_events` just counted
        (counted here when nothing was published)."""
        stored = self._counted.pop(tracker.sender_id, None)
        if stored is None:
            stored = self._stored_in_latest_session(session, tracker.sender_id)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def forget(self, sender_id: str) -> int:
        """Delete the conversation's events here and its customer from memory; rows deleted."""
        removed = await asyncio.to_thread(self._delete_events, sender_id)
        broker: Any = self.event_broker
        if broker is not None and callable(getattr(broker, "forget_sender", None)):
            # In the broker's queue order: after the events this save has just published.
            broker.forget_sender(sender_id)
            # Rasa handles the conversation's next message only after this save returns: wait
            # (bounded) until the memory has applied the forgetting, so that the next turn
            # never sees what was forgotten.
            wait = getattr(broker, "wait_until_written", None)
            if wait is not None and not await asyncio.to_thread(wait, FORGET_WAIT_SECONDS):
                logger.warning(
                    "forgetting conversation %s is still queued after %.0f s; it will be applied",
                    sender_id,
                    FORGET_WAIT_SECONDS,
                )
        elif broker is not None:
            logger.warning(
                "the event broker %s cannot forget; conversation %s stays in its log",
                type(broker).__name__,
                sender_id,
            )
        logger.info("forgot conversation %s: %d tracker events deleted", sender_id, removed)
        return removed

    def _delete_events(self, sender_id: str) -> int:
        sqlite = self.engine.dialect.name == "sqlite"
        with self.session_scope() as session:
            if sqlite:  # overwrite the deleted rows instead of leaving them in free pages
                session.execute(text("PRAGMA secure_delete=ON"))
            result = session.execute(
                delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id)
            )
            session.commit()
        if sqlite:
            # Empty the write-ahead log (when the store uses one) so the words leave it too.
            checkpoint(self.engine)
        return int(result.rowcount or 0)
