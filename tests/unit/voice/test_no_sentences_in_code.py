"""No customer- or agent-facing sentences in code: they are responses in domain.yml or templates
in business.yml, where a shop rewords them and the tone test reads them.

A heuristic over the string literals (and f-strings) of actions/, bot/, memory/ and voice/: a
literal of four or more words that starts with a capital letter (after any bullet or quote) and
ends in ".", "!" or "?" reads as a sentence. Docstrings, log lines, exceptions (their text is
for developers), assertions, argparse help, metrics' help and SQL are not read.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("actions", "bot", "memory", "voice")

SENTENCE = re.compile(r"^[\"'“(•\s]*[A-Z].*[.!?][\"'”)]*$", re.DOTALL)
SQL = re.compile(r"^(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA)\b")
LOGGING = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
# Calls whose text is for developers or whoever runs the command line, never for a customer.
FOR_DEVELOPERS = frozenset({"add_argument", "add_parser", "ArgumentParser", "exit", "warn"})
# A metric's help text is read by operators in Prometheus (bot/metrics.py), never by a customer.
FOR_DEVELOPERS |= frozenset({"Counter", "Histogram", "Gauge", "GaugeMetricFamily"})
HELP_KEYWORDS = frozenset({"help", "description", "epilog"})

# Sentences that stay in code, each with the reason. Keys are "path: start of the literal".
ALLOWED = {
    # The command line's banner for whoever starts the bot (README shows it), not a chat line.
    "bot/cli.py: Chat with the bot:": "the operator's terminal output",
}


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _not_read(tree: ast.AST) -> set[int]:
    """ids of the nodes whose strings are not for customers or agents."""
    skipped: set[int] = set()

    def skip(node: ast.AST) -> None:
        skipped.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):  # a docstring
                skip(body[0])
        if isinstance(node, ast.Call):
            name = _call_name(node)
            developer = name.endswith(("Error", "Exception", "Unavailable", "Refused"))
            if name in LOGGING or name in FOR_DEVELOPERS or developer:
                skip(node)
            for keyword in node.keywords:
                if keyword.arg in HELP_KEYWORDS:
                    skip(keyword.value)
        if isinstance(node, ast.Raise) and node.exc is not None:
            skip(node.exc)
        if isinstance(node, ast.Assert):
            skip(node)
        if isinstance(node, ast.JoinedStr):  # its parts are read as one literal
            skipped.update(id(value) for value in node.values)
    return skipped


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            value.value if isinstance(value, ast.Constant) else "{}" for value in node.values
        )
    return None


def sentences(source: str, where: str) -> list[str]:
    """`where: literal` for each literal of `source` that reads as a sentence."""
    tree = ast.parse(source)
    skipped = _not_read(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        text = _text(node)
        if text is None:
            continue
        words = text.strip()
        if len(words.split()) >= 4 and SENTENCE.match(words) and not SQL.match(words):
            found.append(f"{where}: {words}")
    return found


def allowed(found: str) -> bool:
    return any(found.startswith(start) for start in ALLOWED)


def sentences_in_code() -> list[str]:
    return [
        sentence
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for sentence in sentences(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()
        )
    ]


def test_the_check_finds_a_sentence_and_leaves_developers_text_alone() -> None:
    source = '''
"""A module docstring. It is not read."""
import logging
logger = logging.getLogger(__name__)
REPLY = "Sorry, we can't do that today."
BULLET = f"• You've chatted with us {count} times."
LABEL = "Your name"
SQL = "DELETE FROM pending WHERE seq = ?"

def f(parser):
    """Say something. This is a docstring."""
    logger.warning("The memory is down for this one.")
    parser.add_argument("--x", help="Which file to read from disk.")
    raise ValueError("That value is not a whole number.")
'''
    found = sentences(source, "m.py")
    assert found == [
        "m.py: Sorry, we can't do that today.",
        "m.py: • You've chatted with us {} times.",
    ]


def test_no_customer_or_agent_sentence_is_in_the_code() -> None:
    found = sentences_in_code()
    assert found, "the check reads the code (the allow-listed banner is a sentence)"
    assert [sentence for sentence in found if not allowed(sentence)] == []


def test_every_allowed_sentence_is_still_there() -> None:
    # An allow-list entry whose sentence has gone is removed, so the list stays short and true.
    found = sentences_in_code()
    assert [start for start in ALLOWED if not any(s.startswith(start) for s in found)] == []
