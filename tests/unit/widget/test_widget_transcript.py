"""The widget's messages: live ones and replayed history agree; agents and buttons shown."""

from __future__ import annotations

from bot import widget_transcript


def bot_event(text: str, timestamp: float, **extra: object) -> dict:
    data = extra.pop("data", {})
    metadata = extra.pop("metadata", {})
    return {
        "event": "bot",
        "text": text,
        "timestamp": timestamp,
        "data": data,
        "metadata": metadata,
    }


def user_event(text: str, timestamp: float) -> dict:
    return {"event": "user", "text": text, "timestamp": timestamp, "parse_data": {}}


def test_a_live_message_and_its_history_entry_have_the_same_id() -> None:
    event = bot_event("Hi!", 1700000000.123456, metadata={"utter_action": "utter_greet"})
    # What Rasa hands to output channels (BotUttered.message()): data, text, timestamp, metadata.
    live = widget_transcript.bot_message(
        {"text": "Hi!", "timestamp": 1700000000.123456, "utter_action": "utter_greet"}
    )
    replayed = widget_transcript.history([event])
    assert replayed[0]["id"] == live["id"]
    assert replayed[0]["text"] == live["text"] == "Hi!"


def test_agent_messages_carry_the_agent_name() -> None:
    shown = widget_transcript.bot_message({"text": "Sam here", "timestamp": 1.0, "agent": "Sam"})
    assert shown["sender"] == "agent"
    assert shown["agent"] == "Sam"
    assert shown["metadata"] == {"agent": "Sam"}
    from_event = widget_transcript.history([bot_event("Hi", 2.0, metadata={"agent": "Ana"})])
    assert from_event[0]["sender"] == "agent"
    assert from_event[0]["agent"] == "Ana"


def test_buttons_become_quick_replies() -> None:
    shown = widget_transcript.bot_message(
        {"text": "Which?", "timestamp": 1.0, "buttons": [{"title": "City", "payload": "/city"}]}
    )
    assert shown["quick_replies"] == [{"content_type": "text", "title": "City", "payload": "/city"}]


def test_history_shows_the_title_of_a_clicked_button_and_drops_old_buttons() -> None:
    events = [
        user_event("hello", 1.0),
        bot_event("Which?", 2.0, data={"buttons": [{"title": "City bike", "payload": "/city"}]}),
        {"event": "action", "name": "action_listen", "timestamp": 2.5},
        user_event("/city", 3.0),
        bot_event("Good choice", 4.0, data={"buttons": [{"title": "Yes", "payload": "/yes"}]}),
    ]
    shown = widget_transcript.history(events)
    assert [m["sender"] for m in shown] == ["customer", "bot", "customer", "bot"]
    assert shown[2]["text"] == "City bike"
    assert "quick_replies" not in shown[1]
    assert shown[3]["quick_replies"][0]["payload"] == "/yes"


def test_history_shows_a_typed_answer_that_acted_as_a_button_as_typed() -> None:
    offered = {"buttons": [{"title": "Yes, that's it", "payload": "/buy_product"}]}
    typed = {**user_event("/buy_product", 3.0), "metadata": {"typed": "yep"}}
    events = [bot_event("Are you asking about our lights?", 2.0, data=offered), typed]
    shown = widget_transcript.history(events)
    assert shown[-1]["text"] == "yep"


def test_history_leaves_out_messages_still_to_be_delivered_and_keeps_a_limit() -> None:
    events = [bot_event(f"m{i}", float(i)) for i in range(10)]
    waiting = widget_transcript.message_id("b", 9.0)
    shown = widget_transcript.history(events, skip_ids=[waiting], limit=3)
    assert [m["text"] for m in shown] == ["m6", "m7", "m8"]


def test_a_goodbye_or_a_custom_request_asks_for_a_rating() -> None:
    goodbye = widget_transcript.bot_message(
        {"text": "Bye!", "timestamp": 1.0, "utter_action": "utter_goodbye"}
    )
    custom = widget_transcript.bot_message(
        {"text": None, "timestamp": 2.0, "custom": {"rating_request": True}}
    )
    plain = widget_transcript.bot_message({"text": "Hi", "timestamp": 3.0})
    assert goodbye["rating_request"] and custom["rating_request"]
    assert "rating_request" not in plain


def test_empty_bot_events_are_not_shown() -> None:
    assert widget_transcript.history([bot_event("", 1.0)]) == []


def test_on_the_wire_a_message_keeps_rasa_s_shape_and_carries_extras_in_metadata() -> None:
    shown = widget_transcript.bot_message(
        {
            "text": "Hello!",
            "buttons": [{"title": "Hours", "payload": "/ask_hours"}],
            "timestamp": 1.5,
            "custom": {"rating_request": True},
            "agent": "Kim",
        }
    )
    wire = widget_transcript.on_the_wire(shown)
    assert set(wire) == {"text", "quick_replies", "metadata"}
    assert wire["quick_replies"] == [
        {"content_type": "text", "title": "Hours", "payload": "/ask_hours"}
    ]
    assert wire["metadata"]["id"] == shown["id"]
    assert wire["metadata"]["sender"] == "agent" and wire["metadata"]["agent"] == "Kim"
    assert wire["metadata"]["rating_request"] is True
    assert set(widget_transcript.on_the_wire({"text": "plain", "id": "b-1"})) == {
        "text",
        "metadata",
    }


def test_on_the_wire_images_are_attachments_and_a_bare_custom_payload_is_sent_as_itself() -> None:
    image = widget_transcript.on_the_wire({"image": "https://shop.example/a.png", "id": "b-2"})
    assert image["attachment"] == {
        "type": "image",
        "payload": {"src": "https://shop.example/a.png"},
    }
    custom = widget_transcript.on_the_wire({"custom": {"map": "here"}, "id": "b-3"})
    assert custom["map"] == "here" and custom["metadata"]["custom"] == {"map": "here"}


def test_a_notice_about_the_chat_travels_in_the_metadata_live_and_in_history() -> None:
    live = widget_transcript.bot_message(
        {"text": "Sam joined", "timestamp": 5.0, "notice": "agent_joined"}
    )
    assert live["notice"] == "agent_joined" and live["sender"] == "bot"
    wire = widget_transcript.on_the_wire(live)
    assert wire["text"] == "Sam joined" and "notice" not in wire
    assert wire["metadata"]["notice"] == "agent_joined"
    replayed = widget_transcript.history(
        [bot_event("Sam joined", 5.0, metadata={"notice": "agent_joined"})]
    )
    assert replayed[0]["notice"] == "agent_joined" and replayed[0]["id"] == live["id"]
