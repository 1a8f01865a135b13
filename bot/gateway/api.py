"""Gateway HTTP contract: GET /health and POST /api/chat (other work and outside checks rely on it)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.gateway import health, openapi_bodies
from bot.gateway.client_address import client_address
from bot.gateway.conversation import notices
from bot.gateway.conversation.models import IncomingMessage
from bot.gateway.conversation.rasa_client import RasaBusy, RasaUnavailable
from bot.gateway.conversation.sanitise import sanitise
from bot.gateway.json_body import parse_json
from bot.gateway.limits import window
from bot.settings import Settings

router = APIRouter()
SENDER_ID_MAX = 128
# A burst past capacity drains in about the queue limit (RASA_QUEUE_LIMIT_S, 1 s by default).
BUSY_RETRY_AFTER_S = 2


class ApiLimits:
    """/api/chat limits a caller cannot dodge by picking a new sender_id for every message."""

    def __init__(self, settings: Settings, redis=None) -> None:
        self._settings = settings
        self._per_address = window(settings.api_rate_per_address, 60.0, name="api-address", redis=redis)
        self._per_integration = window(
            settings.api_integration_rate, 60.0, name="api-integration", redis=redis, keys_kept=16
        )

    async def admit(self, request: Request) -> bool:
        token = self._settings.api_integration_token
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
            return await self._per_integration.ahit("integration")
        return await self._per_address.ahit(client_address(request, self._settings.trusted_proxies))


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


@router.get("/health")
async def get_health(request: Request) -> JSONResponse:
    state = request.app.state
    ready, body = await health.check(state.rasa, state.http, state.settings.actions_endpoints)
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/health/live")
async def get_liveness() -> JSONResponse:
    # For the supervisor: this process answers. /health is about Rasa and the action server too, and a gateway
    # must not be restarted because Rasa is down.
    return JSONResponse({"status": "live"})


@router.post("/api/chat", openapi_extra=openapi_bodies.CHAT)
async def post_chat(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if not await request.app.state.api_limits.admit(request):
        return _error(429, notices.RATE_LIMITED)
    raw = await request.body()
    if len(raw) > settings.max_text_chars * 4 + 1024:
        return _error(413, f"request body too large; text is limited to {settings.max_text_chars} characters")
    try:
        body = parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        return _error(400, 'body must be JSON: {"sender_id": "...", "text": "..."}')
    if not isinstance(body, dict):
        return _error(422, "body must be a JSON object with sender_id and text")
    sender_id, text = body.get("sender_id"), body.get("text")
    if not isinstance(sender_id, str) or not sender_id.strip():
        return _error(422, "sender_id is required and must be a non-empty string", "sender_id")
    if len(sender_id) > SENDER_ID_MAX:
        return _error(422, f"sender_id must be at most {SENDER_ID_MAX} characters", "sender_id")
    if sanitise(sender_id) != sender_id.strip():
        # It names the conversation in Rasa's tracker store and the console: it must be plain, printable text.
        return _error(
            422, "sender_id must be printable text without control characters or invalid code points", "sender_id"
        )
    if not isinstance(text, str) or not text.strip():
        return _error(422, "text is required and must be a non-empty string", "text")
    if len(text) > settings.max_text_chars:
        return _error(413, f"text must be at most {settings.max_text_chars} characters, got {len(text)}", "text")
    try:
        reply = await request.app.state.conversation.handle(
            IncomingMessage(channel="api", sender_id=sender_id.strip(), text=text)
        )
    except RasaBusy:
        # Refused before it reached Rasa (nothing stored): the integration may send the same message again.
        body = {
            "error": "the assistant is at capacity; send the message again in a few seconds",
            "messages": [{"text": notices.BUSY, "buttons": []}],
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})
    except RasaUnavailable:
        # An integration shows this to a citizen: Vietnamese, and the same words the other channels use.
        body = {
            "error": "the assistant is starting or unavailable; try again shortly",
            "messages": [{"text": notices.UNAVAILABLE, "buttons": []}],
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"messages": [m.to_dict() for m in reply.messages]})
