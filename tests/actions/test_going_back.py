"""A return to a procedure the conversation was on ("quay lại …", also after "ok," or "vâng"): the one its words
name, even when those few words rank hundreds of other records first. Real search; the tracker as Rasa passes it."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.focus import resolve
from knowledge_base.understanding.reading import read

TRANSPORT_LICENCE = "1.000703"  # Cấp Giấy phép kinh doanh vận tải bằng xe ô tô
BADGE = "2.002288"  # Cấp, cấp lại Phù hiệu cho xe ô tô…
CONTRACTOR_LICENCE = "1.013224"  # Điều chỉnh giấy phép hoạt động xây dựng cho nhà thầu nước ngoài…
FOREIGN_CERTIFICATE = "1.013219"


def tracker(text: str, history: list[str]) -> Tracker:
    events = [{"event": "slot", "name": "procedure_code", "value": code} for code in history]
    latest = {"intent": {"name": "ask_fee"}, "entities": [], "text": text}
    return Tracker("citizen", {"procedure_code": history[-1]}, latest, events, False, None, {}, "action_listen")


@pytest.mark.parametrize("text", ["ok, quay lại cái kia", "vâng, thế quay lại cái trước", "oke quay lai cai luc nay"])
def test_a_word_of_acknowledgement_before_quay_lai_still_goes_back(text):
    assert read(text).goes_back


def test_coming_back_mid_sentence_is_not_going_back():
    assert not read("phải quay lại nộp bổ sung à").goes_back


@pytest.mark.parametrize(
    "text, history, expected",
    [
        # "giấy phép cho htx" ranks neither among the first thirty records; of the two, it names the licence
        ("ok, quay lại cái giấy phép cho htx, nộp online đc k", [TRANSPORT_LICENCE, BADGE], TRANSPORT_LICENCE),
        (
            "ok quay lại cái giấy phép nhà thầu, lệ phí bao nhiêu",
            [CONTRACTOR_LICENCE, FOREIGN_CERTIFICATE],
            CONTRACTOR_LICENCE,
        ),
        ("quay lại cái phù hiệu", [BADGE, TRANSPORT_LICENCE], BADGE),
    ],
)
def test_going_back_returns_to_the_procedure_its_words_name(kb, text, history, expected):
    found = asyncio.run(resolve(kb, tracker(text, history), CollectingDispatcher(), lambda d, hit: None))
    assert found.procedure is not None and found.procedure.code == expected
