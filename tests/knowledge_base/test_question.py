"""A long message reduced to what is asked: the story kept for search, every ask listed, the rest dropped."""

from __future__ import annotations

import pytest

from knowledge_base.search.question import reduce_question
from knowledge_base.search.siblings import HIGH, LOW, RENEW, REISSUE, ROAD, procedure_actions, question_cues


def test_story_kept_asks_listed_politeness_and_places_dropped():
    q = reduce_question(
        "Kính gửi Sở. Nhà tôi ở tổ 3 phường Nông Tiến, tỉnh Tuyên Quang, đất đã có sổ. Tôi định phá bếp cũ để "
        "xây thêm 2 phòng. Cho tôi hỏi có phải xin phép không, nộp hồ sơ ở đâu và hết bao nhiêu tiền ạ? Cảm ơn."
    )
    assert q.aspects == ["permit_needed", "fee", "where"]
    assert q.long
    for kept in ("phá bếp cũ", "xây thêm 2 phòng", "xin phép"):
        assert kept in q.story
    for dropped in ("Nông Tiến", "Tuyên Quang", "Kính gửi", "Cảm ơn", "Cho tôi hỏi", "ở đâu", "bao nhiêu tiền", " ạ"):
        assert dropped not in q.story, dropped


def test_no_diacritics_and_chat_shorthand():
    q = reduce_question("minh muon lam lai phu hieu xe tai, can nhung giay to gi, lam onl dc ko, mat may ngay")
    assert q.aspects == ["documents", "time", "online"]
    assert "phu hieu xe tai" in q.story
    assert "may ngay" not in q.story and "giay to" not in q.story


def test_a_fee_is_not_a_loss_and_a_facade_is_not_a_fee():
    paid = reduce_question("Chứng chỉ giáo viên dạy lái xe cấp mới có mất phí không?")
    assert paid.aspects == ["fee"] and "mất" not in paid.story
    facade = reduce_question("Tôi muốn làm lại mặt tiền nhà 2 tầng, có cần xin phép không?")
    assert facade.aspects == ["permit_needed"]
    assert "mặt tiền" in facade.story


def test_a_short_question_is_not_long_and_a_general_one_asks_nothing_specific():
    q = reduce_question("Thủ tục cấp phép xây nhà")
    assert not q.long and q.aspects == []
    assert q.story == "Thủ tục cấp phép xây nhà"


@pytest.mark.parametrize(
    "text, actions, grade",
    [
        ("giấy phép xây nhà hết hạn mà chưa khởi công", {RENEW}, LOW),
        ("mất giấy phép xây dựng nhà xưởng cấp II", {REISSUE}, HIGH),
        ("chứng chỉ môi giới hết hạn, muốn làm lại chứng chỉ", {RENEW}, ""),  # "làm lại" said of an expired one
        ("bản giấy phép bị ướt nát, xin lại bản khác", {REISSUE}, ""),
        ("muốn mở rộng mặt bằng nhà kho", set(), ""),
    ],
)
def test_sibling_cues(text, actions, grade):
    cues = question_cues(text)
    assert set(cues.actions) == actions
    assert cues.grade == grade


def test_mode_of_transport():
    assert question_cues("chở xăng bằng xe bồn trên quốc lộ").mode == ROAD
    assert question_cues("chở xăng bằng xe bồn rồi xuống sà lan").mode == ""


def test_a_change_to_a_granted_permit_and_a_border_named():
    assert question_cues("Nhà đã có giấy phép xây dựng 2 tầng, giờ muốn xây lên 3 tầng").actions == {"amend"}
    assert not question_cues("xe khách chạy tuyến cố định trong tỉnh").abroad
    assert question_cues("giấy phép liên vận cho xe sang Lào").abroad
    assert not question_cues("hợp đồng lao động của lái xe").abroad


def test_temporary_or_permanent():
    assert question_cues("đấu nối tạm vào đường bộ để thi công").duration == "temporary"
    assert question_cues("dau noi tam thoi vao quoc lo").duration == "temporary"
    assert question_cues("còn đấu nối lâu dài thì sao").duration == "permanent"
    # Folded "tam" is also "tâm" (centre): a training centre is not a temporary permit.
    assert question_cues("trung tam dao tao lai xe").duration == ""
    assert question_cues("trung tâm đào tạo lái xe").duration == ""


def test_the_country_of_a_cross_border_permit_and_more_vehicles_on_a_permit():
    assert question_cues("xe tai muon chay sang ben lao").countries == {"lao"}
    assert question_cues("liên vận Việt Nam – Cam pu chia").countries == {"campuchia"}
    assert question_cues("hợp đồng lao động của lái xe").countries == set()
    assert procedure_actions("Cấp bổ sung xe tập lái, cấp lại Giấy phép xe tập lái") == {"add", "reissue"}
    assert question_cues("trung tâm muốn bổ sung thêm xe tập lái").actions == {"add"}
    # Adding papers to a file is not adding vehicles.
    assert "add" not in question_cues("hồ sơ bị trả về, bổ sung giấy tờ thế nào").actions


@pytest.mark.parametrize(
    "text, aspect",
    [
        ("ho so", "documents"),
        ("Giấy tờ cần có", "documents"),
        ("mẫu đơn?", "documents"),
        ("thoi han", "time"),
        ("thời gian giải quyết", "time"),
        ("nơi nộp hồ sơ", "where"),
    ],
)
def test_an_aspect_named_alone_is_asked(text, aspect):
    reduced = reduce_question(text)
    assert reduced.aspects == [aspect] and reduced.story == ""


@pytest.mark.parametrize("text", ["hồ sơ của tôi", "hồ sơ xin phép xây dựng", "thời gian này bận quá"])
def test_an_aspect_s_name_inside_a_sentence_is_not_asked_by_itself(text):
    assert reduce_question(text).aspects == []
