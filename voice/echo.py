"""The customer's words said back to them: trimmed to the point, never their asides.

A confirmation that repeats "like I said, the gears keep slipping, obviously" would put
"like I said" and "obviously" in the bot's mouth. An echo keeps the first sentence that says
what is wrong, without the asides, the lead-in words and the sign-off, in at most a dozen or so
words; anything the tone guard still flags in it is left out (`without_findings`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the guard's language model is loaded only where the guard runs
    from voice.tone import Finding

ECHO_WORDS = 15
# Asides that speak about the conversation or the customer's mood, not about the problem.
ASIDES = (
    r"\b(?:like|as)\s+i\s+(?:already\s+)?(?:said|say|mentioned|told\s+you|explained|wrote)"
    r"(?:\s+(?:before|already|earlier|twice|above))?",
    r"\bi(?:'ve| have)?\s+already\s+(?:said|told\s+you)(?:\s+this|\s+that)?",
    r"\bi\s+told\s+you(?:\s+already|\s+before)?",
    r"\bfor\s+the\s+(?:second|third|hundredth|last|umpteenth)\s+time",
    r"\b(?:which|and|that)\s+(?:is|was)\s*n[o']t\s+my\s+fault",
    r"\b(?:it'?s|it\s+is|this\s+is)\s+not\s+my\s+fault",
    r"\bnot\s+my\s+fault",
    r"\b(?:obviously|honestly|seriously|literally|clearly|frankly)\b",
    r"\bto\s+be\s+(?:honest|fair)\b",
    # Sarcasm: "great, just great", "oh brilliant", "thanks a lot", "typical".
    r"\b(?:oh\s+)?(?:great|brilliant|fantastic|wonderful|perfect|marvellous)"
    r"(?:[\s,!.]+just\s+(?:great|brilliant|fantastic|wonderful|perfect|marvellous))+",
    r"^\s*(?:oh\s+)?(?:great|brilliant|fantastic|wonderful|perfect|marvellous|typical)\b[\s,!.]*",
    r"\b(?:thanks\s+a\s+lot|yeah\s+right|just\s+my\s+luck)\b",
)
# Words that say nothing about what is wrong ("another thing that doesn't work", "it's
# playing up again"): a problem needs at least one word besides these.
VAGUE_WORDS = frozenset(
    """a an the it it's its this that these those thing things something stuff another other
    one again also too just still now and but or so which what i i'm me my we you is are was
    were be been being am has have had do does did doesn't doesnt don't dont isn't isnt won't
    wont not no work works working broken wrong problem problems issue issues bad here there
    with of to in on at for up playing acting properly right anymore any more all please yes
    ok okay thanks need needs needed want book booked booking fix fixed fixing repair repaired
    look looked looking sort sorted check checked""".split()
)
LEAD_IN = re.compile(
    r"^(?:(?:well|so|um+|uh+|ok(?:ay)?|yeah|yes|right|look|basically|and|but|"
    r"the\s+(?:problem|issue|thing)\s+is(?:\s+that)?|it'?s\s+that)[\s,:;.-]+)+",
    re.IGNORECASE,
)
DANGLING = re.compile(r"[\s,;:-]+(?:and|but|or|so|which|because|as|that)?$", re.IGNORECASE)
SIGN_OFF = re.compile(
    r"[\s,;:-]*\b(?:please|thanks|thank\s+you|cheers|ta)\b[\s!.]*$", re.IGNORECASE
)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    return text.strip(" ,;:-")


def trim_echo(text: str, words: int = ECHO_WORDS) -> str:
    """The customer's problem as the bot may repeat it ("the gears keep slipping")."""
    cleaned = " ".join(str(text or "").split())
    for aside in ASIDES:
        cleaned = re.sub(aside, " ", cleaned, flags=re.IGNORECASE)
    cleaned = _tidy(cleaned)
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", cleaned) if part.strip(" .!?,")]
    first = next(
        (s for s in sentences if len(s.split()) > 1 and says_what_is_wrong(s)),
        next((s for s in sentences if len(s.split()) > 1), sentences[0] if sentences else ""),
    )
    first = _tidy(SIGN_OFF.sub("", LEAD_IN.sub("", first.strip())))
    while True:  # "the chain falls off and" once the aside is gone
        shorter = DANGLING.sub("", first.rstrip(" .!?"))
        if shorter == first:
            break
        first = shorter
    kept = first.split()
    if len(kept) > words:
        first = " ".join(kept[:words]).rstrip(",;:") + "…"
    return first


def without_findings(text: str, findings: Iterable[Finding]) -> str:
    """`text` with the words the tone guard flagged left out, then trimmed again."""
    for finding in sorted(findings, key=lambda found: found.start, reverse=True):
        text = text[: finding.start] + " " + text[finding.end :]
    return trim_echo(text)


def says_what_is_wrong(text: str) -> bool:
    """Whether the words describe something (a noise, a part, what it does), not only that
    something is wrong: "the chain keeps slipping" does, "another thing that doesn't work" not."""
    words = re.findall(r"[a-z0-9][a-z0-9'\-]*", str(text or "").lower().replace("\u2019", "'"))
    return any(word not in VAGUE_WORDS for word in words)
