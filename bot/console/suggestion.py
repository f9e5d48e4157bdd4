"""What "Use the suggestion" puts in the agent's box: the draft with only its hurtful parts
replaced, and a marked gap where a suggestion announces something the agent must then say.

The tone guard (voice.tone) finds the hurtful words and offers a sentence for each; this module
decides how much of the draft that sentence replaces. A flagged clause is replaced and the rest
of its sentence kept; a sentence left with only a few words besides its hurtful parts is replaced
whole; the other sentences stay as written, except those the guard leaves out as leaning
hurtful on their own. A suggestion that promises more ("here's what I can do") ends with the
business file's placeholder, which the console selects, and a reply still holding it is not sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The business file's templates this module reads.
PLACEHOLDER = "tone_suggestion_placeholder"
ANNOUNCES = "tone_suggestion_announces"
UNFINISHED = "tone_suggestion_unfinished"
# Where a sentence splits into clauses.
CLAUSE_BREAK = re.compile(r"[,;]\s*")
# A gap the tone rules leave in a suggestion for the agent to fill ("here's what I can do: ...").
GAP = re.compile(r"\.\.\.|…")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Fewer words than this left in a sentence beside its hurtful parts: the sentence goes whole
# ("Sure, that's not our problem").
KEPT_WORDS = 3


@dataclass(frozen=True)
class UsedSuggestion:
    """The text "Use the suggestion" gives, and the stretch to select in it (the placeholder the
    agent must replace), or None when there is nothing to finish."""

    text: str
    select: tuple[int, int] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "select": None if self.select is None else list(self.select)}


def announce_phrases(templates: Mapping[str, str]) -> tuple[str, ...]:
    """The business file's phrases that, in a suggestion, announce something the agent must
    then say ("here's what; here's how")."""
    words = templates.get(ANNOUNCES, "")
    return tuple(part.strip().lower() for part in words.split(";") if part.strip())


def unfinished(text: str, templates: Mapping[str, str]) -> bool:
    """Whether a reply still holds the placeholder of a used suggestion."""
    placeholder = templates.get(PLACEHOLDER, "")
    return bool(placeholder) and placeholder in text


def _finished(suggestion: str, placeholder: str, announces: Sequence[str]) -> str:
    """The suggestion with its gap, or its announcement's end, given the placeholder."""
    suggestion = suggestion.strip()
    if not placeholder:
        return suggestion
    gap = GAP.search(suggestion)
    if gap:
        # A gap before the next sentence ("...: ... Would that help?") ends its own.
        stop = "." if re.match(r"\s+[A-Z]", suggestion[gap.end() :]) else ""
        return suggestion[: gap.start()] + placeholder + stop + suggestion[gap.end() :]
    if any(phrase in suggestion.lower() for phrase in announces):
        body = suggestion.rstrip(".!? ")
        return body + (" " if body.endswith(":") else ": ") + placeholder + "."
    return suggestion


def _as_sentence(words: str) -> str:
    words = words.strip()
    words = words[:1].upper() + words[1:]
    return words if words[-1:] in (".", "?", "!") else words + "."


def _as_clause(words: str) -> str:
    words = words.strip().rstrip(".")
    # "I'm" stays as it is; any other capital of a first word is a sentence's, not a name's.
    first = WORD.match(words)
    if first and first.group() not in ("I", "I'm", "I'll", "I've", "I'd"):
        words = words[:1].lower() + words[1:]
    return words


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clauses of text[start:end] as (start, end) stretches, separators left out."""
    stretches = []
    at = start
    for found in CLAUSE_BREAK.finditer(text, start, end):
        stretches.append((at, found.start()))
        at = found.end()
    stretches.append((at, end))
    return [(s, e) for s, e in stretches if text[s:e].strip()]


def _words(text: str) -> int:
    return len(WORD.findall(text))


def used_suggestion(verdict: Any, templates: Mapping[str, str]) -> UsedSuggestion:
    """The draft of `verdict` (a voice.tone.ToneVerdict) with its hurtful parts replaced by
    their suggestions and the placeholder selected when one is left to finish."""
    text: str = verdict.text
    placeholder = templates.get(PLACEHOLDER, "")
    announces = announce_phrases(templates)
    # A finding inside another one's words (a word of a flagged clause) is that one's.
    findings = [
        f
        for f in verdict.findings
        if not any(
            other is not f
            and other.start <= f.start
            and f.end <= other.end
            and (other.end - other.start) > (f.end - f.start)
            for other in verdict.findings
        )
    ]
    # The findings by the sentence they replace (its start; its end with or without the stop).
    sentences: dict[int, list[Any]] = {}
    for finding in findings:
        sentences.setdefault(finding.replaces_start, []).append(finding)
    changes: list[tuple[int, int, str]] = [(start, end, "") for start, end in verdict.dropped]
    for start, found in sentences.items():
        end = max(f.replaces_end for f in found)
        found.sort(key=lambda f: f.start)
        clauses = _clauses(text, start, end)
        hit = [(s, e, [f for f in found if f.start < e and s < f.end]) for s, e in clauses]
        left = sum(_words(text[s:e]) for s, e, by in hit if not by)
        if left < KEPT_WORDS:
            # Nothing much besides the hurtful parts: the sentence becomes their suggestions,
            # each once, an announcing one last so that the agent goes on from its gap.
            said: list[str] = []
            gaps = 0
            for f in found:
                words = _finished(f.suggestion, placeholder, announces)
                gap = bool(placeholder) and placeholder in words
                if words not in said and not (gap and gaps):
                    said.append(words)
                    gaps += gap
            said.sort(key=lambda words: bool(placeholder) and placeholder in words)
            while end < len(text) and text[end] in ".?!":
                end += 1  # the suggestions bring their own full stops
            changes.append((start, end, " ".join(_as_sentence(w) for w in said)))
            continue
        used: set[int] = set()
        for s, e, by in hit:
            if not by:
                continue
            first = by[0]
            clause = text[s:e]
            stop = clause.rstrip()
            ends = stop[-1:] if stop[-1:] in (".", "?", "!") else ""
            if id(first) in used:
                changes.append((s, e, ends))
                continue
            used.add(id(first))
            words = _finished(first.suggestion, placeholder, announces)
            words = _as_sentence(words) if s == start else _as_clause(words)
            if s != start and ends and not words.endswith(ends):
                words += ends
            changes.append((s, e, words))
    changed = _applied(text, changes)
    select = None
    if placeholder and placeholder in changed:
        at = changed.index(placeholder)
        select = (at, at + len(placeholder))
    return UsedSuggestion(changed, select)


def _applied(text: str, changes: Sequence[tuple[int, int, str]]) -> str:
    """`text` with each (start, end, words) change made, from the end backwards; a change
    overlapping one made already is skipped; spaces tidied where a sentence went."""
    end = len(text) + 1
    for start, stop, words in sorted(changes, key=lambda change: (-change[0], change[1])):
        if stop <= end and stop > start:
            text = text[:start] + words + text[stop:]
            end = start
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r",\s*([.?!])", r"\1", text)
    return text.strip()
