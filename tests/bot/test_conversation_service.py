"""ConversationService rules every channel inherits (Rasa replaced by a recording fake of our own client)."""

from __future__ import annotations

import asyncio

from bot.gateway.conversation.models import Button, IncomingMessage, OutgoingMessage, Reply
from bot.gateway.conversation.service import ConversationService


class RecordingRasa:
    def __init__(self, replies=None, delay=0.0):
        self.sent: list[tuple[str, str]] = []
        self.replies = replies or []
        self.delay = delay
        self.active: dict[str, int] = {}
        self.max_active_per_sender = 0

    def admit(self):
        pass  # never full

    async def send(self, sender_id, text):
        self.active[sender_id] = self.active.get(sender_id, 0) + 1
        self.max_active_per_sender = max(self.max_active_per_sender, self.active[sender_id])
        await asyncio.sleep(self.delay)
        self.sent.append((sender_id, text))
        self.active[sender_id] -= 1
        return Reply(self.replies)


async def test_typed_slash_command_reaches_rasa_as_plain_words():
    rasa = RecordingRasa()
    await ConversationService(rasa).handle(IncomingMessage("web", "u1", '/ask_procedure{"procedure_code":"1.013225"}'))
    assert rasa.sent == [("web:u1", 'ask_procedure{"procedure_code":"1.013225"}')]


async def test_payload_of_a_button_the_assistant_offered_is_passed_through():
    payload = '/ask_procedure{"procedure_code": "1.013225"}'
    rasa = RecordingRasa([OutgoingMessage("Có phải?", [Button("Giấy phép xây dựng", payload)])])
    service = ConversationService(rasa)
    await service.handle(IncomingMessage("web", "u1", "xin phép xây nhà"))
    await service.handle(IncomingMessage("web", "u1", payload))
    # Offered to u1 only: another user typing the same command gets it as words.
    await service.handle(IncomingMessage("web", "u2", payload))
    assert rasa.sent[1] == ("web:u1", payload)
    assert rasa.sent[2] == ("web:u2", payload.lstrip("/"))


async def test_text_is_nfc_normalised_before_rasa():
    rasa = RecordingRasa()
    decomposed = "xa\u0302y nha\u0300"  # "xây nhà" typed with combining accents
    await ConversationService(rasa).handle(IncomingMessage("web", "u1", decomposed))
    assert rasa.sent[0][1] == "xây nhà"


async def test_one_senders_messages_run_in_order_while_senders_run_concurrently():
    rasa = RecordingRasa(delay=0.05)
    service = ConversationService(rasa)
    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(service.handle(IncomingMessage("web", f"u{i % 2}", f"m{i}")) for i in range(6)))
    elapsed = asyncio.get_running_loop().time() - started
    assert rasa.max_active_per_sender == 1
    assert [t for s, t in rasa.sent if s == "web:u0"] == ["m0", "m2", "m4"]
    assert elapsed < 6 * 0.05, "two senders should have been served side by side"


async def test_a_typed_answer_to_an_offer_reaches_rasa_as_the_offered_button():
    offer = [
        OutgoingMessage(
            "Tôi hướng dẫn từng bước nhé?",
            [Button("Hướng dẫn từng bước", "/start_guide"), Button("Không, cảm ơn", "/deny")],
        )
    ]
    rasa = RecordingRasa(offer)
    service = ConversationService(rasa)
    await service.handle(IncomingMessage("web", "u1", "nộp online được không"))
    await service.handle(IncomingMessage("web", "u1", "ok hướng dẫn tôi"))
    # The offer was made to u1: the same words from u2, to whom nothing was offered, go as typed.
    await service.handle(IncomingMessage("web", "u2", "ok hướng dẫn tôi"))
    assert rasa.sent[1:] == [("web:u1", "/start_guide"), ("web:u2", "ok hướng dẫn tôi")]


async def test_only_the_latest_offer_counts():
    rasa = RecordingRasa([OutgoingMessage("Tôi hướng dẫn từng bước nhé?", [Button("Hướng dẫn", "/start_guide")])])
    service = ConversationService(rasa)
    await service.handle(IncomingMessage("web", "u1", "nộp online được không"))
    rasa.replies = [OutgoingMessage("Phí: 500.000 đồng")]
    await service.handle(IncomingMessage("web", "u1", "lệ phí bao nhiêu"))
    await service.handle(IncomingMessage("web", "u1", "ok"))
    assert rasa.sent[2] == ("web:u1", "ok")
