"""Every response in domain.yml and every template in business.yml passes the tone guard (the
bike shop's and the example café's, examples/cafe/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from voice import business, tone

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = ROOT / "domain.yml"
BUSINESS = ROOT / "business.yml"
CAFE = ROOT / "examples" / "cafe"


def load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        pytest.fail(f"{path.name} is not valid YAML{where}", pytrace=False)


def variation_texts(variation: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, text) for a response variation, its button titles and any translations."""
    if isinstance(variation.get("text"), str):
        yield "text", variation["text"]
    for language, translated in (variation.get("translation") or {}).items():
        if isinstance(translated, dict) and isinstance(translated.get("text"), str):
            yield f"translation {language}", translated["text"]
        elif isinstance(translated, str):
            yield f"translation {language}", translated
    for button in variation.get("buttons") or []:
        if isinstance(button, dict) and isinstance(button.get("title"), str):
            yield f"button {button['title']!r}", button["title"]


def domain_texts(path: Path = DOMAIN) -> list[tuple[str, str]]:
    domain = load_yaml(path) or {}
    where = path.relative_to(ROOT)
    texts = []
    for name, variations in (domain.get("responses") or {}).items():
        for number, variation in enumerate(variations or [], start=1):
            if isinstance(variation, dict):
                for label, text in variation_texts(variation):
                    texts.append((f"{where} response {name} (variation {number}, {label})", text))
    return texts


def business_texts(path: Path = BUSINESS) -> list[tuple[str, str]]:
    """The templates of the business file, read by the business file's own loader."""
    if not path.exists():
        return []
    try:
        templates = business.load(path).templates
    except business.BusinessFileError as error:
        pytest.fail(str(error), pytrace=False)
    where = path.relative_to(ROOT)
    return [(f"{where} templates.{name}", text) for name, text in templates.items()]


def failures(texts: list[tuple[str, str]]) -> list[str]:
    # The bot's own words are checked by the rules alone, as actions do at run time.
    verdicts = tone.build_rules_guard().check_many(text for _, text in texts)
    return [
        f"{where}: {verdict.describe()}\n    text: {text!r}"
        for (where, text), verdict in zip(texts, verdicts, strict=True)
        if not verdict.ok
    ]


def test_every_domain_response_passes_the_tone_guard() -> None:
    texts = domain_texts()
    assert texts, "domain.yml has no responses"
    problems = failures(texts)
    assert not problems, "responses that fail the tone guard:\n" + "\n".join(problems)


def test_every_business_template_passes_the_tone_guard() -> None:
    problems = failures(business_texts())
    assert not problems, "business templates that fail the tone guard:\n" + "\n".join(problems)


def test_the_example_cafe_s_responses_and_templates_pass_the_tone_guard() -> None:
    texts = domain_texts(CAFE / "domain.yml") + business_texts(CAFE / "business.yml")
    assert len(texts) > 50, "the example café has no responses"
    problems = failures(texts)
    assert not problems, "the café's words that fail the tone guard:\n" + "\n".join(problems)


def test_the_check_names_the_response_and_the_finding(tmp_path: Path) -> None:
    # The check itself must be able to fail, and say where and why.
    texts = [
        ("domain.yml response utter_policy (variation 1, text)", "Sorry, but that's the rule.")
    ]
    [problem] = failures(texts)
    assert problem.startswith("domain.yml response utter_policy (variation 1, text): ")
    assert "defensiveness" in problem and "stonewalling" in problem
