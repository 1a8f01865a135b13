"""Short titles: a procedure's national name cut to what fits one line of a phone screen.

National names run to 586 characters (1.002650) and repeat what every sibling shares (the list of kinds of
work of every building-permit procedure), while what tells siblings apart is usually the first words (new,
renew, reissue, adjust) and a qualifier at the end (grade of the work, the case). So the title keeps the
action and the qualifiers and drops or abbreviates the shared parts, only as far as needed to fit.
"""

from __future__ import annotations

import re
from collections import defaultdict

from knowledge_base.text import fold

TITLE_MAX = 70

_PREFIX = re.compile(r"^(?:thủ tục|tthc)\s+(?!điện tử)", re.IGNORECASE)
_TRAILING = re.compile(r"[\s.:;,]+$")
# Conventions applied to every name: they shorten without losing anything.
_ALWAYS = (
    (re.compile(r"\bcấp đặc biệt, cấp I(?:,| và) cấp II\b"), "cấp đặc biệt, I, II"),
    (re.compile(r"\bcấp III, cấp IV\b"), "cấp III–IV"),
    (re.compile(r"\s*/\s*"), "/"),
    (re.compile(r"\s{2,}"), " "),
)
# "Cấp giấy phép xây dựng mới đối với công trình cấp III–IV (…) và nhà ở riêng lẻ": the building-permit
# family, the procedures citizens ask about most; titled "<action> GPXD – <what is built>".
_BUILDING_PERMIT = re.compile(
    r"^(?P<act>cấp|cấp lại|cấp điều chỉnh|gia hạn) giấy phép xây dựng\s*(?P<kind>mới|sửa chữa, cải tạo)?\s+"
    r"(?:đối với\s+)?(?P<what>công trình cấp [^(]+?)\s*(?:\([^)]*\))?\s*(?P<house>và nhà ở riêng lẻ)?$",
    re.IGNORECASE,
)
_PERMIT_ACTION = {
    "cấp": "Cấp GPXD",
    "cấp lại": "Cấp lại GPXD",
    "cấp điều chỉnh": "Điều chỉnh GPXD",
    "gia hạn": "Gia hạn GPXD",
}
# An enumeration in brackets ("(Công trình không theo tuyến/Theo tuyến trong đô thị/…)") lists what all
# siblings share; a bracketed case ("(trong trường hợp Giấy phép bị mất…)") is what tells them apart.
_ENUMERATION = re.compile(r"\s*\((?:[^()]*/){2,}[^()]*\)")
_CASE = re.compile(r"\s*\((?:trong trường hợp|trường hợp|do|khi)\s+([^()]*)\)", re.IGNORECASE)
# Shortenings tried in order, each only while the title is still too long.
_SHORTER = (
    (re.compile(r"\s+đối với\s+(?:các\s+)?"), " – "),
    (re.compile(r"giữa Việt Nam, (\S+(?: \S+)?) và (\S+(?: \S+)?)$"), r"VN–\1–\2"),
    (re.compile(r"giữa Việt Nam và (\S+(?: \S+)?)\b"), r"VN–\1"),
    (re.compile(r"bổ sung(?:,| hoặc) thay thế phương tiện khai thác tuyến"), "bổ sung, thay thế xe"),
    (re.compile(r"vận tải hành khách"), "vận tải khách"),
    (re.compile(r"\s+trong trường hợp\s+"), " – "),
    (re.compile(r"giấy phép xây dựng", re.IGNORECASE), "GPXD"),
    (re.compile(r"báo cáo nghiên cứu khả thi", re.IGNORECASE), "BCNCKT"),
    (re.compile(r"chứng chỉ hành nghề", re.IGNORECASE), "CCHN"),
    (re.compile(r"bất động sản", re.IGNORECASE), "BĐS"),
    (re.compile(r"an toàn lao động", re.IGNORECASE), "ATLĐ"),
    (re.compile(r"(?:Ủy|Uỷ) ban nhân dân", re.IGNORECASE), "UBND"),
    (re.compile(r"Hội đồng nhân dân", re.IGNORECASE), "HĐND"),
    (re.compile(r"xe bốn bánh có gắn động cơ"), "xe 4 bánh có động cơ"),
    (re.compile(r"đường thủy nội địa(?! phương)"), "đường thủy"),
    (re.compile(r"giấy chứng nhận", re.IGNORECASE), "GCN"),
    (re.compile(r"\bViệt Nam\b"), "VN"),
    (re.compile(r"\s*\([^()]*\)"), ""),  # any other bracketed note
)
_LEVEL_LABEL = {
    "province": "cấp tỉnh",
    "commune": "cấp xã",
    "province_and_commune": "cấp tỉnh, xã",
    "other": "cơ quan khác",
    "ministry": "cấp bộ",
}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def cleaned(name: str) -> str:
    """The name without what never helps a reader ("Thủ tục " in front, trailing dots), conventions applied."""
    return _base(name)


def _base(name: str) -> str:
    text = _TRAILING.sub("", _PREFIX.sub("", name.strip()))
    for pattern, replacement in _ALWAYS:
        text = pattern.sub(replacement, text)
    return _capitalise(text.strip())


def _adjusted_too(text: str) -> str:
    """ "A/A điều chỉnh" (one procedure for a document and its amendment) -> "A (cả điều chỉnh)"."""
    first, sep, second = text.partition("/")
    if not sep:
        return text
    second = second.strip().rstrip(";")
    words = first.split()
    for start in range(len(words)):
        if second.lower() == (" ".join(words[start:]) + " điều chỉnh").lower():
            return f"{first} (cả điều chỉnh)"
    return text


# Where a cut reads as a whole phrase: before a list item, a conjunction or a preposition.
_PHRASE_END = re.compile(r",\s|\s(?=(?:và|hoặc|đối với|của|cho|trên|tại)\s)")


def clip(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    phrase = [m.start() for m in _PHRASE_END.finditer(cut) if m.start() >= limit * 0.8]
    if phrase:
        cut = cut[: phrase[-1]]
    if cut.count("(") > cut.count(")"):
        cut = cut[: cut.rfind("(")]
    return cut.rstrip(",;:(–- ") + "…"


def keep_ends(text: str, limit: int = TITLE_MAX, tail: int = 30) -> str:
    """The start and the end with the middle left out: the end often names what tells siblings apart."""
    if len(text) <= limit:
        return text
    end = text[-tail:].split(" ", 1)[-1] if " " in text[-tail:] else text[-tail:]
    start = text[: limit - len(end) - 3].rsplit(" ", 1)[0].rstrip(",;:(–- ")
    return f"{start} … {end}"


def candidates(name: str, limit: int = TITLE_MAX) -> list[str]:
    """Titles for ``name`` from the most to the least compressed that still fits; all at most ``limit``."""
    text = _adjusted_too(_base(name))
    permit = _BUILDING_PERMIT.match(text)
    if permit:
        action = _PERMIT_ACTION[permit["act"].lower()]
        kind = f" {permit['kind'].lower()}" if permit["kind"] else ""
        house = "nhà ở riêng lẻ, " if permit["house"] else ""
        text = f"{action}{kind} – {house}{permit['what'].strip()}"
    found = [text] if len(text) <= limit else []
    shorter = _CASE.sub(r" – \1", _ENUMERATION.sub("", text))
    for pattern, replacement in _SHORTER:
        if len(shorter) <= limit:
            break
        shorter = pattern.sub(replacement, shorter)
    found.append(clip(shorter, limit))
    found.append(keep_ends(shorter, limit))
    unique: list[str] = []
    for title in found:
        if title not in unique:
            unique.append(title)
    return unique


def derive(name: str) -> str:
    return candidates(name)[0]


def assign(procedures, reserved: dict[str, str] | None = None) -> dict[str, str]:
    """A distinct title for every (code, name, handled_at) in ``procedures``.

    ``reserved`` maps codes to titles staff chose; those are kept and no other procedure may take them.
    Siblings that would share a title get a less compressed one, then the level, then the code.
    """
    reserved = dict(reserved or {})
    taken = {fold(title): code for code, title in reserved.items()}
    titles: dict[str, str] = dict(reserved)
    pending = [(code, name, where) for code, name, where in procedures if code not in reserved]
    options = {code: candidates(name) for code, name, _ in pending}
    first = defaultdict(list)
    for code, _name, _where in pending:
        first[fold(options[code][0])].append(code)
    for code, name, where in sorted(pending):
        choices = options[code]
        if len(first[fold(choices[0])]) == 1 and fold(choices[0]) not in taken:
            chosen = choices[0]
        else:
            level = f" ({_LEVEL_LABEL.get(where, where)})"
            suffixed = [c + level for c in candidates(name, TITLE_MAX - len(level))]
            chosen = next(
                (
                    c
                    for c in [*choices[1:], *suffixed]
                    if fold(c) not in taken and all(fold(c) != fold(options[o][0]) for o in options if o != code)
                ),
                None,
            )
            chosen = chosen or f"{clip(choices[0], TITLE_MAX - len(code) - 3)} ({code})"
        taken[fold(chosen)] = code
        titles[code] = chosen
    return titles


def contrasted(names: list[str], limit: int = TITLE_MAX) -> tuple[str, list[str]] | None:
    """What the names share, and titles that keep only what sets each apart ("…nhưng không thay đổi cơ quan
    đăng ký"), for a choice between siblings whose short titles are cut before their difference; None when
    the names share too little for that to read well, or one of them is all shared."""
    words = [_base(name).split() for name in names]
    if len(words) < 2:
        return None
    shared = 0
    while all(len(w) > shared for w in words) and len({fold(w[shared]) for w in words}) == 1:
        shared += 1
    if shared < 3:
        return None
    rests = [" ".join(w[shared:]).strip(" ,;:–-") for w in words]
    if not all(rests):
        return None
    head = " ".join(words[0][:shared]).strip(" ,;:–-")
    return clip(head, 2 * limit), [clip("…" + rest, limit) for rest in rests]
