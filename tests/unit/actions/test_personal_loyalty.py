"""Redeeming a loyalty reward: it is remembered, and the balance reflects it from then on."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from action_testkit import make_tracker, said, use_settings
from personal_fakes import DownMemory, use_memory
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.privacy import ActionForgetMe
from actions.shop import ActionLoyaltyBalance, ActionRedeemReward
from bot.settings import Settings
from memory.store import MemoryStore

SAM = {"customer_id": "c-1001"}  # 320 points in the shop's records


async def redeem(domain: dict[str, Any], text: str, slots: dict[str, Any] | None = SAM) -> Any:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("redeem_reward", text, slots=slots, sender_id="web-sam")
    await ActionRedeemReward().run(dispatcher, tracker, domain)
    return dispatcher


async def balance(domain: dict[str, Any]) -> int:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("loyalty_balance", slots=SAM, sender_id="web-sam")
    await ActionLoyaltyBalance().run(dispatcher, tracker, domain)
    assert said(dispatcher) in (["utter_loyalty_balance_enough"], ["utter_loyalty_balance_closer"])
    return int(dispatcher.messages[0]["points"])


async def test_redeeming_is_remembered_and_the_balance_drops(domain: dict[str, Any]) -> None:
    dispatcher = await redeem(domain, "can I use my points for a free puncture repair?")
    assert said(dispatcher) == ["utter_reward_redeemed"]
    message = dispatcher.messages[0]
    assert (message["reward"], message["points"], message["points_left"]) == (
        "free puncture repair",
        150,
        170,
    )
    assert await balance(domain) == 170
    store: MemoryStore = await base.store()
    customer = store.customers.find_customer("c-1001")
    assert customer is not None and store.loyalty.points_redeemed(customer) == 150
    # A second redemption counts from the new balance; a third is more than is left.
    assert (await redeem(domain, "puncture repair please")).messages[0]["points_left"] == 20
    short = await redeem(domain, "free puncture repair")
    assert said(short) == ["utter_reward_not_enough"]
    assert (short.messages[0]["balance"], short.messages[0]["gap"]) == (20, 130)
    assert store.loyalty.points_redeemed(customer) == 300


async def test_a_reward_beyond_the_balance_is_not_redeemed(domain: dict[str, Any]) -> None:
    dispatcher = await redeem(domain, "I'd like my free tune-up")
    assert said(dispatcher) == ["utter_reward_not_enough"]
    assert dispatcher.messages[0]["gap"] == 180
    assert await balance(domain) == 320


async def test_without_a_named_reward_or_sign_in_the_rewards_are_listed(
    domain: dict[str, Any],
) -> None:
    assert said(await redeem(domain, "I want to redeem my points")) == ["utter_rewards_choose"]
    anonymous = await redeem(domain, "free puncture repair", slots=None)
    assert said(anonymous) == ["utter_rewards_sign_in"]


async def test_a_memory_that_is_down_redeems_nothing_and_says_so(
    monkeypatch: pytest.MonkeyPatch, domain: dict[str, Any]
) -> None:
    use_memory(monkeypatch, DownMemory())
    dispatcher = await redeem(domain, "free puncture repair")
    assert said(dispatcher) == [base.SOMETHING_WENT_WRONG]
    assert await balance(domain) == 320  # the shop's own figure


async def test_forgetting_does_not_give_redeemed_points_back(
    monkeypatch: pytest.MonkeyPatch, sample_shop: Settings, tmp_path: Path, domain: dict[str, Any]
) -> None:
    # The attack: redeem, ask to be forgotten, come back signed in and redeem the same points.
    config = dataclasses.replace(sample_shop, tracker_db=str(tmp_path / "tracker.db"))

    use_settings(monkeypatch, config)
    assert said(await redeem(domain, "I'd like a free puncture repair")) == [
        "utter_reward_redeemed"
    ]
    forget = CollectingDispatcher()
    tracker = make_tracker("affirm", slots=SAM, sender_id="web-sam")
    await ActionForgetMe().run(forget, tracker, domain)
    assert said(forget) == ["utter_forgot"]
    store: MemoryStore = await base.store()
    assert store.cards.card_for_sender("web-sam") is None  # forgotten

    assert await balance(domain) == 170  # not 320 again
    again = await redeem(domain, "free puncture repair")
    assert again.messages[0]["points_left"] == 20
    assert said(await redeem(domain, "free puncture repair")) == ["utter_reward_not_enough"]
