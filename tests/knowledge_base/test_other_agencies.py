"""Other agencies' matters (knowledge_base/data/other_agencies.yml): what a citizen is told, table-driven on the
committed data and index (issue 26, item 6)."""

from __future__ import annotations

import shutil

import pytest

from knowledge_base import impact
from knowledge_base.store.disk import KnowledgeBaseError, load_knowledge_base

REDIRECTED = [  # (message, the matter whose agency the citizen is sent to)
    ("làm sổ đỏ lần đầu ở đâu", "land_certificate"),  # once sent to the tax office's "first tax registration"
    ("lam so do lan dau o dau", "land_certificate"),
    ("bà tôi mất sổ hồng, xin cấp lại thế nào", "land_certificate"),
    ("vợ tôi vừa sinh em bé, làm giấy tờ cho cháu ở đâu", "birth_registration"),
    ("dang ky ket hon o dau", "marriage_registration"),
    ("đăng ký tạm trú cho sinh viên thuê trọ", "residence"),
    ("gia hạn bằng lái xe ô tô ở đâu", "driving_licence"),
    ("doi gplx hang a1", "driving_licence"),
    ("mở công ty xây dựng thì đăng ký doanh nghiệp ở đâu", "business_registration"),
    ("đăng ký hộ kinh doanh bán tạp hóa", "household_business"),
    ("lấy mã số thuế cá nhân lần đầu", "tax"),
    ("rút bhxh một lần", "social_insurance_lump_sum"),
    ("cấp đổi căn cước cho người già", "id_card"),
    ("xe máy mới mua đăng ký biển số ở đâu", "vehicle_registration"),
    ("công ty yêu cầu nộp lý lịch tư pháp số 1, xin ở đâu", "criminal_record"),
    ("muốn mở trung tâm sát hạch lái xe hạng B", "driving_test"),
]

DEPARTMENT = [  # (message with a generic word or an incidental cue, the department procedure it asks about)
    ("cấp lại chứng chỉ hành nghề xây dựng", "1.013217"),
    ("gia hạn giấy phép xây dựng nhà ở riêng lẻ", "1.013227"),
    ("xin giấy phép xây dựng nhà trên đất chưa có sổ đỏ", "1.013225"),
    ("cấp giấy phép đào tạo lái xe cho trung tâm dạy lái", "1.001777"),
    ("cap lai phu hieu xe kinh doanh van tai", "2.002288"),
    ("chứng chỉ hành nghề kiến trúc có cần nộp lý lịch tư pháp không", "1.008891"),
]


@pytest.mark.parametrize(("text", "key"), REDIRECTED)
def test_a_life_event_of_another_agency_names_that_agency(kb, text, key):
    found = kb.search(text)
    assert found.other_agency is not None and found.other_agency.key == key, found.to_dict()
    assert impact.outcome(found) == impact.OTHER_AGENCY  # the staff console's impact check agrees
    assert found.other_agency.url.startswith("http")


@pytest.mark.parametrize(("text", "code"), DEPARTMENT)
def test_a_department_question_stays_the_departments(kb, text, code):
    found = kb.search(text)
    assert found.other_agency is None
    assert found.results[0].code == code


@pytest.mark.parametrize("text", ["lần đầu ở đâu", "cấp lại ở đâu", "gia hạn thế nào", "đăng ký giấy phép", "đổi"])
def test_a_generic_word_alone_redirects_nowhere(kb, text):
    assert kb.other_agency(text) is None


def test_logging_in_with_vneid_to_file_is_filing_online_not_an_identity_matter(kb):
    assert kb.other_agency("đăng nhập VNeID nộp hồ sơ được không") is None
    account = kb.other_agency("tôi chưa có tài khoản định danh điện tử, đăng ký ở đâu")
    assert account is not None and account.key == "id_card"


def test_a_detail_of_the_focus_is_not_a_redirect_but_a_new_matter_is(kb):
    house = "1.013225"
    assert kb.other_agency("đất chưa có sổ đỏ thì có xin phép xây nhà được không", focus=house) is None
    assert kb.other_agency("đất chưa có sổ đỏ thì sao", focus=house) is None
    moved = kb.other_agency("còn làm sổ đỏ thì sao", focus=house)
    assert moved is not None and moved.key == "land_certificate"


def test_the_redirect_gives_the_national_page_when_the_catalogue_has_one(kb):
    birth = kb.other_agency("làm giấy khai sinh ở đâu")
    assert birth.code == "1.001193" and birth.url == kb.national_page("1.001193")
    insurance = kb.other_agency("sổ bảo hiểm xã hội bị sai tên")
    assert insurance.code is None and insurance.url == kb.department.national_portal


def test_bad_directory_file_names_file_line_field_and_what_was_expected(tmp_path):
    from knowledge_base.store.disk import DEFAULT_ROOT

    root = tmp_path / "data"
    shutil.copytree(DEFAULT_ROOT, root)
    (root / "other_agencies.yml").write_text(
        "generic_words: [gia, han, lan, dau]\n"
        "matters:\n"
        "  - key: land_certificate\n"
        "    agency: Văn phòng đăng ký đất đai\n"
        "    description: cấp sổ đỏ\n"
        "    codes: ['9.999999']\n"
        "    cues: [sổ đỏ, gia hạn]\n"
        "    why: land\n"
        "  - key: tax\n"
        "    description: thuế\n"
        "    cues: [mã số thuế]\n"
        "    why: tax\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    problems = "\n".join(caught.value.problems)
    assert "other_agencies.yml:9: matters[1].agency: required field is missing" in problems
    # The schema's problems come first; once the file parses, the cue and the code are checked.
    (root / "other_agencies.yml").write_text(
        (root / "other_agencies.yml")
        .read_text(encoding="utf-8")
        .replace("  - key: tax\n", "  - key: tax\n    agency: Cơ quan thuế\n"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    problems = "\n".join(caught.value.problems)
    assert (
        "other_agencies.yml:7: matters[0].cues[1]: cue 'gia hạn' is only generic words; expected a phrase "
        "that names the matter"
    ) in problems
    assert "other_agencies.yml:6: matters[0].codes[0]: code 9.999999 is not in catalogue.jsonl" in problems
