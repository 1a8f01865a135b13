"""Website widget: GET /widget.js (one tag embeds it on any page) and its JSON API under /widget/api/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from bot.gateway import openapi_bodies
from bot.gateway.channels.widget_sessions import WidgetSession, WidgetSessions
from bot.gateway.client_address import client_address
from bot.gateway.conversation import notices
from bot.gateway.conversation.edge import clean_citizen_text
from bot.gateway.conversation.models import IncomingMessage
from bot.gateway.conversation.rasa_client import RasaBusy, RasaUnavailable
from bot.gateway.json_body import parse_json

router = APIRouter()
STATIC = Path(__file__).resolve().parent.parent / "static"
SESSION_HEADER = "X-Widget-Session"
TITLE_MAX = 200
NO_STORE = {"Cache-Control": "no-store"}


def _cors(request: Request) -> dict[str, str] | None:
    """CORS headers for this request's origin, or None when that origin may not use the widget."""
    origin = request.headers.get("origin")
    if not origin:
        return {}  # not a cross-origin browser call
    if urlsplit(origin).netloc == request.headers.get("host", ""):
        return {}  # the gateway's own pages
    allowed = request.app.state.channel_settings.widget.allowed_origins
    if "*" in allowed or origin.rstrip("/") in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return None


def _json(body: dict, status: int, cors: dict[str, str]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **cors})


async def _visitor(request: Request) -> tuple[WidgetSession, dict[str, str]] | JSONResponse:
    """The caller's session and CORS headers, or the error response for a foreign origin or bad session."""
    cors = _cors(request)
    if cors is None:
        return _json({"error": "origin not allowed"}, 403, {})
    session = await _sessions(request).open(request.headers.get(SESSION_HEADER))
    if session is None:
        return _json({"error": "session missing or invalid"}, 401, cors)
    return session, cors


def _sessions(request: Request) -> WidgetSessions:
    return request.app.state.widget_sessions


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/widget.css", include_in_schema=False)
async def widget_css() -> FileResponse:
    return FileResponse(
        STATIC / "widget.css", media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/widget/demo", response_class=HTMLResponse, include_in_schema=False)
async def widget_demo() -> HTMLResponse:
    return HTMLResponse((STATIC / "widget-demo.html").read_text(encoding="utf-8"))


@router.options("/widget/api/{name}", include_in_schema=False)
async def preflight(request: Request, name: str) -> Response:
    cors = _cors(request)
    if cors is None:
        return Response(status_code=403, headers={"Vary": "Origin"})
    return Response(
        status_code=204,
        headers={
            **cors,
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": f"Content-Type, {SESSION_HEADER}",
            "Access-Control-Max-Age": "600",
        },
    )


@router.post("/widget/api/session")
async def open_session(request: Request) -> JSONResponse:
    """The caller's session and its history; a new session when it has none or presents a bad one."""
    cors = _cors(request)
    if cors is None:
        return _json({"error": "origin not allowed"}, 403, {})
    token = request.headers.get(SESSION_HEADER)
    session = await _sessions(request).open(token)
    if session is None:
        address = client_address(request, request.app.state.settings.trusted_proxies)
        if not await _sessions(request).may_issue(address):
            return _json({"error": notices.RATE_LIMITED}, 429, cors)
        token, session = await _sessions(request).issue()
    return _json({"session": token, "entries": [e.to_dict() for e in session.entries]}, 200, cors)


@router.post("/widget/api/messages", openapi_extra=openapi_bodies.WIDGET_MESSAGE)
async def post_message(request: Request) -> JSONResponse:
    visitor = await _visitor(request)
    if isinstance(visitor, JSONResponse):
        return visitor
    session, cors = visitor
    max_chars = request.app.state.conversation.max_text_chars
    raw = await request.body()
    if len(raw) > max_chars * 4 + 2048:
        return _json({"error": notices.TOO_LONG.format(limit=max_chars)}, 413, cors)
    try:
        body = parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        return _json({"error": "body must be JSON"}, 400, cors)
    text = body.get("text") if isinstance(body, dict) else None
    title = body.get("title") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return _json({"error": "text is required", "field": "text"}, 422, cors)
    shown = title.strip()[:TITLE_MAX] if isinstance(title, str) and title.strip() else text
    return await _turn(request, session, text, shown, cors)


async def _turn(request: Request, session: WidgetSession, text: str, shown: str, cors: dict[str, str]) -> JSONResponse:
    # The history shows what the assistant kept, not the identity number the visitor typed.
    asked = await session.add("user", clean_citizen_text(shown).text or "?")
    try:
        reply = await request.app.state.conversation.handle(IncomingMessage("widget", session.id, text))
    except RasaBusy:
        return _json({"error": notices.BUSY, "entries": [asked.to_dict()]}, 503, {**cors, "Retry-After": "2"})
    except RasaUnavailable:
        return _json({"error": notices.UNAVAILABLE, "entries": [asked.to_dict()]}, 503, cors)
    answers = await session.add_replies(reply.messages)
    return _json({"entries": [e.to_dict() for e in (asked, *answers)]}, 200, cors)


@router.get("/widget/api/poll")
async def poll(request: Request, after: int = 0) -> JSONResponse:
    """Entries after `after`: staff replies pushed while the visitor waits."""
    visitor = await _visitor(request)
    if isinstance(visitor, JSONResponse):
        return visitor
    session, cors = visitor
    return _json({"entries": [e.to_dict() for e in session.after(after)]}, 200, cors)
