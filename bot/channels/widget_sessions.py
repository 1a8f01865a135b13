"""Widget conversations kept per signed session id, so a reload shows the history and staff replies wait there."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from itsdangerous import BadSignature, Signer

from bot.conversation.models import OutgoingMessage
from bot.limits import SlidingWindow

ENTRIES_KEPT = 200
SESSIONS_KEPT = 10_000
IDLE_EXPIRY_S = 7 * 24 * 3600
# New sessions per client address and minute: each session has its own message limit, so unlimited fresh
# sessions would make that limit worthless.
NEW_SESSIONS_PER_MINUTE = 20


@dataclass(frozen=True)
class Entry:
    id: int
    role: str              # "user" | "bot"
    text: str
    buttons: tuple[tuple[str, str], ...] = ()   # (title, payload)

    def to_dict(self) -> dict:
        return {"id": self.id, "role": self.role, "text": self.text,
                "buttons": [{"title": t, "payload": p} for t, p in self.buttons]}


@dataclass
class WidgetSession:
    id: str
    entries: deque[Entry] = field(default_factory=lambda: deque(maxlen=ENTRIES_KEPT))
    next_id: int = 1
    last_seen: float = field(default_factory=time.monotonic)

    def add(self, role: str, text: str, buttons: tuple[tuple[str, str], ...] = ()) -> Entry:
        entry = Entry(self.next_id, role, text, buttons)
        self.next_id += 1
        self.entries.append(entry)
        return entry

    def add_replies(self, messages: list[OutgoingMessage]) -> list[Entry]:
        return [self.add("bot", m.text, tuple((b.title, b.payload) for b in m.buttons)) for m in messages]

    def after(self, entry_id: int) -> list[Entry]:
        return [e for e in self.entries if e.id > entry_id]


class WidgetSessions:
    def __init__(self, secret: str = "") -> None:
        # Signed so a client can only present ids we issued: it cannot pick another visitor's id or make up
        # unlimited ones. Signer.unsign compares in constant time.
        self._signer = Signer(secret or secrets.token_urlsafe(32), salt="sxd-widget-session")
        self._sessions: OrderedDict[str, WidgetSession] = OrderedDict()
        self._new_per_client = SlidingWindow(NEW_SESSIONS_PER_MINUTE, 60.0)

    def may_issue(self, client: str) -> bool:
        return self._new_per_client.hit(client)

    def issue(self) -> tuple[str, WidgetSession]:
        session = self._store(WidgetSession(secrets.token_urlsafe(18)))
        return self._signer.sign(session.id).decode(), session

    def open(self, token: str | None) -> WidgetSession | None:
        if not token:
            return None
        try:
            session_id = self._signer.unsign(token.encode()).decode()
        except (BadSignature, UnicodeError):
            return None
        session = self._sessions.get(session_id)
        if session is None or time.monotonic() - session.last_seen > IDLE_EXPIRY_S:
            # Ours but forgotten (restart with a fixed secret, or expired): same id, empty history.
            session = self._store(WidgetSession(session_id))
        session.last_seen = time.monotonic()
        self._sessions.move_to_end(session_id)
        return session

    def get(self, session_id: str) -> WidgetSession | None:
        """By raw id, for staff replies pushed through the outbox."""
        return self._sessions.get(session_id)

    def _store(self, session: WidgetSession) -> WidgetSession:
        self._sessions[session.id] = session
        while len(self._sessions) > SESSIONS_KEPT:
            self._sessions.popitem(last=False)
        return session
