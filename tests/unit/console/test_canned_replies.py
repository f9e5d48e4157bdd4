"""The business's canned replies: each one passes the tone guard, and a broken file is refused
with a message that says where and what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import cli
from bot.console import canned
from bot.console.service import first_line
from bot.settings import Settings
from voice import tone

ROOT = Path(__file__).resolve().parents[3]
# The sample shop's and the café's.
SHIPPED = [
    canned.path_beside(ROOT / "business.yml"),
    canned.path_beside(ROOT / "examples" / "cafe" / "business.yml"),
]
REPLIES = [(path, reply) for path in SHIPPED for reply in canned.load(path)]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.parent.name)
def test_each_business_ships_canned_replies(path: Path) -> None:
    replies = canned.load(path)
    assert len(replies) >= 3
    assert len({reply.title for reply in replies}) == len(replies)  # told apart by title


@pytest.mark.parametrize(
    ("path", "reply"), REPLIES, ids=[f"{p.parent.name}-{r.title}" for p, r in REPLIES]
)
def test_every_canned_reply_passes_the_tone_guard(path: Path, reply: canned.CannedReply) -> None:
    verdict = tone.build_rules_guard().check(reply.text)
    assert verdict.ok, f"{path}: {reply.title}: {verdict.describe()}"


def test_validate_refuses_a_hurtful_canned_reply(tmp_path: Path) -> None:
    business = tmp_path / "business.yml"
    config = Settings(content_dir=tmp_path, business_file=business)
    cli.check_canned_replies(config)  # none is fine
    (tmp_path / canned.FILE_NAME).write_text(
        "replies:\n  - title: Fine\n    text: Happy to help!\n"
        '  - title: Policy\n    text: "Not our fault, you should have read it."\n',
        encoding="utf-8",
    )
    with pytest.raises(cli.CommandFailed, match="the canned reply 'Policy' would hurt"):
        cli.check_canned_replies(config)


def test_the_tone_guard_would_catch_a_hurtful_canned_reply(tmp_path: Path) -> None:
    path = tmp_path / canned.FILE_NAME
    path.write_text(
        'replies:\n  - title: Policy\n    text: "Not our fault, you should have read it."\n',
        encoding="utf-8",
    )
    [reply] = canned.load(path)
    assert not tone.build_rules_guard().check(reply.text).ok


def test_no_file_means_no_canned_replies(tmp_path: Path) -> None:
    assert canned.load(tmp_path / canned.FILE_NAME) == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("replies: nope\n", "needs a list `replies:`"),
        ("replies:\n  - text: Hello\n", "reply 1 needs a title"),
        ("replies:\n  - title: Hi\n    text: ''\n", "reply 1 (Hi) needs a text"),
        ("replies: [\n", "not valid YAML"),
    ],
)
def test_a_broken_file_says_what_to_fix(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / canned.FILE_NAME
    path.write_text(content, encoding="utf-8")
    with pytest.raises(canned.CannedRepliesError) as error:
        canned.load(path)
    assert says in str(error.value) and str(path) in str(error.value)


def test_the_queue_shows_the_first_line_of_what_was_asked() -> None:
    assert first_line("\n  Where is my order?\nIt was due Monday") == "Where is my order?"
    assert first_line(None) is None and first_line("  \n ") is None
    cut = first_line("x" * 300, limit=10)
    assert cut == "x" * 9 + "…"
