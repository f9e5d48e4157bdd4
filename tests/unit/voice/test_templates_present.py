"""The business file has every template the code asks for by name: a shop that replaces
business.yml learns from this test (and `Business.template`'s error) which words it must give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.privacy import PERSONAL_SLOTS
from bot.channel import NOTICE_TEMPLATES
from bot.console.reasons import AT_RISK
from memory.handoffs import REASONS
from memory.rules import COUNTED, RISK_REASONS, STAGE_REASONS
from voice.business import BusinessFileError, load
from voice.wording import WORDING_TEMPLATES

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("actions", "bot", "memory", "voice")
# `shop.template("name")`, and `words("name")` where a function names `words = shop.template`.
ASKED = re.compile(r"""(?:\.template|\bwords)\(\s*["'](\w+)["']""")
# Names the code builds from data: each family of templates it reads.
BUILT = (
    *[f"fact_{slot}" for slot in PERSONAL_SLOTS],
    *[
        f"count_{kind}_{form}"
        for kind in ("exchanges", "facts", "issues")
        for form in ("one", "other")
    ],
    *NOTICE_TEMPLATES,
    *[f"reason_{code}" for code in (*STAGE_REASONS, *RISK_REASONS)],
    *[f"reason_{name}_{form}" for name in COUNTED for form in ("one", "other")],
    AT_RISK,
    *WORDING_TEMPLATES,
    *[f"handoff_reason_{reason}" for reason in REASONS],
)


def asked_by_name() -> set[str]:
    names: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            names |= set(ASKED.findall(path.read_text(encoding="utf-8")))
    return names


# Every business file shipped: the sample shop's, and each example's.
BUSINESS_FILES = [ROOT / "business.yml", *sorted((ROOT / "examples").glob("*/business.yml"))]


@pytest.mark.parametrize("path", BUSINESS_FILES, ids=lambda path: path.parent.name or "shop")
def test_the_business_file_has_every_template_the_code_asks_for(path: Path) -> None:
    names = asked_by_name()
    assert {"fact_goal", "wait_minutes_one", "promise_reply_about"} <= names  # the scan works
    templates = load(path).templates
    assert sorted((names | set(BUILT)) - set(templates)) == []


def test_a_missing_template_names_itself() -> None:
    shop = load(ROOT / "business.yml")
    with pytest.raises(BusinessFileError, match="no_such_template"):
        shop.template("no_such_template")
