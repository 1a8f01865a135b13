"""A citizen's message reduced to what is asked: the story that names the procedure, and the aspects asked.

Real questions tell a story first ("Nhà tôi ở thôn…, đất đã có sổ, giờ muốn phá nhà cấp 4 xây lại 2 tầng")
and ask at the end ("có phải xin phép không, nộp ở đâu, hết bao nhiêu tiền?"). Search must read the story
without the asks ("mất phí" is not a lost certificate, "ở đâu" names no procedure), the greetings and the
places (every citizen of the province lives in some commune), and the dialogue must answer every ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge_base.text import expand_abbreviations, fold, nfc, words
from knowledge_base.understanding.words import pattern as words_pattern

# Aspects, in the order an answer covers them.
PERMIT_NEEDED, DOCUMENTS, FEE, TIME, WHERE, ONLINE = "permit_needed", "documents", "fee", "time", "where", "online"
ASPECTS = (PERMIT_NEEDED, DOCUMENTS, FEE, TIME, WHERE, ONLINE)

# Patterns on the folded (accent-free, lower-case) text, whose characters line up one to one with the
# NFC text: a span found in the folded form is cut from the original. Each pattern is only the ask, so
# cutting it leaves the words that name the procedure ("xin giấy phép … ở đâu" keeps "xin giấy phép").
_ASKS: dict[str, str] = {
    DOCUMENTS: (
        r"(?:can |phai )?(?:nhung |cac )?giay to (?:gi|nao|ra sao|nhu the nao)|(?:can |phai )?(?:chuan bi|mang theo|mang)"
        r"(?: nhung)?(?: giay to| ho so)?(?: gi| nao)\b|ho so (?:gom|can|phai co|co)(?: nhung)?(?: gi| nao)|(?:can |phai co |phai nop )?(?:nhung )?ho so (?:gi|nao)\b|ho so (?:ra sao|nhu the nao|the nao)"
        r"|thanh phan ho so|(?:can|gom|co)(?: nhung)? gi\b|can chuan bi ho so gi"
        r"|(?:can |phai co |phai dap ung )?(?:nhung )?dieu kien(?: [a-z ]{0,30}?)? (?:la gi|gi|nao|nhu the nao|ra sao|the nao)"
    ),
    FEE: (
        r"(?:co )?(?:mat|ton|tra|nop) (?:phi|le phi)(?: gi| khong)?|(?:co )?(?:mat|ton|tra) tien (?:gi|khong|bao nhieu)|le phi(?: la| het| mat)?(?: bao nhieu| the nao| ra sao)?"
        r"|chi phi(?: la| het)?(?: bao nhieu| the nao| ra sao)?|(?:het|mat|ton)? ?bao nhieu tien|(?<!mien )\bphi\b(?: la)?(?: bao nhieu| the nao)?"
        r"|(?:het|ton) bao nhieu(?! ngay| lau| thang)"
    ),
    TIME: (
        r"(?:mat |het |trong |la )?(?:bao lau|bao nhieu thoi gian|may ngay|bao nhieu ngay|may thang|bao nhieu thang|bao nhieu lau)(?: thi| moi)?(?: co| duoc| xong)?(?: ket qua)?"
        r"|thoi (?:gian|han) (?:giai quyet|tham dinh|xu ly|cap|lam|tra ket qua)(?: la)?|(?:khi nao|bao gio) (?:thi )?(?:co|duoc|nhan|xong)(?: ket qua)?"
    ),
    WHERE: (
        r"(?:nop|lam|xin|gui|den|di)? ?(?:ho so )?(?:o|tai) dau|(?:nop|lam|gui|den|di) dau|(?:o )?co quan nao|noi nao|cho nao|ai (?:cap|giai quyet|tiep nhan)"
        r"|(?:nop|gui)(?: ho so)? cho ai|(?:nop |gui )?(?:qua )?(?:buu dien|buu chinh)(?: duoc)?(?: khong)?"
        r"|(?:o )?so xay dung hay (?:o )?(?:xa|phuong|huyen)|(?:o )?(?:so|tinh) hay (?:o )?(?:xa|phuong|huyen)"
    ),
    ONLINE: (
        r"(?:co )?(?:the )?(?:nop|lam|dang ky)? ?(?:ho so )?(?:online|truc tuyen|qua mang|tren mang|qua internet|qua dich vu cong)"
        r"(?: duoc)?(?: khong)?|dich vu cong truc tuyen"
    ),
    PERMIT_NEEDED: (
        r"co (?:(?:bat buoc|buoc|nhat thiet)(?: phai)?|phai|can)(?: phai)?(?: xin| co| lam| de nghi)?(?: cap)? (?:giay )?"
        r"(?:phep|chap thuan|thu tuc)(?: [a-z0-9 ]{0,40}?)? khong|co (?:bat buoc|phai|can) xin phep khong|(?:duoc )?mien (?:giay )?phep|khong can (?:xin )?(?:giay )?phep"
        r"|co (?:phai|can) (?:xin )?(?:giay phep|cap phep|chap thuan) (?:gi )?khong"
    ),
}
_ASK_RE = {aspect: re.compile(rf"\b(?:{pattern})\b") for aspect, pattern in _ASKS.items()}
# A message that is only an aspect's name, as one types on a phone after an answer ("hồ sơ", "giấy tờ cần có",
# "thời hạn", "nơi nộp"): an ask of that aspect. Only as the whole message: "hồ sơ" inside a sentence is as often
# the citizen's own file ("hồ sơ của tôi").
_BARE_ASKS: dict[str, str] = {
    DOCUMENTS: r"(?:thanh phan )?(?:ho so|giay to)(?: (?:ho so|giay to|can co|can thiet|kem theo|can nop|phai nop))?"
    r"|mau don|to khai|don de nghi",
    TIME: r"thoi (?:gian|han)(?: giai quyet| tra ket qua| xu ly)?",
    WHERE: r"noi (?:nop|tiep nhan)(?: ho so)?|dia (?:diem|chi) (?:nop|tiep nhan)(?: ho so)?|co quan (?:giai quyet|tiep nhan)",
}
_BARE_RE = {aspect: re.compile(rf"(?:{pattern})") for aspect, pattern in _BARE_ASKS.items()}

# Politeness, greetings and filler that never name a procedure.
_FILLER = re.compile(
    r"\b(?:xin chao|chao (?:anh chi|anh|chi|em|ban|so|ad|admin|cac anh chi)|kinh gui|kinh thua|(?:xin |tran trong )?cam on"
    r"(?: anh chi| so| ban| nhieu)?|cho (?:toi|em|minh|chau|hoi)(?: duoc)? hoi(?: la)?|xin hoi|toi muon hoi|em muon hoi|cho hoi|lam on|vui long"
    r"|nho (?:anh chi|so|ban) (?:tu van|huong dan|giup)|mong (?:duoc )?(?:so |anh chi )?(?:tu van|huong dan|giai dap|tra loi)"
    r"|xin tu van|(?:a|da|vang|nhe|nhi|the a|bao nhieu)(?=\s*(?:[.?!,;]|$)))\b"
)
# Places: the level word stays (it may tell a commune procedure from a provincial one), the name goes.
_PLACE_WORD = re.compile(
    r"\b(?:(?<!nong )thon|xom|ban|(?<!o )to|phuong|xa|huyen|thi tran|thanh pho|tp|tinh|quan|khu pho|to dan pho)\s+"
)
_PLACE_NAME = re.compile(
    r"(?:[A-ZĐ][^\W\d_]*(?:\s+|$|(?=[,.;:!?)]))){1,3}|\d+\b(?!\s*(?:tầng|m|m2|tấn|chỗ|xe|năm|tháng|ngày)\b)"
)
_KNOWN_PLACES = re.compile(r"\b(?:ha giang|tuyen quang|viet nam|ha noi)\b")
_DATES = re.compile(
    r"\b(?:(?:ngay|thang|nam) \d{1,4}(?:/\d{1,4}){0,2}|\d{1,2}/\d{1,2}/\d{2,4}|nam (?:ngoai|truoc|nay|roi))\b"
)
# Words lists shared with the understanding stage (knowledge_base/understanding/words.yml).
_OFFICE_NAMES = words_pattern("office_names")
_CLAUSE_BREAK = words_pattern("clause_break")
_STEP_DONE = words_pattern("step_done")
_STEP_ACT = words_pattern("step_act")
_STEP_AGAIN = words_pattern("step_again")
_SENTENCES = re.compile(r"(?<=[.!?;\n])\s+|\s*\n\s*")
LONG_WORDS = 18


@dataclass
class ReducedQuestion:
    """What a message asks: `story` names the procedure (search reads it), `aspects` are the asks in
    ASPECTS order (empty = a general question), `long` says it was several sentences or many words."""

    text: str
    story: str
    aspects: list[str] = field(default_factory=list)
    long: bool = False


def reduce_question(text: str) -> ReducedQuestion:
    # expand_abbreviations spaces punctuation out; a national code ("1.013225") must stay one piece
    original = re.sub(r"(?<=\d)\. (?=\d)", ".", expand_abbreviations(nfc(text)))
    folded = fold(original)
    if len(folded) != len(original):  # a character whose case or accent folding changes length: no cutting
        return ReducedQuestion(text=text, story=original, aspects=[a for a in ASPECTS if _ASK_RE[a].search(folded)])
    aspects = [a for a in ASPECTS if _ASK_RE[a].search(folded)]
    bare = re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", _FILLER.sub(" ", folded))).strip()
    if not aspects and (named := next((a for a, p in _BARE_RE.items() if p.fullmatch(bare)), None)):
        return ReducedQuestion(text=text, story="", aspects=[named])
    spans: list[tuple[int, int]] = []
    for aspect, pattern in _ASK_RE.items():
        if aspect != PERMIT_NEEDED:  # "có phải xin phép xây nhà không" still names the procedure
            spans += [m.span() for m in pattern.finditer(folded)]
    spans += [m.span() for m in _FILLER.finditer(folded)]
    spans += [m.span() for m in _KNOWN_PLACES.finditer(folded)]
    spans += [m.span() for m in _OFFICE_NAMES.finditer(folded)]
    spans += [m.span() for m in _DATES.finditer(folded)]
    spans += _place_names(original, folded)
    story = _cut(original, spans)
    word_count = len(re.findall(r"\w+", original))
    sentences = [s for s in _SENTENCES.split(original) if re.search(r"\w", s)]
    return ReducedQuestion(
        text=text, story=story, aspects=aspects, long=word_count >= LONG_WORDS or len(sentences) >= 3
    )


def _place_names(original: str, folded: str) -> list[tuple[int, int]]:
    """The name after a place word ("phường Minh Xuân", "tổ 5"): capitals in the original mark it."""
    spans = []
    for m in _PLACE_WORD.finditer(folded):
        name = _PLACE_NAME.match(original, m.end())
        if name:
            spans.append(name.span())
    return spans


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        for i in range(start, end):
            keep[i] = False
    out = "".join(ch if keep[i] else " " for i, ch in enumerate(text))
    out = re.sub(r"\s+([,.;:?!])", r"\1", re.sub(r"\s+", " ", out))
    out = re.sub(r"([,.;:?!])(?:\s*[,.;:?!])+", r"\1", out)  # ", ," left where an ask was cut
    return out.strip(" ,;:")


def words_of_steps_done(story: str) -> set[str]:
    """The folded words a story says only about steps already behind the citizen ("nhiệm vụ quy hoạch đã được
    duyệt, nay lập xong đồ án thì nộp ai thẩm định": "nhiệm vụ", "duyệt"). They tell the situation, not what is
    asked: the procedure that performs a done step is not the one wanted. Empty when nothing else is left, or when
    the ask redoes a step ("đã được công bố …, giờ phải công bố lại"): the step done is then its object."""
    folded = fold(story)
    if _STEP_AGAIN.search(folded):
        return set()
    clauses = [c for c in _CLAUSE_BREAK.split(folded) if c and c.strip()]
    done = [c for c in clauses if _STEP_DONE.search(c.strip()) and _STEP_ACT.search(c)]
    rest = [c for c in clauses if c not in done]
    if not done or not any(words(c) for c in rest):
        return set()
    return {w for c in done for w in words(c)} - {w for c in rest for w in words(c)}
