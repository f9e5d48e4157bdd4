"""The console's training page is for managers and trainers: a signed-in agent without either
role is refused the page, its status and the button, and nobody signed out reaches it."""

from __future__ import annotations

from console_harness import ConsoleServer


def test_an_agent_is_refused_the_training_page_and_its_api(console_server: ConsoleServer) -> None:
    browser = console_server.signed_in("Alex")
    page = browser.get(f"{console_server.url}/console/training", allow_redirects=False, timeout=30)
    assert page.status_code == 403
    assert "managers and trainers" in page.text
    report = browser.get(f"{console_server.url}/console/evaluation", allow_redirects=False)
    assert report.status_code == 403
    status = browser.get(f"{console_server.url}/console/api/training")
    assert status.status_code == 403
    started = browser.post(f"{console_server.url}/console/api/training")
    assert started.status_code == 403
    assert started.json()["error"] == "training from the console is for managers and trainers"


def test_signed_out_the_training_page_sends_to_sign_in(console_server: ConsoleServer) -> None:
    import requests

    page = requests.get(f"{console_server.url}/console/training", allow_redirects=False, timeout=30)
    assert page.status_code in (302, 303) and page.headers["Location"] == "/console/sign-in"
    assert requests.get(f"{console_server.url}/console/api/training", timeout=30).status_code == 401
    assert (
        requests.post(f"{console_server.url}/console/api/training", timeout=30).status_code == 401
    )
