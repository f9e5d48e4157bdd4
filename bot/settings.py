"""Rapport's settings: the one place that reads the environment and `.env`.

Everything else receives a `Settings` object (or the values it needs) as a parameter.
Secrets are generated into `.env` on first run when absent; they are never committed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from memory.rules import RelationshipRules, RulesError

ROOT = Path(__file__).resolve().parent.parent

# Secrets that are generated into `.env` when missing.
GENERATED_SECRETS = (
    "SESSION_SECRET",
    "IDENTITY_SECRET",
    "ACTION_SERVER_TOKEN",
    "REST_TOKEN",
    "RASA_API_TOKEN",
    "HEALTH_TOKEN",
    "METRICS_TOKEN",
)


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    """Every setting Rapport reads, with the documented defaults of `.env.example`."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_host: str = "127.0.0.1"
    actions_port: int = 5055
    # Relationship memory (SQLAlchemy URL).
    database_url: str = f"sqlite:///{ROOT / 'var' / 'memory.db'}"
    # Rasa's tracker store (SQLAlchemy dialect and database).
    tracker_dialect: str = "sqlite"
    tracker_db: str = str(ROOT / "var" / "tracker.db")
    tracker_url: str = ""
    # The shop's content: the folder holding `domain.yml`, `config.yml`, `data/` and the test
    # stories (`tests/stories/`); the business file is `business.yml` in it unless BUSINESS_FILE
    # names another. The machinery (endpoints.yml, credentials.yml, the Python) stays at ROOT.
    content_dir: Path = ROOT
    business_file: Path = ROOT / "business.yml"
    # Where trained models are written and the newest is read from.
    models_dir: Path = ROOT / "models"
    # The sample shop's order and repair records (the seam a real shop replaces with its system).
    shop_records_file: Path = ROOT / "shop_records.yml"
    # Where repairs booked through the bot are written (SQLAlchemy URL).
    bookings_url: str = f"sqlite:///{ROOT / 'var' / 'bookings.db'}"
    max_message_chars: int = 2000
    # Widget messages a minute per conversation and per socket.
    rate_limit_per_minute: int = 30
    # Widget messages a minute from one client address (all its sockets together).
    address_rate_limit_per_minute: int = 120
    # session_requests a minute on one socket, and new conversations a minute per address.
    sessions_per_socket_per_minute: int = 5
    new_sessions_per_address_per_minute: int = 20
    # New chats queued for a person per client address in an hour.
    handoffs_per_address_per_hour: int = 4
    # Proxies whose X-Forwarded-For names the client (addresses or networks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Console sign-in: attempts per agent name from one address (5 minutes), per address (15).
    console_sign_in_failures: int = 5
    console_address_failures: int = 20
    # Days an unused widget session lasts before a returning browser starts a new chat.
    widget_session_days: int = 30
    # Other sites whose pages may embed the widget; empty: this server's own origins, which
    # follow RASA_PORT (see `from_mapping`).
    allowed_origins: tuple[str, ...] = ()
    # The address customers and agents open (scheme://host:port, behind any proxy): the widget
    # channel's own origin. Empty: http://RAPPORT_HOST:RASA_PORT.
    public_url: str = ""
    retention_days: int = 730
    # The review inbox: messages understood with less confidence (percent), from the last days.
    review_confidence_percent: int = 70
    review_days: int = 30
    # Where the inbox writes accepted examples (domain.yml and data/); None: content_dir.
    review_content_dir: Path | None = None
    log_level: str = "INFO"
    # `text` (lines for people) or `json` (one JSON object a line, for log collectors).
    log_format: str = "text"
    log_dir: Path = ROOT / "var" / "log"
    # The event broker's durable queue of exchanges on their way to the memory (one per server).
    memory_outbox: Path = ROOT / "var" / "memory-outbox.db"
    # Where the exchanges go from the outbox: `embedded` (into memory, in the Rasa process) or
    # `rabbitmq` (published to RABBITMQ_URL; `python -m bot memory consume` writes them).
    exchange_feed: str = "embedded"
    # With the embedded feed, who writes the outbox's events into memory: `process`, a memory
    # writer process that `python -m bot run` starts beside the Rasa server (fact extraction
    # out of the Rasa process), or `rasa`, a thread of the Rasa process itself.
    memory_writer: str = "process"
    rabbitmq_url: str = field(default="amqp://guest:guest@127.0.0.1:5672/", repr=False)
    # Events a memory consumer takes from RabbitMQ ahead of the one it is writing.
    consumer_prefetch: int = 20
    # Redis shared by several Rasa processes (redis://host:6379/0): socket.io between them,
    # the widgets' kept messages, typing and the agents' live consoles (bot/live_state.py).
    # Empty: one Rasa process keeps all of that in its memory.
    redis_url: str = field(default="", repr=False)
    # The lock store: `in_memory` (one Rasa process) or `redis` (REDIS_URL, shared).
    lock_store: str = "in_memory"
    # `python -m bot run --processes`: Rasa processes behind nginx, and memory consumers it
    # starts beside them (with EXCHANGE_FEED=rabbitmq).
    processes: int = 2
    consumers: int = 1
    # The settings file these settings came from; child processes read the same one.
    env_file: Path = ROOT / ".env"
    session_secret: str = field(default="", repr=False)
    identity_secret: str = field(default="", repr=False)
    action_server_token: str = field(default="", repr=False)
    rest_token: str = field(default="", repr=False)
    # The token of Rasa's own HTTP API (`--enable-api --auth-token`): the console uses it to
    # load a newly trained model into the running server (PUT /model).
    rasa_api_token: str = field(default="", repr=False)
    # The operator's bearer token for the health endpoint's detail.
    health_token: str = field(default="", repr=False)
    # The operator's bearer token for the Prometheus metrics of both servers.
    metrics_token: str = field(default="", repr=False)
    # The shop's clock set to stand still at this local time (SHOP_CLOCK), for tests and demos
    # only: every decision of opening hours, due days, "today" and "tomorrow" reads it. None:
    # the real clock. Only the operator's settings set it; nothing a customer sends reaches it.
    shop_clock: dt.datetime | None = None
    # Raw values, for settings that a component documents and parses itself
    # (for example the relationship weights, prefixed RELATIONSHIP_).
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def writer_process(self) -> bool:
        """Whether a memory writer process drains the outbox (started beside each Rasa
        process by `python -m bot run`)."""
        return self.exchange_feed == "embedded" and self.memory_writer == "process"

    def relationship_rules(self) -> RelationshipRules:
        """The relationship weights and thresholds, with RELATIONSHIP_* overrides from `.env`."""
        return RelationshipRules.from_mapping(self.raw)

    @property
    def domain_file(self) -> Path:
        return self.content_dir / "domain.yml"

    @property
    def config_file(self) -> Path:
        return self.content_dir / "config.yml"

    @property
    def data_dir(self) -> Path:
        return self.content_dir / "data"

    @property
    def review_dir(self) -> Path:
        """The content folder the review inbox writes accepted examples into."""
        return self.review_content_dir or self.content_dir

    @property
    def lookups_dir(self) -> Path:
        """The training lookups written from the business file (`bot/lookups.py`)."""
        return self.data_dir / "nlu" / "lookups"

    @property
    def stories_dir(self) -> Path:
        """The test stories `python -m bot test` runs against the model."""
        return self.content_dir / "tests" / "stories"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.actions_host}:{self.actions_port}/webhook"

    @property
    def tracker_store_url(self) -> str:
        """The SQLAlchemy URL of Rasa's SQL tracker store (the TRACKER_* settings).

        TRACKER_URL may be a whole URL (`postgresql://user:password@host:5432/rapport`), which
        Rasa uses as it is; otherwise it is the database host and TRACKER_DB the database.
        """
        if "://" in self.tracker_url:
            return self.tracker_url
        if self.tracker_dialect == "sqlite":
            return f"sqlite:///{self.tracker_db}"
        from sqlalchemy.engine import URL

        return URL.create(
            self.tracker_dialect, host=self.tracker_url or None, database=self.tracker_db
        ).render_as_string(hide_password=False)

    def env_for_rasa(self) -> dict[str, str]:
        """Environment variables that `endpoints.yml` and `credentials.yml` read."""
        return {
            "RAPPORT_ACTIONS_URL": self.actions_url,
            "RAPPORT_ACTION_SERVER_TOKEN": self.action_server_token,
            "RAPPORT_REST_TOKEN": self.rest_token,
            "RAPPORT_RASA_API_TOKEN": self.rasa_api_token,
            "RAPPORT_HEALTH_TOKEN": self.health_token,
            "RAPPORT_METRICS_TOKEN": self.metrics_token,
            "RAPPORT_LOG_FORMAT": self.log_format,
            "RAPPORT_TRACKER_DIALECT": self.tracker_dialect,
            "RAPPORT_TRACKER_DB": self.tracker_db,
            "RAPPORT_TRACKER_URL": self.tracker_url,
            "RAPPORT_SESSION_SECRET": self.session_secret,
            "RAPPORT_IDENTITY_SECRET": self.identity_secret,
            "RAPPORT_MAX_MESSAGE_CHARS": str(self.max_message_chars),
            "RAPPORT_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            "RAPPORT_ADDRESS_RATE_LIMIT_PER_MINUTE": str(self.address_rate_limit_per_minute),
            "RAPPORT_SESSIONS_PER_SOCKET_PER_MINUTE": str(self.sessions_per_socket_per_minute),
            "RAPPORT_NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": str(
                self.new_sessions_per_address_per_minute
            ),
            "RAPPORT_TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "RAPPORT_CONSOLE_SIGN_IN_FAILURES": str(self.console_sign_in_failures),
            "RAPPORT_CONSOLE_ADDRESS_FAILURES": str(self.console_address_failures),
            "RAPPORT_BUSINESS_FILE": str(self.business_file),
            "RAPPORT_WIDGET_SESSION_DAYS": str(self.widget_session_days),
            "RAPPORT_ALLOWED_ORIGINS": ",".join(self.allowed_origins),
            "RAPPORT_PUBLIC_URL": self.public_url or self.rasa_url,
            "RAPPORT_DATABASE_URL": self.database_url,
            "RAPPORT_ROOT": str(ROOT),
            "RAPPORT_ENV_FILE": str(self.env_file),
            "RAPPORT_MEMORY_OUTBOX": str(self.memory_outbox),
            "RAPPORT_EXCHANGE_FEED": self.exchange_feed,
            "RAPPORT_MEMORY_WRITER": self.memory_writer,
            "RAPPORT_RABBITMQ_URL": self.rabbitmq_url,
            "RAPPORT_REDIS_URL": self.redis_url,
            "RAPPORT_LOCK_STORE": LOCK_STORE_TYPES[self.lock_store],
        }


def _int(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise SettingsError(
                f"{name}={value!r} in .env is not a whole number; "
                f"set it to a number between {low} and {high}."
            ) from None
        if not low <= number <= high:
            raise SettingsError(f"{name}={number} in .env is out of range; use {low} to {high}.")
        return number

    return parse


def _text(value: str) -> str:
    return value.strip()


def _origins(value: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in value.split(",") if origin.strip())


def _public_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"PUBLIC_URL={value!r} in .env is not an address; use the scheme, host and port "
            "customers open, for example https://chat.example.com."
        )
    return f"{parts.scheme}://{parts.netloc}"


def _proxies(value: str) -> tuple[str, ...]:
    from bot.rate_limits import trusted_networks

    try:
        return tuple(str(network) for network in trusted_networks(value))
    except ValueError as error:
        raise SettingsError(
            f"TRUSTED_PROXIES in .env: {error}; list the proxies' addresses, comma-separated."
        ) from None


def _level(value: str) -> str:
    level = value.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(
            f"LOG_LEVEL={value!r} in .env is not a level; use DEBUG, INFO, WARNING or ERROR."
        )
    return level


def _log_format(value: str) -> str:
    shape = value.strip().lower()
    if shape not in {"text", "json"}:
        raise SettingsError(f"LOG_FORMAT={value!r} in .env is not a format; use text or json.")
    return shape


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def _content_dir(value: str) -> Path:
    folder = _path(value)
    missing = [
        name for name in ("domain.yml", "config.yml", "data") if not (folder / name).exists()
    ]
    if missing:
        raise SettingsError(
            f"CONTENT_DIR={value!r} in .env has no {', '.join(missing)}; name the folder that "
            "holds the shop's domain.yml, config.yml and data/ (the project root by default)."
        )
    return folder


EXCHANGE_FEEDS = ("embedded", "rabbitmq")


def _exchange_feed(value: str) -> str:
    feed = value.strip().lower()
    if feed not in EXCHANGE_FEEDS:
        raise SettingsError(
            f"EXCHANGE_FEED={value!r} in .env is not one of {', '.join(EXCHANGE_FEEDS)}; "
            "use embedded (the default) or rabbitmq."
        )
    return feed


MEMORY_WRITERS = ("process", "rasa")


def _memory_writer(value: str) -> str:
    writer = value.strip().lower()
    if writer not in MEMORY_WRITERS:
        raise SettingsError(
            f"MEMORY_WRITER={value!r} in .env is not one of {', '.join(MEMORY_WRITERS)}; "
            "use process (the default: a memory writer process beside the Rasa server) or rasa "
            "(the Rasa process writes memory itself)."
        )
    return writer


def _amqp_url(value: str) -> str:
    url = value.strip()
    if not url.startswith(("amqp://", "amqps://")):
        raise SettingsError(
            "RABBITMQ_URL in .env is not an amqp:// or amqps:// address; write it as "
            "amqp://user:password@host:5672/ (the virtual host after the slash)."
        )
    return url


# LOCK_STORE -> the lock store type endpoints.yml names.
LOCK_STORE_TYPES = {"in_memory": "in_memory", "redis": "bot.lock_store.SharedLockStore"}


def _lock_store(value: str) -> str:
    kind = value.strip().lower()
    if kind not in LOCK_STORE_TYPES:
        raise SettingsError(
            f"LOCK_STORE={value!r} in .env is not one of {', '.join(LOCK_STORE_TYPES)}; "
            "use in_memory (one Rasa process, the default) or redis (with REDIS_URL)."
        )
    return kind


def _redis_url(value: str) -> str:
    url = value.strip()
    if not url.startswith(("redis://", "rediss://")):
        raise SettingsError(
            "REDIS_URL in .env is not a redis:// or rediss:// address; write it as "
            "redis://host:6379/0 (redis://:password@host:6379/0 with a password)."
        )
    return url


_LOCAL_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


def _shop_clock(value: str) -> dt.datetime:
    """SHOP_CLOCK: a local date and time of the shop, without a zone (the shop's own)."""
    text = value.strip()
    if _LOCAL_MOMENT.fullmatch(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:  # a month or an hour that does not exist
            pass
    raise SettingsError(
        f"SHOP_CLOCK={value!r} in .env is not a date and time of the shop; write it as "
        "YYYY-MM-DDTHH:MM in the shop's local time (2026-11-25T11:00), or leave it empty for "
        "the real clock (it is for tests and demos only)."
    )


# name in .env -> (field of Settings, parser)
_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "RAPPORT_HOST": ("host", _text),
    "RASA_PORT": ("rasa_port", _int("RASA_PORT", 1, 65535)),
    "ACTIONS_HOST": ("actions_host", _text),
    "ACTIONS_PORT": ("actions_port", _int("ACTIONS_PORT", 1, 65535)),
    "DATABASE_URL": ("database_url", _text),
    "TRACKER_DIALECT": ("tracker_dialect", _text),
    "TRACKER_DB": ("tracker_db", _text),
    "TRACKER_URL": ("tracker_url", _text),
    "CONTENT_DIR": ("content_dir", _content_dir),
    "BUSINESS_FILE": ("business_file", _path),
    "MODELS_DIR": ("models_dir", _path),
    "SHOP_RECORDS_FILE": ("shop_records_file", _path),
    "BOOKINGS_URL": ("bookings_url", _text),
    "MAX_MESSAGE_CHARS": ("max_message_chars", _int("MAX_MESSAGE_CHARS", 1, 100000)),
    "RATE_LIMIT_PER_MINUTE": ("rate_limit_per_minute", _int("RATE_LIMIT_PER_MINUTE", 1, 10000)),
    "ADDRESS_RATE_LIMIT_PER_MINUTE": (
        "address_rate_limit_per_minute",
        _int("ADDRESS_RATE_LIMIT_PER_MINUTE", 1, 100000),
    ),
    "SESSIONS_PER_SOCKET_PER_MINUTE": (
        "sessions_per_socket_per_minute",
        _int("SESSIONS_PER_SOCKET_PER_MINUTE", 1, 1000),
    ),
    "NEW_SESSIONS_PER_ADDRESS_PER_MINUTE": (
        "new_sessions_per_address_per_minute",
        _int("NEW_SESSIONS_PER_ADDRESS_PER_MINUTE", 1, 100000),
    ),
    "HANDOFFS_PER_ADDRESS_PER_HOUR": (
        "handoffs_per_address_per_hour",
        _int("HANDOFFS_PER_ADDRESS_PER_HOUR", 1, 10000),
    ),
    "TRUSTED_PROXIES": ("trusted_proxies", _proxies),
    "CONSOLE_SIGN_IN_FAILURES": (
        "console_sign_in_failures",
        _int("CONSOLE_SIGN_IN_FAILURES", 1, 1000),
    ),
    "CONSOLE_ADDRESS_FAILURES": (
        "console_address_failures",
        _int("CONSOLE_ADDRESS_FAILURES", 1, 100000),
    ),
    "WIDGET_SESSION_DAYS": ("widget_session_days", _int("WIDGET_SESSION_DAYS", 1, 3650)),
    "ALLOWED_ORIGINS": ("allowed_origins", _origins),
    "PUBLIC_URL": ("public_url", _public_url),
    "RETENTION_DAYS": ("retention_days", _int("RETENTION_DAYS", 1, 36500)),
    "REVIEW_CONFIDENCE_PERCENT": (
        "review_confidence_percent",
        _int("REVIEW_CONFIDENCE_PERCENT", 1, 100),
    ),
    "REVIEW_DAYS": ("review_days", _int("REVIEW_DAYS", 1, 36500)),
    "REVIEW_CONTENT_DIR": ("review_content_dir", _content_dir),
    "LOG_LEVEL": ("log_level", _level),
    "LOG_FORMAT": ("log_format", _log_format),
    "LOG_DIR": ("log_dir", _path),
    "MEMORY_OUTBOX": ("memory_outbox", _path),
    "EXCHANGE_FEED": ("exchange_feed", _exchange_feed),
    "MEMORY_WRITER": ("memory_writer", _memory_writer),
    "RABBITMQ_URL": ("rabbitmq_url", _amqp_url),
    "CONSUMER_PREFETCH": ("consumer_prefetch", _int("CONSUMER_PREFETCH", 1, 10000)),
    "REDIS_URL": ("redis_url", _redis_url),
    "PROCESSES": ("processes", _int("PROCESSES", 1, 64)),
    "CONSUMERS": ("consumers", _int("CONSUMERS", 0, 64)),
    "LOCK_STORE": ("lock_store", _lock_store),
    "SHOP_CLOCK": ("shop_clock", _shop_clock),
    "SESSION_SECRET": ("session_secret", _text),
    "IDENTITY_SECRET": ("identity_secret", _text),
    "ACTION_SERVER_TOKEN": ("action_server_token", _text),
    "REST_TOKEN": ("rest_token", _text),
    "RASA_API_TOKEN": ("rasa_api_token", _text),
    "HEALTH_TOKEN": ("health_token", _text),
    "METRICS_TOKEN": ("metrics_token", _text),
}


def read_env_file(env_file: Path) -> dict[str, str]:
    """The values of an `.env` file, or an empty mapping when there is none."""
    if not env_file.exists():
        return {}
    try:
        values = dotenv_values(env_file)
    except Exception as error:  # python-dotenv raises several kinds on bad files
        raise SettingsError(f"{env_file} cannot be read ({error}); fix or remove it.") from None
    return {key: value or "" for key, value in values.items()}


def from_mapping(values: Mapping[str, str], env_file: Path | None = None) -> Settings:
    """Settings from a mapping of `.env` names to text, validated."""
    parsed: dict[str, object] = {"env_file": env_file or ROOT / ".env"}
    for name, (attribute, parse) in _FIELDS.items():
        if name in values and values[name] != "":
            parsed[attribute] = parse(values[name])
    if "content_dir" in parsed and "business_file" not in parsed:
        parsed["business_file"] = Path(str(parsed["content_dir"])) / "business.yml"
    if "allowed_origins" not in parsed:
        port = parsed.get("rasa_port", Settings.rasa_port)
        parsed["allowed_origins"] = (f"http://127.0.0.1:{port}", f"http://localhost:{port}")
    settings = Settings(**parsed, raw=dict(values))  # type: ignore[arg-type]
    try:
        settings.relationship_rules()
    except RulesError as error:
        raise SettingsError(str(error)) from None
    if settings.lock_store == "redis" and not settings.redis_url:
        raise SettingsError(
            "LOCK_STORE=redis in .env needs REDIS_URL (redis://host:6379/0); set it, or use "
            "LOCK_STORE=in_memory with one Rasa process."
        )
    if settings.rasa_port == settings.actions_port and settings.host == settings.actions_host:
        raise SettingsError(
            f"RASA_PORT and ACTIONS_PORT are both {settings.rasa_port}; give them different ports."
        )
    return settings


def load(env_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `.env` (then the process environment, which wins) into validated settings.

    The file is `env_file`, else the one named by RAPPORT_ENV_FILE (how `python -m bot` tells
    the processes it starts which file it used), else `.env` at the project root.
    """
    environ = os.environ if environ is None else environ
    env_file = env_file or default_env_file(environ)
    values = read_env_file(env_file)
    values.update({key: environ[key] for key in _FIELDS if key in environ})
    return from_mapping(values, env_file)


def default_env_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("RAPPORT_ENV_FILE") or ROOT / ".env")


def ensure_secrets(env_file: Path | None = None) -> list[str]:
    """Append generated values for missing secrets to `.env`; return the names generated."""
    env_file = env_file or default_env_file()
    present = read_env_file(env_file)
    missing = [name for name in GENERATED_SECRETS if not present.get(name)]
    if missing:
        lines = [f"{name}={secrets.token_urlsafe(32)}" for name in missing]
        existing = env_file.read_text() if env_file.exists() else ""
        prefix = "" if existing == "" or existing.endswith("\n") else "\n"
        with env_file.open("a") as handle:
            handle.write(prefix + "# generated by Rapport on first run; keep secret\n")
            handle.write("\n".join(lines) + "\n")
        env_file.chmod(0o600)
    return missing
