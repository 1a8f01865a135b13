"""A typed reply is read as the button it names among those just offered; anything else goes to Rasa as typed."""

import pytest

from bot.gateway.conversation.models import Button
from bot.gateway.conversation.replies import resolve

FEEDBACK = [Button("👍 Hữu ích", '/feedback{"value": "good"}'), Button("👎 Chưa đúng", '/feedback{"value": "bad"}')]
GUIDE_OFFER = [Button("Hướng dẫn từng bước", "/start_guide"), Button("Không, cảm ơn", "/deny"), *FEEDBACK]
GUIDE_STEP = [
    Button("◀ Quay lại", '/guide_nav{"nav": "back"}'),
    Button("Tiếp ▶", '/guide_nav{"nav": "next"}'),
    Button("Xong", '/guide_nav{"nav": "done"}'),
]
CHECKLIST = [Button("Đã có", "/affirm"), Button("Chưa có", "/deny"), Button("Dừng", '/guide_nav{"nav": "done"}')]
CASES = [
    Button(title, '/choose_case{"case_index": "%d"}' % (i + 1))
    for i, title in enumerate(
        [
            "(1.1) Đối với công trình không theo tuyến",
            "(1.2) Đối với công trình theo tuyến",
            "(1.3) Đối với công trình tôn giáo",
            "(1.4) Đối với công trình tín ngưỡng",
            "(1.5) Đối với công trình tượng đài, tranh hoành tráng",
            "(1.6) Đối với công trình của các cơ quan ngoại giao…",
            "(1.7) Đối với công trình nhà ở riêng lẻ",
        ]
    )
]


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "ừ",
        "ừm",
        "có",
        "vâng",
        "dạ",
        "được",
        "đồng ý",
        "hướng dẫn đi",
        "ok hướng dẫn tôi",
        "u",
        "co",
        "vang",
        "dong y",
        "ok huong dan toi",
        "Dạ vâng ạ",
        "okee",
        "vangg",
    ],
)
def test_yes_to_an_offer_takes_it(text):
    assert resolve(text, GUIDE_OFFER) == "/start_guide"


@pytest.mark.parametrize("text", ["thôi", "không cần", "để sau", "khong can dau", "ko", "thoi a", "không, cảm ơn"])
def test_no_to_an_offer_declines_it(text):
    assert resolve(text, GUIDE_OFFER) == "/deny"


@pytest.mark.parametrize(
    "text, nav",
    [
        ("tiếp", "next"),
        ("tiếp theo", "next"),
        ("bước tiếp", "next"),
        ("tiep theo", "next"),
        ("ok", "next"),
        ("quay lại", "back"),
        ("lại bước trước", "back"),
        ("quay lai", "back"),
        ("xong", "done"),
        ("dừng", "done"),
        ("thoát", "done"),
        ("thôi", "done"),
        ("xong rồi", "done"),
        ("thôi dừng lại", "done"),
        ("tiếp theo đi", "next"),
        ("quay lại bước trước", "back"),
    ],
)
def test_walkthrough_moves_by_words(text, nav):
    assert resolve(text, GUIDE_STEP) == '/guide_nav{"nav": "%s"}' % nav


@pytest.mark.parametrize(
    "text, payload",
    [
        ("có", "/affirm"),
        ("rồi", "/affirm"),
        ("đã có", "/affirm"),
        ("chưa", "/deny"),
        ("chưa có", "/deny"),
        ("khong", "/deny"),
        ("dừng", '/guide_nav{"nav": "done"}'),
        ("thoat", '/guide_nav{"nav": "done"}'),
    ],
)
def test_checklist_answers_by_words(text, payload):
    assert resolve(text, CHECKLIST) == payload


@pytest.mark.parametrize(
    "text, case",
    [
        ("nhà ở riêng lẻ", 7),
        ("trường hợp nhà ở riêng lẻ", 7),
        ("nha o rieng le", 7),
        ("công trình tôn giáo", 3),
        ("trường hợp 2", 2),
        ("trường hợp hai", 2),
        ("cái thứ 3", 3),
        ("truong hop bay", 7),
        ("2", 2),
        ("theo tuyến", 2),
        ("không theo tuyến", 1),
        ("cái cuối", 7),
        ("tượng đài", 5),
    ],
)
def test_a_case_is_chosen_in_words(text, case):
    assert resolve(text, CASES) == '/choose_case{"case_index": "%d"}' % case


@pytest.mark.parametrize(
    "offer, text",
    [
        (GUIDE_OFFER, "hướng dẫn nộp trực tuyến giấy phép xây dựng"),
        (GUIDE_OFFER, "lệ phí bao nhiêu"),
        (CASES, "lệ phí bao nhiêu"),
        (CASES, "xây nhà 3 tầng thì lệ phí bao nhiêu"),
        (CASES, "công trình"),
        (CASES, "trường hợp 9"),
        (GUIDE_STEP, "cần giấy tờ gì"),
        ([], "ok"),
        (CASES, "/choose_case"),
    ],
)
def test_a_new_question_is_not_taken_for_a_choice(offer, text):
    assert resolve(text, offer) is None


SIBLINGS = [
    Button("Gia hạn GPXD – nhà ở riêng lẻ, công trình cấp III–IV", '/ask_procedure{"procedure_code": "1.013227"}'),
    Button("Gia hạn GPXD – công trình cấp đặc biệt, I, II", '/ask_procedure{"procedure_code": "1.013233"}'),
]


@pytest.mark.parametrize(
    "text, code",
    [
        ("công trình cấp II", "1.013233"),
        ("cap 2", "1.013233"),
        ("cấp IV", "1.013227"),
        ("nhà ở riêng lẻ", "1.013227"),
        ("cái đầu", "1.013227"),
    ],
)
def test_a_sibling_is_chosen_by_the_grade_or_kind_of_work(text, code):
    assert resolve(text, SIBLINGS) == '/ask_procedure{"procedure_code": "%s"}' % code


DID_YOU_MEAN = [
    Button(
        "Cấp lại Giấy phép vận chuyển hàng hóa nguy hiểm trên đường bộ", '/ask_procedure{"procedure_code": "1.013261"}'
    ),
    Button(
        "Cấp lại Giấy phép vận chuyển hàng hóa nguy hiểm bằng phương tiện…",
        '/ask_procedure{"procedure_code": "2.002617"}',
    ),
    Button("Cấp Giấy phép vận chuyển hàng hóa nguy hiểm trên đường bộ", '/ask_procedure{"procedure_code": "1.013259"}'),
]


@pytest.mark.parametrize(
    "text, code",
    [("đường bộ", "1.013261"), ("duong bo", "1.013261"), ("phương tiện", "2.002617"), ("cái thứ 3", "1.013259")],
)
def test_a_reply_that_fits_several_procedures_offered_means_the_best_ranked(text, code):
    # Search ranked the re-issue first because the question said the permit was torn; "đường bộ" fits the
    # first and the third title, and the citizen did not ask for a first permit.
    assert resolve(text, DID_YOU_MEAN) == '/ask_procedure{"procedure_code": "%s"}' % code


GRANT_OR_REISSUE = [
    Button(
        "Cấp Giấy phép vận tải đường bộ quốc tế VN–Trung Quốc loại A, B…",
        '/ask_procedure{"procedure_code": "2.001034"}',
    ),
    Button(
        "Cấp lại Giấy phép vận tải đường bộ quốc tế VN–Trung Quốc loại A…",
        '/ask_procedure{"procedure_code": "1.002357"}',
    ),
]


@pytest.mark.parametrize(
    "text", ["giấy đó bị rách mất rồi", "cai do bi mat luc chuyen nha, xin lai", "bị cháy hết rồi"]
)
def test_a_reply_telling_what_happened_picks_the_offered_variant_it_means(text):
    # Its words are in no title; what happened to the paper (lost, torn, burnt) is the re-issue's case.
    assert resolve(text, GRANT_OR_REISSUE) == '/ask_procedure{"procedure_code": "1.002357"}'
