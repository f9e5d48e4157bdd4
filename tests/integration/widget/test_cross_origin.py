"""Which other sites a browser lets read this server's answers, against the real Rasa server
started as `make run` starts it: the widget's socket.io from allowed origins (one header), the
agent console from no other origin at all."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from rapport_widget_server import ELSEWHERE_ORIGIN, WidgetServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EVIL_ORIGIN = "http://evil.example.test"
ALLOW_ORIGIN = "access-control-allow-origin"


def request(
    server: WidgetServer, method: str, path: str, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]]]:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status, [(name.lower(), value) for name, value in answer.getheaders()]
    finally:
        connection.close()


def allowed(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name == ALLOW_ORIGIN]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/api/queue"),
        ("GET", "/console/api/me"),
        ("OPTIONS", "/console/api/handoffs/1/claim"),
        ("OPTIONS", "/console/api/handoffs/1/messages"),
        ("GET", "/console/"),
    ],
)
def test_the_console_grants_no_other_origin_not_even_an_allowed_one(
    widget_server: WidgetServer, method: str, path: str
) -> None:
    for origin in (ELSEWHERE_ORIGIN, EVIL_ORIGIN):
        headers = {"Origin": origin, "Cookie": "rapport_agent=stolen"}
        if method == "OPTIONS":
            headers["Access-Control-Request-Method"] = "POST"
            headers["Access-Control-Request-Headers"] = "content-type,x-csrf-token"
        _, answer = request(widget_server, method, path, headers)
        assert allowed(answer) == [], f"{method} {path} from {origin}"
        assert not any(name == "access-control-allow-credentials" for name, _ in answer)


def test_the_widget_socket_answers_an_allowed_origin_with_one_header(
    widget_server: WidgetServer,
) -> None:
    # rasa-webchat and other Rasa widgets open socket.io with long polling first.
    path = "/socket.io/?EIO=4&transport=polling"
    status, answer = request(widget_server, "GET", path, {"Origin": ELSEWHERE_ORIGIN})
    assert status == 200
    assert allowed(answer) == [ELSEWHERE_ORIGIN]


def test_the_widget_socket_refuses_other_origins_whatever_the_host_header_says(
    widget_server: WidgetServer,
) -> None:
    path = "/socket.io/?EIO=4&transport=polling"
    # A page on a domain re-pointed at this server sends its own name as Host.
    for headers in (
        {"Origin": EVIL_ORIGIN},
        {"Origin": EVIL_ORIGIN, "Host": urlsplit(EVIL_ORIGIN).netloc},
    ):
        status, answer = request(widget_server, "GET", path, headers)
        assert status >= 400, headers
        assert allowed(answer) == []
