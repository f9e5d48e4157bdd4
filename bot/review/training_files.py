"""Writes a trainer's accepted examples into the shop's training files, as a person would.

An example goes to the `data/nlu/<topic>.yml` that already holds its intent; a new intent gets
its own file (or a chosen one), its line in domain.yml's intents and, when the trainer gave one,
a response and a rule (`data/rules/review.yml`). The files are edited with ruamel.yaml's
round-trip mode, so their order, comments and quoting stay as they were; an example already in
the data (under any intent) is never added twice.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FILE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# `[text](entity)` or `[text]{"entity": ...}` in an example: compared by its text alone.
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+?)\](?:\([^)]*\)|\{[^}]*\})")
# What may precede a message on a line of a held-out set: a list marker, a key.
HELD_OUT_LINE = re.compile(r"^(?:-\s*)?(?:(?:user|text|intent|examples)\s*:\s*)?")
RULES_FILE = "review.yml"
# The first line of that file, for whoever opens it.
RULES_COMMENT = "Rules the review inbox added (python -m bot review, the trainer's page)"
MAX_EXAMPLE_CHARS = 500
VERSION = "3.1"


class TrainingDataError(ValueError):
    """The example, intent or file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class EntitySpan:
    """Characters `start`..`end` of the example are the entity `entity`."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Added:
    """Where an example went; `added` is False when the intent already had it."""

    intent: str
    path: Path
    added: bool
    example: str


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.width = 4096  # type: ignore[assignment]
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def example_key(text: str) -> str:
    """What makes two examples the same: their words without annotation, case or punctuation."""
    plain = ANNOTATION.sub(lambda match: match.group("text"), text)
    return " ".join(re.sub(r"[^\w<>'\s]", " ", plain.lower()).split())


def _examples(block: Any) -> list[str]:
    return [
        line.strip()[2:].strip()
        for line in str(block or "").splitlines()
        if line.strip().startswith("- ")
    ]


def annotate(text: str, entities: Sequence[EntitySpan]) -> str:
    """The example in Rasa's YAML form: `[words](entity)` for each span."""
    annotated = text
    for span in sorted(entities, key=lambda span: span.start, reverse=True):
        if not (0 <= span.start < span.end <= len(text)):
            raise TrainingDataError(f"the entity {span.entity!r} marks characters outside the text")
        words = text[span.start : span.end]
        if words != words.strip() or any(c in words for c in "[]()"):
            raise TrainingDataError("an entity is whole words, without brackets around it")
        annotated = annotated[: span.start] + f"[{words}]({span.entity})" + annotated[span.end :]
    return annotated


def _append(items: CommentedSeq, value: Any) -> None:
    """Append to a list, keeping the blank line or comment that followed its last item after
    the new one (where it separated the list from what comes next)."""
    trailing = items.ca.items.pop(len(items) - 1, None) if items else None
    items.append(value)
    if trailing is not None:
        items.ca.items[len(items) - 1] = trailing


class TrainingData:
    """The NLU files and domain of one content folder (CONTENT_DIR, or the review's own)."""

    def __init__(self, content_dir: Path, held_out: Sequence[Path] = ()) -> None:
        """`held_out`: folders of test sets the bot must never train on (tests/nlu): a message
        found in them is refused as an example."""
        self.content_dir = content_dir
        self.held_out = tuple(held_out)
        self.nlu_dir = content_dir / "data" / "nlu"
        self.rules_dir = content_dir / "data" / "rules"
        self.domain_file = content_dir / "domain.yml"
        self.yaml = _yaml()

    # -- reading ---------------------------------------------------------------------------

    def _load(self, path: Path) -> Any:
        return self.yaml.load(path.read_text(encoding="utf-8"))

    def nlu_files(self) -> list[Path]:
        return sorted(self.nlu_dir.glob("*.yml"))

    def intent_files(self) -> dict[str, Path]:
        """Each intent with examples, and the file that holds them (the first, if several)."""
        found: dict[str, Path] = {}
        for path in self.nlu_files():
            for entry in (self._load(path) or {}).get("nlu") or ():
                if isinstance(entry, dict) and "intent" in entry:
                    found.setdefault(str(entry["intent"]), path)
        return found

    def examples(self) -> dict[str, str]:
        """Every example's key, and the intent it belongs to."""
        found: dict[str, str] = {}
        for path in self.nlu_files():
            for entry in (self._load(path) or {}).get("nlu") or ():
                if isinstance(entry, dict) and "intent" in entry:
                    for example in _examples(entry.get("examples")):
                        found.setdefault(example_key(example), str(entry["intent"]))
        return found

    def first_examples(self) -> dict[str, str]:
        """Each intent with examples, and its first one in plain words: what the trainer reads
        beside the intent's name."""
        found: dict[str, str] = {}
        for path in self.nlu_files():
            for entry in (self._load(path) or {}).get("nlu") or ():
                if isinstance(entry, dict) and "intent" in entry:
                    for example in _examples(entry.get("examples"))[:1]:
                        plain = ANNOTATION.sub(lambda match: match.group("text"), example)
                        found.setdefault(str(entry["intent"]), plain)
        return found

    def held_out_keys(self) -> set[str]:
        """Every line of the held-out sets, as an example's key (whatever the file's format)."""
        keys: set[str] = set()
        for folder in self.held_out:
            for path in sorted(folder.rglob("*.yml")):
                for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                    words = HELD_OUT_LINE.sub("", line.strip(), count=1).strip().strip("'\"")
                    if words:
                        keys.add(example_key(words))
        return keys

    def domain_intents(self) -> list[str]:
        domain = self._load(self.domain_file) or {}
        return [str(intent) for intent in domain.get("intents") or ()]

    def domain_entities(self) -> list[str]:
        domain = self._load(self.domain_file) or {}
        return [str(entity) for entity in domain.get("entities") or ()]

    # -- writing ---------------------------------------------------------------------------

    def _dump(self, path: Path, data: Any) -> None:
        out = io.StringIO()
        self.yaml.dump(data, out)
        # Written whole or not at all: a half-written training file would stop the next training.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(out.getvalue())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def add_example(
        self,
        intent: str,
        text: str,
        entities: Sequence[EntitySpan] = (),
        new_intent_file: str | None = None,
    ) -> Added:
        """Add `text` as an example of `intent`. An intent the data does not have yet is new:
        it goes into `data/nlu/<new_intent_file or intent>.yml` and domain.yml's intents."""
        text = " ".join(text.split())
        if not text or len(text) > MAX_EXAMPLE_CHARS:
            raise TrainingDataError(f"an example is 1 to {MAX_EXAMPLE_CHARS} characters")
        if not INTENT_NAME.match(intent):
            raise TrainingDataError(
                "an intent name is 2 to 64 lower-case letters, digits or underscores, "
                "starting with a letter (ask_parking, for one)"
            )
        known_entities = set(self.domain_entities())
        for span in entities:
            if span.entity not in known_entities:
                raise TrainingDataError(
                    f"domain.yml has no entity {span.entity!r}; add it there first"
                )
        example = annotate(text, entities)
        if example_key(example) in self.held_out_keys():
            raise TrainingDataError(
                f"{text!r} is in a held-out test set (tests/nlu), which the bot must never "
                "train on; ignore it"
            )
        holder = self.examples().get(example_key(example))
        files = self.intent_files()
        if holder is not None and holder != intent:
            raise TrainingDataError(
                f"{text!r} is already an example of {holder}; label it {holder} or ignore it"
            )
        if holder == intent:
            return Added(intent, files[intent], False, example)
        if intent in files:
            path = files[intent]
        else:
            path = self._new_intent_file(intent, new_intent_file)
        data = self._load(path) if path.exists() else None
        if data is None:
            data = CommentedMap([("version", DoubleQuotedScalarString(VERSION))])
        if data.get("nlu") is None:
            data["nlu"] = CommentedSeq()
        entry = next(
            (e for e in data["nlu"] if isinstance(e, dict) and e.get("intent") == intent), None
        )
        if entry is None:
            entry = CommentedMap([("intent", intent), ("examples", LiteralScalarString(""))])
            data["nlu"].append(entry)
        lines = str(entry.get("examples") or "").rstrip("\n")
        entry["examples"] = LiteralScalarString((lines + "\n" if lines else "") + f"- {example}\n")
        self._dump(path, data)
        if intent not in self.domain_intents():
            self._add_domain_intent(intent)
        return Added(intent, path, True, example)

    def _new_intent_file(self, intent: str, chosen: str | None) -> Path:
        name = (chosen or intent).removesuffix(".yml")
        if not FILE_NAME.match(name):
            raise TrainingDataError(
                "a data file's name is lower-case letters, digits or underscores (store, for "
                "data/nlu/store.yml)"
            )
        return self.nlu_dir / f"{name}.yml"

    def _add_domain_intent(self, intent: str) -> None:
        domain = self._load(self.domain_file)
        intents = domain.get("intents")
        if intents is None:
            domain["intents"] = intents = CommentedSeq()
        _append(intents, intent)
        self._dump(self.domain_file, domain)

    def add_response(self, intent: str, text: str) -> str:
        """A response `utter_<intent>` saying `text`, and a rule that answers the intent with
        it; the name of the response. Refused when the response exists already."""
        text = " ".join(text.split())
        if not text or len(text) > 2000:
            raise TrainingDataError("a response is 1 to 2000 characters")
        if intent not in self.domain_intents():
            raise TrainingDataError(f"domain.yml has no intent {intent!r}; add an example first")
        name = f"utter_{intent}"
        domain = self._load(self.domain_file)
        responses = domain.get("responses")
        if responses is None:
            domain["responses"] = responses = CommentedMap()
        if name in responses:
            raise TrainingDataError(f"domain.yml already has the response {name}; edit it there")
        responses[name] = CommentedSeq([CommentedMap([("text", DoubleQuotedScalarString(text))])])
        self._dump(self.domain_file, domain)
        path = self.rules_dir / RULES_FILE
        rules = self._load(path) if path.exists() else None
        if rules is None:
            rules = CommentedMap([("version", DoubleQuotedScalarString(VERSION))])
            rules.yaml_set_start_comment(RULES_COMMENT)
        if rules.get("rules") is None:
            rules["rules"] = CommentedSeq()
        steps = CommentedSeq([CommentedMap([("intent", intent)]), CommentedMap([("action", name)])])
        rules["rules"].append(CommentedMap([("rule", f"answer {intent}"), ("steps", steps)]))
        self._dump(path, rules)
        return name
