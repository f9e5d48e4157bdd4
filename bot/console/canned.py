"""Canned replies for the console: the business's own file (`canned_replies.yml` beside the
business file), read once at start; a file that is missing means no canned replies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.console.service import MAX_REPLY_CHARS

FILE_NAME = "canned_replies.yml"
MAX_TITLE_CHARS = 40


class CannedRepliesError(ValueError):
    """The canned replies file is not as expected; the message says where and what to do."""


@dataclass(frozen=True)
class CannedReply:
    title: str
    text: str

    def as_json(self) -> dict[str, str]:
        return {"title": self.title, "text": self.text}


def path_beside(business_file: Path) -> Path:
    return business_file.with_name(FILE_NAME)


def load(path: Path) -> list[CannedReply]:
    """The replies of `path`, in order; [] when there is no such file."""
    if not path.exists():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise CannedRepliesError(f"{path} is not valid YAML: {error}") from None
    raw = document.get("replies") if isinstance(document, dict) else None
    if not isinstance(raw, list):
        raise CannedRepliesError(f"{path} needs a list `replies:` of {{title, text}} entries")
    replies = []
    for number, entry in enumerate(raw, start=1):
        title = str(entry.get("title") or "").strip() if isinstance(entry, dict) else ""
        text = str(entry.get("text") or "").strip() if isinstance(entry, dict) else ""
        if not title or len(title) > MAX_TITLE_CHARS:
            raise CannedRepliesError(
                f"{path}: reply {number} needs a title of 1 to {MAX_TITLE_CHARS} characters"
            )
        if not text or len(text) > MAX_REPLY_CHARS:
            raise CannedRepliesError(
                f"{path}: reply {number} ({title}) needs a text of 1 to {MAX_REPLY_CHARS} "
                "characters"
            )
        replies.append(CannedReply(title, text))
    return replies
