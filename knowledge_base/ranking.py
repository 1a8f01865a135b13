"""Hybrid ranking: exact national code, accent-insensitive keywords, dense similarity, department prior.

Keywords are precise when a question shares words with a name or alias; the dense model carries
paraphrases that share none. Each signal is scaled to 0..1 and blended; ``confident`` is a threshold on
the blend calibrated so chit-chat and unrelated questions fall below it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from knowledge_base import aliases as al
from knowledge_base.index import DenseIndex, Unit
from knowledge_base.lexical import LexicalIndex, tokens
from knowledge_base.models import routing
from knowledge_base.text import AccentRestorer, expand_abbreviations, fold, nfc

CODE_IN_TEXT = re.compile(r"(?<![\d.])(\d\.\d{6})(?!\d)")

# Weight of each kind of text in keyword matching: the published name is authoritative, generated
# paraphrases slightly less so.
LEXICAL_WEIGHTS = {
    al.NAME: 1.0, al.CORE: 1.0, al.STAFF: 1.0, al.FAQ: 0.9, al.COLLOQUIAL: 0.95, al.VERB: 0.9, al.FOLDED: 1.0,
}
# Dense vectors per record: the department's own procedures get every alias; other agencies' entries
# only their name and colloquial names (enough to redirect, and it keeps the index build short).
DENSE_KINDS_IN_SCOPE = (al.NAME, al.CORE, al.STAFF, al.FAQ, al.COLLOQUIAL, al.VERB)
DENSE_KINDS_CATALOGUE = (al.CORE, al.COLLOQUIAL)
MAX_VERB_VECTORS = 3


@dataclass(frozen=True)
class Record:
    code: str
    name: str
    in_scope: bool
    agency: str
    handled_at: str | None
    ministry: str = ""


@dataclass
class Params:
    lexical_weight: float = 0.6
    dense_weight: float = 0.4
    # cosine range mapped to 0..1 (e5 puts unrelated Vietnamese texts near 0.75, paraphrases above 0.9)
    dense_floor: float = 0.78
    dense_ceiling: float = 0.93
    in_scope_prior: float = 0.04
    confident_threshold: float = 0.45
    dense_k: int = 256


@dataclass
class Hit:
    code: str
    name: str
    score: float
    in_scope: bool
    agency: str
    handled_at: str | None


@dataclass
class Ranked:
    query: str
    confident: bool
    hits: list[Hit]
    debug: dict = field(default_factory=dict)


def build_records(data) -> tuple[list[Record], list[list[al.Alias]]]:
    """Records for every procedure and catalogue entry, with all their texts; department ones first."""
    records: list[Record] = []
    texts: list[list[al.Alias]] = []
    for code in sorted(data.procedures):
        p = data.procedures[code]
        records.append(Record(p.code, p.name, True, p.agency, p.handled_at, getattr(p, "ministry", "")))
        items = al.generate(p.name, p.result)
        items += [al.Alias(nfc(a), al.STAFF) for a in p.aliases]
        items += [al.Alias(nfc(f.question), al.FAQ) for f in p.faqs]
        texts.append(al.dedupe(items))
    own = {r.code for r in records}
    for entry in sorted(data.catalogue, key=lambda e: e.code):
        if entry.code in own:
            continue
        records.append(Record(entry.code, entry.name, False, entry.agency, routing(entry.levels), entry.ministry))
        texts.append(al.generate(entry.name))
    return records, texts


def dense_units(records: list[Record], texts: list[list[al.Alias]]) -> list[Unit]:
    units: list[Unit] = []
    for record, items in zip(records, texts):
        kinds = DENSE_KINDS_IN_SCOPE if record.in_scope else DENSE_KINDS_CATALOGUE
        chosen = [a for a in items if a.kind in kinds]
        verbs = [a for a in chosen if a.kind == al.VERB][:MAX_VERB_VECTORS]
        chosen = [a for a in chosen if a.kind != al.VERB] + verbs
        if not record.in_scope and not any(a.kind == al.CORE for a in chosen):
            chosen.insert(0, items[0])  # the name is its own core
        units.extend(Unit(record.code, a.text, a.kind) for a in chosen)
    return units


def units_hash(content_hash: str, units: list[Unit]) -> str:
    """The index depends on the data and on the alias rules; hashing the texts covers both."""
    h = hashlib.sha256(content_hash.encode())
    for u in units:
        h.update(f"\x1f{u.code}\x1e{u.kind}\x1e{u.text}".encode())
    return h.hexdigest()


class Ranker:
    def __init__(self, records: list[Record], texts: list[list[al.Alias]], dense: DenseIndex | None, embedder,
                 params: Params | None = None):
        self.records = records
        self.params = params or Params()
        self.by_code = {r.code: i for i, r in enumerate(records)}
        self.embedder = embedder
        self.dense = dense
        self.texts = texts
        self._write_lock = threading.Lock()
        self.lexical, self.restorer = self._text_indexes(texts)
        self._unit_row = self._map_units()
        self.in_scope = np.array([r.in_scope for r in records], dtype=bool)

    def _text_indexes(self, texts: list[list[al.Alias]]) -> tuple[LexicalIndex, AccentRestorer]:
        lex_units = [(i, a.text, LEXICAL_WEIGHTS.get(a.kind, 0.9)) for i, items in enumerate(texts) for a in items]
        return LexicalIndex(lex_units, len(self.records)), AccentRestorer(a.text for items in texts for a in items)

    def _map_units(self) -> np.ndarray:
        if self.dense is None:
            return np.zeros(0, dtype=np.int64)
        return np.array([self.by_code.get(u.code, -1) for u in self.dense.units], dtype=np.int64)

    def add_alias(self, code: str, text: str) -> None:
        """A staff paraphrase: keyword tables are rebuilt (about a second) and one vector is added."""
        text = nfc(text)
        row = self.by_code[code]
        with self._write_lock:
            texts = [list(items) for items in self.texts]
            texts[row] = al.dedupe(texts[row] + [al.Alias(text, al.STAFF)])
            lexical, restorer = self._text_indexes(texts)
            if self.dense is not None:
                unit = Unit(code, text, al.STAFF)
                self.dense.add([unit], self.embedder.encode_passages([text]))
                unit_row = np.append(self._unit_row, row)
                self._unit_row = unit_row
            self.texts, self.lexical, self.restorer = texts, lexical, restorer

    # --- query understanding ---
    def analyse(self, query: str) -> dict:
        text = nfc(query)
        codes = CODE_IN_TEXT.findall(text)
        rest = CODE_IN_TEXT.sub(" ", text)
        expanded = expand_abbreviations(rest)
        toks = self.lexical.correct(tokens(expanded, strip_intent=True))
        corrected = self._apply_corrections(expanded)
        restored = self.restorer.restore(corrected)
        return {"codes": codes, "expanded": expanded, "tokens": toks, "dense_text": restored}

    def _apply_corrections(self, text: str) -> str:
        """The no-diacritic, typo-corrected question as words, for the accent restorer and the dense model."""
        out = []
        for word in text.split():
            core = re.sub(r"[^\w]", "", word)
            if core and not any(ch.isdigit() for ch in core):
                fixed = self.lexical.correct([fold(core)])
                if fixed != [fold(core)]:
                    out.append(" ".join(fixed))
                    continue
            out.append(word)
        return " ".join(out)

    # --- scoring ---
    def rank(self, query: str, top_k: int = 5, stages: str = "hybrid") -> Ranked:
        p = self.params
        q = self.analyse(query)
        n = len(self.records)
        hits: list[Hit] = []
        confident_code: str | None = None
        for code in q["codes"]:
            row = self.by_code.get(code)
            if row is not None:
                hits.append(self._hit(row, 1.0))
                confident_code = code
        lex = self.lexical.match(q["tokens"])
        dense = np.zeros(n, dtype=np.float32)
        dense_raw = np.zeros(n, dtype=np.float32)
        if stages in ("hybrid", "dense") and self.dense is not None and self.dense.size and q["dense_text"].strip():
            vec = self.embedder.encode_queries([q["dense_text"]])[0]
            scores, ids = self.dense.search(vec, p.dense_k)
            unit_row = self._unit_row  # a staff alias may be added meanwhile: its row may not be mapped yet
            known = ids < len(unit_row)
            scores, ids = scores[known], ids[known]
            rows = unit_row[ids]
            keep = rows >= 0
            np.maximum.at(dense_raw, rows[keep], scores[keep])
            # not capped at 1: among several close paraphrases the nearest must still win
            dense = np.clip((dense_raw - p.dense_floor) / (p.dense_ceiling - p.dense_floor), 0.0, 1.5)
        if stages == "lexical":
            blend = lex.scores.copy()
        elif stages == "dense":
            blend = dense.copy()
        else:
            blend = p.lexical_weight * lex.scores + p.dense_weight * dense
        blend = blend + p.in_scope_prior * self.in_scope * (blend > 0)
        order = np.argsort(-blend)[: top_k + len(hits)]
        seen = {h.code for h in hits}
        for row in order:
            if blend[row] <= 0:
                break
            if self.records[row].code not in seen:
                hits.append(self._hit(row, float(blend[row])))
        hits = hits[:top_k]
        if q["codes"]:
            # A national code decides: known -> that record, unknown -> say so rather than guess.
            confident = confident_code is not None
        else:
            confident = bool(hits) and hits[0].score >= p.confident_threshold
        debug = {"analysis": q, "lexical_unknown": lex.unknown}
        return Ranked(query=query, confident=confident, hits=hits, debug=debug)

    def _hit(self, row: int, score: float) -> Hit:
        r = self.records[row]
        return Hit(r.code, r.name, round(min(score, 1.0), 4), r.in_scope, r.agency, r.handled_at)
