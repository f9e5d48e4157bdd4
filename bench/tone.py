"""How long the tone guard takes to check one draft, as the agent console calls it while an
agent types (and again on Send).

    .venv/bin/python -m bench.tone [--repeat 20]

Builds the full guard once (the rules and the classifier, as the Rasa server's composition root
does; the classifier must be built: `python -m bot tone --train`), then checks the corpus's first
sentences of several lengths one at a time and prints the median and the slowest check, with the
time the guard took to load. The texts come from the labelled corpus, so nothing here is content.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice import tone, tone_classifier  # noqa: E402 - after the path set-up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="checks per draft")
    args = parser.parse_args()
    started = time.perf_counter()
    guard = tone.build_guard()
    loaded = time.perf_counter() - started
    if guard.classifier is None:
        raise SystemExit("the tone classifier is not built: run `python -m bot tone --train`")
    corpus = tone_classifier.load_corpus(tone_classifier.CORPUS_PATH, tone.KINDS)
    # One short, one middling, one long sentence and two sentences together: drafts as typed.
    texts = sorted({entry.text for entry in corpus[:200]}, key=len)
    drafts = [texts[len(texts) // 4], texts[len(texts) // 2], texts[-1], texts[-1] + " " + texts[0]]
    guard.check(drafts[0])  # the first call warms the caches
    timings: list[float] = []
    for draft in drafts:
        for _ in range(args.repeat):
            start = time.perf_counter()
            guard.check(draft)
            timings.append(time.perf_counter() - start)
    print(f"guard loaded in {loaded:.1f} s")
    print(
        f"check of one draft ({len(drafts)} drafts of {min(map(len, drafts))} to "
        f"{max(map(len, drafts))} characters, {args.repeat} times each): median "
        f"{statistics.median(timings) * 1000:.0f} ms, slowest {max(timings) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
