"""The tone guard's classifier: trained reproducibly, optional, and combined with the rules."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import time
from pathlib import Path

import pytest
import yaml

from bot import tone_report
from voice import language, sentence_encoder, tone, tone_classifier

SMALL = [
    ("Nobody else has ever had trouble with it.", ["comparison"]),
    ("Most customers manage it without help.", ["comparison"]),
    ("Everyone else reads the guide.", ["comparison"]),
    ("Other riders never complain about it.", ["comparison"]),
    ("Your bike is ready to collect.", []),
    ("Thanks for your message, we'll reply today.", []),
    ("The clinic is on Wednesday at six.", []),
    ("Happy to help with your order.", []),
]


def write_corpus(folder: Path) -> Path:
    path = folder / "corpus.yml"
    entries = [{"text": text, "kinds": kinds} for text, kinds in SMALL]
    path.write_text(yaml.safe_dump({"dev": entries}), encoding="utf-8")
    return path


def test_training_is_reproducible_and_learns_the_corpus() -> None:
    texts = [text.lower() for text, _ in SMALL]
    vectors = sentence_encoder.load().encode([text for text, _ in SMALL])
    labels = [frozenset(kinds) for _, kinds in SMALL]

    def trained() -> list[dict[str, float]]:
        model = tone_classifier.train(texts, vectors, labels, tone.KINDS)
        return tone_classifier.scores(model, texts, vectors)

    first, second = trained(), trained()
    assert first == second
    assert first[0]["comparison"] > first[4]["comparison"]
    # A kind the corpus never has scores nothing.
    assert {score["blame"] for score in first} == {0.0}


def test_a_missing_artefact_leaves_the_rules_working_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = write_corpus(tmp_path)
    with caplog.at_level(logging.WARNING, logger="voice.tone_classifier"):
        loaded = tone_classifier.load(tone.KINDS, corpus=corpus, root=tmp_path / "none", parts=())
    assert loaded is None
    assert "rules only" in caplog.text
    guard = tone.ToneGuard(language.load(), tone.load_rules(), loaded)
    assert guard.check("That's not our fault.").kinds == {"defensiveness"}
    assert guard.check("Your bike is ready.").ok


def test_the_artefact_is_built_once_per_corpus_and_used_by_the_guard(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path)
    root = tmp_path / "artefacts"
    rules_only = tone.ToneGuard(language.load(), tone.load_rules())
    folder, meta = tone_classifier.build(
        rules_only.nlp, rules_only.check_rules_only, tone.KINDS, corpus=corpus, root=root, parts=()
    )
    assert (folder / "meta.json").exists() and meta["sentences"] == len(SMALL)
    again, _ = tone_classifier.build(
        rules_only.nlp, rules_only.check_rules_only, tone.KINDS, corpus=corpus, root=root, parts=()
    )
    assert again == folder and (folder / "meta.json").stat().st_mtime == pytest.approx(
        (again / "meta.json").stat().st_mtime
    )
    classifier = tone_classifier.load(tone.KINDS, corpus=corpus, root=root, parts=())
    assert classifier is not None and classifier.threshold == meta["threshold"]
    # A changed corpus is a new fingerprint: the old artefact no longer matches.
    corpus.write_text("# a comment changes nothing\n" + corpus.read_text(), encoding="utf-8")
    assert tone_classifier.load(tone.KINDS, corpus=corpus, root=root, parts=()) is not None
    corpus.write_text(corpus.read_text().replace("ready to collect", "ready"), encoding="utf-8")
    assert tone_classifier.load(tone.KINDS, corpus=corpus, root=root, parts=()) is None


def test_what_the_rules_match_is_part_of_the_fingerprint(tmp_path: Path) -> None:
    """The thresholds are chosen with the rules' findings: a changed pattern rebuilds the
    classifier, a comment or a reworded suggestion does not."""
    entries = [tone_classifier.Labelled(text, frozenset(kinds)) for text, kinds in SMALL]
    rules = tmp_path / "tone_rules.yml"
    original = tone_classifier.RULES_PATH.read_text(encoding="utf-8")
    rules.write_text(original, encoding="utf-8")
    first = tone_classifier.fingerprint(entries, tone.KINDS, rules)
    assert first == tone_classifier.fingerprint(entries, tone.KINDS, tone_classifier.RULES_PATH)
    document = yaml.safe_load(original)
    document["rules"][0]["suggestion"] = "Another way to say it."
    rules.write_text("# a comment\n" + yaml.safe_dump(document), encoding="utf-8")
    assert tone_classifier.fingerprint(entries, tone.KINDS, rules) == first
    document["rules"][0]["patterns"] = [[{"LOWER": "whatever"}]]
    rules.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert tone_classifier.fingerprint(entries, tone.KINDS, rules) != first


def test_two_processes_needing_the_artefact_at_once_build_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test workers may both find it missing: one builds, the other waits and reads it."""
    corpus = write_corpus(tmp_path)
    root = tmp_path / "artefacts"
    builds: list[Path] = []

    def slow_build(parse, rule_flags, kinds, corpus, root, target):
        builds.append(target)
        time.sleep(0.5)  # long enough for the other caller to arrive while this one builds
        target.mkdir(parents=True)
        meta = {"fingerprint": target.name, "builder": len(builds)}
        (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        return target, meta

    monkeypatch.setattr(tone_classifier, "_build", slow_build)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda _: tone_classifier.build(
                    None, None, tone.KINDS, corpus=corpus, root=root, parts=()
                ),
                range(2),
            )
        )
    assert len(builds) == 1
    assert [folder for folder, _ in results] == [builds[0], builds[0]]
    assert [meta["builder"] for _, meta in results] == [1, 1]


def test_the_threshold_is_chosen_for_recall_at_the_wanted_precision() -> None:
    labels = [frozenset({"blame"}), frozenset({"blame"}), frozenset(), frozenset()]
    scores = [{"blame": 0.9}, {"blame": 0.4}, {"blame": 0.3}, {"blame": 0.1}]
    choice = tone_classifier.choose_threshold(labels, scores, [False] * 4)
    assert 0.3 < choice.threshold <= 0.4
    assert (choice.precision, choice.recall) == (1.0, 1.0)
    # The rules' findings count too: a text the rules flag is flagged whatever its score.
    with_rules = tone_classifier.choose_threshold(labels, scores, [False, True, False, False])
    assert with_rules.recall == 1.0
    assert with_rules.threshold >= choice.threshold


def test_each_kind_gets_its_own_threshold_when_that_keeps_the_precision() -> None:
    labels = [frozenset({"blame"}), frozenset({"blame"}), frozenset({"sarcasm"})]
    labels += [frozenset(), frozenset()]
    scores = [
        {"blame": 0.9, "sarcasm": 0.0},
        {"blame": 0.3, "sarcasm": 0.0},
        {"blame": 0.0, "sarcasm": 0.3},
        {"blame": 0.1, "sarcasm": 0.35},
        {"blame": 0.1, "sarcasm": 0.0},
    ]
    thresholds, precision, recall = tone_classifier.choose_kind_thresholds(
        labels, scores, [False] * 5, ["blame", "sarcasm"], 0.5
    )
    # Lowering blame's threshold finds the second blame text and flags nothing fine; lowering
    # sarcasm's would flag the fine text that scores 0.35, so it stays.
    assert 0.1 < thresholds["blame"] <= 0.3
    assert thresholds["sarcasm"] == 0.5
    assert (precision, recall) == (1.0, round(2 / 3, 3))


def test_the_classifier_finds_what_no_rule_describes() -> None:
    guard = tone.build_guard()
    if guard.classifier is None:
        tone.train_classifier()
        guard = tone.build_guard()
    assert guard.classifier is not None
    text = "Funny how all the other shoppers figured out the checkout."
    verdict = guard.check(text)
    assert "comparison" in verdict.kinds, verdict.describe()
    finding = next(f for f in verdict.findings if f.kind == "comparison")
    assert finding.rule == "classifier" and finding.advice


def test_the_development_parts_are_trained_on_beside_the_corpus(tmp_path: Path) -> None:
    """A measured held-out part teaches phrasings the corpus lacks: its sentences join the
    training material (once each, the corpus's label winning), and it changes the artefact."""
    corpus = write_corpus(tmp_path)
    part = tmp_path / "held_out_9.yml"
    part.write_text(
        yaml.safe_dump(
            {
                "held_out": [
                    {
                        "text": "Lovely, another parcel you forgot to open.",
                        "kinds": ["sarcasm"],
                        "voice": "chat",
                    },
                    {"text": SMALL[4][0], "kinds": ["blame"], "voice": "bot"},
                ]
            }
        ),
        encoding="utf-8",
    )
    alone = tone_classifier.load_training(corpus, tone.KINDS, parts=())
    both = tone_classifier.load_training(corpus, tone.KINDS, parts=(part,))
    assert [entry.text for entry in both] == [entry.text for entry in alone] + [
        "Lovely, another parcel you forgot to open."
    ]
    assert both[4].kinds == frozenset()  # the corpus's label for the sentence in both
    root = tmp_path / "artefacts"
    assert tone_classifier.current_dir(
        tone.KINDS, corpus, root, parts=(part,)
    ) != tone_classifier.current_dir(tone.KINDS, corpus, root, parts=())


def test_the_part_never_tuned_on_is_never_trained_on() -> None:
    development = {tone_report.PARTS[number] for number in tone_report.DEVELOPMENT}
    assert set(tone_classifier.DEVELOPMENT_PARTS) == development
    assert tone_report.PARTS[tone_report.UNTUNED] not in tone_classifier.DEVELOPMENT_PARTS


def test_embeddings_are_kept_between_builds_and_only_new_texts_are_embedded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import numpy as np

    embedded: list[list[str]] = []

    class Counting:
        def encode(self, texts: list[str]) -> np.ndarray:
            embedded.append(list(texts))
            return np.array(
                [[float(len(text))] * sentence_encoder.DIMENSION for text in texts],
                dtype=np.float32,
            )

    monkeypatch.setattr(sentence_encoder, "load", lambda: Counting())
    first = tone_classifier.embed(["one", "three"], tmp_path)
    second = tone_classifier.embed(["three", "four!", "one"], tmp_path)
    assert embedded == [["one", "three"], ["four!"]]
    assert first.shape == (2, sentence_encoder.DIMENSION)
    assert [row[0] for row in second] == [5.0, 5.0, 3.0]
    # Rewritten with exactly the texts of a call that embeds something, so it does not grow
    # for ever with sentences that left the training material.
    tone_classifier.embed(["four!", "fifty"], tmp_path)
    assert embedded[-1] == ["fifty"]
    with np.load(tmp_path / tone_classifier.EMBEDDINGS_FILE, allow_pickle=False) as kept:
        assert kept["texts"].tolist() == ["four!", "fifty"]


def test_known_embeddings_are_used_as_given_and_only_new_texts_are_encoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = [text for text, _ in SMALL]
    vectors = sentence_encoder.load().encode(raw)
    nlp = language.load()
    docs = list(nlp.pipe(raw))
    texts = [tone_classifier.features(doc) for doc in docs]
    model = tone_classifier.train(texts, vectors, [frozenset(k) for _, k in SMALL], tone.KINDS)
    plain = tone_classifier.ToneClassifier(model, 0.5, "small")
    expected = plain.scores(docs)
    known = plain.with_known(dict(zip(raw, vectors, strict=True)))
    encoded: list[list[str]] = []
    real = sentence_encoder.load()

    class Counting:
        def encode(self, wanted: list[str]) -> object:
            encoded.append(list(wanted))
            return real.encode(wanted)

    monkeypatch.setattr(sentence_encoder, "load", Counting)
    assert known.scores(docs) == expected
    assert encoded == []
    new = nlp("Most riders never have trouble with it.")
    assert known.scores([docs[0], new]) == [expected[0], plain.scores([new])[0]]
    assert encoded == [[new.text], [new.text]]


def test_a_text_that_reads_hurtful_at_all_is_flagged_under_its_likeliest_kind() -> None:
    """The model also learns "hurtful or not" from every hurtful sentence at once: a text
    that no kind's scorer is sure of, but that reads hurtful, gets the kind it scores highest
    for; one that reads fine gets nothing, and a kind sure of itself is reported as before."""
    texts = [text.lower() for text, _ in SMALL]
    vectors = sentence_encoder.load().encode([text for text, _ in SMALL])
    model = tone_classifier.train(texts, vectors, [frozenset(k) for _, k in SMALL], tone.KINDS)
    assert tone_classifier.HURTFUL in model.scores(texts, vectors)[0]
    classifier = tone_classifier.ToneClassifier(
        model, 0.5, "small", {"comparison": 0.9, "blame": 0.9, tone_classifier.HURTFUL: 0.6}
    )
    unsure = {"comparison": 0.5, "blame": 0.2, tone_classifier.HURTFUL: 0.7}
    assert classifier.kinds(unsure) == ["comparison"]
    assert classifier.kinds({**unsure, tone_classifier.HURTFUL: 0.4}) == []
    sure = {"comparison": 0.2, "blame": 0.95, tone_classifier.HURTFUL: 0.7}
    assert classifier.kinds(sure) == ["blame"]
    # "hurtful" is never a kind of its own.
    assert tone_classifier.HURTFUL not in classifier.kinds({tone_classifier.HURTFUL: 1.0})
