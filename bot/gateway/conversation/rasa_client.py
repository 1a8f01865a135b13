"""Async client of the Rasa server: the REST channel for turns, the token-protected HTTP API for status.

aiohttp, not httpx: every turn crosses this client, and at 30 turns/s httpx's request machinery cost the
gateway ~1.2 ms of CPU a request against ~0.1 ms for aiohttp (measured on one local server).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp

from bot.gateway.conversation.models import Button, FunnelMark, OutgoingMessage, Reply, TurnInfo


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error; the caller tells the citizen to retry."""


class RasaBusy(RasaUnavailable):
    """Every Rasa server has as many turns in flight as it can answer in time: the turn was not sent (nothing
    of it is stored), and the citizen is told to try again in a moment (bot/gateway/conversation/admission.py)."""


class RasaNotReached(RasaUnavailable):
    """No connection could be made: the message never reached Rasa, so another server may take it."""


class RasaDropped(RasaUnavailable):
    """The connection closed with no reply: the server died, before or while handling the message. Rasa
    stores a turn only once it is complete, so another server may take the message."""


# Turns beyond this many at once to one server wait here, in order, instead of piling connections onto a server
# that is already behind (a full accept queue would look like a dead server).
CONNECTIONS = 64


class RasaStatusError(Exception):
    """The status probe got no usable answer: `answered` is False when nothing answered (down, or too slow,
    with `timed_out`), True when the server answered with an error (e.g. a wrong token)."""

    def __init__(self, detail: str, *, answered: bool = False, timed_out: bool = False) -> None:
        super().__init__(detail)
        self.detail, self.answered, self.timed_out = detail, answered, timed_out


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        # A connection that cannot be made in a few seconds means the server is down: the pool tries another.
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(timeout_s, 5.0))
        self._session: aiohttp.ClientSession | None = None
        # Status probes have their own connection, so a busy turn pool never makes a server look dead.
        self._probe_session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that serves the gateway.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=aiohttp.TCPConnector(limit=CONNECTIONS)
            )
        return self._session

    def _probe_http(self) -> aiohttp.ClientSession:
        if self._probe_session is None:
            self._probe_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=2))
        return self._probe_session

    async def aclose(self) -> None:
        for session in (self._session, self._probe_session):
            if session is not None:
                await session.close()

    async def send(self, sender_id: str, text: str) -> Reply:
        try:
            async with self._http().post(
                f"{self._base}/webhooks/rest/webhook", json={"sender": sender_id, "message": text}
            ) as reply:
                reply.raise_for_status()
                raw = await reply.json(content_type=None)
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise RasaNotReached(str(exc) or exc.__class__.__name__) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError) as exc:
            raise RasaDropped(str(exc) or exc.__class__.__name__) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
        return parse_reply(raw)

    async def status(self, timeout_s: float = 3.0) -> dict:
        """Model status through the HTTP API; also proves the API token is accepted."""
        try:
            async with self._probe_http().get(
                f"{self._base}/status", params={"token": self._token}, timeout=aiohttp.ClientTimeout(total=timeout_s)
            ) as reply:
                if reply.status >= 400:
                    raise RasaStatusError(f"HTTP {reply.status}", answered=True)
                status = await reply.json(content_type=None)
        except asyncio.TimeoutError as exc:
            raise RasaStatusError(exc.__class__.__name__, timed_out=True) from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise RasaStatusError(exc.__class__.__name__) from exc
        if not isinstance(status, dict):
            raise RasaStatusError("status is not a JSON object", answered=True)
        return status


def parse_reply(raw: object) -> Reply:
    """Rasa's REST reply as what the citizen sees, with the turn's metadata from our actions set apart."""
    messages, turn, funnel, why = [], TurnInfo(), [], None
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("turn"), dict):
            turn = TurnInfo.from_custom(custom["turn"])  # metadata from our actions, not for the user
            continue
        if isinstance(custom, dict) and isinstance(custom.get("funnel"), dict):
            funnel.append(FunnelMark.from_custom(custom["funnel"]))  # likewise; several actions may report
            continue
        if isinstance(custom, dict) and isinstance(custom.get("why"), dict):
            why = custom["why"]  # likewise: for the console's "why this answer"
            continue
        messages.append(_to_message(item))
    if funnel:
        turn = replace(turn, funnel=tuple(funnel))
    return Reply(messages, replace(turn, why=why) if why is not None else turn)


def _to_message(item: dict) -> OutgoingMessage:
    buttons = [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in item.get("buttons") or []
        if isinstance(b, dict)
    ]
    return OutgoingMessage(text=str(item.get("text") or ""), buttons=buttons)
