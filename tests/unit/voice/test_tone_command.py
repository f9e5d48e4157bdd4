"""`python -m bot tone`, run as a customer of the command line would: a real subprocess."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run_tone(stdin: bytes, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, *extra, "-m", "bot", "tone"],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )


def test_one_json_verdict_per_line_and_exit_zero_with_findings() -> None:
    lines = [
        "You should receive your refund by Friday.",
        "You should have checked the size.",
        "",
        "We can't wait to see you! Sorry, but that's the rule.",
        # Text beyond ASCII comes back as it was; short, so the rules alone judge it (the
        # classifier flags the longer "Ça roule : your e-bike is ready 🚲" as blame, a false
        # alarm named in docs/tone.md).
        "Merci, à bientôt 🚲",
    ]
    result = run_tone(("\n".join(lines) + "\n").encode("utf-8"))
    assert result.returncode == 0, result.stderr.decode()
    verdicts = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [verdict["text"] for verdict in verdicts] == lines
    assert [verdict["ok"] for verdict in verdicts] == [True, False, True, False, True]
    for verdict in verdicts:
        assert set(verdict) == {"text", "ok", "findings", "rewrite"}
        for finding in verdict["findings"]:
            assert set(finding) == {"kind", "span", "suggestion", "advice", "rewrite"}
            assert finding["span"] in verdict["text"]
    assert verdicts[1]["findings"][0]["kind"] == "criticism"
    assert verdicts[1]["findings"][0]["span"] == "You should have checked the size"
    assert {finding["kind"] for finding in verdicts[3]["findings"]} == {
        "defensiveness",
        "stonewalling",
    }


def test_windows_line_endings_and_a_last_line_without_newline() -> None:
    result = run_tone(b"No.\r\nThat's not our fault.")
    assert result.returncode == 0, result.stderr.decode()
    verdicts = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [verdict["text"] for verdict in verdicts] == ["No.", "That's not our fault."]
    assert [verdict["findings"][0]["kind"] for verdict in verdicts] == [
        "stonewalling",
        "defensiveness",
    ]


def test_empty_input_gives_no_output_and_exit_zero() -> None:
    result = run_tone(b"")
    assert (result.returncode, result.stdout) == (0, b"")


def test_input_that_is_not_utf8_exits_2_with_one_line() -> None:
    result = run_tone("Your bike is ready.\nCaf\u00e9 latte\n".encode("latin-1"))
    assert result.returncode == 2
    # The last line: a warning may come first when the classifier has not been built.
    stderr = result.stderr.decode().strip().splitlines()[-1]
    assert stderr == (
        "rapport: error: line 2 is not UTF-8 text (byte 0xe9 at column 4); "
        "convert the input to UTF-8"
    )
    # The lines before the bad one were still answered.
    assert json.loads(result.stdout.decode().splitlines()[0])["ok"] is True


def test_a_nul_byte_is_bad_input() -> None:
    result = run_tone(b"hello\x00there\n")
    assert result.returncode == 2
    assert (
        result.stderr.decode()
        .strip()
        .endswith("contains a NUL character; the input must be plain text")
    )


def test_the_command_does_not_import_tensorflow_or_rasa() -> None:
    # Runs `python -m bot tone` in a process that then lists the heavy modules it loaded.
    program = (
        "import runpy, sys\n"
        "sys.argv = ['bot', 'tone']\n"
        "try:\n"
        "    runpy.run_module('bot', run_name='__main__')\n"
        "except SystemExit as end:\n"
        "    assert end.code in (0, None), end.code\n"
        "heavy = {'tensorflow', 'rasa', 'rasa_sdk', 'keras', 'torch', 'spacy'}\n"
        "loaded = {name.split('.')[0] for name, module in sys.modules.items() if module}\n"
        "print('LOADED', sorted(loaded & heavy), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        input=b"See you on Sunday!\n",
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode())["ok"] is True
    # spaCy is there (so the listing works); TensorFlow and Rasa are not.
    assert "LOADED ['spacy']" in result.stderr.decode()


def test_help_lists_the_tone_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0
    assert b"tone" in result.stdout


def test_report_prints_the_held_out_table_by_kind() -> None:
    from voice import tone

    tone.train_classifier()
    # Part 1, a development set: the part never tuned on is measured by test_tone_held_out.py.
    report = subprocess.run(
        [sys.executable, "-m", "bot", "tone", "--report", "--part", "1"],
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )
    assert report.returncode == 0, report.stderr.decode()
    lines = report.stdout.decode().splitlines()
    assert "held_out.yml" in lines[0]
    assert "rules + classifier" in lines[1]
    for kind in (*tone.KINDS, "overall"):
        row = next(line for line in lines if line.split()[0] == kind)
        # precision / recall / labelled, for the rules alone and with the classifier
        assert len(row.split("/")) == 5, row


def test_report_on_a_part_not_written_yet_says_which_parts_there_are(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot import tone_report

    monkeypatch.setitem(tone_report.PARTS, tone_report.UNTUNED, tmp_path / "held_out_8.yml")
    with pytest.raises(tone_report.MissingPart, match="not written yet; --part 1 to --part 7"):
        tone_report.report(io.StringIO(), tone_report.UNTUNED)


def test_part_eight_is_the_part_never_tuned_on_and_parts_one_to_seven_are_development() -> None:
    from bot import tone_report

    assert tone_report.UNTUNED == 8
    assert tone_report.PARTS[8].name == "held_out_8.yml"
    assert tone_report.DEVELOPMENT == (1, 2, 3, 4, 5, 6, 7)
    assert tone_report.UNTUNED not in tone_report.DEVELOPMENT


def test_counts_merge_adds_each_count() -> None:
    from bot import tone_report

    first, second = tone_report.Counts(), tone_report.Counts()
    first.add(labelled=True, flagged=True)
    first.add(labelled=False, flagged=True)
    second.add(labelled=True, flagged=False)
    first.merge(second)
    assert (first.true_positives, first.false_positives, first.false_negatives) == (1, 1, 1)
    assert first.support == 2
    assert first.precision == 0.5 and first.recall == 0.5


def test_cross_validate_prints_the_pooled_table_and_each_part_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot import tone_report
    from voice import tone

    def fake(parts: tuple[int, ...], folds: int | None = None) -> tuple[object, object, int]:
        table = {kind: tone_report.Counts() for kind in (*tone.KINDS, "overall")}
        table["overall"].add(labelled=True, flagged=True)
        table["overall"].add(labelled=True, flagged=False)
        pooled = {"rules only": table, "rules + classifier": table}
        return pooled, {number: table["overall"] for number in parts}, 2

    monkeypatch.setattr(tone_report, "leave_one_part_out", fake)
    sink = io.StringIO()
    tone_report.cross_validate(sink, (1, 2))
    lines = sink.getvalue().splitlines()
    assert "leave-one-part-out over parts 1, 2" in lines[0]
    assert "rules + classifier" in lines[1]
    assert any(line.split()[0] == "overall" and "1.00 / 0.50 / 2" in line for line in lines)
    assert "part 2 left out: precision 1.00, recall 0.50 (2 hurtful)" in lines


class CountingGuard:
    """Stands in for a tone guard: finds blame in any text with "you", counting its checks."""

    def __init__(self, fingerprint: str | None = None) -> None:
        from types import SimpleNamespace

        self.classifier = SimpleNamespace(fingerprint=fingerprint) if fingerprint else None
        self.nlp = SimpleNamespace(meta={"name": "core", "version": "1"})
        self.checked = 0

    def check_many(self, texts: list[str]) -> list[object]:
        from types import SimpleNamespace

        self.checked += len(texts)
        return [SimpleNamespace(kinds={"blame"} if "you" in text else set()) for text in texts]


def test_verdicts_are_kept_per_guard_and_texts_and_read_back(tmp_path: Path) -> None:
    from bot import tone_report

    texts = ["you did it", "all good"]
    guard = CountingGuard("abc")
    first = tone_report.kinds_found(guard, texts, tmp_path)  # type: ignore[arg-type]
    again = tone_report.kinds_found(guard, texts, tmp_path)  # type: ignore[arg-type]
    assert first == again == [{"blame"}, set()]
    assert guard.checked == 2  # the second time, read from the kept verdicts
    assert len(list(tmp_path.glob("*.json"))) == 1
    # Other texts, or another classifier, are checked anew.
    tone_report.kinds_found(guard, ["you again"], tmp_path)  # type: ignore[arg-type]
    assert guard.checked == 3
    other = CountingGuard("def")
    assert tone_report.kinds_found(other, texts, tmp_path) == first  # type: ignore[arg-type]
    assert other.checked == 2
    # Without a cache nothing is kept.
    tone_report.kinds_found(other, texts, None)  # type: ignore[arg-type]
    assert other.checked == 4


def test_verdicts_on_the_part_never_tuned_on_are_not_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot import tone_report

    part = tmp_path / "part.yml"
    entries = [{"text": "you did it", "kinds": ["blame"], "voice": "chat"}]
    part.write_text(json.dumps({"held_out": entries}), encoding="utf-8")
    cache = tmp_path / "verdicts"
    monkeypatch.setattr(tone_report, "VERDICT_CACHE", cache)
    monkeypatch.setitem(tone_report.PARTS, tone_report.UNTUNED, part)
    guards = tone_report.Guards(CountingGuard(), CountingGuard("abc"))  # type: ignore[arg-type]
    tables, size = tone_report.held_out_tables(part, guards)
    assert size == 1 and tables["rules + classifier"]["overall"].recall == 1.0
    assert not cache.exists()
    monkeypatch.setitem(tone_report.PARTS, tone_report.UNTUNED, tmp_path / "other.yml")
    tone_report.held_out_tables(part, guards)
    assert len(list(cache.glob("*.json"))) == 2
