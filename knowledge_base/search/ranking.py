"""Hybrid ranking: exact national code, accent-insensitive keywords, dense similarity, department prior.

Keywords are precise when a question shares words with a name or alias; the dense model carries
paraphrases that share none. Each signal is scaled to 0..1 and blended. ``confident`` needs a high blend
*and* keyword evidence for most of the question, because a dense model finds something similar to any
text ("xin chào" included); a national code in the question decides on its own.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from knowledge_base.search import aliases as al
from knowledge_base.search.index import DenseIndex, Unit
from knowledge_base.search.lexical import STOPWORDS, LexicalIndex, tokens
from knowledge_base.search import siblings as sib
from knowledge_base.store.models import routing
from knowledge_base.search.question import reduce_question, words_of_steps_done
from knowledge_base.understanding.words import pattern as words_pattern
from knowledge_base.text import AccentRestorer, expand_abbreviations, fold, has_accents, nfc, strip_accents, words

CODE_IN_TEXT = re.compile(r"(?<![\d.])(\d\.\d{6})(?!\d)")

# Weight of each kind of text in keyword matching: the published name is authoritative, generated
# paraphrases slightly less so.
LEXICAL_WEIGHTS = {
    al.NAME: 1.0,
    al.CORE: 1.0,
    al.STAFF: 1.0,
    al.FAQ: 0.9,
    al.COLLOQUIAL: 0.95,
    al.VERB: 0.9,
    al.FOLDED: 1.0,
}
# Dense vectors only for the department's own procedures: other agencies' entries are found by keywords
# (their names and colloquial aliases), which is enough to redirect and keeps the index build to about a
# thousand short texts instead of several thousand.
DENSE_KINDS_IN_SCOPE = (al.NAME, al.CORE, al.STAFF, al.FAQ, al.COLLOQUIAL, al.VERB)
MAX_VERB_VECTORS = 3
FOLDED_VECTORS = True
# Keyword result clear enough to answer without the model (saves the ~10 ms model call)
DECISIVE_SCORE = 0.8
DECISIVE_MARGIN = 0.1
QUERY_CACHE_SIZE = 2048
CALIBRATION_SAMPLES = 24
# Questions no procedure answers, for calibrating the dense scale (see Ranker._calibrate).
UNRELATED_PROBES = (
    "xin chào",
    "cảm ơn bạn nhiều",
    "hôm nay thời tiết thế nào",
    "bạn tên là gì",
    "giá vàng hôm nay",
    "kết quả bóng đá tối qua",
    "quán phở nào ngon",
    "đặt vé máy bay đi Hà Nội",
    "học tiếng Anh ở đâu tốt",
    "tôi bị đau đầu phải làm sao",
    "bài hát hay nhất năm nay",
    "mua điện thoại trả góp",
)


@dataclass(frozen=True)
class Record:
    code: str
    name: str
    in_scope: bool
    agency: str
    handled_at: str | None
    ministry: str = ""
    for_individuals: bool = True  # a person may apply, not only an organisation (the record's applicants)


@dataclass
class Params:
    lexical_weight: float = 0.6
    dense_weight: float = 0.4
    # cosine range mapped to 0..1 when calibration is impossible (see Ranker._calibrate); e5 values
    dense_floor: float = 0.78
    dense_ceiling: float = 0.93
    in_scope_prior: float = 0.04
    confident_threshold: float = 0.45
    # share of the question's informative words that the top procedure's texts must contain
    min_coverage: float = 0.5
    # ... and what it contains must be more than one common syllable ("bạn", "ok"): IDF mass of the match
    min_evidence: float = 4.5
    action_bonus: float = 0.06
    # works of grade III–IV (commune) vs special/I/II (department) when the question names the grade
    grade_bonus: float = 0.06
    # siblings closer than this to the first are offered as a choice when the question does not tell them apart
    sibling_margin: float = 0.08
    # Siblings told apart only by their case, not by a variant or grade the question could name: offered
    # only when search cannot tell them apart at all.
    case_margin: float = 0.03
    unconfirmed: float = 0.85
    dense_k: int = 256
    # long questions (see Ranker._confident_long)
    long_min_score: float = 0.5
    long_margin: float = 0.05
    long_clear_margin: float = 0.07
    # Not confident, but the first result leads every other candidate (its own siblings aside) by this much:
    # the dialogue answers it and offers the runners-up, instead of asking which one (issue 26; cost measured
    # in docs/evaluation.md). Below the floor, a lead over weak rivals is still a guess. (0.07, 0.40 and 0.04
    # until the twelfth session, on a dense scale calibrated on 24 arbitrary units; calibrated on names at fixed
    # places, the scale is about a tenth wider, so the same evidence scores that much less: 0.065, 0.39 and
    # 0.035, which answer 3 more first questions at once on the tuning sets and none more wrongly.)
    lead_margin: float = 0.065
    lead_min_score: float = 0.39
    # ... or by this much when keywords and the dense model, each on its own, put it first: two readings that
    # agree need a smaller lead (on the long questions 6 more answered at once, all right; one complaint about a
    # neighbour's house, out of scope, answered with the house permit; docs/evaluation.md "Ninth session").
    lead_agreed_margin: float = 0.035


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
    ambiguous_between: list[str] = field(default_factory=list)
    aspects: list[str] = field(default_factory=list)
    story: str = ""
    matched_words: list[str] = field(default_factory=list)
    leads: bool = False  # not confident, but the first result clearly ahead: answer it, offer the rest


# "ở Sở", "Sở Xây dựng": the citizen means the department's own procedure, not a ministry's namesake.
_DEPARTMENT_MENTION = re.compile(r"(?<!\w)sở(?!\w)|sở xây dựng|sxd")


def _decisive(scores: np.ndarray) -> bool:
    """One procedure's name or alias matches the question almost word for word, and nothing else comes close."""
    if scores.size < 2:
        return bool(scores.size and scores[0] >= 0.9)
    top2 = np.partition(scores, -2)[-2:]
    return bool(top2[1] >= 0.98 or (top2[1] >= DECISIVE_SCORE and top2[1] - top2[0] >= DECISIVE_MARGIN))


def build_records(data) -> tuple[list[Record], list[list[al.Alias]]]:
    """Records for every procedure and catalogue entry, with all their texts; department ones first."""
    records: list[Record] = []
    texts: list[list[al.Alias]] = []
    for code in sorted(data.procedures):
        p = data.procedures[code]
        records.append(
            Record(
                p.code,
                p.name,
                True,
                p.agency,
                p.handled_at,
                getattr(p, "ministry", ""),
                for_individuals=not p.applicants or any(not _ORGANISATION.search(fold(a)) for a in p.applicants),
            )
        )
        items = al.generate(p.name, p.result)
        if p.applicants and all("nuoc ngoai" in fold(a) for a in p.applicants):
            # only foreigners apply: a question says so ("kỹ sư người Hàn Quốc", "chứng chỉ do nước ngoài cấp")
            core = al.core_name(p.name)
            items.append(al.Alias(f"{core} cho người nước ngoài, giấy tờ do nước ngoài cấp", al.COLLOQUIAL))
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
        if not record.in_scope:
            continue
        chosen = [a for a in items if a.kind in DENSE_KINDS_IN_SCOPE]
        if any(a.kind == al.CORE for a in chosen):
            # the full name only adds its bracketed case list to the core name: long and slow to embed
            chosen = [a for a in chosen if a.kind != al.NAME]
        verbs = [a for a in chosen if a.kind == al.VERB][:MAX_VERB_VECTORS]
        chosen = [a for a in chosen if a.kind != al.VERB] + verbs
        units.extend(Unit(record.code, a.text, a.kind) for a in chosen)
        core = next((a.text for a in chosen if a.kind in (al.CORE, al.NAME)), None)
        if core and FOLDED_VECTORS:
            # typed without diacritics, as many citizens do; the restorer covers most, not all, words
            units.append(Unit(record.code, strip_accents(core), al.FOLDED))
    return units


def units_hash(content_hash: str, units: list[Unit]) -> str:
    """The index depends on the data and on the alias rules; hashing the texts covers both."""
    h = hashlib.sha256(content_hash.encode())
    for u in units:
        h.update(f"\x1f{u.code}\x1e{u.kind}\x1e{u.text}".encode())
    return h.hexdigest()


class Ranker:
    def __init__(
        self,
        records: list[Record],
        texts: list[list[al.Alias]],
        dense: DenseIndex | None,
        embedder,
        params: Params | None = None,
    ):
        self.records = records
        self.params = params or Params()
        self.by_code = {r.code: i for i, r in enumerate(records)}
        self.embedder = embedder
        self.dense = dense
        self.texts = texts
        self._write_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}
        self.lexical, self.restorer = self._text_indexes(texts)
        self._unit_row = self._map_units()
        self.in_scope = np.array([r.in_scope for r in records], dtype=bool)
        self.actions = [sib.procedure_actions(r.name) for r in records]
        self.variant = np.array([bool(a) for a in self.actions])
        self.plain = np.array([not a and not sib.serves_first_and_more(r.name) for r, a in zip(records, self.actions)])
        self.grades = np.array([sib.procedure_grade(r.name) for r in records])
        self.modes = np.array([sib.procedure_mode(r.name) for r in records])
        self.abroad = np.array([sib.procedure_abroad(r.name) for r in records])
        self.countries = [sib.countries(r.name) if a else frozenset() for r, a in zip(records, self.abroad)]
        self.temporary = np.array([sib.procedure_temporary(r.name) for r in records])
        self.authority = [sib.authority_verb(r.name) for r in records]
        # Ranking runs per question over every record: the per-record tests below are done once per distinct
        # value (a handful of action sets and authority verbs) and applied to their rows at once.
        self._action_rows = _rows_by(self.actions)
        self._verb_rows = {
            (verb, re.compile(rf"\b{verb}\b")): rows for verb, rows in _rows_by(self.authority).items() if verb
        }
        self.families = [sib.family(r.name) for r in records]
        self.subjects = [fold(sib.without_variant(r.name)) for r in records]
        self.special_cases = [_special_case(r.name) for r in records]
        self.unsaid_case_rows = self._special_beside_general()
        self.for_individuals = np.array([r.for_individuals for r in records], dtype=bool)
        self.facility = np.array([bool(_FACILITY_PERMIT.search(fold(r.name))) for r in records], dtype=bool)
        self.dense_scale = self._calibrate()

    def _special_beside_general(self) -> list[tuple[frozenset[str], int]]:
        """Procedures reserved for a special case that a general sibling covers otherwise ("… trong trường hợp
        miễn kiểm định lần đầu" beside the plain inspection): each with the words only its case has ("miễn")."""
        general = {self.families[r] for r in range(len(self.records)) if self.in_scope[r] and not self.special_cases[r]}
        out = []
        for row, case in enumerate(self.special_cases):
            # variants ("cấp lại … trong trường hợp bị mất") are told apart by their variant words already
            if case and self.in_scope[row] and not self.actions[row] and self.families[row] in general:
                main = _CASE_CLAUSE.sub("", fold(self.records[row].name))
                if own := case - set(words(main)):
                    out.append((own, row))
        return out

    def _text_indexes(self, texts: list[list[al.Alias]]) -> tuple[LexicalIndex, AccentRestorer]:
        lex_units = [(i, a.text, LEXICAL_WEIGHTS.get(a.kind, 0.9)) for i, items in enumerate(texts) for a in items]
        return LexicalIndex(lex_units, len(self.records)), AccentRestorer(a.text for items in texts for a in items)

    def _calibrate(self) -> tuple[float, float]:
        """Where this model puts unrelated questions (floor) and near-verbatim ones (ceiling).

        Cosines are not comparable across models (e5 rates anything Vietnamese above 0.75, MiniLM rarely
        reaches 0.8), so the dense score is rescaled to what the model in use does with known probes.
        """
        p = self.params
        if self.dense is None or self.dense.size == 0:
            return p.dense_floor, p.dense_ceiling
        # the names of procedures at fixed places in code order: a staff alias or a new everyday term adds
        # units, and must not move every score by changing which texts calibrate the scale
        names = {u.code: u.text for u in reversed(self.dense.units) if u.kind in (al.CORE, al.NAME)}
        codes = sorted(names)
        step = max(1, len(codes) // CALIBRATION_SAMPLES)
        samples = [names[c] for c in codes[::step]][:CALIBRATION_SAMPLES]
        vectors = self.embedder.encode_queries(list(UNRELATED_PROBES) + samples)
        tops = [float(self.dense.search(v, 1)[0][0]) for v in vectors]
        unrelated = float(np.median(tops[: len(UNRELATED_PROBES)]))
        ceiling = float(np.median(tops[len(UNRELATED_PROBES) :]))
        if not ceiling - unrelated > 0.02:
            return p.dense_floor, p.dense_ceiling
        # unrelated questions land at a third of the scale, not at zero: a weak dense match still tells a
        # department procedure from an unrelated one, as keywords alone cannot
        return unrelated - 0.5 * (ceiling - unrelated), ceiling

    def _map_units(self) -> np.ndarray:
        if self.dense is None:
            return np.zeros(0, dtype=np.int64)
        return np.array([self.by_code.get(u.code, -1) for u in self.dense.units], dtype=np.int64)

    @property
    def has_vectors(self) -> np.ndarray:
        mask = np.zeros(len(self.records), dtype=bool)
        rows = self._unit_row
        mask[rows[rows >= 0]] = True
        return mask

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
        # the story without greetings, places and the asks ("mất phí" is not a lost permit)
        reduced = reduce_question(rest)
        expanded = expand_abbreviations(reduced.story if re.search(r"\w", reduced.story) else rest)
        toks = self.lexical.correct(tokens(self._mark_foreign(expanded), strip_intent=True))
        # keywords of a step already done do not ask for it; the dense model still reads the whole story
        done = words_of_steps_done(expanded)
        toks = [t for t in toks if t not in done]
        corrected = self._apply_corrections(expanded)
        restored = self.restorer.restore(corrected)
        # read on the message as typed: the story no longer holds office names
        asks_department = bool(_DEPARTMENT_MENTION.search(expand_abbreviations(rest).lower()))
        return {
            "codes": codes,
            "expanded": expanded,
            "tokens": toks,
            "dense_text": restored,
            "asks_department": asks_department,
            "cues": sib.question_cues(expanded),
            "aspects": reduced.aspects,
            "long": reduced.long,
        }

    def _mark_foreign(self, text: str) -> str:
        """An accented word the knowledge base never uses ("bạn", "chào") is not one of its words typed
        differently: keep it from matching ("bạn" must not match "bán") while it still counts as unexplained."""
        out = []
        for word in text.split(" "):
            if has_accents(word) and word.isalpha() and not self.restorer.knows(word) and fold(word) not in STOPWORDS:
                out.append("x" + fold(word) + "x")
            else:
                out.append(word)
        return " ".join(out)

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
        hits: list[Hit] = []
        confident_code: str | None = None
        for code in q["codes"]:
            row = self.by_code.get(code)
            if row is not None:
                hits.append(self._hit(row, 1.0))
                confident_code = code
        lex = self.lexical.match(q["tokens"])
        dense = np.zeros(len(self.records), dtype=np.float32)
        use_dense = stages in ("hybrid", "dense") and self.dense is not None and self.dense.size > 0
        if stages == "hybrid" and (q["codes"] or _decisive(lex.scores)):
            use_dense = False  # a code or an exact name needs no model call: answers in ~1 ms
        if use_dense and q["dense_text"].strip():
            dense = self._dense_scores(q["dense_text"])
        if stages == "lexical":
            blend = lex.scores.copy()
        elif stages == "dense":
            blend = dense.copy()
        else:
            # records without vectors (other agencies) are judged on keywords alone, at the same scale
            # (discounted: a department procedure confirmed by both signals beats a namesake matched by one)
            dense = np.where(self.has_vectors, dense, p.unconfirmed * lex.scores) if use_dense else lex.scores
            blend = p.lexical_weight * lex.scores + p.dense_weight * dense
        prior = p.in_scope_prior * (2.0 if q["asks_department"] else 1.0)
        adjust = self._variant_adjustment(q["cues"], fold(q["expanded"]))
        blend += (blend > 0) * (prior * self.in_scope + adjust)
        wanted = min(top_k + len(hits), len(blend))
        order = np.argpartition(-blend, wanted - 1)[:wanted] if wanted < len(blend) else np.arange(len(blend))
        order = order[np.argsort(-blend[order], kind="stable")]
        seen = {h.code for h in hits}
        for row in order:
            if blend[row] <= 0:
                break
            if self.records[row].code not in seen:
                hits.append(self._hit(row, float(blend[row])))
        hits = hits[:top_k]
        # A national code decides: known -> that record, unknown -> say so rather than guess.
        confident = confident_code is not None
        ambiguous = [] if q["codes"] else self._ambiguous(hits, q["cues"], set(words(fold(q["expanded"]))))
        # Each signal on its own, with the blend's preferences: the department's procedure over another agency's
        # namesake ("cán bộ" folds to the "Bộ" of a ministry's copy), the variant the question names.
        prefer = prior * self.in_scope + adjust
        features = (
            self._features(hits, ambiguous, lex.scores + (lex.scores > 0) * prefer, dense + (dense > 0) * prefer, lex)
            if hits and not q["codes"]
            else {}
        )
        unasked_act = False
        if q["codes"]:
            pass
        elif hits and (verb := self.authority[self.by_code[hits[0].code]]) and verb not in fold(q["expanded"]):
            confident = False  # the question never says it wants this done (recognise, revoke, dismiss...)
            unasked_act = True
        elif hits and stages == "hybrid" and q["long"] and hits[0].in_scope:
            confident = self._confident_long(features)
        elif hits:
            row = self.by_code[hits[0].code]
            # keywords must account for most of the question: the dense model finds *something* for any text
            support = lex.coverage[row] + self._said_by_variant(q, row, lex) if stages != "dense" else 1.0
            evidence = lex.coverage[row] * lex.query_mass if stages != "dense" else np.inf
            confident = (
                hits[0].score >= p.confident_threshold and support >= p.min_coverage and evidence >= p.min_evidence
            )
        else:
            confident = False
        leads = bool(
            not confident
            and not unasked_act
            and features
            and hits[0].in_scope
            and len(ambiguous) <= 1
            and features["score"] >= p.lead_min_score
            and self._leads_by(features)
        )
        debug = {"analysis": q, "lexical_unknown": lex.unknown, "features": features}
        matched = self._matched_words(self.by_code[hits[0].code], lex) if hits else []
        return Ranked(
            query=query,
            confident=bool(confident),
            hits=hits,
            debug=debug,
            ambiguous_between=ambiguous,
            aspects=q["aspects"],
            story=q["expanded"],
            matched_words=matched,
            leads=leads,
        )

    def among(self, query: str, codes: list[str]) -> dict[str, float]:
        """How well `query` names each of `codes`, however low they rank among all records: the blend of rank(),
        0 for a code none of whose words the query says. For a return to one of the few procedures a
        conversation was on ("quay lại cái giấy phép cho htx": "giấy phép" tells the licence from the badge)."""
        p = self.params
        q = self.analyse(query)
        lex = self.lexical.match(q["tokens"])
        dense = None
        if self.dense is not None and self.dense.size > 0 and q["dense_text"].strip():
            dense = self._dense_scores(q["dense_text"])
        out = {}
        for code in codes:
            row = self.by_code.get(code)
            if row is None:
                continue
            said = float(lex.scores[row])
            near = float(dense[row]) if dense is not None and self.has_vectors[row] else said
            out[code] = p.lexical_weight * said + p.dense_weight * near if said > 0 else 0.0
        return out

    def _matched_words(self, row: int, lex) -> list[str]:
        """The question's words (accent-free) that the first result's texts contain: what staff can see decided
        the answer, and what an alias would have to outweigh."""
        vocab = self.lexical.vocab
        doc = self.lexical.doc_matrix[row]
        held = set(doc.indices[doc.data > 0])
        return [w for w in dict.fromkeys(lex.query_terms) if vocab.get(w) in held]

    def _said_by_variant(self, q: dict, row: int, lex) -> float:
        """Share of the question's information that says the variant this procedure is ("giấy phép … bị thất
        lạc" of a re-issue, "lần đầu" of a first one) although its texts word it otherwise ("mất"): accounted
        for, not unmatched."""
        cues = q["cues"]
        wanted = (cues.actions - {sib.NEW}) & self.actions[row]
        if sib.NEW in cues.actions and not cues.actions - {sib.NEW} and self.plain[row]:
            wanted = {sib.NEW}
        # Not the mode of transport: it rarely sets one procedure apart ("thuyền" fits every waterway
        # re-registration), and a short question needs no lead over the next for confidence.
        if not wanted or not lex.query_mass:
            return 0.0
        vocab, idf = self.lexical.vocab, self.lexical.idf
        doc = self.lexical.doc_matrix[row]
        held = set(doc.indices[doc.data > 0])
        said = (w for w in sib.cue_words(q["expanded"], wanted) if w in lex.query_terms)
        return (
            sum(float(idf[vocab[w]]) if w in vocab else self.lexical.max_idf for w in said if vocab.get(w) not in held)
            / lex.query_mass
        )

    def _dense_scores(self, text: str) -> np.ndarray:
        p = self.params
        raw = np.zeros(len(self.records), dtype=np.float32)
        vec = self._query_vector(text)
        scores, ids = self.dense.search(vec, p.dense_k)
        unit_row = self._unit_row  # a staff alias may be added meanwhile: its row may not be mapped yet
        known = ids < len(unit_row)
        scores, ids = scores[known], ids[known]
        rows = unit_row[ids]
        keep = rows >= 0
        np.maximum.at(raw, rows[keep], scores[keep])
        floor, ceiling = self.dense_scale
        # not capped at 1: among several close paraphrases the nearest must still win
        return np.clip((raw - floor) / (ceiling - floor), 0.0, 1.5)

    def _query_vector(self, text: str) -> np.ndarray:
        """Chat repeats itself ("xin phép xây nhà", "thủ tục cấp cchn"): a repeated question skips the model."""
        key = text.lower()
        vec = self._vectors.get(key)
        if vec is None:
            vec = self.embedder.encode_queries([text])[0]
            with self._cache_lock:
                if len(self._vectors) >= QUERY_CACHE_SIZE:
                    self._vectors.pop(next(iter(self._vectors)))  # oldest first: dicts keep insertion order
                self._vectors[key] = vec
        return vec

    def _leads_by(self, f: dict) -> bool:
        agreed = f["lexical_first"] and f["dense_first"]
        return f["margin"] >= (self.params.lead_agreed_margin if agreed else self.params.lead_margin)

    def _confident_long(self, f: dict) -> bool:
        """A story shares few words with any procedure name, so the keyword coverage that short questions
        need is out of reach; instead the first result must lead the rest clearly and keywords and the dense
        model must point to it (set on the project's own long questions, see tests/data)."""
        p = self.params
        score, margin = f["score"], f["margin"]
        agree = f["lexical_first"] and f["dense_first"]
        either = f["lexical_first"] or f["dense_first"]
        clear = margin >= p.long_clear_margin
        return bool(
            (agree and score >= p.long_min_score and margin >= p.long_margin)
            or (agree and score >= p.long_min_score - 0.05 and clear)
            or (either and score >= p.long_min_score + 0.1 and clear)
            or (f["coverage"] >= p.min_coverage and score >= p.long_min_score and margin >= p.long_margin)
        )

    def _features(self, hits: list[Hit], ambiguous: list[str], lexical: np.ndarray, dense: np.ndarray, lex) -> dict:
        """What confidence is judged on: how far the first result (with its offered siblings) leads the
        rest, and whether keywords and the dense model agree on it."""
        row = self.by_code[hits[0].code]
        # the offered siblings, and namesakes nobody could choose between (the ministry's and the
        # province's copy of one procedure), are one answer: the lead is over the rest
        key = self._sibling_key(row)
        group = (
            set(ambiguous) | {hits[0].code} | {h.code for h in hits if self._sibling_key(self.by_code[h.code]) == key}
        )
        rival = max((h.score for h in hits if h.code not in group), default=0.0)
        return {
            "score": hits[0].score,
            "margin": hits[0].score - rival,
            "coverage": float(lex.coverage[row]),
            "evidence": float(lex.coverage[row] * lex.query_mass),
            # each signal on its own, with the sibling the question names preferred as in the blend
            "lexical_first": bool(
                lexical.size and lexical.max() > 0 and self.records[int(np.argmax(lexical))].code in group
            ),
            "dense_first": bool(dense.size and dense.max() > 0 and self.records[int(np.argmax(dense))].code in group),
        }

    def _sibling_key(self, row: int) -> tuple:
        return (self.families[row], self.actions[row], self.grades[row], self.modes[row], self.in_scope[row])

    def _variant_adjustment(self, cues: sib.Cues, folded: str = "") -> np.ndarray:
        """Prefer the variant of a procedure the question asks for (re-issue, renewal, amendment), and the
        plain procedure when it asks for none: "xin giấy phép đào tạo lái xe" means a new one. Likewise the
        grade of the works when the question names it ("nhà ở", "cấp II")."""
        bonus = self.params.action_bonus
        wanted = cues.actions - {sib.NEW}
        adjust = np.zeros(len(self.records), dtype=np.float32)
        if not wanted:
            adjust[self.variant] = -bonus if sib.NEW in cues.actions else -bonus / 2
        else:
            # nor, when it asks for one ("xây lên 3 tầng" of a granted permit), the plain procedure
            adjust[self.plain] = -bonus / 2
            for actions, rows in self._action_rows.items():
                if actions & wanted:
                    adjust[rows] = bonus
                elif actions:
                    adjust[rows] = -bonus / 2
        if _OWN_THING.search(folded):
            # "xe máy của tôi", "nhà mình": a person asking for their own thing, not an organisation's procedure
            # ("đủ điều kiện hoạt động kiểm định" is the testing station's, the test itself is the owner's).
            adjust[~self.for_individuals] -= self.params.grade_bonus
        if _OPENS_FACILITY.search(folded):
            # "mở trạm kiểm định khí thải", "thành lập trường dạy lái xe": the facility's own permission to
            # operate, not the service it will give (which the name words match as well or better).
            adjust[self.facility] += self.params.grade_bonus
        if cues.grade:
            graded = self.grades != ""
            adjust[graded & (self.grades == cues.grade)] += self.params.grade_bonus
            adjust[graded & (self.grades != cues.grade)] -= self.params.grade_bonus
        if cues.mode:  # "xe bồn" is a road vehicle: the inland-waterway namesake is not meant
            moded = self.modes != ""
            # a mode named is categorical ("xe tải" is never a boat), unlike a variant word that may be loose
            adjust[moded & (self.modes != cues.mode)] -= 2 * self.params.grade_bonus
        else:  # the province has no railway: a railway namesake is meant only when the question says so
            adjust[self.modes == sib.RAIL] -= self.params.grade_bonus / 2
        if not cues.abroad:
            adjust[self.abroad & self.in_scope] -= self.params.grade_bonus / 2
        elif cues.countries:
            # the permit for exactly the countries named; one for other countries (or a group) is not meant
            for row in np.flatnonzero(self.abroad & self.in_scope):
                named = self.countries[row]
                if named == cues.countries:
                    adjust[row] += self.params.grade_bonus
                elif not named & cues.countries:
                    adjust[row] -= self.params.grade_bonus
        if cues.duration:  # "đấu nối tạm" is the temporary permit, "lâu dài" its permanent namesake
            adjust[self.temporary] += (
                self.params.grade_bonus if cues.duration == sib.TEMPORARY else -self.params.grade_bonus
            )
        for (_, pattern), rows in self._verb_rows.items():
            if not pattern.search(folded):
                adjust[rows] -= self.params.action_bonus
        said = set(words(folded)) | ({"mien"} if _EXEMPT.search(folded) else set())
        for own, row in self.unsaid_case_rows:
            if not own & said:  # the question never says the case: the general procedure is meant
                adjust[row] -= self.params.grade_bonus
        return adjust

    def _ambiguous(self, hits: list[Hit], cues: sib.Cues, said: set[str] | None = None) -> list[str]:
        """Siblings of the first result, about as likely, that differ in what the question left unsaid:
        the variant (only when it asked for none of them) or the grade of the works. `said`: the question's
        folded words; a sibling for a special case the question never mentions is no choice beside the
        general procedure ("đăng kiểm xe máy chuyên dùng": not its "miễn kiểm định lần đầu" case)."""
        if not hits or not hits[0].in_scope:
            return []
        first = self.by_code[hits[0].code]
        fam = self.families[first]
        wanted = cues.actions - {sib.NEW}
        out = [hits[0].code]
        for hit in hits[1:]:
            row = self.by_code[hit.code]
            if not hit.in_scope or self.families[row] != fam or hits[0].score - hit.score > self.params.sibling_margin:
                continue
            same_action = self.actions[row] == self.actions[first]
            same_grade = self.grades[row] == self.grades[first]
            if same_action and same_grade:
                if self.subjects[row] == self.subjects[first]:
                    continue  # namesakes (a ministry's and the province's copy): nothing a citizen could choose
                # the case's own words: those the general procedure's name lacks ("miễn", not "kiểm định")
                own_case = self.special_cases[row] - set(words(fold(self.records[first].name)))
                unsaid_case = (
                    said is not None and bool(own_case) and not self.special_cases[first] and not own_case & said
                )
                if hits[0].score - hit.score <= self.params.case_margin and not unsaid_case:
                    out.append(hit.code)  # two cases of one act ("…đồng thời thay đổi…", "…nhưng không…")
                continue
            grade_open = not cues.grade and bool(self.grades[row]) and bool(self.grades[first])
            # a question without a variant word means the plain procedure, so only a variant word that fits
            # both ("cấp lại": lost or expired) leaves the variant open
            action_open = bool(wanted & self.actions[row]) and bool(wanted & self.actions[first])
            if (same_grade or grade_open) and (same_action or action_open):
                out.append(hit.code)
        return out if len(out) > 1 else []

    def _hit(self, row: int, score: float) -> Hit:
        r = self.records[row]
        return Hit(r.code, r.name, round(min(score, 1.0), 4), r.in_scope, r.agency, r.handled_at)


# Applicants that are organisations, not people ("Tổ chức …", "Doanh nghiệp …", "Hợp tác xã").
_ORGANISATION = re.compile(r"\b(?:to chuc|doanh nghiep|hop tac xa|co quan|don vi|chu dau tu|nha dau tu)\b")
# A person's own vehicle, house, boat or plot, said as theirs.
_OWN_THING = re.compile(
    r"\b(?:xe(?: may| o to| tai| con| khach)?|oto|o to|nha|can nha|can ho|tau|thuyen|ca no|ghe|dat|"
    r"manh dat|thua dat)(?: cua)? (?:toi|minh|em|tui|chung toi|gia dinh toi|nha toi)\b"
)
# Opening a place that serves the public: a station, centre, school or branch set up, not the service asked for.
_OPENS_FACILITY = re.compile(
    r"\b(?:mo|thanh lap|mo them|dua vao hoat dong)(?: \w+)? (?:co so|trung tam|tram|truong|chi nhanh)\b"
)
# What such a place needs before it opens: a certificate of eligibility, a training licence, an approval of the
# business itself.
_FACILITY_PERMIT = re.compile(
    r"\bdu dieu kien (?:hoat dong|kinh doanh)\b|\bgiay phep dao tao\b|"
    r"\bchap thuan co so kinh doanh\b"
)
_EXEMPT = words_pattern("exempt")
# The words of a "trong trường hợp …" clause that name a special case, not the generic ones around it.
_CASE_CLAUSE = re.compile(r"\btrong truong hop\b(.*)$")
_CASE_GENERIC = set("cua cho va cac duoc da co khong nhung lan dau cap".split())


def _special_case(name: str) -> frozenset[str]:
    """The special case a procedure's name reserves it for ("… trong trường hợp miễn kiểm định lần đầu")."""
    match = _CASE_CLAUSE.search(fold(name))
    return frozenset(w for w in words(match.group(1)) if w not in _CASE_GENERIC) if match else frozenset()


def _rows_by(values: list) -> dict:
    """Row numbers (an index array) for each distinct value of a per-record list."""
    rows: dict = {}
    for row, value in enumerate(values):
        rows.setdefault(value, []).append(row)
    return {value: np.array(found, dtype=np.int64) for value, found in rows.items()}
