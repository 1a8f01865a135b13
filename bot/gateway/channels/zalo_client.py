"""Thin async client of the Zalo OA API: customer-service messages (v3) and token refresh (OAuth v4)."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from bot.gateway.channels.zalo_tokens import Tokens, TokenStore

logger = logging.getLogger("bot.gateway.channels.zalo")
# Zalo answers HTTP 200 with {"error": <non-zero>} on failure. These codes mean the access token is bad or
# expired (refresh, then retry once) ...
TOKEN_ERRORS = frozenset({-216, -124})
# ... and these that the user is outside the window in which the OA may message them for free.
WINDOW_ERRORS = frozenset({-213, -201, -230})
REFRESH_MARGIN_S = 600  # refresh this long before the access token expires
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ZaloApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo API error {code}: {message}")
        self.code = code
        self.message = message


class ZaloClient:
    def __init__(
        self,
        *,
        api_url: str,
        oauth_url: str,
        app_id: str,
        app_secret: str,
        store: TokenStore,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._api_url = api_url
        self._oauth_url = oauth_url
        self._app_id = app_id
        self._app_secret = app_secret
        self._store = store
        self.tokens = store.load()
        self._http = http or httpx.AsyncClient(timeout=TIMEOUT)
        self._refresh_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def can_refresh(self) -> bool:
        return bool(self.tokens.refresh_token and self._app_secret)

    def needs_refresh(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.can_refresh and (
            not self.tokens.access_token
            or self.tokens.expires_at == 0
            or now >= self.tokens.expires_at - REFRESH_MARGIN_S
        )

    async def send(self, recipient: dict, message: dict) -> dict:
        """POST /v3.0/oa/message/cs; returns `data`, raises ZaloApiError (HTTP failures as code -1)."""
        used = self.tokens
        try:
            return await self._send_once(recipient, message)
        except ZaloApiError as exc:
            if exc.code not in TOKEN_ERRORS or not self.can_refresh:
                raise
            logger.info("Zalo: access token refused (%s); refreshing", exc.code)
            await self.refresh(stale=used)
            return await self._send_once(recipient, message)

    async def _send_once(self, recipient: dict, message: dict) -> dict:
        body = await self._call(
            "POST",
            f"{self._api_url}/v3.0/oa/message/cs",
            headers={"access_token": self.tokens.access_token},
            json={"recipient": recipient, "message": message},
        )
        return body.get("data") or {}

    async def refresh(self, stale: Tokens | None = None) -> Tokens:
        """Trade the refresh token for a new pair (once at a time: the old refresh token dies with its use)."""
        async with self._refresh_lock:
            if stale is not None and self.tokens != stale:
                return self.tokens  # someone else refreshed while we waited
            body = await self._call(
                "POST",
                f"{self._oauth_url}/v4/oa/access_token",
                headers={"secret_key": self._app_secret},
                data={
                    "app_id": self._app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": self.tokens.refresh_token,
                },
            )
            if not body.get("access_token") or not body.get("refresh_token"):
                raise ZaloApiError(
                    int(body.get("error") or -1), str(body.get("error_description") or body.get("error_name") or body)
                )
            tokens = Tokens(
                str(body["access_token"]),
                str(body["refresh_token"]),
                time.time() + float(body.get("expires_in") or 3600),
            )
            self._store.save(tokens)  # before use: the old refresh token is already spent
            self.tokens = tokens
            logger.info("Zalo: access token refreshed; valid for %.0f h", (tokens.expires_at - time.time()) / 3600)
            return tokens

    async def _call(self, method: str, url: str, **kwargs) -> dict:
        try:
            reply = await self._http.request(method, url, **kwargs)
            reply.raise_for_status()
            body = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ZaloApiError(-1, f"{exc.__class__.__name__}: {exc}") from exc
        if not isinstance(body, dict):
            raise ZaloApiError(-1, f"unexpected answer {body!r:.200}")
        error = body.get("error", 0)
        if error not in (0, "0", None):
            try:
                code = int(error)
            except (TypeError, ValueError):
                code = -1
            raise ZaloApiError(
                code, str(body.get("message") or body.get("error_description") or body.get("error_name") or "")
            )
        return body
