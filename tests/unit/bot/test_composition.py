"""Each process's composition root builds its services once, from the settings: the memory
judged by the `RELATIONSHIP_*` rules, one store per database, nothing opened before it is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import composition as action_composition
from bot import composition
from bot.settings import load

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `.env` of the test's own, named the way `python -m bot run` names it to Rasa."""
    path = tmp_path / ".env"
    path.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\nRELATIONSHIP_WEIGHT_COMPLAINT=0\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("RAPPORT_ENV_FILE", str(path))
    monkeypatch.setattr(composition, "_services", None)
    return path


def test_the_rasa_servers_components_share_one_memory_judged_by_the_settings(
    env_file: Path, tmp_path: Path
) -> None:
    services = composition.server()
    assert composition.server() is services  # once per process
    memory = services.memory()
    # The settings' rules, not the defaults (the channel's store used to have the defaults).
    assert memory.rules.weight_complaint == 0
    assert memory.engine.url.database == str(tmp_path / "memory.db")
    assert services.memory(services.settings.database_url) is memory  # one store per database
    assert services.agents().engine is memory.engine

    def extractor(text: str) -> list:
        return []

    feeding = services.memory_with_facts("", extractor)
    # The broker's store finds facts but shares the engine and the rules.
    assert feeding.engine is memory.engine and feeding.rules.weight_complaint == 0
    assert feeding.context.fact_extractor is extractor and memory.context.fact_extractor is None
    services.close()


def test_the_action_servers_services_open_nothing_until_asked(tmp_path: Path) -> None:
    settings = load(
        tmp_path / "absent.env",
        environ={
            "DATABASE_URL": "not a database url",
            "BUSINESS_FILE": str(tmp_path / "missing.yml"),
        },
    )
    services = action_composition.compose(settings)  # neither file nor database read yet
    with pytest.raises(Exception, match="not a database URL"):
        services.memory()
    with pytest.raises(Exception, match=r"missing\.yml"):
        services.business()


def test_the_action_servers_memory_and_business_are_built_once(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\n"
        f"BUSINESS_FILE={ROOT / 'business.yml'}\n"
        "RELATIONSHIP_WEIGHT_COMPLAINT=0\n",
        encoding="utf-8",
    )
    settings = load(env, environ={})
    services = action_composition.compose(settings)
    memory = services.memory()
    assert services.memory() is memory and memory.rules.weight_complaint == 0
    assert services.agents().engine is memory.engine
    assert services.business() is services.business()
    services.close()


@pytest.fixture
def business_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every business file the business loader reads in this test (it still reads them)."""
    from voice import business

    reads: list[Path] = []
    real = business.load

    def load_and_count(path: Path) -> business.Business:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(business, "load", load_and_count)
    return reads


async def test_the_action_server_reads_the_business_and_its_say_yes_section_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, business_reads: list[Path]
) -> None:
    from actions import base, requests
    from voice import say_yes

    settings = load(
        tmp_path / "absent.env",
        environ={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'memory.db'}",
            "BUSINESS_FILE": str(ROOT / "business.yml"),
        },
    )
    services = action_composition.compose(settings)
    monkeypatch.setattr(base, "_services", services)
    shop = await base.load_business()
    rules = await requests.load_rules()
    # The say-yes rules are a section of the one business, not read again by a loader of theirs.
    assert rules is shop.say_yes and rules is services.say_yes_rules()
    assert await base.load_business() is shop and services.business() is shop
    assert "complaint" in rules.kinds and rules.complaints.serious_words
    assert business_reads == [ROOT / "business.yml"]
    assert not hasattr(say_yes, "load_rules")
    services.close()


def test_the_rasa_server_reads_the_business_once_for_its_components(
    env_file: Path, business_reads: list[Path]
) -> None:
    from bot import feelings
    from bot.feelings import FeelingCheck

    services = composition.server()
    shop = services.business()
    assert shop is not None and shop.say_yes is not None
    assert services.business() is shop
    # The NLU's serious-word check takes the complaint words of the same business.
    assert feelings.business_complaint_words() is shop.say_yes.complaints
    config = {**FeelingCheck.get_default_config(), "intents": [], "complaint_intent": "complain"}
    assert FeelingCheck(config).serious is shop.say_yes.complaints
    assert services.templates() == shop.templates
    assert business_reads == [services.settings.business_file]
    services.close()


async def test_the_action_server_reads_the_shops_records_once_and_keeps_one_bookings_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions import base, connection, shop_records
    from actions.shop import shop_records as records_of_shop

    reads: list[Path] = []
    real = shop_records.read_records

    def read_and_count(path: Path) -> dict:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(shop_records, "read_records", read_and_count)
    settings = load(
        tmp_path / "absent.env",
        environ={
            "BUSINESS_FILE": str(ROOT / "business.yml"),
            "SHOP_RECORDS_FILE": str(ROOT / "shop_records.yml"),
            "BOOKINGS_URL": f"sqlite:///{tmp_path / 'bookings.db'}",
        },
    )
    services = action_composition.compose(settings)
    monkeypatch.setattr(base, "_services", services)
    shop = await base.load_business()
    first = await records_of_shop(shop)
    again = await records_of_shop(shop)
    assert first.orders and [o.order_id for o in again.orders] == [o.order_id for o in first.orders]
    assert reads == [ROOT / "shop_records.yml"]
    assert services.bookings() is services.bookings(settings.bookings_url)
    assert services.bookings().url == settings.bookings_url
    # Another process's services (or another test's) keep their own.
    assert action_composition.compose(settings).bookings() is not services.bookings()
    assert not hasattr(shop_records, "bookings") and not hasattr(shop_records, "_raw_cache")
    # The goal finder (a language pipeline) is the services' too, built once.
    assert services.fact_extractor() is services.fact_extractor()
    assert not hasattr(connection, "_extractor")
    services.close()


async def test_the_health_report_is_kept_by_the_servers_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    from bot import health

    app = SimpleNamespace(ctx=SimpleNamespace(agent=None))
    first = composition.compose(load(Path("/nonexistent/.env"), environ={}))
    monkeypatch.setattr(composition, "_services", first)
    report = await health.checked(app, "")
    assert report["status"] == "degraded" and report["model"]["ok"] is False
    assert await health.checked(app, "") is report  # fresh: the same report
    assert first.health_checks().reports[id(app)][1] is report
    # A report older than CACHE_SECONDS is made again.
    made, _ = first.health_checks().reports[id(app)]
    first.health_checks().reports[id(app)] = (made - health.CACHE_SECONDS - 1, report)
    assert await health.checked(app, "") is not report
    # Other services (another process) keep no report of this one's.
    monkeypatch.setattr(composition, "_services", composition.compose(first.settings))
    assert await health.checked(app, "") is not first.health_checks().reports[id(app)][1]
    assert not hasattr(health, "_cache") and not hasattr(health, "_reachable")


async def test_the_shop_clock_setting_is_the_now_of_the_actions_and_the_widget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SHOP_CLOCK (tests and demos only) fixes the shop's local time for every decision of
    hours, due days, today and tomorrow: the actions' `now` and the widget's welcome."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from actions import base

    env = tmp_path / ".env"
    env.write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'memory.db'}\n"
        f"BUSINESS_FILE={ROOT / 'business.yml'}\n"
        "SHOP_CLOCK=2026-11-22T21:15\n",  # a Sunday evening: the shop is closed
        encoding="utf-8",
    )
    settings = load(env, environ={})
    services = action_composition.compose(settings)
    monkeypatch.setattr(base, "_services", services)
    shop = await base.load_business()
    expected = dt.datetime(2026, 11, 22, 21, 15, tzinfo=ZoneInfo(shop.shop.timezone or "UTC"))
    assert base.now(shop) == expected and base.today(shop) == dt.date(2026, 11, 22)
    assert not shop.open_at(base.now(shop))
    monkeypatch.setenv("RAPPORT_ENV_FILE", str(env))
    monkeypatch.setattr(composition, "_services", None)
    channel_shop = composition.server().business()
    assert channel_shop is not None and channel_shop.local_now() == expected
    services.close()
