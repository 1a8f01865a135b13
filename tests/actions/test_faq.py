"""A staff-written answer is given when the citizen asks that question, with or without diacritics."""

from __future__ import annotations

from actions.faq import matching_faq
from knowledge_base.store.models import FAQ
from knowledge_base.store.disk import load_knowledge_base


def _procedure_with_faqs():
    procedure = load_knowledge_base().procedures["1.008891"]
    return procedure.model_copy(
        update={
            "faqs": [
                FAQ(question="Thi sát hạch chứng chỉ kiến trúc ở đâu?", answer="Tại Sở Xây dựng."),
                FAQ(question="Chứng chỉ kiến trúc có thời hạn bao lâu?", answer="Theo Luật Kiến trúc."),
            ]
        }
    )


def test_the_matching_question_gets_its_answer_even_without_diacritics():
    procedure = _procedure_with_faqs()
    assert matching_faq(procedure, "thi sat hach chung chi kien truc o dau").answer == "Tại Sở Xây dựng."
    assert matching_faq(procedure, "Chứng chỉ kiến trúc có thời hạn bao lâu").answer == "Theo Luật Kiến trúc."


def test_an_unrelated_question_about_the_same_procedure_gets_no_faq():
    assert matching_faq(_procedure_with_faqs(), "lệ phí cấp chứng chỉ hành nghề kiến trúc") is None
