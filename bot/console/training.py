"""Training from the console: one run at a time, in a subprocess; the new model is loaded into
the running server only when none of its figures is worse than the loaded model's.

The subprocess is `python -m bot train-candidate` (bot.candidate): it trains into a folder of its
own under var/training/, scores the new model and the loaded one on the held-out sets and the
test stories, and writes both sets of figures to `result.json`. Its progress lines (`rapport:
...`) are what the page shows. The decision (`decide`) is a plain function; loading goes through
Rasa's own HTTP API (PUT /model with RASA_API_TOKEN), so the server keeps running.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.evaluation import what_got_worse
from memory.agents import TRAINER_ROLES

logger = logging.getLogger(__name__)

# The roles that may train from the console: the review inbox's (managers and trainers).
TRAINING_ROLES = TRAINER_ROLES
RESULT_FILE = "result.json"
# Progress lines kept for the page.
MAX_STEPS = 40


def may_train(agent: object) -> bool:
    """Whether a signed-in console account may start training (a manager or a trainer)."""
    return str(getattr(agent, "role", "") or "") in TRAINING_ROLES


@dataclass(frozen=True)
class Decision:
    load: bool
    worse: tuple[str, ...]


def decide(loaded: dict[str, float], candidate: dict[str, float]) -> Decision:
    """Load the candidate only when no figure of the loaded model got worse."""
    worse = tuple(what_got_worse(loaded, candidate))
    return Decision(not worse, worse)


@dataclass
class TrainingStatus:
    """What the page shows: the state, who started it, the progress, the outcome."""

    state: str = "idle"  # idle, running, loaded, kept, failed
    started_by: str = ""
    started_at: float = 0.0
    finished_at: float = 0.0
    steps: list[str] = field(default_factory=list)
    message: str = ""
    worse: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    loaded_figures: dict[str, float] = field(default_factory=dict)
    model: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "running": self.state == "running",
            "started_by": self.started_by,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "steps": list(self.steps),
            "message": self.message,
            "worse": list(self.worse),
            "figures": dict(self.figures),
            "loaded_figures": dict(self.loaded_figures),
            "model": self.model,
        }


ModelLoader = Callable[[Path], Awaitable[None]]


class ConsoleTrainer:
    """Starts the training subprocess, follows it, decides, and loads or keeps the model.

    `command(out, loaded)` is the subprocess's command line; `load(path)` puts a model into
    the running server. Everything here runs on the server's event loop without blocking it:
    the subprocess is asyncio's, file work goes to a thread.
    """

    def __init__(
        self,
        command: Callable[[Path, Path | None], Sequence[str]],
        work_dir: Path,
        models_dir: Path,
        load: ModelLoader,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        reports_dir: Path | None = None,
    ) -> None:
        self.command = command
        # Where the loaded model's evaluation report goes (the console's report page).
        self.reports_dir = reports_dir
        self.work_dir = work_dir
        self.models_dir = models_dir
        self.load = load
        self.env = env
        self.cwd = cwd
        self.status = TrainingStatus()
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, by: str, loaded_model: Path | None) -> bool:
        """Start a run; False when one is already running (one at a time)."""
        if self.running:
            return False
        self.status = TrainingStatus("running", by, time.time())
        self.status.steps.append("training started")
        self.task = asyncio.get_running_loop().create_task(self._run(loaded_model))
        return True

    def _step(self, line: str) -> None:
        self.status.steps.append(line)
        del self.status.steps[:-MAX_STEPS]

    def _finish(self, state: str, message: str) -> None:
        self.status.state = state
        self.status.message = message
        self.status.finished_at = time.time()
        self._step(message)

    async def _run(self, loaded_model: Path | None) -> None:
        try:
            await self._train_and_decide(loaded_model)
        except Exception as error:  # the page must say it ended, whatever went wrong
            logger.exception("training from the console failed")
            self._finish("failed", f"training failed: {error}")

    async def _train_and_decide(self, loaded_model: Path | None) -> None:
        out = self.work_dir / time.strftime("%Y%m%d-%H%M%S")
        await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            *self.command(out, loaded_model),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        assert process.stdout is not None
        tail: list[str] = []
        async for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            tail = [*tail[-9:], line]
            if line.startswith("rapport: "):
                self._step(line.removeprefix("rapport: "))
        code = await process.wait()
        if code != 0:
            last = next((line for line in reversed(tail) if line.strip()), "")
            self._finish("failed", f"training stopped (exit {code}): {last}")
            return
        result = json.loads(await asyncio.to_thread((out / RESULT_FILE).read_text))
        candidate = Path(result["model"])
        self.status.figures = dict(result["figures"])
        self.status.loaded_figures = dict(result.get("loaded_figures") or {})
        decision = decide(self.status.loaded_figures, self.status.figures)
        if not decision.load:
            self.status.worse = list(decision.worse)
            self._finish(
                "kept",
                "the new model is worse, so the loaded one stays: " + "; ".join(decision.worse),
            )
            return
        target = self.models_dir / candidate.name
        await asyncio.to_thread(shutil.move, str(candidate), str(target))
        self._step(f"loading {target.name} into the running server ...")
        await self.load(target)
        self.status.model = target.name
        report = out / "new" / "report"
        if self.reports_dir is not None and await asyncio.to_thread(report.is_dir):
            await asyncio.to_thread(shutil.copytree, report, self.reports_dir, dirs_exist_ok=True)
            self._step("the evaluation report now shows the loaded model")
        self._finish("loaded", f"the new model {target.name} is loaded: nothing got worse")


def rasa_api_loader(rasa_url: str, token: str) -> ModelLoader:
    """PUT /model on Rasa's HTTP API: the server swaps in the model without a restart."""

    async def load(model: Path) -> None:
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=600)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.put(
                f"{rasa_url}/model",
                params={"token": token},
                json={"model_file": str(model)},
            ) as reply:
                if reply.status != 204:
                    text = await reply.text()
                    raise RuntimeError(f"Rasa refused the model ({reply.status}): {text[:200]}")

    return load
