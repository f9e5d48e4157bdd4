"""Fixtures of the console's integration tests: a real Sanic server with the console routes,
a Rasa agent's tracker and lock stores, and a migrated memory database (SQLite or PostgreSQL).

The PostgreSQL server is the memory tests' own (tests/integration/memory/conftest.py).
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import memory


def _memory_fixtures():
    # The memory tests' conftest, loaded under its own name (every conftest is "conftest").
    path = Path(__file__).resolve().parents[1] / "memory" / "conftest.py"
    spec = importlib.util.spec_from_file_location("rapport_memory_test_fixtures", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


postgres_server = _memory_fixtures().postgres_server
sys.path.insert(0, str(Path(__file__).resolve().parent))
from console_harness import PASSWORD, ConsoleServer, free_port  # noqa: E402

_app_names = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def console_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty memory database on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'memory.db'}"
    else:
        url = request.getfixturevalue("postgres_server").new_database()
    memory.migrate(url)
    return url


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    memory.migrate(url)
    return url


async def _no_loading(model: Path) -> None:
    raise AssertionError(f"no model may be loaded here ({model})")


@pytest.fixture(scope="session")
def _console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    # One server per session: Sanic 21.12 cannot start a second app in the same process.
    sqlite_db = f"sqlite:///{tmp_path_factory.mktemp('console') / 'memory.db'}"
    memory.migrate(sqlite_db)
    from rasa.core.agent import Agent
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from sanic import Sanic

    from bot import rate_limits
    from bot.console.routes import console_blueprint
    from bot.console.service import ConsoleService
    from bot.console.training import ConsoleTrainer
    from memory.store import MemoryStore
    from voice.business import load

    # The shipped business file's words for the notes and promises an outcome leaves.
    shop = load(Path(__file__).resolve().parents[3] / "business.yml")
    service = ConsoleService(
        MemoryStore(sqlite_db),
        templates=shop.templates,
        shop_timezone=shop.shop.timezone,
        shop_locale=shop.shop.locale,
    )
    service.accounts.add("Alex", PASSWORD)
    service.accounts.add("Blake", PASSWORD)
    service.accounts.add("Casey", PASSWORD)
    service.accounts.add("Tess", PASSWORD, role="trainer")
    service.accounts.add("Morgan", PASSWORD, role="manager")
    # The review inbox writes into a copy of the content (test_trainer_page.py).
    import shutil

    from bot.review.inbox import ReviewInbox
    from bot.review.masking import Masker
    from bot.review.training_files import TrainingData

    root = Path(__file__).resolve().parents[3]
    content = tmp_path_factory.mktemp("content")
    shutil.copytree(root / "data", content / "data")
    shutil.copy(root / "domain.yml", content / "domain.yml")
    review = ReviewInbox(service.store.engine, TrainingData(content), Masker())
    app = Sanic(f"console_test_{next(_app_names)}")
    # The harness connects from 127.0.0.1: trusted as a proxy, so that a test can name the
    # client's address in X-Forwarded-For.
    proxies = rate_limits.trusted_networks("127.0.0.1")
    # Training from the console, with a stand-in for the training subprocess that fails: the
    # tests of the console's training page check who may start one.
    trainer = ConsoleTrainer(
        lambda out, loaded: [sys.executable, "-c", "raise SystemExit(1)"],
        tmp_path_factory.mktemp("training"),
        tmp_path_factory.mktemp("models"),
        _no_loading,
    )
    # The managers' insights over the same memory (test_insights_page.py).
    from memory.insights import Insights

    insights = Insights(service.store.engine, service.store.rules, service.store.context.clock)
    app.blueprint(
        console_blueprint(
            service, trusted_proxies=proxies, review=review, trainer=trainer, insights=insights
        ),
        url_prefix="/webhooks/console",
    )
    # The shipped domain: the console reads the customer's words from its responses.
    domain = Domain.load(str(Path(__file__).resolve().parents[3] / "domain.yml"))
    app.ctx.agent = Agent(
        domain=domain,
        tracker_store=InMemoryTrackerStore(domain),
        lock_store=InMemoryLockStore(),
    )
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, object] = {}

    def serve() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            app.create_server(
                host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
            )
        )
        loop.run_until_complete(server.startup())
        holder["server"] = server
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30), "the console test server did not start"
    yield ConsoleServer(f"http://127.0.0.1:{port}", app, service, loop, content)

    async def shutdown() -> None:
        server = holder["server"]
        server.close()  # type: ignore[attr-defined]
        await server.wait_closed()  # type: ignore[attr-defined]

    asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def console_server(_console_server: ConsoleServer) -> ConsoleServer:
    """The shared console server, with an empty queue and no sessions."""
    from sqlalchemy import delete, update

    from memory import schema

    with _console_server.service.store.engine.begin() as conn:
        conn.execute(delete(schema.handoffs))
        conn.execute(delete(schema.agent_sessions))
        conn.execute(update(schema.agents).values(last_seen_at=None))  # nobody online yet
    for blueprint in _console_server.app.blueprints.values():  # type: ignore[attr-defined]
        if hasattr(blueprint.ctx, "limiter"):
            blueprint.ctx.limiter.clear()
    return _console_server
