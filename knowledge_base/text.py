"""Vietnamese text normalisation, the one place every component (channels, indexer, queries) uses."""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.UNICODE)
# Tokens for rewriting keep punctuation as separate pieces so the text can be put back together.
_PIECES = re.compile(r"\w+|[^\w\s]+", re.UNICODE)


def nfc(text: str) -> str:
    """NFC with collapsed whitespace: citizens' keyboards produce both composed and decomposed accents."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


_NONSPACING: dict[int, None] = {}


def _nonspacing() -> dict[int, None]:
    """Every combining mark (category Mn), to delete with str.translate: the same as testing each character's
    category, but in C. Search folds hundreds of texts per question, so the per-character test was most of an
    impact check's time. Built on first use (about 0.2 s), not at import."""
    if not _NONSPACING:
        _NONSPACING.update({cp: None for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Mn"})
    return _NONSPACING


def strip_accents(text: str) -> str:
    """Remove Vietnamese diacritics ("Xây dựng" -> "Xay dung"); đ/Đ are letters of their own, not accents."""
    bare = unicodedata.normalize("NFD", text).translate(_nonspacing())
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


# Building a ranker folds every alias and name of the knowledge base, and an impact check builds one per
# proposed change over mostly the same texts: remembered, a rebuild folds only what changed.
@functools.lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Lower-case, accent-free form used for accent-insensitive matching."""
    return strip_accents(nfc(text)).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def has_accents(word: str) -> bool:
    return strip_accents(word) != word


# --- abbreviations ----------------------------------------------------------------------------------
# Keys are folded single tokens, so "GPXD", "gpxđ" and "Gpxd" all match. Only abbreviations seen in
# citizens' messages or in the portal's own shorthand; ambiguous two-letter forms are resolved by the
# reading citizens use most in questions to a construction department (dc = được, not địa chỉ).
ABBREVIATIONS: dict[str, str] = {
    # domain
    "gpxd": "giấy phép xây dựng",
    "gphdxd": "giấy phép hoạt động xây dựng",
    "cchn": "chứng chỉ hành nghề",
    "ccnl": "chứng chỉ năng lực",
    "noxh": "nhà ở xã hội",
    "nocv": "nhà ở công vụ",
    "bds": "bất động sản",
    "mgbds": "môi giới bất động sản",
    "sxd": "Sở Xây dựng",
    "xd": "xây dựng",
    "hdxd": "hoạt động xây dựng",
    "vlxd": "vật liệu xây dựng",
    "htkt": "hạ tầng kỹ thuật",
    "qh": "quy hoạch",
    "qhxd": "quy hoạch xây dựng",
    "gp": "giấy phép",
    "gcn": "giấy chứng nhận",
    "qsdd": "quyền sử dụng đất",
    "gcnqsdd": "giấy chứng nhận quyền sử dụng đất",
    "pccc": "phòng cháy chữa cháy",
    "kcn": "khu công nghiệp",
    "kkt": "khu kinh tế",
    "bcnckt": "báo cáo nghiên cứu khả thi",
    "tkcs": "thiết kế cơ sở",
    "tkxd": "thiết kế xây dựng",
    "kts": "kiến trúc sư",
    "cdt": "chủ đầu tư",
    "bqlda": "ban quản lý dự án",
    "ubnd": "Ủy ban nhân dân",
    "hdnd": "Hội đồng nhân dân",
    "dvc": "dịch vụ công",
    "tthc": "thủ tục hành chính",
    "hcc": "hành chính công",
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "gplx": "giấy phép lái xe",
    "dkkd": "đăng ký kinh doanh",
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "cty": "công ty",
    "dn": "doanh nghiệp",
    "tp": "thành phố",
    "sdt": "số điện thoại",
    # chat shorthand
    "ko": "không",
    "k": "không",
    "kg": "không",
    "khg": "không",
    "hok": "không",
    "hem": "không",
    "dc": "được",
    "dk": "đăng ký",
    "j": "gì",
    "ji": "gì",
    "bn": "bao nhiêu",
    "bnhieu": "bao nhiêu",
    "nhiu": "nhiêu",
    "hs": "hồ sơ",
    "ls": "lệ phí",
    "fi": "phí",
    "ntn": "như thế nào",
    "lm": "làm",
    "ng": "người",
    "vs": "với",
    "trc": "trước",
    "mun": "muốn",
    "mk": "mình",
    "bh": "bao giờ",
    "r": "rồi",
    "oy": "rồi",
    "thui": "thôi",
    "onl": "online",
    "vn": "Việt Nam",
}

# "đk gì" asks for conditions; "đk" elsewhere is registering.
_DK_CONDITIONS_NEXT = {"gi", "j", "ji", "nao", "gì"}


def expand_abbreviations(text: str) -> str:
    """Spell out abbreviations and chat shorthand, keeping every other token as written."""
    pieces = _PIECES.findall(nfc(text))
    out: list[str] = []
    for i, piece in enumerate(pieces):
        key = fold(piece)
        if key == "k" and i > 0 and pieces[i - 1].isdigit():
            out.append("nghìn")  # "500k" is money, not "không"
            continue
        if key == "dk":
            following = fold(pieces[i + 1]) if i + 1 < len(pieces) else ""
            out.append("điều kiện" if following in _DK_CONDITIONS_NEXT else "đăng ký")
            continue
        replacement = ABBREVIATIONS.get(key)
        if replacement is not None and piece.isalpha():
            out.append(replacement)
            continue
        # Vietnamese spelling has no f: chat writes "fí", "fép" for "phí", "phép".
        if piece[:1] in ("f", "F") and piece.isalpha() and len(piece) > 1:
            out.append(("Ph" if piece[0] == "F" else "ph") + piece[1:])
            continue
        out.append(piece)
    return _join(out)


def _join(pieces: list[str]) -> str:
    text = " ".join(pieces)
    return re.sub(r"\s+([,.;:?!)\]])", r"\1", text)


# --- roman numerals ---------------------------------------------------------------------------------
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
_GRADE_WORDS = {"cap", "hang", "loai", "nhom", "bac"}


def normalise_grades(tokens: list[str]) -> list[str]:
    """On folded tokens: "cap ii" -> "cap 2" so "cấp II" and "cấp 2" match; "hạng III" likewise."""
    out = list(tokens)
    for i in range(1, len(out)):
        if out[i] in _ROMAN and out[i - 1] in _GRADE_WORDS:
            out[i] = _ROMAN[out[i]]
    # "cấp I, II" / "cấp I và cấp II": a numeral right after a numeral of the same list
    for i in range(2, len(out)):
        if out[i] in _ROMAN and out[i - 1] in ("va", "hoac") and out[i - 2].isdigit():
            out[i] = _ROMAN[out[i]]
    return out


# --- accent restoration -----------------------------------------------------------------------------
# Everyday question words a no-diacritic question is made of, so the restorer also knows them when the
# procedure texts do not contain them.
_EVERYDAY = """
ở đâu nộp ở đâu làm ở đâu nộp hồ sơ ở đâu mất bao lâu bao lâu thì có mất mấy ngày bao nhiêu ngày
bao nhiêu tiền lệ phí bao nhiêu phí bao nhiêu hết bao nhiêu tiền cần giấy tờ gì cần những giấy tờ gì
cần những gì gồm những gì hồ sơ gồm những gì thủ tục như thế nào làm thế nào làm sao thế nào
có được không có cần không có phải không có phải xin phép không xin phép xin giấy phép
muốn xây nhà xây nhà ở nhà 3 tầng mấy tầng sửa nhà sửa chữa cải tạo nhà ở riêng lẻ tôi muốn cho tôi hỏi
mất giấy phép làm lại cấp lại bị mất hết hạn gia hạn đăng ký mua thuê nhà trên đất của tôi
chứng chỉ hành nghề giám sát thiết kế định giá khảo sát nhà ở xã hội bất động sản
làm sổ đỏ sổ hồng làm gì làm giấy phép công ty doanh nghiệp cá nhân hộ gia đình người dân được không trực tuyến online qua mạng
"""


class AccentRestorer:
    """Puts diacritics back on a no-diacritic question ("xin phep xay nha" -> "xin phép xây nhà").

    A bigram model over the knowledge base's own wording: the procedure names and aliases say how the
    domain's words are spelt, so a dense model trained on accented Vietnamese can read the question.
    """

    def __init__(self, texts: Iterable[str]):
        self._forms: dict[str, Counter] = defaultdict(Counter)
        self._bigrams: Counter = Counter()
        for text in list(texts) + [_EVERYDAY]:
            toks = [w.lower() for w in words(nfc(text))]
            for tok in toks:
                self._forms[fold(tok)][tok] += 1
            for a, b in zip(toks, toks[1:]):
                self._bigrams[(a, b)] += 1
        self._counts: Counter = Counter()
        for forms in self._forms.values():
            self._counts.update(forms)
        self._total = sum(self._counts.values()) + 1.0
        self._left: Counter = Counter()
        for (a, _), n in self._bigrams.items():
            self._left[a] += n

    def knows(self, word: str) -> bool:
        """Whether this exact spelling (lower-cased) occurs in the texts."""
        return word.lower() in self._forms.get(fold(word), ())

    def restore(self, text: str) -> str:
        pieces = _PIECES.findall(nfc(text))
        # Restore only words typed without accents; an accented word is already what the citizen meant.
        slots = {i for i, p in enumerate(pieces) if p.isalpha() and not has_accents(p) and fold(p) in self._forms}
        if not slots:
            return nfc(text)
        result = list(pieces)
        run: list[int] = []
        for i, piece in enumerate(pieces + ["."]):
            if piece.isalnum():
                run.append(i)
                continue
            self._decode(run, pieces, slots, result)
            run = []
        for i in slots:  # keep the citizen's capital letter
            if pieces[i][:1].isupper():
                result[i] = result[i][:1].upper() + result[i][1:]
        return _join(result)

    def _decode(self, run: list[int], pieces: list[str], slots: set[int], result: list[str]) -> None:
        """Viterbi over one run of words (punctuation breaks the chain)."""
        if not any(i in slots for i in run):
            return
        best: dict[str, tuple[float, tuple[str, ...]]] = {"": (0.0, ())}
        for i in run:
            if i in slots:
                options = [form for form, _ in self._forms[fold(pieces[i])].most_common(6)]
            else:
                options = [pieces[i].lower()]
            new: dict[str, tuple[float, tuple[str, ...]]] = {}
            for option in options:
                new[option] = max(
                    (
                        (score + (self._bigram(prev, option) if prev else self._unigram(option)), path + (option,))
                        for prev, (score, path) in best.items()
                    ),
                    key=lambda item: item[0],
                )
            best = new
        _, path = max(best.values(), key=lambda item: item[0])
        for i, form in zip(run, path):
            if i in slots:
                result[i] = form

    def _unigram(self, form: str) -> float:
        return math.log((self._counts.get(form, 0) + 0.5) / self._total)

    def _bigram(self, prev: str, cur: str) -> float:
        """log P(cur | prev), interpolated with the word's own frequency for unseen pairs."""
        p_uni = (self._counts.get(cur, 0) + 0.5) / self._total
        return math.log((self._bigrams.get((prev, cur), 0) + 2.0 * p_uni) / (self._left.get(prev, 0) + 2.0))
