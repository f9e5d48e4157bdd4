"""The responses each custom action can utter, found in the action server's code without running it.

A shop's domain lists the actions it uses; each of them may utter a response by name
(`response="utter_..."`), directly or through the functions, classes and constants it refers to.
The names are collected from the Python syntax tree of `actions/*.py`: for an action, every
`"utter_..."` string in its class, its bases and everything it refers to by name, followed across
modules. Following names over-approximates (two functions of the same name both count), which is
the safe side for a check that every response an action might need is in the domain.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RESPONSE = re.compile(r"^utter_[a-z0-9_]+$")
# Rasa's metadata key naming a bot message's response, not a response.
NOT_RESPONSES = {"utter_action"}


class Definition:
    """A top-level function, class or constant: the responses it names, the names it uses."""

    def __init__(self, node: ast.AST) -> None:
        self.responses: set[str] = set()
        self.uses: set[str] = set()
        for child in ast.walk(node):
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                if RESPONSE.match(child.value) and child.value not in NOT_RESPONSES:
                    self.responses.add(child.value)
            elif isinstance(child, ast.Name):
                self.uses.add(child.id)
            elif isinstance(child, ast.Attribute):
                self.uses.add(child.attr)


def _defined_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets if isinstance(target, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _action_name(node: ast.ClassDef) -> str | None:
    """The string a class's `name()` method returns, when it is a constant."""
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "name":
            for statement in ast.walk(item):
                if isinstance(statement, ast.Return) and isinstance(statement.value, ast.Constant):
                    return str(statement.value.value)
    return None


class ActionCode:
    """The definitions of the action server's modules, by name, and its actions' classes."""

    def __init__(self, folder: Path = ROOT / "actions") -> None:
        self.definitions: dict[str, list[Definition]] = defaultdict(list)
        self.actions: dict[str, str] = {}
        for path in sorted(folder.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in tree.body:
                for name in _defined_names(node):
                    self.definitions[name].append(Definition(node))
                if isinstance(node, ast.ClassDef):
                    action = _action_name(node)
                    if action is not None:
                        self.actions[action] = node.name

    def responses(self, actions: Iterable[str]) -> dict[str, set[str]]:
        """For each action (by its name in the domain), the responses it can utter."""
        return {action: self._reachable(self.actions[action]) for action in actions}

    def _reachable(self, start: str) -> set[str]:
        responses: set[str] = set()
        seen: set[str] = set()
        todo = [start]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for definition in self.definitions.get(name, []):
                responses |= definition.responses
                todo += definition.uses - seen
        return responses
