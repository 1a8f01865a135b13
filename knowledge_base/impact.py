"""What a change to the knowledge base would do to known questions: the current and a proposed copy side by side.

The proposed knowledge base is a real :class:`KnowledgeBase` over a temporary copy of the data folder with the
change applied by the same function that would publish it, so the comparison ranks exactly as the assistant
will. Both share one embedder that remembers every vector it made: a question's vector does not depend on the
knowledge base, and the unchanged texts of the copy need no new passage vectors, so a check mostly ranks.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from knowledge_base.config import SearchSettings
from knowledge_base.search.embedder import Embedder
from knowledge_base.service import KnowledgeBase, SearchResponse

# What a question should get besides a department procedure's code.
OTHER_AGENCY = "other_agency"
NOT_ANSWERABLE = "not_answerable"
OUTCOMES = (OTHER_AGENCY, NOT_ANSWERABLE)
VECTOR_CACHE_MAX = 50_000


def outcome(found: SearchResponse) -> str:
    """What the assistant does with the question: a procedure code, another agency, or no answer of its own
    (a did-you-mean list or "chưa hiểu" both leave the citizen without an answer)."""
    if found.other_agency is not None:  # the directory's redirect (other_agencies.yml) names the agency
        return OTHER_AGENCY
    if not found.confident or not found.results:
        return NOT_ANSWERABLE
    first = found.results[0]
    return first.code if first.in_scope else OTHER_AGENCY


@dataclass(frozen=True)
class Question:
    text: str
    expected: str | None = None  # set for a confirmed question: a code, OTHER_AGENCY or NOT_ANSWERABLE


@dataclass
class Impact:
    checked: int = 0
    changed: list[dict] = field(default_factory=list)  # {"text", "before", "after", "expected"?}
    regressions: list[dict] = field(default_factory=list)  # confirmed, right before, wrong after
    newly_answered: list[dict] = field(default_factory=list)  # no answer before, a procedure after

    def to_dict(self) -> dict:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "regressions": self.regressions,
            "newly_answered": self.newly_answered,
        }

    def summary(self) -> dict:
        return {
            "checked": self.checked,
            "changed": len(self.changed),
            "regressions": len(self.regressions),
            "newly_answered": len(self.newly_answered),
            "regression_texts": [r["text"] for r in self.regressions[:20]],
        }


def compare(questions: list[Question], before: Callable[[str], str], after: Callable[[str], str]) -> Impact:
    impact = Impact(checked=len(questions))
    for question in questions:
        old, new = before(question.text), after(question.text)
        if old == new:
            continue
        entry = {"text": question.text, "before": old, "after": new}
        if question.expected is not None:
            entry["expected"] = question.expected
        impact.changed.append(entry)
        if question.expected is not None and old == question.expected:
            impact.regressions.append(entry)
        if old in OUTCOMES and new not in OUTCOMES:
            impact.newly_answered.append(entry)
    return impact


class RememberingEmbedder:
    """An embedder that keeps the vectors it made (queries and passages apart: e5 words them differently)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self._queries: dict[str, np.ndarray] = {}
        self._passages: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self._queries, self.inner.encode_queries)

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress=None) -> np.ndarray:
        return self._encode(texts, self._passages, lambda missing: self.inner.encode_passages(missing, batch_size))

    def _encode(self, texts: list[str], memory: dict, encode) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in memory))
        if missing:
            made = encode(missing)
            with self._lock:
                if len(memory) + len(missing) > VECTOR_CACHE_MAX:
                    memory.clear()
                memory.update(zip(missing, made))
        return np.stack([memory[t] if t in memory else encode([t])[0] for t in texts])


class ImpactChecker:
    """Holds the current knowledge base (reloaded when its files change) and builds proposed copies.

    ``data_root``: the folder staff edit. ``work_dir``: this checker's own index folders (never the action
    server's, which it only copies once to start from).
    """

    def __init__(
        self, settings: SearchSettings, data_root: Path, work_dir: Path, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings
        self.data_root = Path(data_root)
        self.work_dir = Path(work_dir)
        self._embedder = RememberingEmbedder(embedder) if embedder is not None else None
        self._current: KnowledgeBase | None = None
        self._outcomes: tuple[str, dict[str, str]] = ("", {})
        self._others: dict[str, RememberingEmbedder] = {}
        self._lock = threading.Lock()  # one check at a time: each takes both cores' worth of ranking

    @property
    def embedder(self) -> RememberingEmbedder:
        if self._embedder is None:
            from knowledge_base.search.embedder import make_embedder

            self._embedder = RememberingEmbedder(make_embedder(self.settings))
        return self._embedder

    def current(self) -> KnowledgeBase:
        if self._current is None:
            index_dir = self.work_dir / "current"
            if (
                not (index_dir / "manifest.json").exists()
                and (Path(self.settings.index_dir) / "manifest.json").exists()
            ):
                shutil.copytree(self.settings.index_dir, index_dir, dirs_exist_ok=True)
            kb = KnowledgeBase(replace(self.settings, data_root=self.data_root, index_dir=index_dir), self.embedder)
            kb.load()
            self._current = kb
        else:
            self._current.reload_if_changed()
        return self._current

    def warm(self, questions: list[Question]) -> None:
        """Load the model and the index and answer ``questions`` now, so that the next check only ranks."""
        with self._lock:
            before = self._current_outcomes(self.current())
            for question in questions:
                before(question.text)

    def check(
        self,
        questions: list[Question],
        apply: Callable[[Path], object] | None,
        proposed_settings: SearchSettings | None = None,
    ) -> Impact:
        """``apply(root)`` makes the change in the data folder ``root`` (a copy); it may raise to refuse it.
        ``proposed_settings``: another search model (or its settings) to compare with the current one."""
        if not questions:
            return self._validate(apply)
        with self._lock:
            current = self.current()
            before = self._current_outcomes(current)
            settings = proposed_settings or self.settings
            embedder = self._embedder_for(settings)
            self.work_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="proposed-", dir=self.work_dir) as scratch:
                data = Path(scratch) / "data"
                shutil.copytree(self.data_root, data)
                if apply is not None:
                    apply(data)
                index_dir = Path(scratch) / "index"
                if embedder is self.embedder:
                    shutil.copytree(self.work_dir / "current", index_dir)  # unchanged texts keep their vectors
                proposed = KnowledgeBase(replace(settings, data_root=data, index_dir=index_dir), embedder)
                proposed.load()
                return compare(questions, before, lambda text: outcome(proposed.search(text)))

    def _validate(self, apply: Callable[[Path], object] | None) -> Impact:
        """No question to compare: the change is still made on a copy, so that it is refused as publishing
        would refuse it, but no model or index is loaded (a new deployment's first edits answer at once)."""
        if apply is not None:
            self.work_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="proposed-", dir=self.work_dir) as scratch:
                data = Path(scratch) / "data"
                shutil.copytree(self.data_root, data)
                apply(data)
        return Impact()

    def _embedder_for(self, settings: SearchSettings) -> RememberingEmbedder:
        """The current model's embedder, or another model's (kept, so that a second check of it only ranks)."""
        from knowledge_base.search.embedder import make_embedder

        other = make_embedder(settings)  # models load on first use: naming one costs nothing
        if other.id == self.embedder.id:
            return self.embedder
        if other.id not in self._others:
            self._others = {other.id: RememberingEmbedder(other)}  # one other model at a time
        return self._others[other.id]

    def _current_outcomes(self, current: KnowledgeBase) -> Callable[[str], str]:
        """The current knowledge base's answers are the same until its files change: kept per content hash."""
        content = current.status()["content_hash"]
        if self._outcomes[0] != content:
            self._outcomes = (content, {})
        known = self._outcomes[1]

        def before(text: str) -> str:
            if text not in known:
                known[text] = outcome(current.search(text))
            return known[text]

        return before
