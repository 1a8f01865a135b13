"""Dense vectors of every procedure's names and aliases, in FAISS, persisted beside a manifest.

Several vectors per procedure (name, aliases, FAQ questions, staff paraphrases) all carry the procedure's
row number in a side table; a procedure's dense score is its best vector. The manifest records what the
vectors were made from; an index whose embedder, dimension or knowledge-base hash differs is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

FORMAT_VERSION = 1
_VECTORS = "vectors.faiss"
_UNITS = "units.jsonl"
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Unit:
    code: str
    text: str
    kind: str


class IndexMismatch(Exception):
    """The stored index was built from other data or with another embedder."""


class DenseIndex:
    def __init__(self, index: faiss.Index, units: list[Unit], manifest: dict):
        self._index = index
        self.units = units
        self.manifest = manifest
        # FAISS search is read-only and thread-safe; adding vectors is not, so writers take this lock.
        self._lock = threading.RLock()

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @classmethod
    def build(
        cls, units: list[Unit], embedder, content_hash: str, progress=None, reuse: "DenseIndex | None" = None
    ) -> "DenseIndex":
        """Embed every unit; texts already embedded in ``reuse`` (same model) are copied, not recomputed."""
        started = time.monotonic()
        vectors = np.empty((len(units), embedder.dim), dtype=np.float32)
        known = reuse.vectors_by_text() if reuse is not None else {}
        todo = [i for i, u in enumerate(units) if u.text not in known]
        for i, u in enumerate(units):
            if u.text in known:
                vectors[i] = known[u.text]
        if todo:
            vectors[todo] = embedder.encode_passages([units[i].text for i in todo], progress=progress)
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dim))
        if len(units):
            index.add_with_ids(vectors, np.arange(len(units), dtype=np.int64))
        manifest = {
            "format": FORMAT_VERSION,
            "embedder": embedder.id,
            "dim": int(embedder.dim),
            "content_hash": content_hash,
            "vectors": len(units),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(time.monotonic() - started, 2),
            "embedded": len(todo),
        }
        return cls(index, units, manifest)

    @classmethod
    def load(cls, directory: Path, embedder_id: str, dim: int, content_hash: str | None) -> "DenseIndex":
        """Load, refusing an index made by another embedder or from other data (content_hash None: any data)."""
        directory = Path(directory)
        manifest_path = directory / _MANIFEST
        if not manifest_path.exists():
            raise FileNotFoundError(f"no index at {directory}")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = {"format": FORMAT_VERSION, "embedder": embedder_id, "dim": dim}
        if content_hash is not None:
            expected["content_hash"] = content_hash
        wrong = {k: (manifest.get(k), v) for k, v in expected.items() if manifest.get(k) != v}
        if wrong:
            detail = ", ".join(f"{k}: stored {a!r}, needed {b!r}" for k, (a, b) in wrong.items())
            raise IndexMismatch(detail)
        index = faiss.read_index(str(directory / _VECTORS))
        with open(directory / _UNITS, encoding="utf-8") as fh:
            units = [Unit(**json.loads(line)) for line in fh if line.strip()]
        if index.ntotal != len(units) or index.d != dim:
            raise IndexMismatch(f"{index.ntotal} vectors for {len(units)} texts")
        return cls(index, units, manifest)

    @classmethod
    def load_any(cls, directory: Path, embedder_id: str, dim: int) -> "DenseIndex":
        return cls.load(directory, embedder_id, dim, None)

    def vectors_by_text(self) -> dict[str, np.ndarray]:
        with self._lock:
            if not self.units:
                return {}
            matrix = self._index.reconstruct_batch(np.arange(len(self.units), dtype=np.int64))
        return {u.text: matrix[i] for i, u in enumerate(self.units)}

    def save(self, directory: Path) -> None:
        """Write beside the target then swap, so a reader never sees half an index."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = directory.with_name(f"{directory.name}.new-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with self._lock:
            faiss.write_index(self._index, str(staging / _VECTORS))
            with open(staging / _UNITS, "w", encoding="utf-8") as fh:
                for u in self.units:
                    fh.write(json.dumps({"code": u.code, "text": u.text, "kind": u.kind}, ensure_ascii=False) + "\n")
            (staging / _MANIFEST).write_text(json.dumps(self.manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        old = directory.with_name(f"{directory.name}.old-{os.getpid()}-{threading.get_ident()}")
        if directory.exists():
            os.replace(directory, old)
        os.replace(staging, directory)
        shutil.rmtree(old, ignore_errors=True)

    def add(self, units: list[Unit], vectors: np.ndarray) -> None:
        with self._lock:
            start = len(self.units)
            self.units = self.units + list(units)
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.arange(start, start + len(units), dtype=np.int64)
            )
            self.manifest = {**self.manifest, "vectors": len(self.units)}

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and unit numbers of the k nearest vectors."""
        with self._lock:
            k = max(1, min(k, self.size))
            scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]
