"""Long, narrative questions (tests/data, written for this project) against the real knowledge base.

Floors sit below the measured figures so a regression fails; the held-aside file was never tuned on, so
its floors are looser. Also: siblings are offered as a choice only when the question leaves them open.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.search_cli import evaluate, read_rows

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize(
    "name, top1, top3, confident_share, right_when_confident",
    [
        # measured 2026-11-29: 0.99 / 1.0 / 0.65 / 1.0
        ("long_questions.tsv", 0.92, 0.97, 0.5, 0.95),
        # measured: 0.91 / 1.0 / 0.75 / 1.0 (22 answerable questions: one miss moves it by 0.05)
        ("long_questions_holdout.tsv", 0.75, 0.9, 0.4, 0.85),
    ],
)
def test_long_question_figures(kb, name, top1, top3, confident_share, right_when_confident):
    score = evaluate(kb, read_rows(str(DATA / name)))
    report = score.report(name)
    assert score.answered >= 12 and score.out_total >= 1, report
    assert score.top1 / score.answered >= top1, report
    assert score.top3 / score.answered >= top3, report
    assert score.confident_correct / score.top1 >= confident_share, report
    assert score.confident_correct / max(score.confident_answers, 1) >= right_when_confident, report
    assert score.out_rejected == score.out_total, report


def test_every_ask_of_a_long_question_is_listed(kb):
    found = kb.analyse(
        "Chào anh chị, công ty em có 6 xe tải chở thuê hàng nông sản. Xe chưa có phù hiệu nên hay bị nhắc nhở. "
        "Em muốn hỏi xin phù hiệu cần giấy tờ gì, mấy ngày thì có và có nộp qua mạng được không ạ?"
    )
    assert found.results[0].code == "2.002288"
    assert found.aspects == ["documents", "time", "online"]
    assert "phù hiệu" in found.story and "mấy ngày" not in found.story


@pytest.mark.parametrize(
    "question, siblings",
    [
        ("Giấy phép xây dựng của công trình bị thất lạc, xin cấp lại ở đâu?", {"1.013228", "1.013235"}),
        ("Được cấp phép xây dựng hơn 11 tháng vẫn chưa khởi công, có kéo dài được không?", {"1.013227", "1.013233"}),
        ("di dời công trình sang vị trí khác có cần giấy phép", {"1.013230", "1.013232"}),
        # same act, two cases the question does not settle (the registering office changes or not)
        ("mua lại ghe của người quen thì đăng ký lại phương tiện sao", {"1.003970", "1.004002"}),
    ],
)
def test_siblings_offered_when_the_question_does_not_say_which(kb, question, siblings):
    found = kb.analyse(question)
    assert set(found.ambiguous_between) == siblings, (found.ambiguous_between, [h.code for h in found.results])
    assert found.results[0].code in siblings


@pytest.mark.parametrize(
    "question, code",
    [
        ("Giấy phép xây dựng căn nhà ở của gia đình bị thất lạc, xin cấp lại ở đâu?", "1.013228"),
        ("Nhà xưởng cấp II được cấp phép hơn 11 tháng vẫn chưa khởi công, có kéo dài được không?", "1.013233"),
        ("Di dời nhà văn hóa cấp IV sang vị trí khác có cần giấy phép", "1.013232"),
        ("Chứng chỉ môi giới nhà đất bị cháy mất, làm lại thế nào", "1.012907"),
    ],
)
def test_siblings_told_apart_when_the_question_says_which(kb, question, code):
    found = kb.analyse(question)
    assert found.results[0].code == code, [h.code for h in found.results]
    assert found.ambiguous_between == []


def test_a_procedure_the_citizen_does_not_ask_for_is_not_answered_as_sure(kb):
    # capability certificates have no procedure of their own in the national records; the body that issues
    # them is recognised by 1.013223, which the citizen does not ask for
    found = kb.analyse("Công ty tư vấn của tôi cần chứng chỉ năng lực hạng III để dự thầu, xin ở đâu?")
    assert not found.confident
