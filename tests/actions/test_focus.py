"""Which procedure a message is about: its story, a detail of the focus, a new topic, another agency."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from actions.focus import (
    _moved,
    clearly_other_agency,
    earlier_sibling,
    family_for,
    permanent_of_temporary,
    settled_by_focus,
    siblings,
)
from knowledge_base.understanding.reading import read
from knowledge_base.understanding.wording import (
    coverage,
    names_something,
    points_back,
    story,
    tells_own_situation,
    topic_words,
    without_pointer,
)
from knowledge_base.service import SearchHit, SearchResponse
from knowledge_base.text import fold, words

HOUSE = "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV (…/Nhà ở riêng lẻ)"
HOUSE_REPAIR = "Cấp giấy phép xây dựng sửa chữa, cải tạo đối với công trình cấp III, cấp IV"
BIG_WORKS = "Cấp giấy phép xây dựng mới công trình cấp đặc biệt, cấp I, cấp II"
BADGE = "Cấp, cấp lại Phù hiệu cho xe ô tô, xe bốn bánh có gắn động cơ kinh doanh vận tải"
AWARD = "Thủ tục tặng thưởng Giấy khen của Giám đốc Ngân hàng Nhà nước Khu vực"
PASSPORT = "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)"


def hit(code, name, score, in_scope=True):
    return SearchHit(code, name, score, in_scope, "")


def found(*hits, confident=True):
    return SearchResponse("q", confident, list(hits))


# A few of other_agencies.yml's generic words: the test's own, so that editing the file does not change it.
GENERIC = frozenset({"lam", "cap", "lai", "xet", "duyet", "trong", "bao", "lau"})


def other(response: SearchResponse, text: str):
    """clearly_other_agency, with the words search matched being the message's own."""
    response.matched_words = words(fold(text))
    return clearly_other_agency(response, text, GENERIC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("còn làm hộ chiếu thì ở đâu", "làm hộ chiếu"),
        ("thế còn phù hiệu xe tải thì sao", "phù hiệu xe tải"),
        ("văn phòng nộp ở đâu", ""),
        ("tôi ở Đồng Văn, Hà Giang thì nộp ở đâu", "tôi ở ,"),
        # "quay lại" goes back to a topic; its "lại" is not a re-issue
        ("quay lại chứng chỉ môi giới, lệ phí bao nhiêu", "chứng chỉ môi giới"),
    ],
)
def test_the_story_leaves_out_asks_places_and_framing(text, expected):
    assert story(text) == expected


@pytest.mark.parametrize(
    "text, names",
    [
        ("lệ phí bao nhiêu", False),
        ("mat bao lau", False),
        ("hướng dẫn nộp trực tuyến", False),
        ("tôi ở Đồng Văn, Hà Giang thì nộp ở đâu", False),
        ("bị mất rồi thì sao", True),
        ("hết hạn rồi", True),
        ("còn làm hộ chiếu thì ở đâu", True),
        ("nhà 3 tầng ở xã", True),
    ],
)
def test_only_words_beyond_the_asks_name_something(text, names):
    assert names_something(text) is names


def test_accents_tell_syllables_apart():
    assert "ho" in topic_words("làm hộ chiếu")  # hộ chiếu, not hồ sơ
    assert coverage("nhà 3 tầng", AWARD) == 0.5  # tầng is not tặng
    assert coverage("làm hộ chiếu", PASSPORT) == 1.0


def test_siblings_share_a_family_whatever_the_variant_or_grade():
    assert siblings(HOUSE, HOUSE_REPAIR) and siblings(HOUSE, BIG_WORKS)
    assert not siblings(HOUSE, BADGE)


def test_another_agency_only_on_a_clear_match():
    assert other(found(hit("1.001456", PASSPORT, 0.77, False)), "làm hộ chiếu") is not None
    # a high score on a name that does not hold the question's words
    assert other(found(hit("1.008023", AWARD, 0.74, False)), "nhà 3 tầng") is None
    # without accents the bar is higher: "tang" is both tầng and tặng
    assert other(found(hit("1.008023", AWARD, 0.74, False)), "nha 3 tang") is None
    assert other(found(hit("1.001456", PASSPORT, 0.9, False), confident=False), "hộ chiếu") is None


def test_an_administrative_verb_alone_never_sends_the_citizen_to_another_agency():
    entry = hit("2.002351", "Kiểm tra, xét duyệt nhân sự, cấp phép nhập cảnh cho người nước ngoài", 0.74, False)
    # "xét duyệt trong bao lâu" after the expressway's traffic plan, its asks taken out (story)
    assert other(found(entry), "xét duyệt") is None
    assert other(found(entry), "xét duyệt nhân sự nhập cảnh") is not None


def test_a_detail_that_fits_the_focus_keeps_it():
    own = found(hit("1.013229", HOUSE_REPAIR, 0.76), hit("1.008023", AWARD, 0.74, False))
    refined = found(hit("1.013225", HOUSE, 0.84), hit("1.013229", HOUSE_REPAIR, 0.67))
    assert _moved(own, refined, "1.013225") is None


def test_a_detail_that_fits_a_sibling_moves_to_it():
    own = found(hit("1.013230", "Cấp giấy phép di dời đối với công trình cấp đặc biệt, cấp I", 0.71), confident=False)
    refined = found(hit("1.013236", BIG_WORKS, 0.85), hit("1.013225", HOUSE, 0.66))
    assert _moved(own, refined, "1.013225").code == "1.013236"


def test_a_new_topic_moves_the_focus():
    own = found(hit("2.002288", BADGE, 0.61))
    refined = found(hit("1.013225", HOUSE, 0.62), hit("1.013236", BIG_WORKS, 0.57))
    assert _moved(own, refined, "1.013225").code == "2.002288"


def test_variant_words_alone_pick_a_sibling_of_the_focus_over_another_familys_variant():
    # "nếu bị mất thì cấp lại thế nào" after the practising certificate: alone, those words find the driving-school
    # licence's re-issue; with the certificate's name added, the certificate's own re-issue, far ahead.
    cert = "Cấp chứng chỉ hành nghề hoạt động xây dựng"
    cert_reissue = "Cấp lại chứng chỉ hành nghề hoạt động xây dựng"
    school_reissue = "Cấp lại Giấy phép đào tạo lái xe ô tô khi bị mất, bị hỏng"
    own = found(hit("1.005210", school_reissue, 0.58), hit("1.013217", cert_reissue, 0.56))
    refined = found(hit("1.013217", cert_reissue, 0.91), hit("1.013237", cert, 0.71))
    assert _moved(own, refined, "1.013237", focus_name=cert).code == "1.013217"
    # without the focus's name nothing tells the variant from a new topic: the few words decide
    assert _moved(own, refined, "1.013237").code == "1.005210"


def test_a_new_topic_is_not_taken_for_a_sibling_of_the_focus():
    # The focus's words lift its own family in the refined search: "phù hiệu xe taxi" after a broker certificate
    # is the badge, not the broker certificate's other re-issue.
    broker_lost = "Cấp lại chứng chỉ hành nghề môi giới bất động sản (trong trường hợp chứng chỉ bị mất)"
    broker_expired = "Cấp lại chứng chỉ hành nghề môi giới bất động sản (trong trường hợp chứng chỉ hết hạn)"
    own = found(hit("2.002288", BADGE, 0.72))
    refined = found(hit("1.012910", broker_expired, 0.8), hit("1.012907", broker_lost, 0.79))
    assert _moved(own, refined, "1.012907").code == "2.002288"


def test_a_loss_or_expiry_refines_without_the_focus_s_own_variant():
    # "Cấp mới …" in the refined search would outscore the re-issue sibling the citizen is asking about.
    new = "Cấp mới Giấy chứng nhận đủ điều kiện hoạt động kiểm định xe cơ giới"
    assert family_for(new, "giấy chứng nhận đó bị mất").startswith("Giấy chứng nhận đủ điều kiện")
    assert family_for(new, "hết hạn rồi thì sao").startswith("Giấy chứng nhận")
    assert family_for(new, "lệ phí bao nhiêu").startswith("Cấp mới")


def test_permanent_asked_of_a_temporary_focus_leaves_the_focus():
    junction = "Chấp thuận vị trí đấu nối tạm vào đường bộ đang khai thác"
    assert family_for(junction, "đấu nối lâu dài") == "Chấp thuận vị trí đấu nối vào đường bộ"
    assert family_for(junction, "đấu nối tạm thời") == "Chấp thuận vị trí đấu nối tạm vào đường bộ"
    assert permanent_of_temporary(junction, "còn đấu nối lâu dài thì sao")
    assert not permanent_of_temporary(junction, "đấu nối tạm mất bao lâu")


@pytest.mark.parametrize(
    "text, telling",
    [
        ("công ty tôi mới thành lập", True),
        ("cong ty minh moi thanh lap", True),
        ("nhà tôi ở xã", True),
        ("công ty tôi muốn xin chứng chỉ", False),
        ("thủ tục thành lập công ty", False),
        ("công ty tôi mới thành lập thì làm thế nào", False),
        ("tôi là doanh nghiệp mới?", False),
    ],
)
def test_a_citizen_telling_their_situation_asks_for_nothing(text, telling):
    assert tells_own_situation(text) is telling


def test_a_pointer_word_refers_back_and_is_left_out_of_the_search():
    assert points_back("gia hạn giấy phép đó thì sao") and points_back("thu tuc nay mat bao lau")
    assert not points_back("đó là gì") and not points_back("gia hạn giấy phép xây dựng")
    assert without_pointer("gia hạn giấy phép đó") == "gia hạn giấy phép"


def test_a_told_situation_is_never_a_clear_request_for_another_agency():
    inspector = hit("1.013070", "Cấp lại Chứng chỉ đăng kiểm viên thực hiện công việc chuyên môn", 0.96, False)
    assert other(found(inspector), "cấp lại chứng chỉ đăng kiểm viên") is not None
    assert other(found(inspector), "xe tôi bị mất đăng kiểm") is None


def test_the_focus_s_grade_settles_siblings_left_open():
    big, house = (
        "Gia hạn giấy phép xây dựng đối với công trình cấp đặc biệt, cấp I, cấp II",
        "Gia hạn giấy phép xây dựng đối với công trình cấp III, cấp IV (nhà ở riêng lẻ)",
    )
    open_ = SearchResponse(
        "sắp hết hạn",
        True,
        [hit("1.013227", house, 0.77), hit("1.013233", big, 0.77)],
        ambiguous_between=["1.013227", "1.013233"],
    )
    lost_big = SimpleNamespace(name="Cấp lại giấy phép xây dựng đối với công trình cấp đặc biệt, cấp I, cấp II")
    assert settled_by_focus(open_, lost_big).code == "1.013233"
    assert settled_by_focus(open_, None) is None


def test_going_back_returns_to_the_sibling_the_conversation_was_on():
    big = SimpleNamespace(code="1.013236", name=BIG_WORKS)
    house = SimpleNamespace(code="1.013225", name=HOUSE)
    broker = SimpleNamespace(code="1.012906", name="Cấp mới chứng chỉ hành nghề môi giới bất động sản")
    kb = SimpleNamespace(get={p.code: p for p in (big, house, broker)}.get)
    events = [{"event": "slot", "name": "procedure_code", "value": code} for code in ("1.013236", "1.012906")]
    tracker = SimpleNamespace(events=events, get_slot=lambda name: "1.012906")
    assert earlier_sibling(kb, tracker, house, read("về lại giấy phép xây dựng, mất bao lâu")) is big
    assert earlier_sibling(kb, tracker, house, read("giấy phép xây dựng mất bao lâu")) is None
