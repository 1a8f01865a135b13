"""Official terms of procedure names said the everyday way (knowledge_base/search/everyday_terms.yml)."""

from __future__ import annotations

import pytest

from knowledge_base.search import aliases as al


def test_every_procedure_naming_the_term_gets_the_everyday_wording():
    renewal = "Cho thuê nhà ở cũ thuộc tài sản công đối với trường hợp ký lại hợp đồng thuê"
    assert "Cho thuê nhà tập thể cũ đối với trường hợp ký lại hợp đồng thuê" in al.everyday_aliases(renewal)
    assert "Bán căn hộ khu tập thể" in al.everyday_aliases("Bán nhà ở cũ thuộc tài sản công")
    assert al.everyday_aliases("Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ") == []


@pytest.mark.parametrize(
    "question, code",
    [
        # the sale's own alias ("mua lại căn hộ tập thể…") used to win: the lease's name says "nhà ở cũ thuộc tài sản công"
        ("hợp đồng thuê căn hộ khu tập thể sắp hết, muốn thuê tiếp", "1.012898"),
        # the craft, not the decree's category ("vui chơi, giải trí dưới nước")
        ("xin chấp thuận cho khách chơi mô tô nước trên hồ thủy điện", "2.001219"),
    ],
)
def test_a_question_in_everyday_words_finds_the_procedure_of_the_official_term(kb, question, code):
    found = kb.search(question)
    assert found.results[0].code == code and (found.confident or found.leads)


def test_a_malformed_term_names_the_file_and_the_entry(tmp_path, monkeypatch):
    broken = tmp_path / "everyday_terms.yml"
    broken.write_text("terms:\n  - official: xe cơ giới\n    everyday: [ô tô]\n", encoding="utf-8")
    monkeypatch.setattr(al, "_TERMS_FILE", broken)
    al._everyday_terms.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"everyday_terms.yml: term 1: needs .*'why'"):
            al.everyday_aliases("Kiểm định xe cơ giới")
    finally:
        al._everyday_terms.cache_clear()
