"""Sibling procedures: one object, several variants (new / renew / reissue / amend / convert; works of grade
III–IV at the commune / grade I–II at the department). The words that tell them apart are few ("mất",
"hết hạn", "cấp II", "nhà ở"); this module reads them from procedure names and from questions.

All patterns work on folded text (accent-free, lower case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.text import fold, nfc

NEW, RENEW, REISSUE, AMEND, CONVERT, ADD = "new", "renew", "reissue", "amend", "convert", "add"
REPAIR, RELOCATE = "repair", "relocate"  # the building permit's other kinds of works: repair / renovate, move
LOW, HIGH = "grade_3_4", "grade_1_2"  # works of grade III–IV (and houses) / special, I, II
ROAD, WATER, RAIL = "road", "water", "rail"  # the same permit exists per mode of transport

# --- procedures ----------------------------------------------------------------------------------------
_NAME_ACTION = (
    # "Công bố lại" a bus station or port: announced again after a change, never the first announcement.
    (REISSUE, re.compile(r"^(?:thu tuc )?(?:cap|cong bo) lai\b")),
    (RENEW, re.compile(r"^(?:thu tuc )?gia han\b")),
    (AMEND, re.compile(r"^(?:thu tuc )?(?:cap )?dieu chinh\b")),
    (CONVERT, re.compile(r"^(?:thu tuc )?(?:cap )?(?:chuyen doi|cap doi|doi)\b")),
    (REPAIR, re.compile(r"^(?:thu tuc )?cap giay phep xay dung sua chua\b")),
    (RELOCATE, re.compile(r"^(?:thu tuc )?cap giay phep di doi\b")),
)
# "Cấp, cấp lại X" serves both a first and a lost one: no variant to prefer or avoid.
_BOTH = re.compile(r"^(?:thu tuc )?cap,? (?:cap lai|cap bo sung)")
# "Cấp bổ sung xe tập lái, cấp lại …": more of what a permit already covers (and a lost one), not a first permit.
_NAME_ADD = re.compile(r"^(?:thu tuc )?cap bo sung\b")
# What a "cấp lại" really covers is in its qualifier ("… khi có sự thay đổi nội dung", "… đã hết hạn").
_QUAL_LOST = re.compile(r"\b(?:mat|hong|rach|chay|tieu huy|huy hoai|ghi sai)\b")
_QUAL_EXPIRED = re.compile(r"\bhet han\b")
_QUAL_CHANGED = re.compile(r"\b(?:thay doi|dieu chinh)\b")
_NAME_LOW = re.compile(r"\bcap iii, cap iv\b")
_NAME_HIGH = re.compile(r"\bcap dac biet, cap i\b")


def serves_first_and_more(name: str) -> bool:
    """ "Cấp, cấp lại X": the first paper and a lost one alike, so no variant asked makes it the wrong one."""
    return bool(_BOTH.search(fold(name)))


def procedure_actions(name: str) -> frozenset[str]:
    """Variants a procedure serves; empty = the plain (first-time) procedure."""
    folded = fold(name)
    if _BOTH.search(folded):
        return frozenset()
    if _NAME_ADD.search(folded):
        return frozenset({ADD, REISSUE} if re.search(r"\bcap lai\b", folded) else {ADD})
    action = next((a for a, pattern in _NAME_ACTION if pattern.search(folded)), "")
    if action != REISSUE:
        return frozenset({action}) if action else frozenset()
    qualifier = folded[len("cap lai") :] if folded.startswith("cap lai") else folded
    found = set()
    if _QUAL_LOST.search(qualifier):
        found.add(REISSUE)
    if _QUAL_EXPIRED.search(qualifier):
        found.add(RENEW)
    if _QUAL_CHANGED.search(qualifier):
        found.add(AMEND)
    return frozenset(found or {REISSUE})


_NAME_MODE = (
    (WATER, re.compile(r"\b(?:thuy noi dia|duong thuy|ben thuy|cang thuy|tau lan|thuy phi co)\b")),
    (RAIL, re.compile(r"\b(?:duong sat|lai tau|duong ngang)\b")),
    (ROAD, re.compile(r"\b(?:duong bo|xe o to|xe co gioi|lai xe|xe may chuyen dung|ben xe)\b")),
)


def procedure_mode(name: str) -> str:
    folded = fold(name)
    return next((mode for mode, pattern in _NAME_MODE if pattern.search(folded)), "")


# Cross-border transport (Laos, Cambodia, China, GMS, ASEAN) has domestic namesakes; a question that names no
# other country or border means the domestic one.
_NAME_ABROAD = re.compile(r"\b(?:giua viet nam|quoc te|gms|asean|qua bien gioi|lien van|campuchia|trung quoc|lao)\b")
_ASK_ABROAD = re.compile(
    r"\b(?:lao(?! dong)|campuchia|trung quoc|quoc te|gms|asean|nuoc ngoai|qua bien gioi|cua khau|lien van"
    r"|xuat canh|nhap canh|sang nuoc ban)\b"
)


# A temporary permit has a permanent namesake ("đấu nối tạm" / "đấu nối"): read on the accented name, since
# folded "tam" is also "tâm" (centre) and "tám" (eight).
_TEMPORARY = re.compile(r"\btạm\b", re.IGNORECASE)
_ASK_TEMPORARY_FOLDED = re.compile(r"\btam thoi\b|\b(?:dau noi|ket noi|nut giao|cong trinh|duong|cau|ben) tam\b")
_ASK_PERMANENT = re.compile(r"\b(?:lau dai|vinh vien|khong thoi han)\b")
TEMPORARY, PERMANENT = "temporary", "permanent"


def procedure_temporary(name: str) -> bool:
    return bool(_TEMPORARY.search(name))


def without_temporary(name: str) -> str:
    """`name` without its "tạm (thời)": the permanent namesake's words."""
    return re.sub(r"\s+", " ", re.sub(r"(?i)\btạm(?:\s+thời)?\b", "", nfc(name))).strip()


def procedure_abroad(name: str) -> bool:
    return bool(_NAME_ABROAD.search(fold(name)))


# The country (or group) a cross-border permit is for: "sang Lào" is the Viet Nam–Laos permit, not the GMS one.
_COUNTRIES = (
    ("lao", re.compile(r"\blao\b(?! dong)")),
    ("campuchia", re.compile(r"\bcam ?pu ?chia\b")),
    ("trung quoc", re.compile(r"\btrung quoc\b")),
    ("asean", re.compile(r"\basean\b")),
    ("gms", re.compile(r"\bgms\b|\btieu vung (?:song )?me ?kong\b")),
)


def countries(text: str) -> frozenset[str]:
    """Countries and groups named in a folded or unfolded text."""
    folded = fold(text)
    return frozenset(country for country, pattern in _COUNTRIES if pattern.search(folded))


# Procedures a citizen does not start by naming their object: recognising an organisation, revoking, dismissing,
# enforcing, closing. "Chứng chỉ năng lực hạng III" does not ask to recognise the body that issues it.
_AUTHORITY_VERB = re.compile(r"^(?:thu tuc )?(cong nhan|thu hoi|mien nhiem|cuong che|bai bo|cham dut|xoa dang ky)\b")


def authority_verb(name: str) -> str:
    """The verb of such a procedure ("" for the usual ones a citizen applies for)."""
    match = _AUTHORITY_VERB.search(fold(name))
    return match.group(1) if match else ""


def procedure_grade(name: str) -> str:
    folded = fold(name)
    if _NAME_LOW.search(folded):
        return LOW
    if _NAME_HIGH.search(folded):
        return HIGH
    return ""


_FAMILY_PREFIX = re.compile(
    r"^(?:thu tuc )?(?:cap,? cap lai|cap moi|cap lai|cap dieu chinh|dieu chinh|gia han|cap chuyen doi|chuyen doi|cap doi|cap)\s+"
)
_FAMILY_CUT = re.compile(r"\s*(?:\(|\bdoi voi\b|\btrong truong hop\b|\bkhi\b|\bdo\b|\bcho cac\b|,|;|\.).*$")


def without_variant(name: str) -> str:
    """`name` as written, without its leading variant words ("Cấp mới …" → "…"); folding keeps NFC lengths."""
    name = nfc(name)
    match = _FAMILY_PREFIX.match(fold(name))
    return name[match.end() :] if match else name


def family(name: str) -> str:
    """What the procedure is about without its variant and grade: siblings share it."""
    folded = fold(name)
    rest = _FAMILY_PREFIX.sub("", folded)
    rest = _FAMILY_CUT.sub("", rest)
    rest = re.sub(r"\b(?:moi|cong trinh cap .*)$", "", rest).strip()
    return re.sub(r"\s+", " ", rest)


# --- questions -----------------------------------------------------------------------------------------
_ASK_ACTION = (
    (
        RENEW,
        re.compile(
            r"\b(?:gia han|het han|sap het han|gan het han|qua han|het hieu luc|chua khoi cong|qua 12 thang"
            r"|keo dai (?:them )?(?:thoi han|hieu luc)(?! su dung)(?: (?:cua )?(?:giay phep|chung chi|phu hieu))?)\b"
        ),
    ),
    (
        REISSUE,
        re.compile(
            r"\b(?:mat(?! (?:phi|tien|bao|may|thoi|nhieu|ngay|cong|lon|thang|bang|duong|dat|nuoc|hang|truoc|sau|ngoai))|that lac|bi hong|hu hong|hong mat|rach|bi chay"
            r"|chay mat|uot|nat|mo het chu|(?:bi )?(?:ghi|in) sai|in lai|cap lai|xin lai|cong bo lai|lam lai (?:giay|chung chi|phu hieu|the|ban|bang))\b"
        ),
    ),
    (
        AMEND,
        re.compile(
            r"\b(?:dieu chinh|sua doi|doi ten|thay doi (?:thiet ke|noi dung|thong tin|ten|dia chi|tru so|hang|quy mo|dien tich"
            r"|so tang|cong nang|chieu cao|bo tri|mat bang|ket cau chinh)|so voi giay phep(?: da| duoc)? cap"
            # "đã có giấy phép 2 tầng, giờ muốn xây lên 3 tầng": a change to a permit already granted
            r"|(?:da co|da duoc cap|duoc cap) (?:giay )?phep[^.?!]{0,60}?(?:xay (?:them|len)|nang (?:them|len)|them \w+ tang))\b"
        ),
    ),
    (CONVERT, re.compile(r"\b(?:chuyen doi|cap doi|doi (?:sang |lai )?(?:chung chi|giay phep|bang|phu hieu))\b")),
    # more vehicles on a permit the citizen holds ("bổ sung thêm xe tập lái"); not "bổ sung hồ sơ"
    (ADD, re.compile(r"\b(?:bo sung|them) (?:them )?(?:xe|phuong tien|tau)\b")),
    # works on what already stands, told by the part redone: a storey or a floor raised, a roof or wall pulled
    # down and redone ("đổ thêm tầng tum", "nâng nền", "đập mái làm lại")
    (
        REPAIR,
        re.compile(
            r"\b(?:sua chua|sua lai|sua nha|cai tao|nang cap|coi noi|mo rong nha|nang (?:tang|nen|cot nen)|gia co"
            r"|(?:do|xay|lam|coi) them (?:mot |1 |hai |2 )?tang|(?:dap|do|pha|thay|lop|lam lai|sua) (?:bo |lai )?"
            r"(?:mai|tuong|san thuong)|thay (?:toan bo )?(?:he )?(?:mai|ket cau|xa go)|(?:mai|tuong) (?:lam|lop|xay) lai)\b"
        ),
    ),
    # moving a whole building, told by how ("kích lên dời nguyên căn", "dịch lùi cả cái miếu")
    (
        RELOCATE,
        re.compile(
            r"\b(?:di doi|di chuyen (?:nha|cong trinh)|doi (?:nguyen|ca) (?:can|ngoi|cai)|(?:dich|doi) lui"
            r"|kich (?:nang|len)(?: ca| nguyen)?(?: can| ngoi| cai)?)\b"
        ),
    ),
    # building a house is new works, whatever stood there before ("phá nhà cũ để xây nhà 3 tầng"); "giấy phép
    # xây nhà" is only the permit's name
    (
        NEW,
        re.compile(
            r"\b(?:thanh lap|lan dau|cap moi|xin moi|lam moi|chua co|mo (?:san|trung tam|co so|them)"
            r"|(?<!phep )xay (?:moi|lai|dung moi|nha|can nha|ngoi nha))\b"
        ),
    ),
)
_ASK_LOW = re.compile(
    r"\bcap (?:3|4|iii|iv|ba|bon)\b|\bnha (?:o|dan|ong|go|cu|tam|cap 4|rieng le|\d+ tang|(?:mot|hai|ba|bon) tang"
    r"|toi|minh|em|gia dinh)\b|\b(?:xay|sua|cai tao|coi noi|nang tang) (?:lai )?nha\b|\bcan nha\b|\bngoi nha\b"
)
_ASK_MODE = (
    (
        WATER,
        re.compile(
            r"\b(?:tau|thuyen|sa lan|ghe|xa lan|phuong tien thuy|duong song|tren song|ben thuy|cang thuy|thuy noi dia)\b"
        ),
    ),
    (RAIL, re.compile(r"\b(?:duong sat|tau hoa|duong ngang|lai tau)\b")),
    (
        ROAD,
        re.compile(
            r"\b(?:xe (?:tai|khach|bon|o to|con|container|dau keo|buyt|cau|taxi|hop dong|tap lai|co gioi)|o to|oto"
            r"|duong bo|quoc lo|tinh lo|duong tinh|duong huyen|cao toc)\b"
        ),
    ),
)
_ASK_HIGH = re.compile(r"\bcap (?:1|2|i|ii|mot|hai|dac biet)\b(?! (?:lan|nam|thang|ngay))")


def cue_words(text: str, actions: frozenset[str] | set[str]) -> set[str]:
    """The folded words (and pairs of words) of a question that say one of `actions` ("bị thất lạc" for a
    re-issue, "lần đầu" for a first one)."""
    folded = fold(re.sub(r"(?i)\bmặt\b", "mặtt", text))
    patterns = [p for action, p in _ASK_ACTION if action in actions]
    found = set()
    for match in (m for pattern in patterns for m in pattern.finditer(folded)):
        said = match.group(0).split()
        found.update(said, (f"{a} {b}" for a, b in zip(said, said[1:])))  # the index's terms are pairs too
    return found


@dataclass(frozen=True)
class Cues:
    actions: frozenset[str]
    grade: str  # LOW, HIGH or "" when the question does not say
    mode: str = ""  # ROAD, WATER, RAIL or "" (none or several)
    abroad: bool = False  # names another country, a border or international transport
    duration: str = ""  # TEMPORARY, PERMANENT or "" when the question does not say
    countries: frozenset[str] = frozenset()  # see countries()


def question_cues(text: str) -> Cues:
    """Cues of a question (as written: accents, where present, tell "mặt bằng" from "mất")."""
    folded_text = fold(re.sub(r"(?i)\bmặt\b", "mặtt", text))
    actions = {action for action, pattern in _ASK_ACTION if pattern.search(folded_text)}
    # "cấp lại", "làm lại", "xin lại" are said of an expired certificate too: only a word of loss or damage
    # makes it a re-issue for sure, and a word of expiry makes it a renewal
    lost = re.search(
        r"\b(?:mat(?! (?:phi|tien|bao|may|thoi|nhieu|ngay|bang|duong|dat|nuoc))|that lac|hong|rach|chay|uot|nat|mo het chu|(?:ghi|in) sai)\b",
        folded_text,
    )
    if REISSUE in actions and not lost:
        if RENEW in actions:
            actions.discard(REISSUE)
        else:
            actions.add(RENEW)
    high, low = bool(_ASK_HIGH.search(folded_text)), bool(_ASK_LOW.search(folded_text))
    grade = HIGH if high and not re.search(r"\bcap (?:3|4|iii|iv)\b", folded_text) else LOW if low else ""
    modes = {mode for mode, pattern in _ASK_MODE if pattern.search(folded_text)}
    temporary = bool(_TEMPORARY.search(text) or _ASK_TEMPORARY_FOLDED.search(folded_text))
    duration = PERMANENT if _ASK_PERMANENT.search(folded_text) else TEMPORARY if temporary else ""
    return Cues(
        frozenset(actions),
        grade,
        modes.pop() if len(modes) == 1 else "",
        bool(_ASK_ABROAD.search(folded_text)),
        duration,
        countries(folded_text),
    )
