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
class FunnelMark:
    """A step of the online-filing funnel an action reported in this turn (actions/turns.py report_funnel):
    asked, started, step (detail: login/find/fill/pay/submit/track), finished, receipt."""

    event: str
    procedure: str | None = None
    detail: str | None = None

    @classmethod
    def from_custom(cls, custom: dict) -> "FunnelMark":
        detail = custom.get("detail")
        return cls(
            event=str(custom.get("event") or ""),
            procedure=custom.get("procedure") or None,
            detail=str(detail) if detail is not None else None,
        )


@dataclass(frozen=True)
class TurnInfo:
    """What the actions reported about a turn (for the record and the staff console), never shown to users.

    status: answered | clarified | fallback | out_of_scope | handed_over | chat (greeting, thanks, ...).
    """

    status: str = "chat"
    procedure: str | None = None
    confidence: float | None = None
    reason: str | None = None
    funnel: tuple[FunnelMark, ...] = ()
    # What search made of the message (actions/turns.py report_search): candidates, scores, deciding words.
    why: dict | None = None

    @classmethod
    def from_custom(cls, custom: dict) -> "TurnInfo":
        confidence = custom.get("confidence")
        return cls(
            status=str(custom.get("status") or "chat"),
            procedure=custom.get("procedure") or None,
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            reason=custom.get("reason") or None,
        )


@dataclass(frozen=True)
class Reply:
    messages: list[OutgoingMessage]
    turn: TurnInfo = field(default_factory=TurnInfo)


@dataclass(frozen=True)
class IncomingMessage:
    channel: str
    sender_id: str
    text: str
    # The name the channel gives (Telegram's first name), kept only in a reminder the citizen asked for.
    name: str = field(default="", compare=False, repr=False)
