"""What an answer from search reports for the console's "why this answer", read back by the gateway the way it
reads Rasa's reply: the candidates with their scores and the words of the question that decided it."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher

from actions import procedures
from bot.gateway.conversation.rasa_client import parse_reply


def test_an_answer_reports_its_candidates_and_deciding_words_and_the_gateway_keeps_them_apart(kb):
    dispatcher = CollectingDispatcher()
    asyncio.run(procedures.answer_from_search(dispatcher, kb, "nhà tôi định xây hai tầng thì xin giấy phép thế nào"))
    reply = parse_reply([{"recipient_id": "x", **m} for m in dispatcher.messages])
    assert reply.turn.status == "answered"
    why = reply.turn.why
    assert why["confident"] is True
    assert why["candidates"][0]["code"] == reply.turn.procedure
    assert why["candidates"][0]["score"] >= why["candidates"][1]["score"]
    assert {"xay", "nha"} <= set(why["words"])
    assert not any("candidates" in (m.text or "") for m in reply.messages)


def test_a_question_search_cannot_place_reports_that_search_was_unsure(kb):
    dispatcher = CollectingDispatcher()
    asyncio.run(procedures.answer_from_search(dispatcher, kb, "giá vàng hôm nay bao nhiêu"))
    reply = parse_reply([{"recipient_id": "x", **m} for m in dispatcher.messages])
    assert reply.turn.status in ("fallback", "clarified", "out_of_scope")
    assert reply.turn.why is not None and reply.turn.why["confident"] is False
