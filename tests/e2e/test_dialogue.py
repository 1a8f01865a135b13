"""Multi-turn conversations a citizen has with the real stack (Rasa, action server, gateway)."""

from __future__ import annotations

import re

import pytest
from e2e_conversation import Conversation

from tests.links import followed

pytestmark = pytest.mark.e2e
ARCHITECTURE = "1.008891"  # chứng chỉ hành nghề kiến trúc (provincial)
HOUSE_PERMIT = "1.013225"  # giấy phép xây dựng nhà ở riêng lẻ (commune)
CODE = re.compile(r"\b\d\.\d{6}\b")


@pytest.fixture
def talk(stack):
    return lambda: Conversation(stack)


def test_follow_ups_answer_for_the_procedure_in_focus(talk):
    c = talk()
    assert ARCHITECTURE in c.say("Thủ tục cấp chứng chỉ hành nghề kiến trúc")
    assert "Thành phần hồ sơ" in c.say("cần giấy tờ gì?") and ARCHITECTURE in c.text
    assert "Phí, lệ phí" in c.say("lệ phí bao nhiêu?") and ARCHITECTURE in c.text
    assert "Thời hạn giải quyết" in c.say("mất bao lâu?") and ARCHITECTURE in c.text
    assert ARCHITECTURE in c.say("nộp online được không?")


def test_follow_ups_typed_without_diacritics(talk):
    c = talk()
    assert ARCHITECTURE in c.say("thu tuc cap chung chi hanh nghe kien truc")
    assert "Thành phần hồ sơ" in c.say("can giay to gi") and ARCHITECTURE in c.text
    assert "Thời hạn giải quyết" in c.say("mat bao lau") and ARCHITECTURE in c.text


def test_a_new_procedure_question_replaces_the_focus(talk):
    c = talk()
    assert ARCHITECTURE in c.say("chứng chỉ hành nghề kiến trúc")
    reply = c.say("còn xin giấy phép xây dựng nhà ở riêng lẻ thì nộp ở đâu?")
    assert HOUSE_PERMIT in reply and ARCHITECTURE not in reply
    assert HOUSE_PERMIT in c.say("phí bao nhiêu?")


def test_times_and_fees_are_given_per_channel_as_published(talk):
    c = talk()
    c.say("giấy phép xây dựng nhà ở riêng lẻ")
    times = c.say("mất bao lâu?")
    assert re.search(r"Trực tiếp: 15 ngày", times) and re.search(r"Trực tuyến[^\n:]*: 20 ngày", times)
    fees = c.say("lệ phí bao nhiêu?")
    assert "HĐND tỉnh" in fees and "Miễn phí" not in fees  # the portal's "Miễn phí (theo HĐND)" is not free
    assert "chưa có thông tin đã được xác minh" in fees  # the provincial resolution is not set


def test_individual_house_permit_is_routed_to_the_commune(talk):
    reply = talk().say("xin phép xây nhà ở riêng lẻ nộp ở đâu")
    assert HOUSE_PERMIT in reply and "cấp xã" in reply and "không nộp tại Sở" in reply


def test_another_agencys_procedure_is_redirected_politely(talk):
    c = talk()
    reply = c.say("thủ tục cấp hộ chiếu phổ thông ở trong nước")
    assert "không thuộc Sở Xây dựng" in reply and "dichvucong.gov.vn" in followed(reply, c.stack.url)


def test_ha_giang_question_explains_the_merger(talk):
    reply = talk().say("số điện thoại sở xây dựng hà giang")
    assert "hợp nhất" in reply and "Tuyên Quang" in reply and "01/07/2025" in reply
    assert "chưa có thông tin đã được xác minh" in reply  # the hotline is not set: nothing is invented


def test_contact_without_verified_details_points_to_the_national_portal(talk):
    c = talk()
    reply = c.say("cho xin địa chỉ và số điện thoại của sở")
    assert "chưa có thông tin đã được xác minh" in reply and "dichvucong.gov.vn" in followed(reply, c.stack.url)
    assert not re.search(r"\b0\d{9}\b", reply)


def test_status_lookup_recognises_the_receipt_code_and_never_invents_a_status(talk):
    reply = talk().say("hồ sơ mã 000.00.04.H22-250801-0001 của tôi đến đâu rồi")
    assert "000.00.04.H22-250801-0001" in reply and "không xem được" in reply


def test_status_lookup_without_a_code_explains_where_to_find_it(talk):
    c = talk()
    reply = c.say("tra cứu tình trạng hồ sơ ở đâu")
    assert "mã hồ sơ" in reply and "dichvucong.gov.vn" in followed(reply, c.stack.url)


def test_online_payment_is_explained(talk):
    reply = talk().say("thanh toán lệ phí online như thế nào")
    assert "PayGov" in reply and "pay.gov.vn" in reply


def test_online_filing_walkthrough_next_back_done(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("nộp trực tuyến được không?")
    assert "Bước 1/" in c.tap("Hướng dẫn từng bước") and "VNeID" in c.text
    assert "Bước 2/" in c.tap("Tiếp") and ARCHITECTURE in c.text
    assert "dichvucong.gov.vn" in followed(c.text, c.stack.url)
    assert "Bước 1/" in c.tap("Quay lại")
    assert "Xong phần hướng dẫn" in c.tap("Xong")


def test_online_filing_walkthrough_to_the_last_step(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("nộp online được không")
    c.tap("Hướng dẫn từng bước")
    total = int(re.search(r"Bước 1/(\d+)", c.text).group(1))
    for step in range(2, total + 1):
        assert f"Bước {step}/{total}" in c.tap("Tiếp")
    assert "mã hồ sơ" in c.text
    assert "Xong phần hướng dẫn" in c.tap("Tiếp")


def test_guide_typed_with_words_instead_of_buttons(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("nop online dc ko")
    c.tap("Hướng dẫn từng bước")
    assert "Bước 2/" in c.say("tiếp theo")
    assert "Xong phần hướng dẫn" in c.say("xong")


def test_document_checklist_lists_what_is_missing(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("cần giấy tờ gì?")
    if "trường hợp nào" in c.text:
        c.tap("")
    first = c.tap("Kiểm tra giấy tờ")
    total = int(re.search(r"\(1/(\d+)\)", first).group(1))
    missing_name = re.search(r'"(.+)"', first).group(1)
    c.tap("Chưa có")
    for _ in range(total - 1):
        c.tap("Đã có")
    assert "còn thiếu 1 loại" in c.text and missing_name[:40] in c.text


def test_checklist_answered_with_words_and_complete(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("hồ sơ gồm những gì")
    if "trường hợp nào" in c.text:
        c.tap("")
    first = c.tap("Kiểm tra giấy tờ")
    total = int(re.search(r"\(1/(\d+)\)", first).group(1))
    for _ in range(total):
        c.say("có rồi")
    assert f"đã có đủ {total} loại" in c.text


def test_a_question_during_the_checklist_ends_it_and_is_answered(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    c.say("cần giấy tờ gì?")
    if "trường hợp nào" in c.text:
        c.tap("")
    c.tap("Kiểm tra giấy tờ")
    reply = c.say("xin giấy phép xây dựng nhà ở riêng lẻ ở đâu")
    assert HOUSE_PERMIT in reply and "Bạn đã có" not in reply


def test_documents_split_by_case_ask_which_case_first(talk):
    c = talk()
    c.say("giấy phép xây dựng mới công trình cấp III")  # says no kind of work: the case is asked
    c.say("hồ sơ gồm những gì?")
    assert "trường hợp nào" in c.text and len(c.buttons) >= 2
    case_title = c.buttons[0]["title"].rstrip("…")
    listing = c.tap(c.buttons[0]["title"])
    assert "Thành phần hồ sơ" in listing and HOUSE_PERMIT in listing and case_title[:20] in listing
    assert re.search(r"^1\. ", listing, re.M)


def test_long_document_lists_are_paged(talk):
    c = talk()
    c.say("giấy phép xây dựng mới công trình cấp III")
    c.say("cần giấy tờ gì")
    for b in list(c.buttons):  # the first case whose list has a second page
        c.say("cần giấy tờ gì")
        c.tap(b["title"])
        if any("Xem thêm" in x["title"] for x in c.buttons):
            shown = len(re.findall(r"^\d+\. ", c.text, re.M))  # a page holds what fits a phone (≤ 600 chars)
            assert re.search(rf"^{shown + 1}\. ", c.tap("Xem thêm"), re.M)
            return
    pytest.fail("no case of 1.013225 has more than one page of documents")


def test_close_candidates_are_offered_as_buttons_and_a_tap_answers(talk):
    c = talk()
    reply = c.say("giấy phép")
    codes = [re.search(r'"procedure_code": "([\d.]+)"', b["payload"]) for b in c.buttons]
    codes = [m.group(1) for m in codes if m]
    assert "chưa chắc" in reply and len(codes) >= 2, reply
    assert codes[1] in c.say(c.buttons[1]["payload"])


def test_menu_offers_frequent_procedures(talk):
    c = talk()
    c.say("menu")
    assert len(c.buttons) >= 3
    title = c.buttons[0]["title"]
    code = re.search(r'"procedure_code": "([\d.]+)"', c.buttons[0]["payload"]).group(1)
    assert code in c.tap(title)


def test_gibberish_gets_an_honest_fallback_with_help_options(talk):
    c = talk()
    reply = c.say("qwzx plmok vbnrt")
    assert not CODE.search(reply)
    assert "chưa" in reply and {"Danh mục thủ tục", "Gặp cán bộ"} <= {b["title"] for b in c.buttons}


def test_feedback_buttons_after_an_answer(talk):
    c = talk()
    c.say("chứng chỉ hành nghề kiến trúc")
    assert "Cảm ơn bạn đã đánh giá" in c.tap("👍")
    c.say("mất bao lâu")
    assert "chưa tốt" in c.tap("👎")


def test_asking_for_a_person_on_the_api_says_how_to_reach_staff(talk):
    # Staff replies cannot reach the api channel: no promise of one, the way to the department instead.
    reply = talk().say("cho tôi gặp cán bộ")
    assert "không trả lời trực tiếp" in reply and "chuyển câu hỏi" not in reply


def test_follow_up_without_a_procedure_asks_which_one(talk):
    reply = talk().say("phí bao nhiêu?")
    assert "thủ tục nào" in reply and not CODE.search(reply)


def test_small_talk_and_bot_question(talk):
    c = talk()
    assert "trợ lý" in c.say("bạn là người hay máy?")
    assert "Sở Xây dựng" in c.say("giá vàng hôm nay bao nhiêu")
