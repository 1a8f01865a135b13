"""Limits every channel inherits from ConversationService (Rasa replaced by a recording fake of our client)."""

from __future__ import annotations

from bot.gateway.conversation.models import IncomingMessage, OutgoingMessage, Reply
from bot.gateway.conversation.service import MENU_COMMAND, ConversationService


class RecordingRasa:
    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    def admit(self):
        pass  # never full

    async def send(self, sender_id, text):
        self.sent.append((sender_id, text))
        return Reply([OutgoingMessage(f"trả lời: {text}")])


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_sixteenth_message_in_a_minute_gets_a_polite_notice_and_never_reaches_rasa():
    rasa, clock = RecordingRasa(), Clock()
    service = ConversationService(rasa, clock=clock)
    replies = []
    for i in range(17):
        clock.now += 1
        replies.append(await service.handle(IncomingMessage("telegram", "42", f"câu {i}")))
    assert len(rasa.sent) == 15
    assert all(r.messages[0].text.startswith("trả lời") for r in replies[:15])
    assert "đợi" in replies[15].messages[0].text
    assert replies[15].turn.status == "rate_limited"
    # A flooding client is told once, not once per message.
    assert replies[16].messages == []


async def test_the_limit_is_per_user_and_lifts_after_the_window():
    rasa, clock = RecordingRasa(), Clock()
    service = ConversationService(rasa, clock=clock)
    for i in range(15):
        await service.handle(IncomingMessage("web", "busy", f"câu {i}"))
    other = await service.handle(IncomingMessage("web", "calm", "xin chào"))
    assert other.messages[0].text == "trả lời: xin chào"
    assert (await service.handle(IncomingMessage("web", "busy", "nữa"))).turn.status == "rate_limited"
    clock.now += 61
    again = await service.handle(IncomingMessage("web", "busy", "nữa"))
    assert again.messages[0].text == "trả lời: nữa"


async def test_text_over_the_limit_gets_a_notice_without_a_rasa_call():
    rasa = RecordingRasa()
    service = ConversationService(rasa, max_text_chars=4000)
    reply = await service.handle(IncomingMessage("zalo", "u", "x" * 4001))
    assert rasa.sent == []
    assert "4.000" in reply.messages[0].text and reply.turn.status == "too_long"
    ok = await service.handle(IncomingMessage("zalo", "u", "x" * 4000))
    assert ok.messages and len(rasa.sent) == 1


async def test_menu_command_from_our_code_passes_but_the_same_text_typed_does_not():
    rasa = RecordingRasa()
    service = ConversationService(rasa)
    await service.handle(IncomingMessage("telegram", "7", MENU_COMMAND), command=True)
    await service.handle(IncomingMessage("telegram", "7", MENU_COMMAND))
    assert rasa.sent == [("telegram:7", "/show_menu"), ("telegram:7", "show_menu")]
