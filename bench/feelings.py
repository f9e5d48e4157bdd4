"""Score a trained model on the feeling check's held-out list (tests/nlu/feelings.yml).

    .venv/bin/python -m bench.feelings [--model models/xxx.tar.gz]

Parses each message with the model (the newest in models/ by default), as the Rasa server
would, and counts it right when a negative message is not left with a cheerful intent (one
the feeling check watches, listed in config.yml) and a positive control is not taken for a
complaint. It also counts what the classifier alone got right (the intent before the check
changed it, `intent_was`), and on a model trained without the check, the "before" figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.feelings import FEELING, FeelingCheck  # noqa: E402 - after the path set-up

FEELINGS_FILE = ROOT / "tests" / "nlu" / "feelings.yml"


def check_config() -> dict:
    """The feeling check's entry of config.yml's pipeline."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    for step in pipeline:
        if step.get("name", "").endswith(FeelingCheck.__name__):
            return {**FeelingCheck.get_default_config(), **step}
    raise SystemExit("config.yml has no feeling check in its pipeline")


async def parse_all(model: Path, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a model file (default: newest in models/)")
    args = parser.parse_args()
    model = args.model or max((ROOT / "models").glob("*.tar.gz"), key=os.path.getmtime)
    config = check_config()
    watched, complaint = set(config["intents"]), config["complaint_intent"]
    items = yaml.safe_load(FEELINGS_FILE.read_text(encoding="utf-8"))["feelings"]
    parsed = asyncio.run(parse_all(model, [item["text"] for item in items]))

    right: Counter[str] = Counter()
    unchecked: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item, result in zip(items, parsed, strict=True):
        intent = result["intent"]["name"]
        # The classifier's own intent, before the check changed it (the same model).
        before = (result.get(FEELING) or {}).get("intent_was", intent)
        feeling = item["feeling"]
        ok = is_right(feeling, intent, watched, complaint)
        total[feeling] += 1
        right[feeling] += ok
        unchecked[feeling] += is_right(feeling, before, watched, complaint)
        mark = "ok  " if ok else "MISS"
        print(f"{mark} {feeling:8} {before:22} -> {intent:22} {item['text']}")
    print(f"model {model.name}")
    for feeling in ("negative", "positive"):
        print(
            f"{feeling}: {right[feeling]} of {total[feeling]} right "
            f"({unchecked[feeling]} without the check)"
        )
    print(
        f"all: {sum(right.values())} of {sum(total.values())} right "
        f"({sum(unchecked.values())} without the check)"
    )


def is_right(feeling: str, intent: str, watched: set[str], complaint: str) -> bool:
    """A negative message must not keep a cheerful intent; a control must not be a complaint."""
    return intent not in watched if feeling == "negative" else intent != complaint


if __name__ == "__main__":
    main()
