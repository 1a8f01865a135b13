"""Async client of the Rasa server: the REST channel for turns, the token-protected HTTP API for status."""

from __future__ import annotations

import httpx

from bot.conversation.models import Button, OutgoingMessage


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error; the caller tells the citizen to retry."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 30.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self._token = token
        self._http = client or httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(self, sender_id: str, text: str) -> list[OutgoingMessage]:
        try:
            reply = await self._http.post("/webhooks/rest/webhook", json={"sender": sender_id, "message": text})
            reply.raise_for_status()
            raw = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(str(exc) or exc.__class__.__name__) from exc
        return [_to_message(item) for item in raw if isinstance(item, dict)]

    async def status(self) -> dict:
        """Model status through the HTTP API; also proves the API token is accepted."""
        reply = await self._http.get("/status", params={"token": self._token}, timeout=3.0)
        reply.raise_for_status()
        return reply.json()


def _to_message(item: dict) -> OutgoingMessage:
    buttons = [Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
               for b in item.get("buttons") or [] if isinstance(b, dict)]
    return OutgoingMessage(text=str(item.get("text") or ""), buttons=buttons)
