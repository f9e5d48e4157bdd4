"""compose.yaml stays in step with the settings, the commands and nginx's template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot import cluster, settings
from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "compose.yaml"
NGINX_DIR = ROOT / "deploy" / "nginx"
OFFICIAL = {"postgres", "redis", "rabbitmq", "nginx"}


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def project_services() -> dict[str, Any]:
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def test_the_servers_come_from_the_official_images() -> None:
    services = compose()["services"]
    images = {name: services[name].get("image", "") for name in OFFICIAL}
    assert all(image.split(":")[0] == name for name, image in images.items()), images
    assert all(":" in image for image in images.values()), "pin each image's version"


def test_the_project_runs_every_process_of_the_cluster() -> None:
    services = project_services()
    rasa = [name for name in services if name.startswith("rasa-")]
    assert len(rasa) >= 2
    assert {"actions", "consumer", "health"} <= set(services)
    assert (ROOT / "Dockerfile").exists()


def test_every_setting_named_is_one_rapport_reads() -> None:
    for name, service in project_services().items():
        unknown = set(service["environment"]) - set(settings._FIELDS)
        assert not unknown, f"{name} sets {unknown}, which bot/settings.py does not read"
        config = settings.from_mapping(
            {
                key: str(value)
                for key, value in service["environment"].items()
                if "$" not in str(value)
            }
        )
        assert config.rasa_port == 5005


def test_every_command_is_one_the_command_line_knows() -> None:
    parser = build_parser()
    for name, service in project_services().items():
        command = service["command"]
        assert command[:3] == ["python", "-m", "bot"], name
        parser.parse_args(command[3:])  # exits (fails the test) on an unknown command


def test_the_cluster_can_start_on_these_settings() -> None:
    """PostgreSQL for both databases and Redis: what `bot run --processes` insists on."""
    environment = next(iter(project_services().values()))["environment"]
    values = {
        key: str(value).replace("${POSTGRES_PASSWORD}", "p") for key, value in environment.items()
    }
    values = {key: value.replace("${RABBITMQ_PASSWORD}", "p") for key, value in values.items()}
    values["PUBLIC_URL"] = "http://localhost:8080"
    assert cluster.refusals(settings.from_mapping(values)) == []


def test_nginx_config_is_the_template_filled_for_these_services() -> None:
    services = compose()["services"]
    rasa = sorted(name for name in services if name.startswith("rasa-"))
    backends = [f"{name}:{services[name]['environment']['RASA_PORT']}" for name in rasa]
    published = services["nginx"]["ports"][0].split(":")[-1]
    health_port = services["health"]["command"][services["health"]["command"].index("--port") + 1]
    expected = cluster.render_nginx(
        published, backends, f"health:{health_port}", "/var/cache/nginx", "/etc/nginx/rapport"
    )
    assert (NGINX_DIR / "nginx.conf").read_text() == expected, (
        "deploy/nginx/nginx.conf differs from the template filled for compose.yaml; write it "
        f"again:\n{expected}"
    )
    assert (NGINX_DIR / "forwarded.conf").read_text() == cluster.FORWARDED.read_text()
    mounted = services["nginx"]["volumes"][0].split(":")
    assert mounted[1] == "/etc/nginx/rapport"
    assert services["nginx"]["command"][-1] == "/etc/nginx/rapport/nginx.conf"


def test_the_health_page_asks_every_rasa_process() -> None:
    services = compose()["services"]
    arguments = services["health"]["command"]
    members = [
        cluster.member_from_argument(text.removeprefix("--member="))
        for text in arguments
        if text.startswith("--member=")
    ]
    rasa = sorted(name for name in services if name.startswith("rasa-"))
    assert sorted(m.name for m in members if m.name.startswith("rasa-")) == rasa
    for member in members:
        if member.name in rasa:
            assert member.url == f"http://{member.name}:5005{cluster.PROCESS_HEALTH_PATH}"


def test_only_nginx_is_trusted_to_name_the_client() -> None:
    services = compose()["services"]
    address = services["nginx"]["networks"]["rapport"]["ipv4_address"]
    for name, service in project_services().items():
        assert service["environment"]["TRUSTED_PROXIES"] == address, name
