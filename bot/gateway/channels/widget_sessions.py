"""Widget conversations kept per signed session id, so a reload shows the history and staff replies wait there.

Each session is one document in the shared StateStore (key widget:<id>): its last ENTRIES_KEPT entries and the
next entry id. A gateway restart, or another gateway, serves the same session from the same signed id.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from itsdangerous import BadSignature, Signer

from bot.gateway.keyed_locks import KeyedLocks
from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.limits import window
from bot.gateway.state import StateStore

ENTRIES_KEPT = 200
IDLE_EXPIRY_S = 7 * 24 * 3600
# Opening a session (every poll) renews its expiry only this often: a poll every few seconds must not be a write.
RENEW_AFTER_S = 3600
# New sessions per client address and minute: each session has its own message limit, so unlimited fresh
# sessions would make that limit worthless.
NEW_SESSIONS_PER_MINUTE = 20


@dataclass(frozen=True)
class Entry:
    id: int
    role: str  # "user" | "bot"
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (title, payload)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "role": self.role,
            "text": self.text,
            "buttons": [{"title": t, "payload": p} for t, p in self.buttons],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Entry":
        return cls(
            int(data["id"]),
            str(data["role"]),
            str(data["text"]),
            tuple((str(b["title"]), str(b["payload"])) for b in data.get("buttons") or ()),
        )


def _key(session_id: str) -> str:
    return f"widget:{session_id}"


@dataclass
class WidgetSession:
    """One session as read when it was opened; `add` writes through to the store."""

    id: str
    entries: list[Entry] = field(default_factory=list)
    _owner: "WidgetSessions | None" = field(default=None, repr=False, compare=False)

    async def add(self, role: str, text: str, buttons: tuple[tuple[str, str], ...] = ()) -> Entry:
        [entry] = await self._owner.append(self.id, [(role, text, buttons)])
        return entry

    async def add_replies(self, messages: list[OutgoingMessage]) -> list[Entry]:
        return await self._owner.append(
            self.id, [("bot", m.text, tuple((b.title, b.payload) for b in m.buttons)) for m in messages]
        )

    def after(self, entry_id: int) -> list[Entry]:
        return [e for e in self.entries if e.id > entry_id]


class WidgetSessions:
    def __init__(self, store: StateStore, secret: str, redis=None) -> None:
        # Signed so a client can only present ids we issued: it cannot pick another visitor's id or make up
        # unlimited ones. Signer.unsign compares in constant time.
        self._signer = Signer(secret, salt="sxd-widget-session")
        self._store = store
        # One gateway's writes to a session in turn (the visitor's turn and a staff reply may meet).
        self._writing = KeyedLocks()
        self._new_per_client = window(NEW_SESSIONS_PER_MINUTE, 60.0, name="widget-new", redis=redis)

    async def may_issue(self, client: str) -> bool:
        return await self._new_per_client.ahit(client)

    async def issue(self) -> tuple[str, WidgetSession]:
        session_id = secrets.token_urlsafe(18)
        await self._store.aput(_key(session_id), _empty(), ttl_s=IDLE_EXPIRY_S)
        return self._signer.sign(session_id).decode(), WidgetSession(session_id, [], self)

    async def open(self, token: str | None) -> WidgetSession | None:
        if not token:
            return None
        try:
            session_id = self._signer.unsign(token.encode()).decode()
        except (BadSignature, UnicodeError):
            return None
        doc = await self._store.aget(_key(session_id))
        if not isinstance(doc, dict):
            # Ours but expired: same id, empty history.
            doc = _empty()
            await self._store.aput(_key(session_id), doc, ttl_s=IDLE_EXPIRY_S)
        elif time.time() - float(doc.get("touched") or 0) > RENEW_AFTER_S:
            doc = await self._update(session_id, lambda d: d)
        return self._session(session_id, doc)

    async def get(self, session_id: str) -> WidgetSession | None:
        """By raw id, for staff replies pushed through the outbox; None when it has expired."""
        doc = await self._store.aget(_key(session_id))
        return self._session(session_id, doc) if isinstance(doc, dict) else None

    async def append(self, session_id: str, items: list[tuple[str, str, tuple[tuple[str, str], ...]]]) -> list[Entry]:
        added: list[Entry] = []

        def change(doc: dict) -> dict:
            added.clear()  # the change may run again; only its last run counts
            next_id = int(doc.get("next_id") or 1)
            for role, text, buttons in items:
                added.append(Entry(next_id, role, text, tuple(buttons)))
                next_id += 1
            entries = [*doc.get("entries", []), *(e.to_dict() for e in added)][-ENTRIES_KEPT:]
            return {**doc, "entries": entries, "next_id": next_id}

        await self._update(session_id, change)
        return added

    async def _update(self, session_id: str, change) -> dict:
        def touched(doc: object) -> dict:
            return {**change(doc if isinstance(doc, dict) else _empty()), "touched": time.time()}

        async with self._writing(session_id):
            return await self._store.aupdate(_key(session_id), touched, ttl_s=IDLE_EXPIRY_S)

    def _session(self, session_id: str, doc: dict) -> WidgetSession:
        entries = [Entry.from_dict(e) for e in doc.get("entries") or ()]
        return WidgetSession(session_id, entries, self)


def _empty() -> dict:
    return {"entries": [], "next_id": 1, "touched": time.time()}
