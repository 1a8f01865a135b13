"""Channel-neutral messages: what a channel hands in and what it renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class OutgoingMessage:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class IncomingMessage:
    channel: str
    sender_id: str
    text: str
