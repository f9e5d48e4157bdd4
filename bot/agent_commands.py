"""Operators' commands for the agent console's accounts.

    python -m bot agent add NAME        create an agent (asks for the password twice)
    python -m bot agent add NAME --role trainer
                                        a trainer (the review inbox) or a manager (both)
    python -m bot agent password NAME   set a new password (signs the agent out everywhere)
    python -m bot agent role NAME ROLE  agent, trainer or manager (signs the agent out)
    python -m bot agent list            the agents' names

The password is read with getpass on a terminal, or as the first line of standard input when
that is not a terminal (scripts and tests); it never appears on the command line.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.cli import CommandFailed
from bot.settings import Settings

ROLE_CHOICES = ("agent", "trainer", "manager")  # memory.agents.ROLES, without importing memory


def _accounts(config: Settings) -> Any:
    import memory
    from memory.agents import AgentAccounts

    try:
        memory.migrate(config.database_url)
    except memory.MemoryUnavailable as error:
        raise CommandFailed(str(error)) from None
    return AgentAccounts(config.database_url)


def read_password(name: str) -> str:
    """The new password: asked twice on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line.strip():
            raise CommandFailed("no password on standard input; pipe it in or run in a terminal")
        return line.rstrip("\r\n")
    first = getpass.getpass(f"Password for {name}: ")
    second = getpass.getpass("The same password again: ")
    if first != second:
        raise CommandFailed("the two passwords differ; nothing was changed")
    return first


def command_add(config: Settings, args: argparse.Namespace) -> None:
    from memory.agents import AgentAccountError, check_name

    try:
        name = check_name(args.name)
        accounts = _accounts(config)
        if accounts.exists(name):
            raise CommandFailed(f"an agent named {name!r} already exists")
        accounts.add(name, read_password(name), args.role)
    except AgentAccountError as error:
        raise CommandFailed(str(error)) from None
    print(f"rapport: {args.role} {name!r} can now sign in at {config.rasa_url}/console")


def command_password(config: Settings, args: argparse.Namespace) -> None:
    from memory.agents import AgentAccountError

    accounts = _accounts(config)
    if not accounts.exists(args.name):
        raise CommandFailed(f"no agent is named {args.name!r}")
    try:
        accounts.set_password(args.name, read_password(args.name))
    except AgentAccountError as error:
        raise CommandFailed(str(error)) from None
    print(f"rapport: new password set for {args.name!r}; their old sessions are signed out")


def command_role(config: Settings, args: argparse.Namespace) -> None:
    from memory.agents import AgentAccountError

    try:
        _accounts(config).set_role(args.name, args.role)
    except AgentAccountError as error:
        raise CommandFailed(str(error)) from None
    print(f"rapport: {args.name!r} is now a {args.role}; their old sessions are signed out")


def command_list(config: Settings, args: argparse.Namespace) -> None:
    for name in _accounts(config).names():
        print(name)


def register(commands: Any) -> None:
    """Add the `agent` command to `python -m bot`."""
    agent = commands.add_parser("agent", help="Manage the agent console's accounts.")
    agent_commands = agent.add_subparsers(dest="agent_command", required=True)
    add = agent_commands.add_parser("add", help="Create an agent account (asks for a password).")
    add.add_argument("name", help="the agent's name, shown to customers with their replies")
    add.add_argument(
        "--role",
        choices=ROLE_CHOICES,
        default="agent",
        help="agent: the chats; trainer: the review inbox; manager: both (default: agent)",
    )
    add.set_defaults(handler=command_add)
    password = agent_commands.add_parser("password", help="Set a new password for an agent.")
    password.add_argument("name")
    password.set_defaults(handler=command_password)
    role = agent_commands.add_parser("role", help="Give an account another role.")
    role.add_argument("name")
    role.add_argument("role", choices=ROLE_CHOICES)
    role.set_defaults(handler=command_role)
    listing = agent_commands.add_parser("list", help="List the agents' names.")
    listing.set_defaults(handler=command_list)
