"""`python -m bot`: Rapport's command line (run, train, test and the operators' commands)."""

from __future__ import annotations

import argparse
import importlib
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import content_check, lookups, nlu_check, processes, settings
from bot.processes import Service, StartError
from bot.settings import ROOT, Settings, SettingsError
from memory.files import PRIVATE_FOLDER, keep_files_private, private_file, private_folder
from voice import business

RESULTS_DIR = ROOT / "var" / "results"
SOURCE_PACKAGES = ("bot", "actions", "memory", "voice")
READY_TIMEOUT_SECONDS = 300
# Modules that add commands: each has `register(commands)` that adds its sub-parsers, whose
# handlers take (settings, args). Imported lazily so that `--help` stays fast.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.nlu_check",
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
    var.chmod(PRIVATE_FOLDER)  # also when an older version created it open to everyone
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
    try:
        for service in services:
            service.start(env)
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
        while all(service.exited() is None for service in services):
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
    say("stopped.")


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


def pytest_step(name: str, marker: str, env: dict[str, str], paths: Sequence[str] = ()) -> None:
    """Run pytest on the tests selected by `marker` (under `paths`, or all of tests/);
    'no tests collected' is not a failure."""
    say(f"{name} ...")
    code = subprocess.call(  # noqa: S603 - fixed command
        [processes.python(), "-m", "pytest", "-m", marker, *paths], cwd=ROOT, env=env
    )
    if code not in (0, 5):
        raise CommandFailed(f"{name} failed (exit {code})")


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
    the content checks (`python -m bot check`), training, unit and integration tests, test
    stories, the NLU gates, end-to-end tests.
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
        pytest_step("soak", "soak", env, ["tests/soak", "-s"])
        return
    if part == "cluster":
        train(config)
        pytest_step("cluster tests (RabbitMQ, Redis)", "cluster", env, ["tests/cluster"])
        return
    lint(env)
    types(env)
    command_validate(config, args)
    content_check.check(config, rasa_validation=False)
    # Training before the tests: the integration tests' servers and the tone guard's tests use
    # the model and the classifier built here instead of building them themselves.
    train(config)
    prune_models(config)
    pytest_step("unit and integration tests", "not e2e and not soak and not cluster", env)
    check_test_stories(config, env)
    nlu_check.check_nlu(config, config.models_dir, RESULTS_DIR / "nlu")
    pytest_step("end-to-end tests", "e2e", env)
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
    run.set_defaults(handler=command_run)

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
