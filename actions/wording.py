"""What a citizen's message says: its story (what it names, without the asks, places and framing), the words
that may name a procedure, and how much of a procedure's name those words hold.

Pure functions of the text, shared by the focus resolution and the actions that guard against misread intents.
"""

from __future__ import annotations

import re

from knowledge_base.search.question import reduce_question
from knowledge_base.text import fold, has_accents, nfc, words

# Words that only say *what* is asked about a procedure (fee, time, papers, place, online...). A question made
# of these alone ("phí bao nhiêu?") is a follow-up about the procedure in focus, not a new search.
ASPECT_WORDS = set(
    """
can giay to gi ho so hs gom nhung phai nop nao mang theo chuan bi thanh phan mau don co ban sao cong chung may bo
phi le bao nhieu bn tien mat ton chi mien khong ko k dc duoc the la tham dinh tra
lau thi ket qua ngay xong thoi gian giai quyet han xu ly trong gio nhan
o dau tai den de lam co quan ai cap noi tiep nhan dia chi hay xa so ubnd
online truc tuyen qua mang dich vu cong dang nhap vneid buu dien buu chinh
toi minh em anh chi oi a a vay nhi nhe voi cho hoi xin va cua nay do thu tuc
huong dan cach sao nhu buoc tung giup biet muon ra cu the con neu
""".split()
)
ASPECT_WORDS_ACCENTED = set(
    """
cần giấy tờ gì hồ sơ gồm những phải nộp nào mang theo chuẩn bị thành phần mẫu đơn có bản sao công chứng mấy bộ
phí lệ bao nhiêu tiền mất tốn chi miễn không được thế là thẩm định trả lâu thì kết quả ngày xong thời gian giải
quyết hạn xử lý trong giờ nhận ở đâu tại đến để làm cơ quan ai cấp nơi tiếp địa chỉ hay xã sở trực tuyến qua mạng
dịch vụ đăng nhập bưu điện chính tôi mình em anh chị ơi à ạ vậy nhỉ nhé với cho hỏi xin và của này đó thủ tục
hướng dẫn cách sao như bước từng giúp biết muốn ra cụ thể còn nếu
""".split()
)
HA_GIANG = re.compile(r"\bha giang\b")
# Places of the merged province a citizen names to say where they live: a detail of the question, never a
# topic of its own ("tôi ở Đồng Văn, Hà Giang thì nộp ở đâu").
PLACES = re.compile(
    r"\b(?:ha giang|tuyen quang|dong van|meo vac|yen minh|quan ba|bac me|hoang su phi|xin man|"
    r"vi xuyen|bac quang|quang binh|na hang|lam binh|chiem hoa|ham yen|yen son|son duong|"
    r"(?:xa(?! hoi)|phuong|thon|huyen|tinh|thi tran|thanh pho|tp|to dan pho|ban)(?=[ ,.;:!?]|$))\b"
)
# Around what is named: "còn … thì sao", "thế còn", and the office a where-question names ("văn phòng nộp ở
# đâu" asks where, it does not name a notary office).
# A condition or a later time framing it ("sau này nếu …", "trường hợp …") and a how-question closing it ("… thì
# làm sao", "… phải làm gì") say nothing about which procedure either.
FRAME = re.compile(
    r"^\s*(?:(?:the|vay|con|a|ua|oi|hoi|cho hoi|quay lai|tro lai|quay ve|ve lai|sau nay|neu|nhu|gia su|"
    r"trong truong hop|truong hop|bay gio|gio|lo|thuc ra|that ra)\s+)+|"
    r"(?:\s+(?:thi|thi sao|sao|vay|nhi|a|nhe|lam sao|lam the nao|the nao|phai lam gi|lam gi|phai lam sao))+\s*$|"
    r"\b(?:van phong|bo phan|tru so|phong ban|noi nop|cho nao)\b"
)
# What happened to a paper: made of aspect words ("mất" as in "mất bao lâu"), yet a detail that picks a sibling
# (reissue, renewal, adjustment).
SITUATION = re.compile(
    r"\b(?:bi mat|lam mat|danh mat|mat roi|bi hong|hu hong|bi rach|het han|qua han|sap het han|"
    r"(?:ghi |in |viet )?sai (?:thong tin|ten|ho ten|ngay sinh|so)|ghi sai|thay doi|doi ten|chuyen doi)\b"
)
# Verbs, fillers and who is asking: words every question may have; they say nothing about which procedure.
GENERIC_WORDS = set(
    """lam xin cap dang ky thu tuc muon con thi sao the nao viec cua minh toi duoc di doi
doanh nghiep cong ty ca nhan ho gia dinh to chuc nho lon moi cu la nguoi""".split()
)


def _cut(text: str, pattern: re.Pattern) -> str:
    # fold() keeps one character per character, so spans found in the folded text line up with the original.
    text = nfc(text)
    for match in reversed(list(pattern.finditer(fold(text)))):
        text = text[: match.start()] + " " + text[match.end() :]
    return nfc(text)


def without_places(text: str) -> str:
    return _cut(text, PLACES)


def story(text: str) -> str:
    """What a message says about the procedure: no asks, places, offices or the "còn … thì sao" around it."""
    return _cut(without_places(reduce_question(text).story), FRAME)


def topic_words(text: str) -> list[str]:
    """The words of a message that may name a procedure: not the asks, not places, not numbers."""
    tokens = words(story(text).lower())
    return [fold(w) for w in tokens if not w.isdigit() and not _aspect_word(w)]


def _aspect_word(token: str) -> bool:
    # With its accents a syllable is told apart ("hộ" chiếu is not "hồ" sơ); without, only folded.
    return token in ASPECT_WORDS_ACCENTED if has_accents(token) else token in ASPECT_WORDS


def names_something(text: str, at_least: int = 2) -> bool:
    """True when the text says more than which aspect is asked, i.e. it may name a procedure or a detail."""
    return bool(SITUATION.search(fold(text))) or len(topic_words(text)) >= at_least


def mentions_place(text: str) -> bool:
    return bool(PLACES.search(fold(text)))


# What a citizen says around a place ("công trình ở xã Bắc Mê", "nhà tôi ở phường …, Hà Giang cũ").
_AROUND_PLACE = set("cong trinh nha dat thua khu o tai cu cua toi minh em chung chau".split())


def only_a_place(text: str) -> bool:
    """The message says where the citizen or their works are, and nothing else a procedure could be named by."""
    return mentions_place(text) and all(w in _AROUND_PLACE | GENERIC_WORDS for w in topic_words(text))


def mentions_ha_giang(text: str) -> bool:
    return bool(HA_GIANG.search(fold(text)))


# Words that point at a paper or close a sentence without naming anything ("cái cũ đó bị mất rồi").
_POINTING = set("cai con chiec tam do nay kia ay roi nua luon mat bi".split())
# The acts that tell siblings apart; with what happened, they still name no object ("bị mất thì cấp lại").
_VARIANT_ACTS = re.compile(r"\b(?:cap lai|xin lai|gia han|cap doi|doi lai|dieu chinh)\b")


def only_what_happened(text: str) -> bool:
    """The message says only what happened to a paper ("bị hỏng thì sao", "cái cũ hết hạn rồi") or which act
    it wants done to it ("gia hạn cái cũ"): no word of its own names an object, so it can only pick a variant of
    the procedure in focus, never another procedure."""
    asked = story(text)
    folded = fold(asked)
    if not (SITUATION.search(folded) or _VARIANT_ACTS.search(folded)):
        return False
    left = _cut(_cut(asked, SITUATION), _VARIANT_ACTS)
    return not [w for w in own_words(left, False) if w not in _POINTING]


def own_words(text: str, accented: bool) -> list[str]:
    tokens = words(nfc(text).lower()) if accented else words(fold(text))
    return [t for t in tokens if fold(t) not in ASPECT_WORDS | GENERIC_WORDS and not t.isdigit()]


def coverage(question: str, name: str) -> float:
    """Share of the question's own words that a procedure's name holds. Accents count when the citizen typed
    them: folded, "tầng" would be "tặng" and a house question would match an award."""
    accented = has_accents(question)
    asked = set(own_words(question, accented))
    named = set(words(nfc(name).lower()) if accented else words(fold(name)))
    return len(asked & named) / len(asked) if asked else 0.0


# The citizen telling their own situation ("công ty tôi mới thành lập", "nhà mình ở xã"), asking for nothing: a
# detail of their case, never a request for another agency's procedure.
_ABOUT_ME = re.compile(
    r"\b(?:cong ty|doanh nghiep|nha|gia dinh|ben|xe|tau|don vi|co so|hop tac xa)\s+(?:toi|minh|em|"
    r"chung toi|chung em|tui)\b|^\s*(?:toi|minh|em|chung toi|tui)\s+(?:la|co|moi|dang|da|vua)\b"
)
_ASKING = re.compile(
    r"\b(?:xin|lam|dang ky|thu tuc|muon|can|hoi|the nao|nhu nao|o dau|bao nhieu|sao|gi|khong|ko|"
    r"duoc|co phai|phai)\b|\?"
)


def tells_own_situation(text: str) -> bool:
    folded = fold(text)
    return bool(_ABOUT_ME.search(folded)) and not _ASKING.search(folded)


# "gia hạn giấy phép đó", "thủ tục này": the paper or procedure the previous question named.
_POINTS_BACK = re.compile(
    r"\b(?:giay phep|thu tuc|chung chi|giay chung nhan|giay|cai|loai|ho so|phu hieu|the|bang)"
    r"\s+(do|nay|ay|kia|tren|vua roi)\b"
)


def points_back(text: str) -> bool:
    return bool(_POINTS_BACK.search(fold(text)))


def without_pointer(text: str) -> str:
    """`text` without its "đó"/"này": searched with what it points at, the pointer only blurs the score."""
    text = nfc(text)
    for match in reversed(list(_POINTS_BACK.finditer(fold(text)))):
        text = text[: match.start(1)] + text[match.end(1) :]
    return " ".join(text.split())
