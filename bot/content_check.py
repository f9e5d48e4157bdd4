"""`python -m bot check`: the mistakes in the training data and the domain a trainer can fix
before training, each named by file and line with what to do.

Rasa's own validation (`rasa data validate`) runs first; then the project's checks, which read
the files with ruamel.yaml to know every line:

- few-examples: an intent with fewer than MIN_EXAMPLES examples;
- same-example: one example under two intents;
- near-duplicate: examples of two intents that read almost the same (rapidfuzz), the pairs
  most likely to confuse the model;
- intent-unused: an intent no rule or story answers;
- response-unused: a response no rule, story, form or code utters;
- tone: a response the tone guard's rules find hurtful (`voice.tone.build_rules_guard`);
- story-contradicts-rule: a story that answers an intent otherwise than a rule always does;
- entity-unannotated: a domain entity no example annotates and no extractor produces;
- placeholder-unfilled: a `{variable}` in a response that no slot and no action fills;
- business-value: a button payload naming a product or kind of bike the business file lacks.

Findings that are deliberate are listed, each with its reason, in `check_allow.yml` of the
content folder. The checks read files only: no model, no training, seconds to run.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import string
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.settings import ROOT, Settings

ALLOW_FILE = "check_allow.yml"
# Fewer examples than this and the model has too little to learn an intent from.
MIN_EXAMPLES = 10
# Two examples of different intents at least this similar (rapidfuzz token_sort_ratio, 0-100)
# are a near-duplicate.
NEAR_DUPLICATE_SCORE = 90.0
# At most this many near-duplicate pairs are reported per pair of intents (the closest first).
NEAR_DUPLICATES_PER_PAIR = 3
# The Python that utters responses and fills their variables (the same for every shop).
CODE_FOLDERS = (ROOT / "actions", ROOT / "bot")
# f-string beginnings that say nothing about which response (`f"utter_{notice}"`): the code
# that builds such names must also name each response in full somewhere, or the check says so.
TOO_GENERIC_PREFIXES = {"utter_", "utter_ask_"}
RESPONSE_NAME = re.compile(r"^utter_[A-Za-z0-9_]+$")
# `[text](entity)`, `[text](entity:value)` and `[text]{"entity": ...}` annotations.
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^):]+)[^)]*\)|\{(?P<json>[^}]*)\})")
PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?$", re.DOTALL)

CHECKS = (
    "few-examples",
    "same-example",
    "near-duplicate",
    "intent-unused",
    "response-unused",
    "tone",
    "story-contradicts-rule",
    "entity-unannotated",
    "placeholder-unfilled",
    "business-value",
)


class ContentUnreadable(ValueError):
    """A content file cannot be read; the message names it and the line."""


@dataclass(frozen=True, order=True)
class Finding:
    """One mistake: where it is, which check found it, about what, and what to do."""

    file: str
    line: int
    check: str
    subject: str
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: [{self.check}] {self.message}"


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    plain: str
    file: str
    line: int


@dataclass(frozen=True)
class Step:
    kind: str  # intent, action, active_loop, or, other
    names: tuple[str, ...]
    line: int


@dataclass
class Flow:
    kind: str  # rule or story
    name: str
    file: str
    line: int
    steps: list[Step]
    conditioned: bool = False


@dataclass
class Response:
    name: str
    line: int
    texts: list[tuple[str, int]] = field(default_factory=list)
    payloads: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Content:
    """The shop's content as the checks see it."""

    root: Path
    domain_file: str = "domain.yml"
    intents: dict[str, int] = field(default_factory=dict)
    entities: dict[str, int] = field(default_factory=dict)
    slots: set[str] = field(default_factory=set)
    forms: dict[str, list[str]] = field(default_factory=dict)
    responses: dict[str, Response] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    lookups: set[str] = field(default_factory=set)
    config_text: str = ""


def _yaml() -> YAML:
    return YAML(typ="rt")


def _load(path: Path, root: Path) -> Any:
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except YAMLError as error:
        raise ContentUnreadable(f"{_shown(path, root)} is not valid YAML: {error}") from None


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _line_of(node: Any, key: Any) -> int:
    """The 1-based line of `key` in a ruamel mapping (or of item `key` in a sequence)."""
    try:
        return (
            int(node.lc.key(key)[0]) + 1 if isinstance(key, str) else int(node.lc.item(key)[0]) + 1
        )
    except (AttributeError, KeyError, TypeError, IndexError):
        return 1


def plain_text(example: str) -> str:
    """An example as the customer typed it: annotations reduced to their words."""
    return ANNOTATION.sub(lambda match: match.group("text"), example).strip()


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def annotated_entities(example: str) -> set[str]:
    found = set()
    for match in ANNOTATION.finditer(example):
        if match.group("entity"):
            found.add(match.group("entity").strip())
        elif match.group("json") is not None:
            try:
                value = json.loads("{" + match.group("json") + "}")
            except ValueError:
                continue
            if isinstance(value, dict) and value.get("entity"):
                found.add(str(value["entity"]))
    return found


def _examples_of(item: Any, key: str, file: str, intent: str) -> Iterator[Example]:
    block = item.get(key)
    if not isinstance(block, str):
        return
    first = item.lc.value(key)[0] + 1  # the line of `|`; the text starts below it
    for offset, raw in enumerate(block.splitlines(), start=1):
        text = raw.strip()
        if not text.startswith("- "):
            continue
        text = text[2:].strip()
        yield Example(intent, text, plain_text(text), file, first + offset)


def _steps(raw_steps: Any) -> list[Step]:
    steps = []
    for index, step in enumerate(raw_steps or []):
        line = _line_of(raw_steps, index)
        if not isinstance(step, dict):
            continue
        if "intent" in step:
            steps.append(Step("intent", (str(step["intent"]),), line))
        elif "or" in step:
            names = tuple(str(part.get("intent")) for part in step["or"] if "intent" in part)
            steps.append(Step("intent", names, line))
        elif "action" in step:
            steps.append(Step("action", (str(step["action"]),), line))
        elif "active_loop" in step:
            steps.append(Step("active_loop", (str(step["active_loop"]),), line))
        else:
            steps.append(Step("other", (), line))
    return steps


def _read_data_file(content: Content, path: Path) -> None:
    document = _load(path, content.root)
    if not isinstance(document, dict):
        return
    file = _shown(path, content.root)
    for item in document.get("nlu") or []:
        if not isinstance(item, dict):
            continue
        if "intent" in item:
            content.examples.extend(_examples_of(item, "examples", file, str(item["intent"])))
        elif "lookup" in item:
            content.lookups.add(str(item["lookup"]))
    for kind in ("rules", "stories"):
        for item in document.get(kind) or []:
            if not isinstance(item, dict):
                continue
            name = str(item.get("rule") or item.get("story") or "")
            conditioned = bool(item.get("condition")) or item.get("conversation_start") is True
            flow = Flow(
                kind[:-1] if kind == "rules" else "story",
                name,
                file,
                _line_of(item, "rule" if "rule" in item else "story"),
                _steps(item.get("steps")),
                conditioned,
            )
            content.flows.append(flow)


def _read_domain(content: Content, path: Path) -> None:
    domain = _load(path, content.root)
    if not isinstance(domain, dict):
        raise ContentUnreadable(f"{_shown(path, content.root)} is not a Rasa domain")
    content.domain_file = _shown(path, content.root)
    intents = domain.get("intents") or []
    for index, intent in enumerate(intents):
        name = next(iter(intent)) if isinstance(intent, dict) else str(intent)
        content.intents[str(name)] = _line_of(intents, index)
    entities = domain.get("entities") or []
    for index, entity in enumerate(entities):
        name = next(iter(entity)) if isinstance(entity, dict) else str(entity)
        content.entities[str(name)] = _line_of(entities, index)
    content.slots = {str(name) for name in (domain.get("slots") or {})}
    for name, form in (domain.get("forms") or {}).items():
        slots = (form or {}).get("required_slots") or []
        content.forms[str(name)] = [str(slot) for slot in slots]
    responses = domain.get("responses") or {}
    for name, variants in responses.items():
        response = Response(str(name), _line_of(responses, name))
        for index, variant in enumerate(variants or []):
            if not isinstance(variant, dict):
                continue
            line = _line_of(variants, index)
            if isinstance(variant.get("text"), str):
                response.texts.append((variant["text"], line))
            for button in variant.get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    response.payloads.append((button["payload"], _line_of(button, "payload")))
        content.responses[str(name)] = response


def read_content(content_dir: Path) -> Content:
    """Read the domain, the training data and the config of a content folder."""
    content = Content(content_dir)
    _read_domain(content, content_dir / "domain.yml")
    for path in sorted((content_dir / "data").rglob("*.yml")):
        _read_data_file(content, path)
    config = content_dir / "config.yml"
    content.config_text = config.read_text(encoding="utf-8") if config.is_file() else ""
    return content


# -- what the code says -----------------------------------------------------------------------


@dataclass
class CodeFacts:
    """What the Python utters and fills, found in its syntax tree without running it."""

    responses: set[str] = field(default_factory=set)
    response_prefixes: set[str] = field(default_factory=set)
    variables: set[str] = field(default_factory=set)

    def utters(self, response: str) -> bool:
        return response in self.responses or any(
            response.startswith(prefix) for prefix in self.response_prefixes
        )


def read_code(folders: Iterable[Path]) -> CodeFacts:
    """Responses named in the code (as strings, or f-strings' constant beginnings) and the
    names it passes as a response's variables (keyword arguments and string dict keys)."""
    facts = CodeFacts()
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if RESPONSE_NAME.match(node.value):
                        facts.responses.add(node.value)
                elif isinstance(node, ast.JoinedStr) and node.values:
                    head = node.values[0]
                    if (
                        isinstance(head, ast.Constant)
                        and isinstance(head.value, str)
                        and head.value.startswith("utter_")
                        and head.value not in TOO_GENERIC_PREFIXES
                    ):
                        facts.response_prefixes.add(head.value)
                elif isinstance(node, ast.Call):
                    facts.variables.update(k.arg for k in node.keywords if k.arg)
                elif isinstance(node, ast.Dict):
                    for key in node.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            facts.variables.add(key.value)
    return facts


# -- the checks -------------------------------------------------------------------------------


def check_few_examples(content: Content, minimum: int = MIN_EXAMPLES) -> list[Finding]:
    counts: dict[str, int] = defaultdict(int)
    first: dict[str, tuple[str, int]] = {}
    for example in content.examples:
        counts[example.intent] += 1
        first.setdefault(example.intent, (example.file, example.line))
    findings = []
    for intent, line in content.intents.items():
        if counts[intent] >= minimum:
            continue
        file, at = first.get(intent, (content.domain_file, line))
        findings.append(
            Finding(
                file,
                at,
                "few-examples",
                intent,
                f"intent '{intent}' has {counts[intent]} examples; add at least "
                f"{minimum - counts[intent]} more, in customers' own words, under it in data/nlu",
            )
        )
    return findings


def check_same_example(content: Content) -> list[Finding]:
    seen: dict[str, Example] = {}
    findings = []
    for example in content.examples:
        key = normalised(example.plain)
        earlier = seen.get(key)
        if earlier is None:
            seen[key] = example
        elif earlier.intent != example.intent:
            findings.append(
                Finding(
                    example.file,
                    example.line,
                    "same-example",
                    f"{earlier.intent}/{example.intent}",
                    f"'{example.plain}' is an example of '{example.intent}' and also of "
                    f"'{earlier.intent}' ({earlier.file}:{earlier.line}); keep it under the "
                    "one intent it means and delete the other",
                )
            )
    return findings


def check_near_duplicates(
    content: Content,
    threshold: float = NEAR_DUPLICATE_SCORE,
    per_pair: int = NEAR_DUPLICATES_PER_PAIR,
) -> list[Finding]:
    from rapidfuzz import fuzz, process

    examples = [e for e in content.examples if normalised(e.plain)]
    texts = [normalised(e.plain) for e in examples]
    scores = process.cdist(
        texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, workers=1
    )
    by_pair: dict[tuple[str, str], list[tuple[float, Example, Example]]] = defaultdict(list)
    for i, j in zip(*scores.nonzero(), strict=True):
        a, b = examples[int(i)], examples[int(j)]
        if i >= j or a.intent == b.intent or texts[int(i)] == texts[int(j)]:
            continue
        pair = (min(a.intent, b.intent), max(a.intent, b.intent))
        by_pair[pair].append((float(scores[i, j]), a, b))
    findings = []
    for (first, second), matches in sorted(by_pair.items()):
        matches.sort(key=lambda match: (-match[0], match[2].file, match[2].line))
        for score, a, b in matches[:per_pair]:
            findings.append(
                Finding(
                    b.file,
                    b.line,
                    "near-duplicate",
                    f"{first}/{second}",
                    f"'{b.plain}' ({b.intent}) reads almost like '{a.plain}' ({a.intent}, "
                    f"{a.file}:{a.line}; {score:.0f}% alike); reword one so that it says what "
                    "only its own intent means, or move it",
                )
            )
    return findings


def check_intents_unused(content: Content) -> list[Finding]:
    answered = {
        name
        for flow in content.flows
        for step in flow.steps
        if step.kind == "intent"
        for name in step.names
    }
    return [
        Finding(
            content.domain_file,
            line,
            "intent-unused",
            intent,
            f"no rule or story answers intent '{intent}'; add a rule in data/rules (intent, "
            "then the response or action that answers it)",
        )
        for intent, line in content.intents.items()
        if intent not in answered
    ]


def _form_responses(content: Content) -> set[str]:
    names = set()
    for form, slots in content.forms.items():
        for slot in slots:
            names |= {f"utter_ask_{slot}", f"utter_ask_{form}_{slot}"}
    return names


def check_responses_unused(
    content: Content, code: CodeFacts, business_text: str = ""
) -> list[Finding]:
    """Responses nothing says; one the business file names (a complaint kind's first words,
    said by the code that reads it) counts as said."""
    in_flows = {
        name
        for flow in content.flows
        for step in flow.steps
        if step.kind == "action"
        for name in step.names
    }
    implicit = _form_responses(content)
    findings = []
    for name, response in content.responses.items():
        if name in in_flows or name in implicit or code.utters(name) or name in content.config_text:
            continue
        if re.search(rf"\b{re.escape(name)}\b", business_text):
            continue
        findings.append(
            Finding(
                content.domain_file,
                response.line,
                "response-unused",
                name,
                f"response '{name}' is never said: no rule, story, form or action uses it; "
                "use it in a rule or story, or delete it",
            )
        )
    return findings


def _placeholder_names(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name]
    except ValueError:
        return []


def _neutral(text: str) -> str:
    """A response's text with each `{variable}` as a neutral word, for the tone guard."""
    try:
        return "".join(
            literal + ("it" if name else "")
            for literal, name, _, _ in string.Formatter().parse(text)
        )
    except ValueError:
        return text


def check_tone(content: Content) -> list[Finding]:
    from voice import tone

    where = [
        (response, text, line)
        for response in content.responses.values()
        for text, line in response.texts
    ]
    verdicts = tone.build_rules_guard().check_many(_neutral(text) for _, text, _ in where)
    findings = []
    for (response, _, line), verdict in zip(where, verdicts, strict=True):
        for finding in verdict.findings:
            findings.append(
                Finding(
                    content.domain_file,
                    line,
                    "tone",
                    response.name,
                    f"response '{response.name}' sounds like {finding.kind} at "
                    f"'{finding.span}'; {finding.suggestion}",
                )
            )
    return findings


def _names(steps: list[Step]) -> list[tuple[str, tuple[str, ...]]]:
    return [(step.kind, step.names) for step in steps]


def _rule_answers(content: Content) -> list[tuple[list[Step], str, str, Flow]]:
    """What rules always do: after these steps (none: at any point) and this intent, this
    action. Only rules without a condition: a condition narrows where a rule applies."""
    answers = []
    for flow in content.flows:
        if flow.kind != "rule" or flow.conditioned:
            continue
        for index, (step, then) in enumerate(zip(flow.steps, flow.steps[1:], strict=False)):
            if step.kind == "intent" and then.kind == "action":
                for intent in step.names:
                    answers.append((flow.steps[:index], intent, then.names[0], flow))
    return answers


def check_stories_against_rules(content: Content) -> list[Finding]:
    """A story whose history up to an intent is a rule's (the same steps before it, or none
    when the rule starts with the intent and so does the story) but whose answer differs.

    A story that answers an intent after its own earlier steps is more specific than a rule
    that starts with the intent, and Rasa lets it be (a "yes" after a question); the same
    history with a different answer is what Rasa refuses at training time.
    """
    answers = _rule_answers(content)
    findings = []
    for flow in content.flows:
        if flow.kind != "story":
            continue
        loop_active = False
        for index, step in enumerate(flow.steps):
            if step.kind == "active_loop":
                loop_active = step.names[0] not in ("None", "null", "")
                continue
            if step.kind != "intent" or loop_active:
                continue
            then = next((s for s in flow.steps[index + 1 :] if s.kind == "action"), None)
            if then is None:
                continue
            before = [s for s in flow.steps[:index] if s.kind in ("intent", "action")]
            for prefix, intent, action, rule in answers:
                wanted = [s for s in prefix if s.kind in ("intent", "action")]
                if intent not in step.names or then.names[0] == action:
                    continue
                same_history = (
                    not before if not wanted else _names(before[-len(wanted) :]) == _names(wanted)
                )
                if not same_history:
                    continue
                findings.append(
                    Finding(
                        flow.file,
                        then.line,
                        "story-contradicts-rule",
                        f"{flow.name}/{rule.name}",
                        f"story '{flow.name}' answers '{intent}' with '{then.names[0]}', but "
                        f"rule '{rule.name}' ({rule.file}:{rule.line}) answers it at the same "
                        f"point with '{action}'; make the story follow the rule, or give the "
                        "rule a condition",
                    )
                )
    return findings


def _extracted_by_pipeline(content: Content) -> set[str]:
    """Entities a pipeline component produces without annotations (spaCy's dimensions)."""
    found = set()
    for match in re.finditer(r"dimensions:\s*\[([^\]]*)\]", content.config_text):
        found |= {part.strip().strip("'\"") for part in match.group(1).split(",")}
    return found


def check_entities_unannotated(content: Content) -> list[Finding]:
    annotated = set().union(*(annotated_entities(e.text) for e in content.examples))
    produced = _extracted_by_pipeline(content)
    return [
        Finding(
            content.domain_file,
            line,
            "entity-unannotated",
            entity,
            f"entity '{entity}' is annotated in no example, so the model never learns it; "
            f"mark it in a few examples ([words]({entity})) or remove it from the domain",
        )
        for entity, line in content.entities.items()
        if entity not in annotated and entity not in produced
    ]


def check_placeholders(content: Content, code: CodeFacts) -> list[Finding]:
    filled = content.slots | code.variables
    findings = []
    for response in content.responses.values():
        for text, line in response.texts:
            for name in _placeholder_names(text):
                if name not in filled:
                    findings.append(
                        Finding(
                            content.domain_file,
                            line,
                            "placeholder-unfilled",
                            f"{response.name}/{name}",
                            f"response '{response.name}' says '{{{name}}}', which no slot and "
                            "no action fills; use a slot's name or a variable an action "
                            "passes, or write the words",
                        )
                    )
    return findings


def business_values(business_file: Path) -> dict[str, set[str]]:
    """The values the business file gives each entity buttons may name."""
    from voice import business

    shop = business.load(business_file)
    values = {"product": {product.name.lower() for product in shop.products}}
    if shop.vocabulary.bike_kinds:
        values["bike_type"] = {kind.name.lower() for kind in shop.vocabulary.bike_kinds}
    return values


def check_business_values(
    content: Content, values: dict[str, set[str]], source: str
) -> list[Finding]:
    findings = []
    for response in content.responses.values():
        for payload, line in response.payloads:
            match = PAYLOAD.match(payload.replace("{{", "{").replace("}}", "}").strip())
            if not match or not match.group("entities"):
                continue
            try:
                entities = json.loads(match.group("entities"))
            except ValueError:
                continue
            if not isinstance(entities, dict):
                continue
            for entity, value in entities.items():
                known = values.get(str(entity))
                if known is None or str(value).lower() in known:
                    continue
                findings.append(
                    Finding(
                        content.domain_file,
                        line,
                        "business-value",
                        f"{response.name}/{value}",
                        f"a button of '{response.name}' names {entity} '{value}', which "
                        f"{source} does not have; add it to {source} or change the button",
                    )
                )
    return findings


# -- the allow-list and the command -----------------------------------------------------------


@dataclass(frozen=True)
class Allowed:
    check: str
    subject: str
    line: int


def read_allowed(path: Path) -> list[Allowed]:
    """The deliberate findings: `- {check: ..., subject: ..., why: ...}` entries."""
    if not path.is_file():
        return []
    document = _load(path, path.parent) or []
    if not isinstance(document, list):
        raise ContentUnreadable(f"{path.name} must be a list of entries")
    allowed = []
    for index, entry in enumerate(document):
        if not isinstance(entry, dict) or entry.get("check") not in CHECKS:
            raise ContentUnreadable(
                f"{path.name}:{_line_of(document, index)}: each entry needs a check (one of "
                f"{', '.join(CHECKS)}), a subject and why"
            )
        if not str(entry.get("why") or "").strip():
            raise ContentUnreadable(
                f"{path.name}:{_line_of(document, index)}: say why the finding is deliberate"
            )
        allowed.append(
            Allowed(str(entry["check"]), str(entry.get("subject")), _line_of(document, index))
        )
    return allowed


def run_checks(
    content_dir: Path,
    business_file: Path,
    code_dirs: Iterable[Path] = CODE_FOLDERS,
    only: Iterable[str] = CHECKS,
) -> list[Finding]:
    """The project's checks (all, or `only` those named) on a content folder; findings in file
    and line order, the allow-listed ones left out (and entries that no longer match a finding
    reported, when every check ran)."""
    allowed = read_allowed(content_dir / ALLOW_FILE)
    content = read_content(content_dir)
    code = read_code(code_dirs)
    source = _shown(business_file, content_dir)
    checks: dict[str, Callable[[], list[Finding]]] = {
        "few-examples": lambda: check_few_examples(content),
        "same-example": lambda: check_same_example(content),
        "near-duplicate": lambda: check_near_duplicates(content),
        "intent-unused": lambda: check_intents_unused(content),
        "response-unused": lambda: check_responses_unused(
            content, code, business_file.read_text(encoding="utf-8")
        ),
        "tone": lambda: check_tone(content),
        "story-contradicts-rule": lambda: check_stories_against_rules(content),
        "entity-unannotated": lambda: check_entities_unannotated(content),
        "placeholder-unfilled": lambda: check_placeholders(content, code),
        "business-value": lambda: check_business_values(
            content, business_values(business_file), source
        ),
    }
    selected = set(only)
    findings = [finding for name in CHECKS if name in selected for finding in checks[name]()]
    keys = {(entry.check, entry.subject) for entry in allowed}
    used = {(f.check, f.subject) for f in findings}
    kept = [f for f in findings if (f.check, f.subject) not in keys]
    kept += [
        Finding(
            ALLOW_FILE,
            entry.line,
            "allow-list",
            entry.subject,
            f"'{entry.subject}' ({entry.check}) is no longer found; remove this entry",
        )
        for entry in allowed
        if (entry.check, entry.subject) not in used and entry.check in selected
    ]
    return sorted(kept)


def check(config: Settings, rasa_validation: bool = True) -> None:
    """Rasa's validation (unless already run) and the project's checks; CommandFailed with
    the number of findings when there are any, each printed as file:line: [check] what to do."""
    from bot import processes
    from bot.cli import CommandFailed, check_business_file, run_step, say

    started = time.monotonic()
    check_business_file(config)
    if rasa_validation:
        run_step(
            "rasa data validate",
            processes.rasa_command(
                "data",
                "validate",
                "--data",
                str(config.data_dir),
                "--domain",
                str(config.domain_file),
            ),
            processes.child_environment(config),
        )
    say("the project's checks of the training data and the domain ...")
    try:
        findings = run_checks(config.content_dir, config.business_file)
    except ContentUnreadable as error:
        raise CommandFailed(str(error)) from None
    for finding in findings:
        print(finding.text(), flush=True)
    elapsed = time.monotonic() - started
    if findings:
        raise CommandFailed(
            f"{len(findings)} findings ({elapsed:.0f} s); fix each, or, when one is "
            f"deliberate, list it with the reason in {ALLOW_FILE}"
        )
    say(f"check: ok, no findings ({elapsed:.0f} s)")


def command_check(config: Settings, args: argparse.Namespace) -> None:
    # thinc (under spaCy) imports TensorFlow only to see whether it is there; the tone guard
    # never uses it, and refusing it saves seconds (as `python -m bot tone` does).
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    check(config, rasa_validation=not args.no_rasa)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="Check the training data and the domain (Rasa's validation and the project's "
        "checks): each finding names the file, the line and what to do. No training.",
    )
    parser.add_argument(
        "--no-rasa", action="store_true", help="Skip `rasa data validate` (seconds faster)."
    )
    parser.set_defaults(handler=command_check)
