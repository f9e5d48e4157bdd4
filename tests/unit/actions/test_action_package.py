"""The action server imports every module of the `actions` package when it starts: each must
import cleanly outside its own tool (the bookings' Alembic environment, for one)."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from bot.settings import ROOT


def test_the_action_server_loads_the_whole_package_and_every_domain_action() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    custom = {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions), sorted(custom - set(executor.actions))
