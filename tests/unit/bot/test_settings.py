"""Settings: defaults, validation messages a person can act on, and generated secrets."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from bot import settings
from bot.settings import SettingsError


def test_defaults_bind_to_loopback_on_the_documented_ports() -> None:
    loaded = settings.from_mapping({})
    assert (loaded.host, loaded.rasa_port, loaded.actions_port) == ("127.0.0.1", 5005, 5055)
    assert loaded.database_url.startswith("sqlite:///") and loaded.database_url.endswith(
        "var/memory.db"
    )
    assert loaded.tracker_dialect == "sqlite"


def test_values_from_the_file_are_parsed() -> None:
    loaded = settings.from_mapping(
        {"RASA_PORT": "6000", "ALLOWED_ORIGINS": "https://shop.example, https://www.shop.example"}
    )
    assert loaded.rasa_port == 6000
    assert loaded.allowed_origins == ("https://shop.example", "https://www.shop.example")


def test_the_conversation_store_url_for_sqlite_a_host_or_a_whole_url() -> None:
    default = settings.from_mapping({"TRACKER_DB": "/srv/rapport/tracker.db"})
    assert default.tracker_store_url == "sqlite:////srv/rapport/tracker.db"
    host = settings.from_mapping(
        {"TRACKER_DIALECT": "postgresql", "TRACKER_URL": "db.internal", "TRACKER_DB": "rapport"}
    )
    assert host.tracker_store_url == "postgresql://db.internal/rapport"
    whole = "postgresql://rapport:secret@db.internal:5433/rapport"
    loaded = settings.from_mapping({"TRACKER_DIALECT": "postgresql", "TRACKER_URL": whole})
    assert loaded.tracker_store_url == whole
    assert loaded.env_for_rasa()["RAPPORT_TRACKER_URL"] == whole  # Rasa uses it as it is


def test_the_content_folder_names_domain_config_data_stories_and_business_file() -> None:
    default = settings.from_mapping({})
    assert default.domain_file == settings.ROOT / "domain.yml"
    assert default.business_file == settings.ROOT / "business.yml"
    assert default.models_dir == settings.ROOT / "models"
    cafe = settings.from_mapping(
        {"CONTENT_DIR": "examples/cafe", "MODELS_DIR": "var/examples/cafe/models"}
    )
    folder = settings.ROOT / "examples" / "cafe"
    assert (cafe.domain_file, cafe.config_file, cafe.data_dir) == (
        folder / "domain.yml",
        folder / "config.yml",
        folder / "data",
    )
    assert cafe.stories_dir == folder / "tests" / "stories"
    assert cafe.lookups_dir == folder / "data" / "nlu" / "lookups"
    assert cafe.business_file == folder / "business.yml"  # the content's own, unless named
    assert cafe.models_dir == settings.ROOT / "var" / "examples" / "cafe" / "models"
    named = settings.from_mapping({"CONTENT_DIR": "examples/cafe", "BUSINESS_FILE": "other.yml"})
    assert named.business_file == settings.ROOT / "other.yml"


def test_a_content_folder_without_the_shop_s_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text("version: '3.1'\n")
    with pytest.raises(SettingsError, match=r"CONTENT_DIR=.* has no config\.yml, data"):
        settings.from_mapping({"CONTENT_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"RASA_PORT": "abc"}, "RASA_PORT='abc' in .env is not a whole number"),
        ({"ACTIONS_PORT": "70000"}, "ACTIONS_PORT=70000 in .env is out of range"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL='chatty' in .env is not a level"),
        ({"RASA_PORT": "6000", "ACTIONS_PORT": "6000"}, "give them different ports"),
        ({"TRUSTED_PROXIES": "nginx"}, "TRUSTED_PROXIES in .env: 'nginx' is not an IP address"),
        ({"HANDOFFS_PER_ADDRESS_PER_HOUR": "0"}, "HANDOFFS_PER_ADDRESS_PER_HOUR=0 in .env is out"),
    ],
)
def test_a_broken_value_names_the_setting(values: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError) as raised:
        settings.from_mapping(values)
    assert expected in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_process_environment_wins_over_the_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_PORT=6001\n")
    loaded = settings.load(env_file, environ={"RASA_PORT": "6002"})
    assert loaded.rasa_port == 6002


def test_secrets_are_generated_once_and_kept_private(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_PORT=6001")  # no trailing newline: generated lines must not join it
    generated = settings.ensure_secrets(env_file)
    assert generated == list(settings.GENERATED_SECRETS)
    first = settings.load(env_file, environ={})
    assert first.rasa_port == 6001
    assert len(first.session_secret) >= 32 and first.session_secret != first.identity_secret
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

    assert settings.ensure_secrets(env_file) == []
    assert settings.load(env_file, environ={}).session_secret == first.session_secret


def test_secrets_are_not_shown_in_repr() -> None:
    loaded = settings.from_mapping({"SESSION_SECRET": "very-secret-value"})
    assert "very-secret-value" not in repr(loaded)


def test_the_widget_s_default_origins_follow_the_port() -> None:
    moved = settings.from_mapping({"RASA_PORT": "6100"})
    assert moved.allowed_origins == ("http://127.0.0.1:6100", "http://localhost:6100")
    assert moved.env_for_rasa()["RAPPORT_PUBLIC_URL"] == "http://127.0.0.1:6100"
    named = settings.from_mapping({"RASA_PORT": "6100", "ALLOWED_ORIGINS": "https://shop.example"})
    assert named.allowed_origins == ("https://shop.example",)


def test_the_public_url_is_an_origin_and_a_bad_one_is_named() -> None:
    public = settings.from_mapping({"PUBLIC_URL": "https://chat.shop.example/some/page"})
    assert public.env_for_rasa()["RAPPORT_PUBLIC_URL"] == "https://chat.shop.example"
    with pytest.raises(settings.SettingsError, match="PUBLIC_URL"):
        settings.from_mapping({"PUBLIC_URL": "chat.shop.example"})


def test_the_exchange_feed_is_embedded_unless_rabbitmq_is_chosen() -> None:
    default = settings.from_mapping({})
    assert default.env_for_rasa()["RAPPORT_EXCHANGE_FEED"] == "embedded"
    chosen = settings.from_mapping(
        {"EXCHANGE_FEED": "RabbitMQ", "RABBITMQ_URL": "amqp://u:p@mq.example:5672/shop"}
    )
    exported = chosen.env_for_rasa()
    assert exported["RAPPORT_EXCHANGE_FEED"] == "rabbitmq"
    assert exported["RAPPORT_RABBITMQ_URL"] == "amqp://u:p@mq.example:5672/shop"
    assert "u:p" not in repr(chosen)  # the URL's password stays out of logged settings
    with pytest.raises(SettingsError, match=r"EXCHANGE_FEED='kafka'.*embedded.*rabbitmq"):
        settings.from_mapping({"EXCHANGE_FEED": "kafka"})
    with pytest.raises(SettingsError, match="RABBITMQ_URL"):
        settings.from_mapping({"RABBITMQ_URL": "mq.example:5672"})


def test_the_limits_reach_rasa_through_its_environment() -> None:
    loaded = settings.from_mapping(
        {"TRUSTED_PROXIES": "127.0.0.1", "NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": "9"}
    )
    exported = loaded.env_for_rasa()
    assert exported["RAPPORT_TRUSTED_PROXIES"] == "127.0.0.1/32"
    assert exported["RAPPORT_NEW_SESSIONS_PER_ADDRESS_PER_MINUTE"] == "9"
    assert exported["RAPPORT_CONSOLE_SIGN_IN_FAILURES"] == "5"


def test_a_memory_writer_process_writes_memory_unless_the_rasa_process_is_chosen() -> None:
    default = settings.from_mapping({})
    assert default.env_for_rasa()["RAPPORT_MEMORY_WRITER"] == "process"
    assert default.writer_process
    itself = settings.from_mapping({"MEMORY_WRITER": "Rasa"})
    assert itself.env_for_rasa()["RAPPORT_MEMORY_WRITER"] == "rasa"
    assert not itself.writer_process
    # RabbitMQ's consumers write memory: no writer process for the outbox then.
    fed = settings.from_mapping({"EXCHANGE_FEED": "rabbitmq"})
    assert not fed.writer_process
    with pytest.raises(SettingsError, match=r"MEMORY_WRITER='thread'.*process.*rasa"):
        settings.from_mapping({"MEMORY_WRITER": "thread"})


def test_the_shop_clock_is_the_real_one_unless_set_to_a_local_date_and_time() -> None:
    assert settings.from_mapping({}).shop_clock is None
    loaded = settings.from_mapping({"SHOP_CLOCK": "2026-11-25T11:00"})
    assert loaded.shop_clock == dt.datetime(2026, 11, 25, 11, 0)
    assert settings.from_mapping({"SHOP_CLOCK": "2026-11-25 09:30:15"}).shop_clock == (
        dt.datetime(2026, 11, 25, 9, 30, 15)
    )


@pytest.mark.parametrize(
    "value",
    ["next wednesday", "2026-11-25", "11:00", "2026-13-01T10:00", "2026-11-25T11:00+01:00"],
)
def test_a_malformed_shop_clock_is_refused_with_what_to_write(value: str) -> None:
    with pytest.raises(SettingsError, match=r"SHOP_CLOCK=.*YYYY-MM-DDTHH:MM"):
        settings.from_mapping({"SHOP_CLOCK": value})
