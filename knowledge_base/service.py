"""The one search API used by the action server, the staff console and the command line.

Construction is cheap; :meth:`KnowledgeBase.load` does the slow work (data, model, index) and is meant to
run once at start-up, in a thread if the caller is async. Searches may run from many threads at once;
a reload builds the new state aside and swaps it in with one assignment, so searches never see a mix.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from knowledge_base.config import SearchSettings
from knowledge_base.search.embedder import Embedder, make_embedder
from knowledge_base.search.index import DenseIndex, IndexMismatch, Unit
from knowledge_base.text import fold, words

log = logging.getLogger(__name__)


@dataclass
class SearchHit:
    code: str
    name: str
    score: float
    in_scope: bool
    agency: str
    handled_at: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResponse:
    """What search found for one message.

    - ``results``: best first. ``confident``: the first result (or, when ``ambiguous_between`` is set, one
      of those siblings) is what the citizen means, right about 19 times in 20 on long and short questions.
    - ``ambiguous_between``: codes of sibling procedures (the first result included, best first) that are
      about equally likely because the message does not say which variant (new / renew / re-issue / amend)
      or which grade of works (III–IV and houses at the commune, special/I/II at the department) it means.
      Empty when the message tells them apart. The dialogue should ask ONE short question with these as
      choices (their short titles), even when ``confident``.
    - ``aspects``: what the message asks about the procedure, in answer order, from
      ``knowledge_base.search.question.ASPECTS`` (permit_needed, documents, fee, time, where, online); empty for a
      general question. ``story``: the part of the message that was searched.
    - ``matched_words``: words of the message (accent-free) found in the first result's texts.
    """

    query: str
    confident: bool
    results: list[SearchHit] = field(default_factory=list)
    ambiguous_between: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)
    story: str = ""
    matched_words: list[str] = field(default_factory=list)
    leads: bool = False  # not confident, but the first result leads the rest clearly (Params.lead_margin)
    # Another agency's matter the message names (other_agencies.yml) and no department procedure it asks about.
    other_agency: "AgencyMatter | None" = None

    def to_dict(self) -> dict:
        return {
            "query": self.query,
            "confident": self.confident,
            "results": [h.to_dict() for h in self.results],
            "ambiguous_between": list(self.ambiguous_between),
            "aspects": list(self.aspects),
            "story": self.story,
            "matched_words": list(self.matched_words),
            "leads": self.leads,
            "other_agency": self.other_agency.to_dict() if self.other_agency else None,
        }


@dataclass(frozen=True)
class AgencyMatter:
    """Another agency's matter a message is about: who handles it and where its national page is."""

    key: str
    agency: str
    description: str
    code: str | None  # the national procedure shown, when the catalogue has one
    url: str  # its page on the national portal, else the portal
    cue: str  # the words of the message that named it

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "agency": self.agency,
            "description": self.description,
            "code": self.code,
            "url": self.url,
            "cue": self.cue,
        }


@dataclass
class _State:
    data: object  # store.KnowledgeBaseData
    ranker: object  # ranking.Ranker
    index_hash: str
    name_words: frozenset[str]  # see KnowledgeBase.name_words


class KnowledgeBase:
    def __init__(self, settings: SearchSettings, embedder: Embedder | None = None):
        self.settings = settings
        self._embedder = embedder
        self._state: _State | None = None
        self._index_status = "missing"
        self._load_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: SearchSettings | None = None) -> "KnowledgeBase":
        return cls(settings or SearchSettings.from_env())

    # --- lifecycle ---
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
        return self._embedder

    @property
    def ready(self) -> bool:
        return self._state is not None

    def load(self, progress=None) -> None:
        """Load the data and the index, building the index when it is missing or stale (blocking)."""
        from knowledge_base.store.disk import load_knowledge_base

        with self._load_lock:
            data = load_knowledge_base(self.settings.data_root)
            self._state = self._prepare(data, progress)

    def reload_if_changed(self) -> bool:
        """Reload when the files changed; invalid new data is logged and the current state kept."""
        from knowledge_base.store.disk import content_hash, load_knowledge_base

        current = self._state
        if current is not None and content_hash(self.settings.data_root) == current.data.content_hash:
            return False
        with self._load_lock:
            try:
                data = load_knowledge_base(self.settings.data_root)
            except Exception as exc:  # noqa: BLE001 - keep serving the last good data whatever went wrong
                log.error("knowledge base not reloaded, still serving the previous version: %s", exc)
                return False
            if current is not None and data.content_hash == current.data.content_hash:
                return False
            self._state = self._prepare(data, None)
            return True

    def _prepare(self, data, progress) -> _State:
        from knowledge_base.search.ranking import Ranker, build_records, dense_units, units_hash

        records, texts = build_records(data)
        units = dense_units(records, texts)
        index_hash = units_hash(data.content_hash, units)
        dense = self._load_or_build(units, index_hash, progress)
        return _State(
            data=data,
            ranker=Ranker(records, texts, dense, self.embedder),
            index_hash=index_hash,
            name_words=frozenset(w for p in data.procedures.values() for w in words(fold(p.name))),
        )

    def _load_or_build(self, units: list[Unit], index_hash: str, progress) -> DenseIndex:
        directory = Path(self.settings.index_dir)
        emb = self.embedder
        previous = None
        try:
            dense = DenseIndex.load(directory, emb.id, emb.dim, index_hash)
            self._index_status = "loaded"
            return dense
        except FileNotFoundError:
            _say(progress, f"search index: none at {directory}, building")
        except IndexMismatch as exc:
            _say(progress, f"search index: stale ({exc}), rebuilding")
            previous = _reusable(directory, emb)
        except Exception as exc:  # noqa: BLE001 - a corrupt index is rebuilt, not fatal
            _say(progress, f"search index: unreadable ({exc}), rebuilding")
        self._index_status = "building"
        started = time.monotonic()
        dense = DenseIndex.build(units, emb, index_hash, progress=_bar(progress), reuse=previous)
        _say(progress, f"search index: {dense.size} vectors in {time.monotonic() - started:.1f}s -> {directory}")
        try:
            dense.save(directory)
        except OSError as exc:
            log.warning("search index built but not saved (%s); it will be rebuilt next start", exc)
        self._index_status = "loaded"
        return dense

    # --- queries ---
    def status(self) -> dict:
        state = self._state
        return {
            "ready": state is not None,
            "procedures": len(state.data.procedures) if state else 0,
            "catalogue": len(state.data.catalogue) if state else 0,
            "embedder": self.embedder.id if self._embedder is not None or state else self.settings.embedder,
            "index": self._index_status,
            "vectors": state.ranker.dense.size if state and state.ranker.dense else 0,
            "content_hash": state.data.content_hash if state else None,
        }

    @property
    def department(self):
        return self._require().data.department

    def get(self, code: str):
        return self._require().data.procedures.get(code)

    def national_page(self, code: str) -> str:
        """The procedure's own page on the national portal (ours or another agency's), else the portal itself."""
        data = self._require().data
        procedure = data.procedures.get(code)
        entry = self.catalogue_entry(code) if procedure is None else None
        url = procedure.detail_url if procedure is not None else entry.url if entry is not None else None
        return url or data.department.national_portal

    def search(self, query: str, top_k: int = 5) -> SearchResponse:
        ranked = self._require().ranker.rank(query, top_k)
        hits = [SearchHit(h.code, h.name, h.score, h.in_scope, h.agency, h.handled_at) for h in ranked.hits]
        return SearchResponse(
            query=query,
            confident=ranked.confident,
            results=hits,
            ambiguous_between=list(ranked.ambiguous_between),
            aspects=list(ranked.aspects),
            story=ranked.story,
            matched_words=list(ranked.matched_words),
            leads=ranked.leads,
            other_agency=self.other_agency(query, whole=ranked),
        )

    def generic_words(self) -> frozenset[str]:
        """Words (accent-free) that never name a matter or a procedure on their own (other_agencies.yml)."""
        return self._require().data.other_agencies.folded_generic_words()

    def other_agency(self, text: str, focus: str | None = None, whole=None) -> AgencyMatter | None:
        """Another agency's matter the message names, unless it asks about a department procedure.

        The directory's cue decides what matter is named; search decides whether the message also asks about a
        department procedure: the whole message and what is left with the cue's words taken out must not both
        find the same one, the latter on a word of its own ("xin giấy phép xây dựng nhà trên đất chưa có sổ đỏ"
        still finds the building permit; "làm sổ đỏ lần đầu ở đâu" leaves "làm lần đầu ở đâu", which finds only
        generic words). `focus`: the code of the
        procedure in focus; what is left stays on it when it shares a word of its own with the focus's record
        ("đất chưa có sổ đỏ thì sao" after the house permit), not when it is only "còn … thì sao". `whole`: the
        ranking of the whole message, when the caller has it."""
        from knowledge_base.store import other_agencies

        state = self._require()
        match = other_agencies.find(state.data.other_agencies, text)
        if match is None:
            return None
        rest = other_agencies.without_cue(text, match)
        generic = state.data.other_agencies.folded_generic_words()
        own = set(words(fold(rest))) - generic
        whole = whole or state.ranker.rank(text, 3)
        ranked = state.ranker.rank(rest, 3)
        first, top = (whole.hits[0] if whole.hits else None), (ranked.hits[0] if ranked.hits else None)
        # The department's when the whole message and what is left both find the same department procedure,
        # the latter on a word of its own: a short remainder often scores "confident" on generic words alone.
        # What is left must find it on its own too (confident or leading): a verb it shares with one name
        # ("chuyển … cho con" beside "chuyển hộ khẩu") is no sign of a department procedure.
        if (
            first is not None
            and top is not None
            and top.in_scope
            and top.code == first.code
            and (whole.confident or whole.leads)
            and (ranked.confident or ranked.leads)
            and other_agencies.specific_words(ranked.matched_words, generic)
        ):
            return None
        focused = state.data.procedures.get(focus) if focus else None
        if focused is not None and own & set(words(fold(focused.model_dump_json()))):
            return None
        return self._shown(match.matter, match.cue)

    def _shown(self, matter, cue: str) -> AgencyMatter:
        """A directory matter as a redirect shows it: its first national procedure's page, else the portal."""
        code = matter.codes[0] if matter.codes else None
        url = self.national_page(code) if code else self._require().data.department.national_portal
        return AgencyMatter(matter.key, matter.agency, matter.description, code, url, cue)

    def closest_of(self, text: str, codes: list[str]) -> str | None:
        """Of `codes`, the one `text` names best, when it names one better than the others; else None."""
        scores = sorted(self._require().ranker.among(text, codes).items(), key=lambda item: -item[1])
        if not scores or scores[0][1] <= 0 or (len(scores) > 1 and scores[1][1] >= scores[0][1]):
            return None
        return scores[0][0]

    def name_words(self) -> frozenset[str]:
        """The folded words of the department's procedure names: what a citizen can name a procedure's object by."""
        return self._require().name_words

    def catalogue_entry(self, code: str):
        """Another agency's procedure in the national catalogue (catalogue.jsonl), or None."""
        return next((entry for entry in self._require().data.catalogue if entry.code == code), None)

    def agency_matter(self, key: str) -> AgencyMatter | None:
        """The directory's matter `key` (other_agencies.yml), as a redirect shows it; None when there is none."""
        matter = next((m for m in self._require().data.other_agencies.matters if m.key == key), None)
        return self._shown(matter, "") if matter is not None else None

    def analyse(self, text: str, top_k: int = 5) -> SearchResponse:
        """A citizen's message, however long: the procedure it is about and every aspect it asks.

        The same as :meth:`search` (which already reads long messages this way); named for the dialogue,
        which answers each of ``aspects`` in one reply and asks which of ``ambiguous_between`` is meant.
        """
        return self.search(text, top_k)

    def add_alias(self, code: str, text: str) -> None:
        """A staff paraphrase, searchable at once (in memory; persist it in the procedure's file to keep it)."""
        state = self._require()
        if code not in state.ranker.by_code:
            raise KeyError(f"unknown procedure code {code}")
        state.ranker.add_alias(code, text)

    def _require(self) -> _State:
        state = self._state
        if state is None:
            raise RuntimeError("knowledge base not loaded: call load() first")
        return state


def _reusable(directory: Path, embedder: Embedder) -> DenseIndex | None:
    """A stale index made by the same model still holds vectors for every text that did not change."""
    try:
        return DenseIndex.load_any(directory, embedder.id, embedder.dim)
    except Exception:  # noqa: BLE001
        return None


def _say(progress, message: str) -> None:
    if progress is not None:
        progress(message)
    else:
        log.info(message)


def _bar(progress):
    if progress is None:
        return None
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 2.0:
            last[0] = now
            progress(f"search index: embedded {done}/{total} texts")

    return report


def print_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
