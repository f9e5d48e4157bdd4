"""Score one trained model on several NLU test sets with one load of the model.

`rasa test nlu` imports TensorFlow and loads the model every time it runs; the held-out gates
score three sets, so they would load it three times. This module does what `rasa test nlu
--nlu FILE --model MODEL --out OUT` does for each set (the same evaluation, the same reports,
errors file and plots in each set's folder), loading the model once:

    python -m bot.nlu_sets MODEL FILE OUT [FILE OUT ...]

It runs in a process of its own (Rasa and TensorFlow stay out of the command line's process).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path


def parse(argv: Sequence[str]) -> tuple[Path, list[tuple[Path, Path]]]:
    """The model and the (test set, output folder) pairs named on the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.nlu_sets",
        description="Score one model on NLU test sets (one load of the model).",
    )
    parser.add_argument("model", type=Path, help="the trained model (.tar.gz)")
    parser.add_argument(
        "sets", nargs="+", metavar="FILE OUT", help="a test set and the folder for its reports"
    )
    args = parser.parse_args(list(argv))
    if len(args.sets) % 2:
        parser.error("each test set needs its output folder (FILE OUT pairs)")
    pairs = [(Path(args.sets[i]), Path(args.sets[i + 1])) for i in range(0, len(args.sets), 2)]
    return args.model, pairs


async def score(model: Path, sets: Sequence[tuple[Path, Path]]) -> None:
    """Load `model` once and evaluate it on each set as `rasa test nlu` does."""
    from rasa.core.agent import Agent
    from rasa.nlu.test import run_evaluation
    from rasa.shared.constants import DEFAULT_DOMAIN_PATH

    agent = Agent.load(model_path=str(model))
    for data, out in sets:
        out.mkdir(parents=True, exist_ok=True)
        print(f"rapport: scoring {data} into {out}", flush=True)
        # The options `rasa test nlu` passes by default: errors written, successes not,
        # plots drawn, the domain of the working folder.
        await run_evaluation(
            str(data),
            agent.processor,
            output_directory=str(out),
            successes=False,
            errors=True,
            disable_plotting=False,
            domain_path=DEFAULT_DOMAIN_PATH,
        )


def main(argv: Sequence[str] | None = None) -> int:
    model, sets = parse(sys.argv[1:] if argv is None else argv)
    # What `python -m rasa` sets up before any command: its logging (the evaluation's results
    # are logged) and TensorFlow's settings.
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    tf_env.setup_tf_environment()
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)
    asyncio.run(score(model, sets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
