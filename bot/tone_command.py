"""`python -m bot tone`: checks lines of text for the relationship killers, JSON out.

Reads standard input line by line and writes, per line, one JSON object:
{"text": ..., "ok": true|false, "findings": [{"kind", "span", "suggestion", "advice",
"rewrite"}], "rewrite": ...}. Exit status 0 whether or not there were findings, 2 on input that
is not UTF-8 text. `--train` builds the tone classifier (skipped when the corpus is unchanged);
`--report` prints precision and recall by kind on the held-out sentences (part 8, never tuned on,
once written; `--part 1` to `--part 7` for the development sets); `--cross-validate` estimates
them by leaving out each development part in turn.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, BinaryIO, TextIO

from bot import tone_report
from bot.settings import Settings

# Longer lines are not messages; refusing them keeps the parser's time per line bounded.
MAX_LINE_CHARS = 20_000
BAD_INPUT_EXIT = 2


class BadInput(ValueError):
    """A line of input cannot be checked; the message says which and why."""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "tone",
        help="Check text for criticism, defensiveness, contempt and stonewalling "
        "(lines on stdin, one JSON verdict per line on stdout).",
        description="Reads lines of text on standard input and writes one JSON object per line: "
        '{"text", "ok", "findings": [{"kind", "span", "suggestion"}]}. Exit status 0 whether '
        "or not there were findings, 2 on bad input. The rules are in voice/tone_rules.yml.",
    )
    parser.add_argument(
        "--train",
        action="store_true",
        help="Build the tone classifier from tests/tone/corpus.yml (skipped when unchanged).",
    )
    parser.add_argument(
        "--force", action="store_true", help="With --train: build even when unchanged."
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="Print precision and recall by kind on the held-out sentences never tuned on "
        "(tests/tone/held_out_8.yml), rules alone and rules with the classifier.",
    )
    parser.add_argument(
        "--cross-validate",
        action="store_true",
        help="Estimate precision and recall by kind on unseen sentences: each development part "
        "in turn is left out, the classifier trained on the corpus and the other parts, and the "
        "left-out part scored (it builds one classifier per part: minutes).",
    )
    parser.add_argument(
        "--folds",
        type=int,
        choices=range(2, 11),
        default=None,
        metavar="N",
        help="With --cross-validate: choose each classifier's thresholds by N-fold "
        "cross-validation (2 to 10) instead of the artefact's 5; fewer folds are quicker.",
    )
    parser.add_argument(
        "--part",
        type=int,
        choices=sorted(tone_report.PARTS),
        default=tone_report.UNTUNED,
        help="With --report: the held-out part, 8 (never tuned on), or 1 to 7 (tests/tone/"
        "held_out.yml to held_out_7.yml: the development sets, "
        "which the classifier trains on).",
    )
    parser.set_defaults(handler=command_tone)


def decode_line(raw: bytes, number: int) -> str:
    """One input line as text, without its line ending; BadInput when it is not usable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(
            f"line {number} is not UTF-8 text (byte 0x{raw[error.start]:02x} at column "
            f"{error.start + 1}); convert the input to UTF-8"
        ) from error
    text = text.removesuffix("\n").removesuffix("\r")
    if "\x00" in text:
        raise BadInput(f"line {number} contains a NUL character; the input must be plain text")
    if len(text) > MAX_LINE_CHARS:
        raise BadInput(f"line {number} is longer than {MAX_LINE_CHARS} characters")
    return text


def check_lines(source: BinaryIO, sink: TextIO) -> None:
    """Write one verdict per input line, as each line arrives (so it can be used interactively)."""
    from voice import tone  # the spaCy pipeline loads here, not when `--help` runs

    guard = tone.build_guard()
    for number, raw in enumerate(source, start=1):
        verdict = guard.check(decode_line(raw, number))
        sink.write(json.dumps(verdict.as_dict(), ensure_ascii=False) + "\n")
        sink.flush()


def command_tone(config: Settings, args: argparse.Namespace) -> None:
    # thinc (under spaCy) imports TensorFlow when it is installed, only to see whether it is
    # there; that costs seconds and the tone guard never uses it, so this process refuses it.
    sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
    if args.train:
        tone_report.train(force=args.force)
        return
    if args.cross_validate:
        tone_report.cross_validate(sys.stdout, folds=args.folds)
        return
    if args.report:
        try:
            tone_report.report(sys.stdout, args.part)
        except tone_report.MissingPart as error:
            print(f"rapport: error: {error}", file=sys.stderr)
            raise SystemExit(BAD_INPUT_EXIT) from None
        return
    try:
        check_lines(sys.stdin.buffer, sys.stdout)
    except BadInput as error:
        sys.stdout.flush()
        print(f"rapport: error: {error}", file=sys.stderr)
        raise SystemExit(BAD_INPUT_EXIT) from None
