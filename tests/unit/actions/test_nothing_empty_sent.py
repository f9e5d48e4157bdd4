"""An action never sends a message with nothing in it: a text that is None, empty, blank or the
word None (a None that became text), with no response, buttons or payload beside it, is dropped
before the message leaves the action server; the rest of what the action said is sent."""

from __future__ import annotations

from typing import Any

import pytest
from action_testkit import make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import ShopAction
from actions.connection import ActionNoteFeedback
from voice.business import Business


def says_what_it_is_told(messages: list[dict[str, Any]]) -> ShopAction:
    """One of the package's actions whose answer utters the messages a test gives it (not a
    subclass: the action server registers every subclass of Action it can see)."""
    action = ActionNoteFeedback()

    async def answer(
        dispatcher: CollectingDispatcher, tracker: Any, domain: dict[str, Any], shop: Business
    ) -> list[dict[str, Any]]:
        for message in messages:
            dispatcher.utter_message(**message)
        return []

    action.answer = answer  # type: ignore[method-assign]
    return action


@pytest.mark.parametrize("text", [None, "", "   ", "None", str(None)])
async def test_a_message_with_no_words_is_not_sent(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], text: str | None
) -> None:
    action = says_what_it_is_told([{"response": "utter_export", "export": "x"}, {"text": text}])
    await action.run(dispatcher, make_tracker("export_my_data", "a copy of my data"), domain)
    assert [message.get("response") for message in dispatcher.messages] == ["utter_export"]


async def test_a_payload_or_buttons_without_words_are_still_sent(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    payload = {"type": "download", "filename": "my-data.json", "data": "{}"}
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    action = says_what_it_is_told([{"json_message": payload}, {"text": "", "buttons": buttons}])
    await action.run(dispatcher, make_tracker("export_my_data", "a copy of my data"), domain)
    assert [message.get("custom") for message in dispatcher.messages] == [payload, {}]
    assert dispatcher.messages[1]["buttons"] == buttons
