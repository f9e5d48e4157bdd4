"""The widget channel's settings from credentials.yml: clear errors, parsed values."""

from __future__ import annotations

import pytest

from bot.channel import ChannelConfigError, WidgetConfig, WidgetInput


def test_values_from_credentials_are_parsed() -> None:
    config = WidgetConfig.from_credentials(
        {
            "session_secret": "s",
            "identity_secret": "i",
            "max_message_chars": "500",
            "rate_limit_per_minute": 12,
            "allowed_origins": "https://shop.example, http://localhost:8000/",
        }
    )
    assert config.max_message_chars == 500
    assert config.rate_limit_per_minute == 12
    assert config.allowed_origins == ("https://shop.example", "http://localhost:8000")


def test_a_missing_secret_is_a_clear_error() -> None:
    with pytest.raises(ChannelConfigError, match=r"session_secret .* is empty"):
        WidgetConfig.from_credentials({"identity_secret": "i"})


def test_a_bad_number_is_a_clear_error() -> None:
    with pytest.raises(ChannelConfigError, match="max_message_chars='lots'"):
        WidgetConfig.from_credentials(
            {"session_secret": "s", "identity_secret": "i", "max_message_chars": "lots"}
        )


def test_session_days_come_from_the_credentials_with_a_default() -> None:
    secrets_only = {"session_secret": "s", "identity_secret": "i"}
    assert WidgetConfig.from_credentials(secrets_only).session_days == 30
    assert WidgetConfig.from_credentials({**secrets_only, "session_days": "7"}).session_days == 7
    with pytest.raises(ChannelConfigError, match=r"session_days in credentials\.yml"):
        WidgetConfig.from_credentials({**secrets_only, "session_days": "0"})


def test_origins_allowed_are_the_configured_ones_and_the_servers_own() -> None:
    channel = WidgetInput(
        WidgetConfig(
            session_secret="s",
            identity_secret="i",
            allowed_origins=("https://shop.example",),
            public_url="http://127.0.0.1:5005",
        )
    )
    environ = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:5005"}
    assert channel.allows_origin("https://shop.example", environ)
    assert channel.allows_origin("http://127.0.0.1:5005", environ)
    assert not channel.allows_origin("https://evil.example", environ)
    assert channel.allows_origin(None, environ)


def test_the_server_s_own_origin_is_the_configured_one_never_the_host_header() -> None:
    channel = WidgetInput(
        WidgetConfig(
            session_secret="s", identity_secret="i", public_url="https://chat.shop.example"
        )
    )
    # A domain re-pointed at this server (DNS rebinding): its page sends its own Host.
    rebound = {"wsgi.url_scheme": "http", "HTTP_HOST": "evil.example"}
    assert not channel.allows_origin("http://evil.example", rebound)
    assert channel.allows_origin("https://chat.shop.example", rebound)


def test_limits_and_trusted_proxies_come_from_the_credentials() -> None:
    config = WidgetConfig.from_credentials(
        {
            "session_secret": "s",
            "identity_secret": "i",
            "address_rate_limit_per_minute": "50",
            "sessions_per_socket_per_minute": "2",
            "new_sessions_per_address_per_minute": "7",
            "trusted_proxies": "127.0.0.1, 10.0.0.0/8",
        }
    )
    assert config.address_rate_limit_per_minute == 50
    assert config.sessions_per_socket_per_minute == 2
    assert config.new_sessions_per_address_per_minute == 7
    assert [str(network) for network in config.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    with pytest.raises(ChannelConfigError, match=r"trusted_proxies .* 'proxy' is not an IP"):
        WidgetConfig.from_credentials(
            {"session_secret": "s", "identity_secret": "i", "trusted_proxies": "proxy"}
        )
