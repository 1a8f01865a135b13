"""A short follow-up that names another act on the object in focus ("còn miễn nhiệm thì sao" after the
appointment of an assessor) moves the focus to that procedure; the usual follow-ups (fee, place, a loss, a
case of the focus) never do. Real knowledge base and search."""

from __future__ import annotations

import asyncio

import pytest

from actions.focus import relative
from knowledge_base.understanding.wording import story

APPOINT, DISMISS = "2.001116", "1.011675"
HOUSE, HOUSE_REISSUE = "1.013225", "1.013228"


def near(kb, focus: str, text: str) -> str | None:
    hit = asyncio.run(relative(kb, story(text), kb.get(focus)))
    return hit.code if hit else None


@pytest.mark.parametrize(
    "focus, text, expected",
    [
        (APPOINT, "con mien nhiem thi sao", DISMISS),
        (APPOINT, "còn miễn nhiệm thì sao", DISMISS),
        (DISMISS, "thế bổ nhiệm thì sao", APPOINT),
        (HOUSE, "cấp lại", HOUSE_REISSUE),
        ("1.008891", "còn gia hạn thì sao", "1.008991"),
    ],
)
def test_another_act_on_the_focus_moves_to_it(kb, focus, text, expected):
    assert near(kb, focus, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí bao nhiêu",
        "mat bao lau",
        "nộp ở đâu",
        "có mất phí không",
        "ok",
        "tiếp",
        "tôi ở Đồng Văn, Hà Giang thì nộp ở đâu",
        "bị mất rồi thì sao",
        "công trình tôn giáo",
        "ton giao",
        "co nop online duoc ko",
        "gặp cán bộ",
    ],
)
@pytest.mark.parametrize("focus", [APPOINT, HOUSE, "2.002288"])
def test_the_usual_follow_ups_stay_on_the_focus(kb, focus, text):
    assert near(kb, focus, text) is None
