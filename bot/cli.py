"""`python -m bot`: Rapport's command line (run, train, test and the operators' commands)."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import content_check, local_services, lookups, nlu_check, processes, settings
from bot.processes import Service, StartError
from bot.settings import ROOT, Settings, SettingsError
from memory.files import PRIVATE_FOLDER, keep_files_private, private_file, private_folder
from voice import business

RESULTS_DIR = ROOT / "var" / "results"
SOURCE_PACKAGES = ("bot", "actions", "memory", "voice")
READY_TIMEOUT_SECONDS = 300
# pytest-xdist with two workers, one a core: a test module, and every module that uses one of
# the session-scoped servers, stays on one worker (tests/conftest.py), so each server starts
# once. In the order of collection (tests/e2e first), not largest group first: the modules that
# start servers of their own go out early and the many quick unit modules fill in at the end.
# The slowest tests are listed at the end of each run.
PYTEST_WORKERS = (
    "-n",
    "2",
    "--dist",
    "loadgroup",
    "--no-loadscope-reorder",
    "--durations=15",
)
# Modules that add commands: each has `register(commands)` that adds its sub-parsers, whose
# handlers take (settings, args). Imported lazily so that `--help` stays fast.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.nlu_check",
    "bot.facts_check",
    "bot.content_check",
    "bot.evaluation_report",
    "bot.candidate",
    "bot.tone_command",
    "bot.memory_commands",
    "bot.agent_commands",
    "bot.review.commands",
)


class CommandFailed(RuntimeError):
    """A step of a command failed; the message says which."""


def say(message: str) -> None:
    print(f"rapport: {message}", flush=True)


def run_step(name: str, command: Sequence[str], env: dict[str, str] | None = None) -> None:
    """Run one step in the foreground; raise CommandFailed naming it when it fails."""
    say(f"{name} ...")
    started = time.monotonic()
    code = subprocess.call(list(command), cwd=ROOT, env=env)  # noqa: S603 - fixed commands
    if code != 0:
        raise CommandFailed(f"{name} failed (exit {code})")
    say(f"{name}: ok ({time.monotonic() - started:.0f} s)")


def prepare(config: Settings) -> None:
    """What every command that runs the bot needs first: folders and the memory schema."""
    var = ROOT / "var"
    private_folder(var)
    # Also when an older version created it open to everyone; a local PostgreSQL started by
    # root keeps its right to pass through (bot.local_services.let_postgres_through).
    var.chmod(PRIVATE_FOLDER | (stat.S_IXGRP if local_services.postgres_passes(var) else 0))
    config.models_dir.mkdir(parents=True, exist_ok=True)
    if config.tracker_dialect == "sqlite" and "://" not in config.tracker_url:
        private_file(Path(config.tracker_db))  # before Rasa creates it
    import memory  # here, so that `--help` does not load SQLAlchemy

    try:
        memory.migrate(config.database_url)
    except memory.MemoryUnavailable as error:
        raise StartError(str(error)) from None


def shown(path: Path) -> str:
    """A path as people read it: relative to the project when it is inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def content_args(config: Settings) -> list[str]:
    """Rasa's options naming the shop's content (the CONTENT_DIR setting)."""
    return ["--data", str(config.data_dir), "--domain", str(config.domain_file)]


def write_lookups(config: Settings) -> None:
    """Write the training lookups from the business file (only the files whose words changed)."""
    try:
        shop = business.load(config.business_file)
        changed = lookups.write(shop, config.lookups_dir)
    except business.BusinessFileError as error:
        raise CommandFailed(f"{error} (fix {config.business_file} and try again)") from None
    for path in changed:
        say(f"wrote {shown(path)} from {config.business_file.name}")


def check_lookups(config: Settings) -> None:
    """The training lookups must say what the business file says."""
    try:
        outdated = lookups.stale(business.load(config.business_file), config.lookups_dir)
    except business.BusinessFileError as error:
        raise CommandFailed(f"{error} (fix {config.business_file} and try again)") from None
    if outdated:
        names = ", ".join(shown(path) for path in outdated)
        raise CommandFailed(
            f"{names} differ from {config.business_file.name}: run `python -m bot train`, "
            "which writes them from the business file"
        )
    say("training lookups: ok (they match the business file)")


def train(config: Settings, force: bool = False) -> None:
    """Train a model unless the newest one already matches data, domain and config; first the
    tone guard's classifier unless it already matches its corpus."""
    run_step(
        "tone classifier (skipped when its corpus is unchanged)",
        [processes.python(), "-m", "bot", "tone", "--train"],
        processes.child_environment(config),
    )
    write_lookups(config)
    args = ["train", "--out", str(config.models_dir), *content_args(config)]
    args += ["--config", str(config.config_file), "--endpoints", "endpoints.yml"]
    if force:
        args.append("--force")
    run_step(
        "training (skipped when nothing changed)",
        processes.rasa_command(*args),
        processes.child_environment(config),
    )


def prune_models(config: Settings, keep: int = 3) -> None:
    """Remove all but the newest `keep` trained models."""
    models = sorted(config.models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    for old in models[:-keep]:
        old.unlink()


def check_business_file(config: Settings) -> None:
    """Validate the business file; a mistake fails with one line naming the file and line."""
    try:
        # The say-yes rules (what the shop may agree to) are a section of the same file.
        business.load(config.business_file).say_yes_rules()
    except business.BusinessFileError as error:
        raise CommandFailed(f"{error} (fix {config.business_file} and try again)") from None
    say(f"business file {config.business_file.name}: ok")


def check_canned_replies(config: Settings) -> None:
    """The console's canned replies beside the business file: readable, and each one passing
    the tone guard (an agent sends them as they are)."""
    from bot.console import canned
    from voice import tone

    path = canned.path_beside(config.business_file)
    try:
        replies = canned.load(path)
    except canned.CannedRepliesError as error:
        raise CommandFailed(f"{error} (fix it and try again)") from None
    guard = tone.build_rules_guard() if replies else None
    for reply in replies:
        assert guard is not None
        verdict = guard.check(reply.text)
        if not verdict.ok:
            raise CommandFailed(
                f"{path}: the canned reply {reply.title!r} would hurt the relationship: "
                f"{verdict.describe()} (reword it and try again)"
            )
    if replies:
        say(f"canned replies {path.name}: ok ({len(replies)})")


def command_run(config: Settings, args: argparse.Namespace) -> None:
    if args.processes is not None:
        run_cluster(config, args)
        return
    if args.start_services:
        raise StartError("--start-services goes with --processes (several Rasa processes).")
    processes.check_port_free(config.host, config.rasa_port, "RASA_PORT")
    processes.check_port_free(config.actions_host, config.actions_port, "ACTIONS_PORT")
    check_business_file(config)
    check_canned_replies(config)
    prepare(config)
    if not args.no_train:
        train(config)
        prune_models(config)
    env = processes.child_environment(config)
    actions = Service(
        "action server",
        [processes.python(), "-m", "actions"],
        config.log_dir / "actions.log",
    )
    rasa = Service(
        "Rasa server",
        processes.rasa_server_command(config, config.models_dir),
        config.log_dir / "rasa.log",
    )
    services = [actions, rasa]
    writer = processes.memory_writer(config) if config.writer_process else None
    try:
        for service in services:
            service.start(env)
        if writer is not None:
            writer.start(env)
        say(f"starting; logs in {config.log_dir} (the Rasa server takes about a minute)")
        last_report = [-10.0]

        def progress(elapsed: float, waiting: list[str]) -> None:
            if elapsed - last_report[0] >= 10:
                last_report[0] = elapsed
                say(f"  {elapsed:3.0f} s: waiting for the {' and the '.join(waiting)}")

        health = f"http://{config.actions_host}:{config.actions_port}/health"
        wait_until = READY_TIMEOUT_SECONDS
        processes.wait_until_ready(
            services,
            [(actions, health), (rasa, f"{config.rasa_url}/webhooks/rest/")],
            wait_until,
            progress,
        )
        say("ready.")
        print(
            f"\n  Chat with the bot:        {config.rasa_url}/\n"
            f"  Agent console:            {config.rasa_url}/console\n"
            f"  REST channel (scripts):   {config.rasa_url}/webhooks/rest/webhook\n"
            f"\n  Press Ctrl-C to stop.\n",
            flush=True,
        )
        keeper = processes.Restarts(writer, env, say) if writer is not None else None
        while all(service.exited() is None for service in services):
            if keeper is not None:
                keeper.check()
            time.sleep(1.0)
        stopped = next(service for service in services if service.exited() is not None)
        raise StartError(
            f"the {stopped.name} stopped unexpectedly; its log {stopped.log_path} ends with:\n"
            f"{stopped.log_tail()}"
        )
    except KeyboardInterrupt:
        print(flush=True)
        say("stopping ...")
    finally:
        for service in reversed(services):
            service.stop()
        if writer is not None:
            # Last: what the Rasa server appended while stopping is written too.
            writer.stop()
    say("stopped.")


def run_cluster(config: Settings, args: argparse.Namespace) -> None:
    """N Rasa processes behind nginx, the action server and the memory consumers (see
    bot/cluster.py), until Ctrl-C or SIGTERM; a Rasa process that stops is reported and the
    others go on serving."""
    from bot import cluster

    count = args.processes or config.processes
    cluster.check_nginx()
    cluster.check_ports(config, count)
    check_business_file(config)
    check_canned_replies(config)
    local = cluster.LocalServices(ROOT / "var" / "services")
    running: cluster.Cluster | None = None
    try:
        overrides: dict[str, str] = {}
        if args.start_services:
            private_folder(ROOT / "var")
            overrides = local.start(config, say)
            config = settings.load(config.env_file, environ={**os.environ, **overrides})
        cluster.check_can_cluster(config)
        prepare(config)
        if not args.no_train:
            train(config)
            prune_models(config)
        running = cluster.Cluster(config, count, config.models_dir, overrides)
        running.build()
        running.start()
        for service in running.services:
            assert service.process is not None
            say(f"  {service.name}: pid {service.process.pid}, log {service.log_path}")
        say(
            f"starting {count} Rasa processes behind nginx; logs in {config.log_dir} "
            "(each Rasa process takes about a minute)"
        )
        last_report = [-10.0]

        def progress(elapsed: float, waiting: list[str]) -> None:
            if elapsed - last_report[0] >= 10:
                last_report[0] = elapsed
                say(f"  {elapsed:3.0f} s: waiting for the {', '.join(waiting)}")

        checks = [
            (service, f"http://127.0.0.1:{port}/webhooks/rest/")
            for service, port in zip(running.rasa, cluster.rasa_ports(config, count), strict=True)
        ]
        health = f"http://{config.actions_host}:{config.actions_port}/health"
        assert running.nginx is not None
        processes.wait_until_ready(
            running.services,
            [
                (running.services[0], health),
                *checks,
                (running.nginx, f"{config.rasa_url}/webhooks/rest/"),
            ],
            # The processes load their models at once, on the same cores.
            READY_TIMEOUT_SECONDS * count,
            progress,
        )
        say("ready.")
        print(
            f"\n  Chat with the bot:        {config.rasa_url}/\n"
            f"  Agent console:            {config.rasa_url}/console\n"
            f"  REST channel (scripts):   {config.rasa_url}/webhooks/rest/webhook\n"
            f"  Health of every process:  {config.rasa_url}/health "
            "(detail with 'Authorization: Bearer <HEALTH_TOKEN>')\n"
            f"\n  Press Ctrl-C to stop.\n",
            flush=True,
        )
        reported: set[str] = set()
        while True:
            for service in running.services:
                if service.exited() is not None and service.name not in reported:
                    reported.add(service.name)
                    say(
                        f"the {service.name} stopped (exit {service.exited()}); see "
                        f"{service.log_path}"
                    )
            if running.nginx.exited() is not None or all(
                service.exited() is not None for service in running.rasa
            ):
                stopped = running.nginx if running.nginx.exited() is not None else running.rasa[0]
                raise StartError(
                    f"no Rasa process is reachable any more; the {stopped.name}'s log "
                    f"{stopped.log_path} ends with:\n{stopped.log_tail()}"
                )
            time.sleep(1.0)
    except KeyboardInterrupt:
        print(flush=True)
        say("stopping ...")
    finally:
        if running is not None:
            running.stop()
        local.stop()
    say("stopped.")


def command_serve(config: Settings, args: argparse.Namespace) -> None:
    """One process of a cluster in the foreground, in place of this one (for containers and
    service managers; bot/cluster.py starts the same processes on one machine)."""
    from bot import cluster

    if args.part == "health":
        members = [cluster.member_from_argument(text) for text in args.members]
        page = cluster.HealthPage(members, config.health_token, ("0.0.0.0", args.port))  # noqa: S104
        say(f"the cluster's health page on port {args.port}, for {len(members)} processes")
        try:
            page.server.serve_forever()
        finally:
            page.server.server_close()
        return
    env = processes.child_environment(config)
    if args.part == "rasa":
        prepare(config)
        command = processes.rasa_server_command(config, config.models_dir)
    else:
        command = [processes.python(), "-m", "actions"]
    sys.stdout.flush()
    os.execve(command[0], command, env)  # noqa: S606 - our own fixed command line


def command_train(config: Settings, args: argparse.Namespace) -> None:
    prepare(config)
    train(config, force=args.force)
    prune_models(config)


def command_validate(config: Settings, args: argparse.Namespace) -> None:
    check_business_file(config)
    check_canned_replies(config)
    check_lookups(config)
    run_step(
        "rasa data validate",
        processes.rasa_command("data", "validate", *content_args(config)),
        processes.child_environment(config),
    )


def pytest_step(
    name: str,
    marker: str,
    env: dict[str, str],
    paths: Sequence[str] = (),
    options: Sequence[str] = PYTEST_WORKERS,
) -> None:
    """Run pytest on the tests selected by `marker` (under `paths`, or all of tests/), on two
    workers unless `options` says otherwise; 'no tests collected' is not a failure."""
    say(f"{name} ...")
    started = time.monotonic()
    code = subprocess.call(  # noqa: S603 - fixed command
        [processes.python(), "-m", "pytest", *options, "-m", marker, *paths], cwd=ROOT, env=env
    )
    if code not in (0, 5):
        raise CommandFailed(f"{name} failed (exit {code})")
    say(f"{name}: done ({time.monotonic() - started:.0f} s)")


def lint(env: dict[str, str]) -> None:
    ruff = [processes.python(), "-m", "ruff"]
    run_step("ruff lint", [*ruff, "check", "."], env)
    run_step("ruff format check", [*ruff, "format", "--check", "."], env)


def types(env: dict[str, str]) -> None:
    run_step("mypy", [processes.python(), "-m", "mypy", *SOURCE_PACKAGES], env)


def check_test_stories(config: Settings, env: dict[str, str]) -> None:
    run_step(
        "test stories (failing on any prediction error)",
        processes.rasa_command(
            "test",
            "core",
            "--stories",
            str(config.stories_dir),
            "--model",
            str(config.models_dir),
            "--endpoints",
            "endpoints.yml",
            "--out",
            str(RESULTS_DIR / "core"),
            "--fail-on-prediction-errors",
        ),
        env,
    )


# The parts of `python -m bot test`, each a make target: the quick ones give feedback in
# seconds; `all` is what `make test` and CI run.
TEST_PARTS = ("all", "lint", "types", "unit", "e2e", "soak", "cluster")


def command_test(config: Settings, args: argparse.Namespace) -> None:
    """Every check, in the order of the CI chain, or one part of it; stops at the first failure.

    lint: ruff. types: mypy. unit: tests/unit (no servers, no model). e2e: trains if needed,
    then the end-to-end tests through the real servers. all: lint, types, data validation and
    the content checks (`python -m bot check`), training, the test stories, the NLU gates, then
    the unit, integration and end-to-end tests in one pytest run on two workers (the widget
    test server starts once for the integration and the browser tests, and the workers share
    out the whole of it).
    """
    part = getattr(args, "part", "all")
    env = processes.child_environment(config)
    if part == "lint":
        lint(env)
        return
    if part == "types":
        types(env)
        return
    if part == "unit":
        pytest_step("unit tests", "not e2e", env, ["tests/unit"])
        return
    prepare(config)
    if part == "e2e":
        train(config)
        pytest_step("end-to-end tests", "e2e", env)
        return
    if part == "soak":
        train(config)
        pytest_step("soak", "soak", env, ["tests/soak", "-s"], options=())
        return
    if part == "cluster":
        train(config)
        pytest_step("cluster tests (real servers)", "cluster", env, ["tests/cluster"], options=())
        return
    lint(env)
    types(env)
    command_validate(config, args)
    content_check.check(config, rasa_validation=False)
    # Training before the tests: the integration tests' servers and the tone guard's tests use
    # the model and the classifier built here instead of building them themselves.
    train(config)
    prune_models(config)
    check_test_stories(config, env)
    nlu_check.check_nlu(config, config.models_dir, RESULTS_DIR / "nlu")
    pytest_step("unit, integration and end-to-end tests", "not soak and not cluster", env)
    say("all checks passed.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Rapport: the customer-engagement bot. Each command is described below.",
    )
    parser.add_argument(
        "--env-file",
        type=Path,
        default=None,
        help="Settings file to use instead of .env (secrets are generated into it if missing).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run", help="Train if needed, start the bot and the action server, wait until ready."
    )
    run.add_argument("--no-train", action="store_true", help="Use the newest model as it is.")
    run.add_argument(
        "--processes",
        type=int,
        nargs="?",
        const=0,
        default=None,
        metavar="N",
        help="N Rasa processes behind nginx on RASA_PORT (N from PROCESSES in .env when "
        "omitted); needs PostgreSQL and Redis (docs/deploy.md).",
    )
    run.add_argument(
        "--start-services",
        action="store_true",
        help="With --processes: start local PostgreSQL, Redis and RabbitMQ in var/services/ "
        "for a try-out.",
    )
    run.set_defaults(handler=command_run)

    serve = commands.add_parser(
        "serve",
        help="Run one process of a cluster in the foreground: rasa, actions, or the cluster's "
        "health page (for containers; see docs/deploy.md).",
    )
    serve.add_argument("part", choices=("rasa", "actions", "health"))
    serve.add_argument("--port", type=int, default=8080, help="health: the port to listen on")
    serve.add_argument(
        "--member",
        action="append",
        default=[],
        dest="members",
        metavar="NAME=URL",
        help="health: a process's name and its health URL (once per process)",
    )
    serve.set_defaults(handler=command_serve)

    train_parser = commands.add_parser(
        "train", help="Train a model when data, domain or config changed since the last one."
    )
    train_parser.add_argument("--force", action="store_true", help="Train even if unchanged.")
    train_parser.set_defaults(handler=command_train)

    validate = commands.add_parser(
        "validate", help="Check the training data, the domain and the business file."
    )
    validate.set_defaults(handler=command_validate)

    test = commands.add_parser(
        "test", help="Run every check: lint, types, tests, data validation, training, stories."
    )
    test.add_argument(
        "part",
        nargs="?",
        choices=TEST_PARTS,
        default="all",
        help="Only one part: lint, types, unit (seconds, no servers), e2e, soak (load), or "
        "cluster (the scale-out path on real servers).",
    )
    test.set_defaults(handler=command_test)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so that every process we started is stopped."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    # Databases, logs and everything Rasa writes hold customer data: owner-only files, for
    # this process and every process it starts.
    keep_files_private()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings.ensure_secrets(args.env_file)
        config = settings.load(args.env_file)
        signal.signal(signal.SIGTERM, _interrupt)
        # Ctrl-C must stop what we start even when the shell started us with SIGINT ignored
        # (as it does for background jobs).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        args.handler(config, args)
    except (SettingsError, StartError, CommandFailed) as error:
        print(f"rapport: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
