"""One parser for every choice a citizen types: by position or by the words of an option."""

import pytest

from knowledge_base.search.choices import acknowledgement, match_title, ordinal

CASES = [
    "(1.1) Đối với công trình không theo tuyến",
    "(1.2) Đối với công trình theo tuyến",
    "(1.3) Đối với công trình tôn giáo",
    "(1.4) Đối với công trình tín ngưỡng",
    "(1.5) Đối với công trình tượng đài, tranh hoành tráng",
    "(1.6) Đối với công trình của các cơ quan ngoại giao và tổ chức quốc tế",
    "(1.7) Đối với công trình nhà ở riêng lẻ",
]


@pytest.mark.parametrize(
    "text, index",
    [
        ("trường hợp 2", 1),
        ("trường hợp hai", 1),
        ("TH3", 2),
        ("cái thứ 3", 2),
        ("số 7", 6),
        ("2", 1),
        ("cái đầu tiên", 0),
        ("cái cuối cùng", 6),
        ("truong hop sau", 5),
    ],
)
def test_position(text, index):
    assert ordinal(text, 7) == index


@pytest.mark.parametrize("text", ["trường hợp 8", "nhà 3 tầng", "bước sau", "tiếp theo", "năm nay xây nhà"])
def test_no_position(text):
    assert ordinal(text, 7) is None


@pytest.mark.parametrize(
    "text, index",
    [
        ("xin phep xay nha o rieng le o dau", 6),
        ("xây nhà 3 tầng ở xã", 6),
        ("công trình tôn giáo", 2),
        ("ngoại giao", 5),
        ("theo tuyến", 1),
    ],
)
def test_words_of_an_option(text, index):
    assert match_title(text, CASES) == index


@pytest.mark.parametrize("text", ["lệ phí bao nhiêu", "le phi bao nhieu", "công trình cấp II của công ty"])
def test_words_of_no_option(text):
    assert match_title(text, CASES) is None


@pytest.mark.parametrize(
    "text, acknowledged",
    [
        ("ok", True),
        ("không cần hướng dẫn", True),
        ("thôi khỏi kiểm tra", True),
        ("tiếp", True),
        ("hướng dẫn xin phép xây nhà", False),
        ("kiểm tra hồ sơ mã 123", False),
    ],
)
def test_a_bare_answer_to_an_offer_is_acknowledged(text, acknowledged):
    assert acknowledgement(text) is acknowledged


def test_a_special_case_the_question_never_mentions_is_no_choice_beside_the_general_procedure(kb):
    # "… trong trường hợp miễn kiểm định lần đầu" is for an exempted vehicle; a question that says nothing of an
    # exemption means the general inspection certificate, and one that says it means the exemption.
    general = kb.search("đăng kiểm xe máy chuyên dùng")
    assert general.results[0].code == "1.013205" and general.ambiguous_between == []
    exempted = kb.search("xe máy chuyên dùng được miễn kiểm định lần đầu thì cấp giấy chứng nhận thế nào")
    assert exempted.results[0].code == "1.013089"


def test_a_person_asking_for_their_own_vehicle_is_not_sent_to_an_organisation_s_procedure(kb):
    # The emissions test of a motorbike is the owner's; the station's eligibility certificate is a company's
    # (its applicants are organisations only).
    assert kb.search("xe máy của mình phải đi kiểm định khí thải ở đâu").results[0].code == "1.013101"


@pytest.mark.parametrize(
    "question, facility, service",
    [
        # opening the place that gives a service is the place's permission to operate, not the service itself
        ("công ty định mở trạm kiểm định khí thải xe gắn máy", "1.013105", "1.013101"),
        ("thành lập cơ sở đăng kiểm ô tô", "1.001322", "1.005103"),
    ],
)
def test_opening_a_facility_is_its_permission_to_operate_not_its_service(kb, question, facility, service):
    codes = [h.code for h in kb.search(question).results]
    assert codes.index(facility) < codes.index(service) if service in codes else codes[0] == facility
