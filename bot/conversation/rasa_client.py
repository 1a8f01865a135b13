"""Async client of the Rasa server: the REST channel for turns, the token-protected HTTP API for status."""

from __future__ import annotations

from dataclasses import replace

import httpx

from bot.conversation.models import Button, FunnelMark, OutgoingMessage, Reply, TurnInfo


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error; the caller tells the citizen to retry."""


class RasaNotReached(RasaUnavailable):
    """No connection could be made: the message never reached Rasa, so another server may take it."""


class RasaDropped(RasaUnavailable):
    """The connection closed with no reply: the server died, before or while handling the message. Rasa
    stores a turn only once it is complete, so another server may take the message."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._token = token
        self._http = client or httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, sender_id: str, text: str) -> Reply:
        try:
            reply = await self._http.post("/webhooks/rest/webhook", json={"sender": sender_id, "message": text})
            reply.raise_for_status()
            raw = reply.json()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RasaNotReached(str(exc) or exc.__class__.__name__) from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise RasaDropped(str(exc) or exc.__class__.__name__) from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
        messages, turn, funnel = [], TurnInfo(), []
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
            messages.append(_to_message(item))
        return Reply(messages, replace(turn, funnel=tuple(funnel)) if funnel else turn)

    async def status(self, timeout_s: float = 3.0) -> dict:
        """Model status through the HTTP API; also proves the API token is accepted."""
        reply = await self._http.get("/status", params={"token": self._token}, timeout=timeout_s)
        reply.raise_for_status()
        return reply.json()


def _to_message(item: dict) -> OutgoingMessage:
    buttons = [Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
               for b in item.get("buttons") or [] if isinstance(b, dict)]
    return OutgoingMessage(text=str(item.get("text") or ""), buttons=buttons)
