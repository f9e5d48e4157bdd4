"""The fallback ladder, the handoff, privacy, connection moments and details given in passing."""

from __future__ import annotations

from action_testkit import (
    action_event,
    entity,
    make_tracker,
    rendered,
    said,
    use_settings,
    user_event,
)

from actions.connection import ActionNoteAspiration, ActionNoteFeedback, ActionNotePreference
from actions.details import ActionUseDetails
from actions.fallback import ActionFallbackLadder
from actions.handoff import ActionHandoff
from actions.privacy import ActionExportMyData, ActionForgetMe, ActionWhatDoYouKnow

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.7},
    {"name": "greet", "confidence": 0.2},
    {"name": "ask_hours", "confidence": 0.1},
    {"name": "book_repair", "confidence": 0.05},
    {"name": "order_status", "confidence": 0.01},
]


def miss(text: str = "blorp") -> list[dict]:
    return [action_event("action_listen"), user_event("nlu_fallback", text)]


async def test_rung_one_offers_the_two_closest_guesses(dispatcher, domain) -> None:
    tracker = make_tracker("nlu_fallback", "wen tho", ranking=RANKING)
    events = await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert events == []
    assert said(dispatcher) == ["utter_fallback_rephrase"]
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "Opening hours", "payload": "/ask_hours"},
        {"title": "Book a repair", "payload": "/book_repair"},
    ]


async def test_rung_two_offers_the_main_things_the_bot_can_do(dispatcher, domain) -> None:
    tracker = make_tracker("nlu_fallback", "hmm", history=miss(), ranking=RANKING)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_menu"]
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert "/book_repair" in payloads and payloads[-1] == "/request_human"


async def test_rung_three_offers_a_person(dispatcher, domain) -> None:
    history = [*miss(), *miss()]
    tracker = make_tracker("nlu_fallback", "?", history=history, ranking=RANKING)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_offer_person"]


async def test_an_understood_message_starts_the_ladder_again(dispatcher, domain) -> None:
    history = [*miss(), *miss(), action_event("action_listen"), user_event("ask_hours")]
    tracker = make_tracker("nlu_fallback", "?", history=history, ranking=RANKING)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_rephrase"]


async def test_out_of_scope_goes_straight_to_what_the_bot_can_do(dispatcher, domain) -> None:
    await ActionFallbackLadder().run(dispatcher, make_tracker("out_of_scope", "weather?"), domain)
    assert said(dispatcher) == ["utter_out_of_scope"]
    assert dispatcher.messages[0]["buttons"]


async def test_declining_the_person_shows_the_menu_again(dispatcher, domain) -> None:
    await ActionFallbackLadder().run(dispatcher, make_tracker("deny", "no"), domain)
    assert said(dispatcher) == ["utter_try_again"]
    assert dispatcher.messages[0]["buttons"]


async def test_the_handoff_says_what_happens_next(
    dispatcher, domain, monkeypatch, sample_shop, tmp_path
) -> None:
    # The handoff queue and its tests: tests/unit/console/test_handoff_action.py.
    import dataclasses

    import memory

    config = dataclasses.replace(sample_shop, database_url=f"sqlite:///{tmp_path / 'm.db'}")
    memory.migrate(config.database_url)

    use_settings(monkeypatch, config)
    events = await ActionHandoff().run(dispatcher, make_tracker("request_human"), domain)
    assert "take a message" in rendered(domain, dispatcher.messages[0])  # no agent is online
    assert events[0]["name"] == "handoff_requested" and events[0]["value"] is True
    assert events[1]["event"] == "pause"


async def test_what_the_bot_knows_lists_the_conversation_facts(dispatcher, domain) -> None:
    slots = {"customer_name": "Sam", "preferences": ["“I love gravel”"]}
    await ActionWhatDoYouKnow().run(
        dispatcher, make_tracker("what_do_you_know", slots=slots), domain
    )
    assert said(dispatcher) == ["utter_what_i_know"]
    assert dispatcher.messages[0]["facts"] == "• Your name: Sam\n• What you like: “I love gravel”"


async def test_what_the_bot_knows_when_it_knows_nothing(dispatcher, domain) -> None:
    await ActionWhatDoYouKnow().run(dispatcher, make_tracker("what_do_you_know"), domain)
    assert said(dispatcher) == ["utter_know_nothing"]


async def test_forget_me_resets_everything_but_the_sign_in(dispatcher, domain) -> None:
    slots = {"customer_name": "Sam", "customer_id": "c-1001"}
    events = await ActionForgetMe().run(dispatcher, make_tracker("affirm", slots=slots), domain)
    assert said(dispatcher) == ["utter_forgot"]
    assert [e["event"] for e in events] == ["reset_slots", "slot", "slot"]
    assert (events[1]["name"], events[1]["value"]) == ("customer_id", "c-1001")
    assert (events[2]["name"], events[2]["value"]) == ("forgotten", True)


async def test_export_gives_a_copy(dispatcher, domain) -> None:
    tracker = make_tracker("export_my_data", slots={"customer_name": "Sam"}, history=miss())
    await ActionExportMyData().run(dispatcher, tracker, domain)
    export = dispatcher.messages[0]["export"]
    assert "• Your name: Sam" in export
    assert "Messages you sent in this conversation: 2" in export


async def test_a_dream_is_remembered_in_the_customers_words(dispatcher, domain) -> None:
    tracker = make_tracker(
        "share_aspiration", "I'm training for  my first century", slots={"aspirations": ["x"]}
    )
    events = await ActionNoteAspiration().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_noted_aspiration"]
    assert dispatcher.messages[0]["aspiration"] == "“your first century”"
    assert events[0]["value"] == ["x", "my first century"]


async def test_preferences_and_ideas_are_kept(dispatcher, domain) -> None:
    pref = await ActionNotePreference().run(
        dispatcher, make_tracker("share_preference", "I like gravel"), domain
    )
    idea = await ActionNoteFeedback().run(
        dispatcher, make_tracker("give_feedback", "run a kids' ride"), domain
    )
    assert said(dispatcher) == ["utter_noted_preference", "utter_noted_idea"]
    assert (pref[0]["name"], pref[0]["value"]) == ("preferences", ["I like gravel"])
    assert (idea[0]["name"], idea[0]["value"]) == ("ideas", ["run a kids' ride"])


async def test_a_question_read_as_an_idea_is_not_thanked_as_one(dispatcher, domain) -> None:
    tracker = make_tracker("give_feedback", "obviously he shouldn't ride it till then right?")
    events = await ActionNoteFeedback().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_dont_know"]  # who can tell them, no guess
    assert not any(event.get("name") == "ideas" for event in events)


async def test_a_reference_after_the_repair_question_checks_the_repair(dispatcher, domain) -> None:
    history = [
        action_event("action_listen"),
        user_event("repair_status"),
        action_event("action_repair_status"),
    ]
    tracker = make_tracker(
        "inform",
        "R2043",
        [entity("order_id", "R2043")],
        history=history,
        slots={"customer_id": "c-1003"},  # the repair's owner, signed in
    )
    await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_repair_status_ready"]


async def test_an_order_number_on_its_own_checks_the_order(dispatcher, domain) -> None:
    tracker = make_tracker(
        "inform", "B7810", [entity("order_id", "B7810")], slots={"customer_id": "c-1002"}
    )
    await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_order_status_processing"]


async def test_a_kind_of_bike_gets_a_recommendation(dispatcher, domain) -> None:
    tracker = make_tracker("inform", "road", [entity("bike_type", "road")])
    await ActionUseDetails().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_recommendation"]
    assert "Cannondale Synapse" in dispatcher.messages[0]["product_lines"]


async def test_details_that_answer_nothing_get_the_menu(dispatcher, domain) -> None:
    await ActionUseDetails().run(dispatcher, make_tracker("inform", "purple"), domain)
    assert said(dispatcher) == ["utter_details_unclear"]
    assert dispatcher.messages[0]["buttons"][-1]["payload"] == "/request_human"


def read_by_the_feeling_check(text: str) -> dict:
    """What the pipeline's feeling check (as configured in config.yml) records for a message
    the classifier was unsure of."""
    from pathlib import Path

    import yaml
    from rasa.shared.nlu.training_data.message import Message

    from bot.feelings import FEELING, FeelingCheck

    config_file = Path(__file__).resolve().parents[3] / "config.yml"
    pipeline = yaml.safe_load(config_file.read_text(encoding="utf-8"))["pipeline"]
    [step] = [step for step in pipeline if step["name"] == "bot.feelings.FeelingCheck"]
    check = FeelingCheck({**FeelingCheck.get_default_config(), **step})
    message = Message(data={"text": text})
    message.set("intent", {"name": "nlu_fallback", "confidence": 0.5}, add_to_output=True)
    [checked] = check.process([message])
    assert checked.get("intent")["name"] == "nlu_fallback", "the check must not change a fallback"
    return checked.as_dict(only_output_properties=True).get(FEELING) or {}


async def test_an_unhappy_message_not_understood_is_asked_about_not_rephrased(
    dispatcher, domain
) -> None:
    text = "absolutely fuming, third time the brooks thing has let me down, useless"
    tracker = make_tracker("nlu_fallback", text, ranking=RANKING)
    tracker.latest_message["feeling"] = read_by_the_feeling_check(text)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_sounds_wrong"]
    [response] = domain["responses"]["utter_fallback_sounds_wrong"]
    payloads = [button["payload"] for button in response["buttons"]]
    assert payloads[:2] == ["/complain", "/request_human"]


async def test_a_calm_message_not_understood_still_climbs_the_ladder(dispatcher, domain) -> None:
    text = "wen tho"
    tracker = make_tracker("nlu_fallback", text, ranking=RANKING)
    tracker.latest_message["feeling"] = read_by_the_feeling_check(text)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_rephrase"]


async def test_an_unhappy_second_miss_goes_on_up_the_ladder(dispatcher, domain) -> None:
    """Asked once; if the customer's answer is not understood either, the ladder goes on."""
    text = "this is rubbish, useless"
    tracker = make_tracker("nlu_fallback", text, history=miss(), ranking=RANKING)
    tracker.latest_message["feeling"] = read_by_the_feeling_check(text)
    await ActionFallbackLadder().run(dispatcher, tracker, domain)
    assert said(dispatcher) == ["utter_fallback_menu"]


async def test_a_fault_read_as_a_preference_gets_the_workshops_answer_and_is_not_kept(
    dispatcher, domain
) -> None:
    text = "hey, the brakes on my bike are squeeling really loudly when I stop"
    events = await ActionNotePreference().run(
        dispatcher, make_tracker("share_preference", text), domain
    )
    assert said(dispatcher) == []
    assert [(event["event"], event.get("name")) for event in events] == [
        ("followup", "action_tell_repair_service")
    ]


async def test_a_long_preference_is_said_back_in_a_few_words_or_not_quoted(
    dispatcher, domain
) -> None:
    text = (
        "to be honest I've always much preferred riding on the quiet country lanes around here "
        "rather than on busy main roads with lorries"
    )
    events = await ActionNotePreference().run(
        dispatcher, make_tracker("share_preference", text), domain
    )
    [message] = dispatcher.messages
    shown = rendered(domain, message)
    assert "quiet country lanes around here rather" not in shown, shown  # never the message
    if message["response"] == "utter_noted_preference":
        quoted = str(message["preference"]).strip("“”")
        assert len(quoted.split()) <= 6 and quoted in text
        assert events[0]["value"] == [quoted]
    else:
        assert message["response"] == "utter_noted_preference_unquoted" and events == []


async def test_a_short_preference_is_said_back_whole(dispatcher, domain) -> None:
    await ActionNotePreference().run(
        dispatcher, make_tracker("share_preference", "I prefer gravel"), domain
    )
    assert dispatcher.messages[0]["preference"] == "“I prefer gravel”"
