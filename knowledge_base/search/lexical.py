"""Accent-insensitive keyword matching between a question and every name/alias of every procedure.

Each name or alias is a unit; a unit scores by how much of the question's information (IDF-weighted
syllables and syllable pairs) it covers and how much of itself the question covers. A procedure scores as
its best unit. Vietnamese words are mostly two syllables, so syllable pairs stand in for words without a
word segmenter. Typos are corrected against the vocabulary of the units before matching.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from knowledge_base.text import fold, normalise_grades, words

# Question and filler words: they say what the citizen wants to know about a procedure, not which one.
STOPWORDS = frozenset(
    """
    toi minh em anh chi ban_ chung ta a ah oi nhe nhi vay day thoi cho hoi muon can phai co khong duoc la gi
    nao the nhu sao lam o dau bao lau nhieu may ngay tien phi le nop ho so giay to gom nhung cac cua va voi
    trong tai de khi neu thi_ da dang se bi roi nay do ay hay hoac ve tu den len ra vao mot nhe nha_ vui long
    thu tuc duoc xin_ tuyen quang giang ha phuong tinh huyen xa thon to_ minh_ hien gio ai u uh vang
    """.split()
)
STOPWORDS = frozenset(w for w in STOPWORDS if not w.endswith("_"))

# Intent phrases removed before splitting, where a stop list would be wrong ("mất" alone = lost).
_INTENT = re.compile(
    r"\b(?:mat bao lau|bao lau thi co|bao lau|mat may ngay|may ngay|bao nhieu ngay|het bao nhieu tien|bao nhieu tien"
    r"|het bao nhieu|bao nhieu|le phi|chi phi|giay to gi|nhung giay to|giay to|can nhung gi|gom nhung gi|nhung gi"
    r"|nhu the nao|the nao|lam sao|o dau|nop dau|cho toi hoi|xin hoi|co duoc khong|duoc khong|co can|co phai"
    r"|thu tuc|can dieu kien gi|dieu kien gi)\b"
)
UNIT_SHARE = 0.75
# Everyday words that are not in any procedure: known to be real words, so never "corrected" into a
# procedure's vocabulary ("ngon" is not a typo of "ngân"); they count as information no procedure covers.
CHAT_WORDS = frozenset(
    """
    chao hello hi alo ok oke okay cam on thanks ten ngon an uong thoi tiet hom nay mai qua vui buon yeu dep
    bot robot khoe zalo facebook hotline email dien thoai sdt giam doc truong phong gio mo cua dong cua
    """.split()
)
_TELEX_TONE = re.compile(r"^(\w+?)[sfrxj]$")


def tokens(text: str, strip_intent: bool = False) -> list[str]:
    folded = fold(text)
    if strip_intent:
        folded = _INTENT.sub(" | ", folded)
    return normalise_grades([w for w in words(folded)])


def terms(toks: list[str]) -> list[str]:
    """Informative syllables plus adjacent pairs (pairs keep "nha o", "xa hoi" even though "o", "xa" are stop)."""
    out = [t for t in toks if t not in STOPWORDS and not t.isdigit() and len(t) > 1]
    for a, b in zip(toks, toks[1:]):
        if not (a in STOPWORDS and b in STOPWORDS):
            out.append(f"{a} {b}")
    return out


@dataclass
class LexicalMatch:
    scores: np.ndarray  # per procedure, 0..1
    coverage: np.ndarray  # per procedure: share of the question's information all its texts together cover
    query_terms: list[str]
    unknown: list[str]  # informative words of the question found nowhere in the knowledge base
    query_mass: float = 0.0  # IDF mass of the question's informative terms (unknown ones at the maximum)


class LexicalIndex:
    def __init__(self, units: list[tuple[int, str, float]], n_docs: int):
        """units: (procedure index, text, weight of that kind of text)."""
        self.n_docs = n_docs
        unit_terms = [sorted(set(terms(tokens(text)))) for _, text, _ in units]
        df: Counter = Counter()
        doc_terms: dict[str, set[int]] = defaultdict(set)
        for (doc, _, _), ts in zip(units, unit_terms):
            for t in ts:
                doc_terms[t].add(doc)
        for t, docs in doc_terms.items():
            df[t] = len(docs)
        self.vocab = {t: i for i, t in enumerate(sorted(df))}
        self.idf = np.array([np.log(1.0 + n_docs / df[t]) for t in sorted(df)], dtype=np.float32)
        self.max_idf = float(np.log(1.0 + n_docs))
        rows, cols, vals = [], [], []
        for r, ts in enumerate(unit_terms):
            for t in ts:
                c = self.vocab[t]
                rows.append(r)
                cols.append(c)
                vals.append(self.idf[c])
        self.matrix = sparse.csr_matrix(
            (np.array(vals, dtype=np.float32), (rows, cols)), shape=(len(units), len(self.vocab))
        )
        self.unit_mass = np.asarray(self.matrix.sum(axis=1)).ravel() + 1e-6
        # All texts of a procedure together: "gia hạn" from the name plus "kiến trúc sư" from an alias.
        owner = sparse.csr_matrix(
            (np.ones(len(units), dtype=np.float32), ([d for d, _, _ in units], np.arange(len(units)))),
            shape=(n_docs, len(units)),
        )
        self.doc_matrix = (owner @ self.matrix).tocsr()
        self.doc_matrix.data = self.idf[self.doc_matrix.indices]
        self.unit_doc = np.array([d for d, _, _ in units], dtype=np.int64)
        self.unit_weight = np.array([w for _, _, w in units], dtype=np.float32)
        self._speller = Speller(Counter(t for ts in unit_terms for t in ts if " " not in t))

    def correct(self, toks: list[str]) -> list[str]:
        return self._speller.correct(toks)

    def match(self, toks: list[str]) -> LexicalMatch:
        qterms = list(dict.fromkeys(terms(toks)))
        known = [t for t in qterms if t in self.vocab]
        unknown = [t for t in qterms if t not in self.vocab and " " not in t]
        scores = np.zeros(self.n_docs, dtype=np.float32)
        coverage = np.zeros(self.n_docs, dtype=np.float32)
        if not known:
            return LexicalMatch(scores, coverage, qterms, unknown)
        cols = np.array([self.vocab[t] for t in known])
        qmass = float(self.idf[cols].sum()) + self.max_idf * len(unknown)
        qvec = np.zeros(len(self.vocab), dtype=np.float32)
        qvec[cols] = 1.0
        matched = self.matrix @ qvec
        hit = np.nonzero(matched)[0]
        if hit.size == 0:
            return LexicalMatch(scores, coverage, qterms, unknown)
        m = matched[hit]
        q_cov = m / qmass
        u_cov = m / self.unit_mass[hit]
        unit_scores = self.unit_weight[hit] * (0.7 * q_cov + 0.3 * u_cov)
        docs = self.unit_doc[hit]
        np.maximum.at(scores, docs, unit_scores)  # a procedure is as good as its best name or alias
        coverage = ((self.doc_matrix @ qvec) / qmass).astype(np.float32)
        scores = UNIT_SHARE * scores + (1.0 - UNIT_SHARE) * coverage
        return LexicalMatch(scores, coverage, qterms, unknown, qmass)


class Speller:
    """Edit-distance-1 correction against the knowledge base's own syllables, plus Telex leftovers."""

    def __init__(self, counts: Counter):
        self.counts = counts
        self._deletes: dict[str, list[str]] = defaultdict(list)
        for word in counts:
            for d in _deletes(word):
                self._deletes[d].append(word)

    def correct(self, toks: list[str]) -> list[str]:
        out: list[str] = []
        for tok in toks:
            if tok in self.counts or tok in STOPWORDS or tok in CHAT_WORDS or not tok.isalpha() or len(tok) < 3:
                out.append(tok)
                continue
            out.extend(self._fix(tok))
        return out

    def _fix(self, tok: str) -> list[str]:
        # Telex typed without the IME: "xaay" (â), "nhaf" (tone key), "ddat" (đ)
        telex = re.sub(r"([aeo])\1", r"\1", tok).replace("dd", "d").replace("w", "")
        match = _TELEX_TONE.match(telex)
        for candidate in (telex, match.group(1) if match else None):
            if candidate and candidate in self.counts:
                return [candidate]
        candidates: set[str] = set(self._deletes.get(tok, ()))
        for d in _deletes(tok):
            if d in self.counts:
                candidates.add(d)
            candidates.update(w for w in self._deletes.get(d, ()) if _distance_le1(tok, w))
        if candidates:
            return [max(candidates, key=lambda w: (self.counts[w], w))]
        # two words typed without a space: "xaynha"
        for i in range(2, len(tok) - 1):
            left, right = tok[:i], tok[i:]
            if left in self.counts and right in self.counts:
                return [left, right]
        return [tok]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _distance_le1(a: str, b: str) -> bool:
    """Substitution or adjacent transposition (insertions/deletions are found by the delete index itself)."""
    if len(a) != len(b):
        return True
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) <= 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
