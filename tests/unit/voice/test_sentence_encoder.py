"""The sentence encoder: all-MiniLM-L6-v2 from its installed package, run with numpy."""

from __future__ import annotations

import numpy as np
import pytest

from voice import sentence_encoder


@pytest.fixture(scope="module")
def encoder() -> sentence_encoder.SentenceEncoder:
    return sentence_encoder.load()


def test_word_pieces_follow_bert_uncased(encoder: sentence_encoder.SentenceEncoder) -> None:
    tokenizer = encoder.tokenizer
    assert tokenizer.words("That's NOT our fault, Café!") == [
        "that", "'", "s", "not", "our", "fault", ",", "cafe", "!",
    ]  # fmt: skip
    ids = tokenizer.encode("unaffordable")
    assert ids[0] == tokenizer.start and ids[-1] == tokenizer.end
    pieces = {index: piece for piece, index in tokenizer.vocab.items()}
    words = [pieces[index] for index in ids[1:-1]]
    assert len(words) > 1 and all(piece.startswith("##") for piece in words[1:])
    assert "".join(pieces[index].removeprefix("##") for index in ids[1:-1]) == "unaffordable"
    assert len(tokenizer.encode("word " * 1000)) == sentence_encoder.MAX_TOKENS


def test_the_model_card_similarities(encoder: sentence_encoder.SentenceEncoder) -> None:
    """The similarities the model's card publishes for these sentences (sentence-transformers
    on PyTorch), to three places: the numpy model computes what the original does."""
    vectors = encoder.encode(
        [
            "That is a happy person",
            "That is a happy dog",
            "That is a very happy person",
            "Today is a sunny day",
        ]
    )
    assert vectors.shape == (4, sentence_encoder.DIMENSION)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarities = [float(vectors[0] @ vectors[other]) for other in (1, 2, 3)]
    assert similarities == pytest.approx([0.6946, 0.9429, 0.2569], abs=1e-3)


def test_a_batch_gives_what_each_text_gives_alone(
    encoder: sentence_encoder.SentenceEncoder,
) -> None:
    texts = ["Your order is on its way.", "It broke because it was left out in the rain all week."]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, sentence_encoder.DIMENSION)
