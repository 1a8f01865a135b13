"""Fewer messages per answer on Telegram and Zalo: the 👍/👎 question rides on the answer's own buttons.

The actions end an answer with a second message, "Câu trả lời có hữu ích không?" and two feedback buttons; the
widget shows it as it is. A messenger would ring twice per answer, so these channels move the two buttons onto
the message before and drop the question (the buttons say it; typing "hữu ích" still works, as for any button).
"""

from __future__ import annotations

from bot.gateway.conversation.models import Button, OutgoingMessage

FEEDBACK = "/feedback"


def is_feedback(button: Button) -> bool:
    return button.payload.startswith(FEEDBACK)


def ride_on_answer(messages: list[OutgoingMessage]) -> list[OutgoingMessage]:
    out: list[OutgoingMessage] = []
    for message in messages:
        if out and out[-1].text and message.buttons and all(is_feedback(b) for b in message.buttons):
            answer = out[-1]
            out[-1] = OutgoingMessage(answer.text, [*answer.buttons, *message.buttons])
            continue
        out.append(message)
    return out
