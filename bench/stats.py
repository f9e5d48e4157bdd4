"""The benchmark's arithmetic: percentiles, ratios, the profile's shares and the Markdown table.

Plain functions on plain numbers, so that `tests/unit/bench/` checks them without servers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence


def percentile(samples: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile of `samples`, linearly interpolated between the nearest
    ranks (numpy's default); NaN when there are no samples."""
    if not samples:
        return math.nan
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"a percentile's share is between 0 and 1, not {share}")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summary(samples_seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and the mean in milliseconds, with the count."""
    count = len(samples_seconds)
    return {
        "count": count,
        "p50_ms": percentile(samples_seconds, 0.50) * 1000,
        "p95_ms": percentile(samples_seconds, 0.95) * 1000,
        "mean_ms": (sum(samples_seconds) / count * 1000) if count else math.nan,
    }


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator; NaN when either is missing or the denominator is zero."""
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return math.nan
    return numerator / denominator


def number(value: float, digits: int = 1) -> str:
    """A table cell: `value` with `digits` decimals, or "n/a" when it is missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; the first column left-aligned, the others right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join([":---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells under {len(header)} columns: {row}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# Where a sample of the Rasa process is spent: the innermost frame whose file matches one of
# these names decides (a TensorFlow frame under DIET counts as NLU, under TED as policies).
Centres = tuple[tuple[str, tuple[str, ...]], ...]
RASA_CENTRES: Centres = (
    ("NLU (spaCy, DIET, Rapport's NLU components)", ("rasa/nlu/", "bot/nlu", "bot/feelings")),
    ("dialogue policies", ("rasa/core/policies/",)),
    ("calling the action server", ("rasa/core/actions/action.py", "rasa/utils/endpoints.py")),
    ("tracker store", ("rasa/core/tracker_store.py", "bot/tracker_store")),
    ("memory broker and fact extraction", ("bot/broker", "memory/")),
    ("Rapport's channels and guards", ("bot/",)),
    ("Rasa's channels, Sanic, socket.io", ("rasa/core/channels/", "sanic/", "socketio/")),
    ("the rest of Rasa (processor, graph, events)", ("rasa/",)),
)
ACTION_SERVER_CENTRES: Centres = (
    ("memory reads and writes", ("memory/",)),
    ("Rapport's actions", ("actions/",)),
    ("rasa_sdk and Sanic", ("rasa_sdk/", "sanic/")),
)
OTHER = "other (event loop, libraries)"
# Innermost frames of a thread that waits for work: under load py-spy counts some of these
# samples as running (a woken thread waiting for the interpreter lock); they are no one's cost.
# The memory broker's thread waits for events in its inbox (a C queue: its own frame is the
# innermost) and the event loop in uvloop (C: Sanic's `serve` is the innermost).
WAITING_LEAVES = (
    "_worker (concurrent/futures/thread.py:",
    "_drain_inbox (memory/ingest.py:",
    "serve (sanic/server/runners.py:",
)
WAITING = "waiting (idle threads and event loop)"
_FRAME_FILE = re.compile(r"\(([^()]*?)(?::\d+)?\)\s*$")


def cost_centre(stack: str, centres: Centres = RASA_CENTRES) -> str:
    """The cost centre of one collapsed stack ("outer;...;inner" frames, each
    "function (path/to/file.py:line)")."""
    for frame in reversed(stack.split(";")):
        found = _FRAME_FILE.search(frame)
        path = found.group(1) if found else frame
        for name, markers in centres:
            if any(path.startswith(marker) or "/" + marker in path for marker in markers):
                return name
    return OTHER


def profile_counts(
    collapsed_lines: Iterable[str], centres: Centres = RASA_CENTRES
) -> dict[str, int]:
    """Samples per cost centre in py-spy's raw output (one "stack count" line per distinct
    stack)."""
    totals: dict[str, int] = {}
    for line in collapsed_lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        waiting = any(leaf.startswith(marker) for marker in WAITING_LEAVES)
        centre = WAITING if waiting else cost_centre(stack, centres)
        totals[centre] = totals.get(centre, 0) + int(count)
    return totals


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each entry's share (0..1) of all the samples but the waiting ones, largest first."""
    counts = {name: count for name, count in counts.items() if name != WAITING}
    samples = sum(counts.values())
    if not samples:
        return {}
    return {
        name: count / samples
        for name, count in sorted(counts.items(), key=lambda item: item[1], reverse=True)
    }


def shares_table(title: str, found: Mapping[str, float]) -> str:
    return markdown_table(
        [title, "share"], [[name, f"{share * 100:.0f} %"] for name, share in found.items()]
    )
