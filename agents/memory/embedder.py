"""Which model turns text into vectors: the offline default, or a litellm embedding model.

Every stored vector carries the name of the model that made it and its width, so a search only
ever compares vectors of one model, and changing the model re-embeds in the background instead
of mixing incomparable vectors. All vectors are 384 wide (the columns are vector(384)); a
provider model is asked for 384 dimensions and refused if it answers with another width.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from agents import embeddings

DIMENSIONS = embeddings.DIMENSIONS
OFFLINE_MODEL = embeddings.MODEL_NAME


class EmbeddingError(RuntimeError):
    """The embedding model could not embed (provider error, wrong width); the message says why."""


@dataclass(frozen=True)
class Embedder:
    """`embed(texts)` -> float32 (n, 384), rows of unit length, in input order."""

    model: str
    timeout: float = 30.0

    @property
    def dimensions(self) -> int:
        return DIMENSIONS

    @property
    def offline(self) -> bool:
        return self.model == OFFLINE_MODEL

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = embeddings.embed(list(texts)) if self.offline else self._provider(list(texts))
        return _unit_rows(vectors)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _provider(self, texts: list[str]) -> np.ndarray:
        import litellm  # heavy (~4 s, 160 MB): loaded only when a provider model is configured

        try:
            response = litellm.embedding(model=self.model, input=texts, dimensions=DIMENSIONS, timeout=self.timeout)
        except Exception as error:  # noqa: BLE001 - any provider failure becomes one clear error
            raise EmbeddingError(f"embedding model {self.model} failed: {type(error).__name__}: {error}") from error
        rows = sorted(response.data, key=lambda item: item["index"])
        vectors = np.asarray([item["embedding"] for item in rows], dtype=np.float32)
        if vectors.shape != (len(texts), DIMENSIONS):
            wanted = (len(texts), DIMENSIONS)
            raise EmbeddingError(f"embedding model {self.model} answered with shape {vectors.shape}, not {wanted}")
        return vectors


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@cache
def embedder_for(model: str, timeout: float = 30.0) -> Embedder:
    return Embedder(model=model, timeout=timeout)
