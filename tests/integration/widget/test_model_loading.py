"""Loading a model into the running Rasa server without a restart, as training from the console
does (bot.console.training.rasa_api_loader): a real server started the way `make run` starts it,
Rasa's API on behind RASA_API_TOKEN, and the model already trained in models/."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
import rapport_widget_server
from rapport_widget_server import WidgetServer

from bot.console.training import rasa_api_loader

pytestmark = pytest.mark.slow


@pytest.fixture
def server(restartable_server: WidgetServer) -> WidgetServer:
    """Not the shared server, which the other tests use as it is (conftest.py)."""
    return restartable_server


def call(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as reply:  # noqa: S310
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def reply_to(server: WidgetServer, text: str) -> list[dict]:
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        f"{server.url}/webhooks/rest/webhook",
        data=json.dumps({"sender": "model-loading-test", "message": text}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {server.settings.rest_token}",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as reply:  # noqa: S310
        return list(json.loads(reply.read()))


def test_the_api_refuses_without_the_token(server: WidgetServer) -> None:
    model = rapport_widget_server.newest_model()
    status, _ = call(f"{server.url}/model", "PUT", {"model_file": str(model)})
    assert status == 401
    status, _ = call(f"{server.url}/model?token=wrong", "PUT", {"model_file": str(model)})
    assert status == 401
    status, _ = call(f"{server.url}/status")
    assert status == 401


async def test_a_model_is_loaded_into_the_running_server(server: WidgetServer) -> None:
    rasa = server.services[-1]
    assert rasa.process is not None
    pid = rasa.process.pid
    model = rapport_widget_server.newest_model()
    token = server.settings.rasa_api_token
    await rasa_api_loader(server.url, token)(model)
    status, body = call(f"{server.url}/status?token={token}")
    assert status == 200
    assert json.loads(body)["model_file"] == model.name
    # The same process, and it still answers.
    assert rasa.exited() is None and rasa.process.pid == pid
    assert reply_to(server, "what are your opening hours?")


async def test_a_model_that_does_not_exist_is_refused_and_the_old_one_stays(
    server: WidgetServer,
) -> None:
    token = server.settings.rasa_api_token
    with pytest.raises(RuntimeError, match="Rasa refused the model"):
        await rasa_api_loader(server.url, token)(server.workdir / "no-such-model.tar.gz")
    assert reply_to(server, "hello")
