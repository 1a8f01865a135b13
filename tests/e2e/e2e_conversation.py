"""A scripted citizen talking to the real stack through POST /api/chat, tapping buttons as a person would."""

from __future__ import annotations

import uuid


class Conversation:
    def __init__(self, stack, sender: str | None = None) -> None:
        self.stack = stack
        self.sender = sender or f"t-{uuid.uuid4()}"
        self.last: list[dict] = []

    def say(self, text: str) -> str:
        self.last = self.stack.chat(self.sender, text)
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.last)

    @property
    def buttons(self) -> list[dict]:
        return [b for m in self.last for b in m.get("buttons") or []]

    def button(self, title_part: str) -> dict:
        for b in self.buttons:
            if title_part.lower() in b["title"].lower():
                return b
        raise AssertionError(
            f"no button with {title_part!r}; buttons: {[b['title'] for b in self.buttons]}\ntext: {self.text}"
        )

    def tap(self, title_part: str) -> str:
        return self.say(self.button(title_part)["payload"])
