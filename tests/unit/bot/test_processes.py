"""Starting services: a port in use and a service that dies give one clear line."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from bot import processes
from bot.processes import Service, StartError


def test_a_port_in_use_names_the_setting_to_change() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartError) as raised:
            processes.check_port_free("127.0.0.1", port, "RASA_PORT")
    message = str(raised.value)
    assert f"port {port} on 127.0.0.1 is already in use" in message
    assert "set RASA_PORT in .env" in message


def test_a_free_port_passes() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    processes.check_port_free("127.0.0.1", port, "RASA_PORT")


def test_a_service_that_dies_during_start_up_is_reported_with_its_log(tmp_path: Path) -> None:
    service = Service(
        "action server",
        [sys.executable, "-c", "print('cannot load actions'); raise SystemExit(3)"],
        tmp_path / "actions.log",
    )
    service.start({})
    with pytest.raises(StartError) as raised:
        processes.wait_until_ready(
            [service], [(service, "http://127.0.0.1:9/health")], 30, lambda *_: None
        )
    assert "the action server stopped during start-up (exit 3)" in str(raised.value)
    assert "cannot load actions" in str(raised.value)


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    service = Service(
        "sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "s.log"
    )
    service.start({})
    service.stop(grace_seconds=5)
    assert service.exited() is not None


def test_an_api_token_that_starts_with_a_dash_reaches_rasa_as_the_token(tmp_path: Path) -> None:
    # Generated tokens are URL-safe base64: about one in 64 starts with "-", which Rasa's command
    # line would read as an option unless it is joined to its flag.
    import dataclasses

    from rasa.__main__ import create_argument_parser

    from bot import settings

    token = "-Xy_generated-token"
    config = dataclasses.replace(settings.load(tmp_path / ".env", {}), rasa_api_token=token)
    command = processes.rasa_server_command(config, tmp_path / "model.tar.gz")
    arguments = command[command.index("bot.rasa_server") + 1 :]
    parsed = create_argument_parser().parse_args(arguments)
    assert parsed.auth_token == token
    assert parsed.enable_api


def test_the_memory_writer_drains_the_servers_own_outbox(tmp_path: Path) -> None:
    import dataclasses

    from bot import settings

    config = dataclasses.replace(
        settings.load(tmp_path / ".env", {}),
        memory_outbox=tmp_path / "outbox-7.db",
        log_dir=tmp_path / "log",
    )
    writer = processes.memory_writer(config)
    assert writer.command[1:] == [
        "-m",
        "bot",
        "memory",
        "write",
        "--outbox",
        str(tmp_path / "outbox-7.db"),
    ]
    assert writer.log_path == tmp_path / "log" / "memory-writer.log"


def test_a_stopped_writer_is_started_again_until_it_keeps_stopping(tmp_path: Path) -> None:
    service = Service(
        "memory writer", [sys.executable, "-c", "raise SystemExit(2)"], tmp_path / "w.log"
    )
    said: list[str] = []
    keeper = processes.Restarts(service, {}, said.append, limit=2, window=60)
    keeper.check()
    assert said == []  # never started: nothing to restart
    for _ in range(3):
        service.start({})
        assert service.process is not None
        service.process.wait(30)
        keeper.check()
        if service.process is not None:
            service.process.wait(30)
    assert said[:2] == [
        "the memory writer stopped (exit 2); starting it again",
        "the memory writer stopped (exit 2); starting it again",
    ]
    assert "left stopped" in said[2] and "waits in the outbox" in said[2]
    keeper.check()
    assert len(said) == 3  # said once
