"""A citizen's first conversation through the real stack: greeting, then a procedure asked two ways."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.links import followed

pytestmark = pytest.mark.e2e
CODE = re.compile(r"\b\d\.\d{6}\b")


def _text(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def test_greeting_is_answered_in_vietnamese(stack):
    reply = _text(stack.chat(f"t-{uuid.uuid4()}", "xin chào"))
    assert "Sở Xây dựng" in reply
    assert not CODE.search(reply), "a greeting must not be answered with a procedure"


@pytest.mark.parametrize(
    "question",
    [
        "Thủ tục cấp chứng chỉ hành nghề kiến trúc như thế nào?",
        "thu tuc cap chung chi hanh nghe kien truc nhu the nao",
    ],
)
def test_procedure_question_names_the_procedure_and_code(stack, question):
    reply = _text(stack.chat(f"t-{uuid.uuid4()}", question))
    assert "1.008891" in reply, reply
    assert "kiến trúc" in reply.lower()
    assert "dichvucong.gov.vn" in followed(reply, stack.url)


@pytest.mark.parametrize(
    "question",
    [
        "Xin giấy phép xây dựng nhà ở riêng lẻ ở đâu?",
        "xin giay phep xay dung nha o rieng le o dau",
    ],
)
def test_individual_house_permit_is_sent_to_the_commune(stack, question):
    reply = _text(stack.chat(f"t-{uuid.uuid4()}", question))
    assert "1.013225" in reply, reply
    assert "cấp xã" in reply
