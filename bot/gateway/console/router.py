"""Routes of the staff console: the page at /staff and its JSON API at /staff/api (also for scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError

from bot.gateway.client_address import client_address
from bot.gateway.console import auth, funnel_report, schemas
from bot.gateway.console.impact import ImpactService
from bot.gateway.console.service import ConsoleError, ConsoleService, Login
from bot.gateway.db.repositories import ActiveSession
from bot.gateway.json_body import parse_json
from bot.gateway.openapi_bodies import json_body

router = APIRouter(prefix="/staff")
STATIC = Path(__file__).parent / "static"
# Served files, by name: nothing else under static/ can be requested.
FILES = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "chart.umd.min.js": "text/javascript",
    "funnel.js": "text/javascript",
    "impact.js": "text/javascript",
}
PAGE_HEADERS = {
    # Only our own scripts and styles: an injected question text can never run as code in a staff browser.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def console_of(request: Request) -> ConsoleService:
    return request.app.state.console


async def staff_session(request: Request) -> ActiveSession:
    active = await run_in_threadpool(console_of(request).session_for, request.cookies.get(auth.COOKIE))
    if active is None:
        raise ConsoleError(401, "login required")
    if request.method not in ("GET", "HEAD") and not auth.csrf_matches(
        active.csrf_token, request.headers.get(auth.CSRF_HEADER)
    ):
        raise ConsoleError(403, f"missing or wrong {auth.CSRF_HEADER} header")
    return active


async def admin_session(active: Annotated[ActiveSession, Depends(staff_session)]) -> ActiveSession:
    if not auth.is_admin(active.user):
        raise ConsoleError(403, "only an admin may do this")
    return active


Staff = Annotated[ActiveSession, Depends(staff_session)]
Admin = Annotated[ActiveSession, Depends(admin_session)]
Console = Annotated[ConsoleService, Depends(console_of)]


def impact_of(request: Request) -> ImpactService:
    return request.app.state.impact


Impacts = Annotated[ImpactService, Depends(impact_of)]


async def parse(request: Request, model: type[BaseModel]):
    if "application/json" not in request.headers.get("content-type", ""):
        # Also keeps cross-site HTML forms out: they cannot send JSON without a CORS preflight.
        raise ConsoleError(415, "send a JSON body with Content-Type: application/json")
    try:
        body = parse_json(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ConsoleError(400, "body must be valid JSON") from None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or None
        raise ConsoleError(422, f"{field or 'body'}: {error['msg']}", field) from None


async def error_response(_request: Request, exc: ConsoleError) -> JSONResponse:
    body = {"error": exc.message}
    if exc.field:
        body["field"] = exc.field
    if getattr(exc, "impact", None) is not None:
        body["impact"] = exc.impact  # a refused publish shows what it would have done
    return JSONResponse(body, status_code=exc.status)


# --- page -------------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
async def page() -> Response:
    return FileResponse(STATIC / "console.html", media_type="text/html", headers=PAGE_HEADERS)


@router.get("/static/{name}", include_in_schema=False)
async def static_file(name: str) -> Response:
    if name not in FILES:
        raise ConsoleError(404, "no such file")
    return FileResponse(STATIC / name, media_type=FILES[name], headers={"Cache-Control": "no-cache"})


# --- session ----------------------------------------------------------------------------------------


@router.post("/api/login", openapi_extra=json_body(schemas.LoginIn))
async def login(request: Request, console: Console) -> JSONResponse:
    body = await parse(request, schemas.LoginIn)
    address = client_address(request, request.app.state.settings.trusted_proxies)
    done = await run_in_threadpool(console.login, body.username, body.password, address)
    return _session_response(done, console)


def _session_response(done: Login, console: ConsoleService) -> JSONResponse:
    response = JSONResponse({"csrf_token": done.csrf_token, "username": done.user.username, "role": done.user.role})
    response.set_cookie(
        auth.COOKIE,
        done.token,
        max_age=int(console.settings.session_hours * 3600),
        path="/staff",
        httponly=True,
        samesite="strict",
        secure=console.settings.cookie_secure,
    )
    return response


@router.post("/api/password", openapi_extra=json_body(schemas.PasswordChangeIn))
async def change_password(request: Request, active: Staff, console: Console) -> JSONResponse:
    body = await parse(request, schemas.PasswordChangeIn)
    done = await run_in_threadpool(
        lambda: console.change_password(active, current=body.current_password, new=body.new_password)
    )
    return _session_response(done, console)


@router.post("/api/logout")
async def logout(active: Staff, console: Console) -> JSONResponse:
    await run_in_threadpool(console.logout, active)
    response = JSONResponse({"ok": True})
    response.delete_cookie(auth.COOKIE, path="/staff")
    return response


@router.get("/api/me")
async def me(active: Staff) -> dict:
    return {"username": active.user.username, "role": active.user.role, "csrf_token": active.csrf_token}


# --- review queue -----------------------------------------------------------------------------------


@router.get("/api/queue")
async def queue(active: Staff, console: Console, status: str = "new") -> list[dict]:
    return await run_in_threadpool(console.queue, None if status == "all" else status)


@router.get("/api/queue/{item_id}")
async def queue_item(item_id: int, active: Staff, console: Console) -> dict:
    return await run_in_threadpool(console.item, item_id)


@router.post("/api/queue/{item_id}/link", openapi_extra=json_body(schemas.LinkIn))
async def link(item_id: int, request: Request, active: Staff, console: Console, impacts: Impacts) -> dict:
    body = await parse(request, schemas.LinkIn)
    alias = await run_in_threadpool(console.alias_text, item_id, body.text)
    seen = await run_in_threadpool(
        impacts.guard, {"kind": "alias", "procedure": body.procedure, "text": alias}, body.confirm_regressions
    )
    result = await run_in_threadpool(
        lambda: console.link(item_id=item_id, code=body.procedure, text=alias, by=active.user.username, impact=seen)
    )
    impacts.warm_later()
    return {**result, "index": await console.nudge_reload()}


@router.post("/api/queue/{item_id}/faq", openapi_extra=json_body(schemas.FaqIn))
async def faq(item_id: int, request: Request, active: Staff, console: Console) -> dict:
    body = await parse(request, schemas.FaqIn)
    result = await run_in_threadpool(
        lambda: console.answer(
            item_id=item_id, code=body.procedure, question=body.question, answer=body.answer, by=active.user.username
        )
    )
    return {**result, "index": await console.nudge_reload()}


@router.post("/api/queue/{item_id}/reply", openapi_extra=json_body(schemas.ReplyIn))
async def reply(item_id: int, request: Request, active: Staff, console: Console) -> dict:
    body = await parse(request, schemas.ReplyIn)
    return await console.reply(item_id=item_id, text=body.text, by=active.user.username, run=run_in_threadpool)


@router.post("/api/queue/{item_id}/status", openapi_extra=json_body(schemas.StatusIn))
async def set_status(item_id: int, request: Request, active: Staff, console: Console) -> dict:
    body = await parse(request, schemas.StatusIn)
    return await run_in_threadpool(
        lambda: console.set_status(item_id=item_id, status=body.status, by=active.user.username)
    )


@router.get("/api/procedures")
async def procedures(active: Staff, console: Console) -> list[dict]:
    return await run_in_threadpool(console.procedure_list)


@router.post("/api/procedures/{code}/short_title", openapi_extra=json_body(schemas.ShortTitleIn))
async def short_title(code: str, request: Request, active: Staff, console: Console, impacts: Impacts) -> dict:
    body = await parse(request, schemas.ShortTitleIn)
    seen = await run_in_threadpool(
        impacts.guard,
        {"kind": "short_title", "procedure": code, "short_title": body.short_title},
        body.confirm_regressions,
    )
    result = await run_in_threadpool(
        lambda: console.set_short_title(code=code, text=body.short_title, by=active.user.username, impact=seen)
    )
    impacts.warm_later()
    return {**result, "index": await console.nudge_reload()}


@router.post("/api/queue/{item_id}/not_ours", openapi_extra=json_body(schemas.NotOursIn))
async def not_ours(item_id: int, request: Request, active: Staff, impacts: Impacts) -> dict:
    body = await parse(request, schemas.NotOursIn)
    return await run_in_threadpool(
        lambda: impacts.not_ours(item_id=item_id, expected=body.expected, by=active.user.username)
    )


@router.get("/api/helpful")
async def helpful(active: Staff, impacts: Impacts) -> list[dict]:
    return await run_in_threadpool(impacts.helpful)


@router.post("/api/turns/{turn_id}/approve")
async def approve_helpful(turn_id: int, active: Staff, impacts: Impacts) -> dict:
    return await run_in_threadpool(lambda: impacts.approve_helpful(turn_id=turn_id, by=active.user.username))


# --- confirmed questions and the impact check -------------------------------------------------------


@router.get("/api/confirmed")
async def confirmed(active: Staff, impacts: Impacts) -> list[dict]:
    return await run_in_threadpool(impacts.confirmed)


@router.get("/api/confirmed.csv")
async def confirmed_csv(active: Staff, impacts: Impacts) -> Response:
    text = await run_in_threadpool(impacts.confirmed_csv)
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cau-hoi-da-xac-nhan.csv"'},
    )


@router.post("/api/confirmed", openapi_extra=json_body(schemas.ConfirmedIn))
async def add_confirmed(request: Request, active: Staff, impacts: Impacts) -> JSONResponse:
    body = await parse(request, schemas.ConfirmedIn)
    row = await run_in_threadpool(lambda: impacts.add(text=body.text, expected=body.expected, by=active.user.username))
    return JSONResponse(row, status_code=201)


@router.post("/api/confirmed/{confirmed_id}", openapi_extra=json_body(schemas.ConfirmedEditIn))
async def edit_confirmed(confirmed_id: int, request: Request, active: Staff, impacts: Impacts) -> dict:
    body = await parse(request, schemas.ConfirmedEditIn)
    return await run_in_threadpool(
        lambda: impacts.edit(
            confirmed_id=_id(confirmed_id), text=body.text, expected=body.expected, by=active.user.username
        )
    )


@router.post("/api/confirmed/{confirmed_id}/delete")
async def delete_confirmed(confirmed_id: int, active: Staff, impacts: Impacts) -> dict:
    return await run_in_threadpool(lambda: impacts.remove(confirmed_id=_id(confirmed_id), by=active.user.username))


def _id(value: int) -> int:
    if not 0 < value <= 2**31 - 1:
        raise ConsoleError(404, f"no confirmed question {value}")
    return value


@router.post("/api/impact", openapi_extra=json_body(schemas.ImpactIn))
async def impact(request: Request, active: Staff, impacts: Impacts) -> dict:
    body = await parse(request, schemas.ImpactIn)
    return await run_in_threadpool(impacts.check, body.change)


@router.post("/api/import", openapi_extra=json_body(schemas.ImportIn))
async def import_sheet(request: Request, active: Staff, console: Console, impacts: Impacts) -> dict:
    body = await parse(request, schemas.ImportIn)
    seen = await run_in_threadpool(impacts.guard, {"kind": "import", "file": body.file}, body.confirm_regressions)
    changed = await run_in_threadpool(
        lambda: impacts.publish_import(file=body.file, by=active.user.username, impact=seen)
    )
    impacts.warm_later()
    return {"files_changed": changed, "impact": seen, "index": await console.nudge_reload()}


# --- dashboard --------------------------------------------------------------------------------------


@router.get("/api/dashboard")
async def dashboard(active: Staff, console: Console, days: int = 30) -> dict:
    return await run_in_threadpool(console.dashboard, days)


@router.get("/api/dashboard.csv")
async def dashboard_csv(active: Staff, console: Console, days: int = 30) -> Response:
    text = await run_in_threadpool(console.dashboard_csv, days)
    # BOM: Excel opens UTF-8 CSV with Vietnamese names correctly only with it.
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="thong-ke-{days}-ngay.csv"'},
    )


# --- online-filing funnel ---------------------------------------------------------------------------


@router.get("/api/funnel")
async def funnel(
    active: Staff,
    console: Console,
    start: str | None = None,
    end: str | None = None,
    days: int | None = None,
    procedure: str | None = None,
    channel: str | None = None,
) -> dict:
    first, last = funnel_report.period(start, end, days)
    return await run_in_threadpool(
        lambda: funnel_report.report(console, start=first, end=last, procedure=procedure, channel=channel)
    )


@router.get("/api/funnel.csv")
async def funnel_csv(
    active: Staff,
    console: Console,
    start: str | None = None,
    end: str | None = None,
    days: int | None = None,
    procedure: str | None = None,
    channel: str | None = None,
) -> Response:
    first, last = funnel_report.period(start, end, days)
    data = await run_in_threadpool(
        lambda: funnel_report.report(console, start=first, end=last, procedure=procedure, channel=channel)
    )
    name = f"pheu-truc-tuyen-{first}-{last}.csv"
    return Response(
        "\ufeff" + funnel_report.report_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- administration ---------------------------------------------------------------------------------


@router.get("/api/users")
async def users(active: Admin, console: Console) -> list[dict]:
    return await run_in_threadpool(console.users)


@router.post("/api/users", openapi_extra=json_body(schemas.UserIn))
async def create_user(request: Request, active: Admin, console: Console) -> JSONResponse:
    body = await parse(request, schemas.UserIn)
    created = await run_in_threadpool(
        lambda: console.create_user(
            username=body.username, password=body.password, role=body.role, by=active.user.username
        )
    )
    return JSONResponse(created, status_code=201)


@router.post("/api/users/{username}/password", openapi_extra=json_body(schemas.PasswordResetIn))
async def reset_password(username: str, request: Request, active: Admin, console: Console) -> dict:
    body = await parse(request, schemas.PasswordResetIn)
    return await run_in_threadpool(
        lambda: console.reset_password(username=username, password=body.password, by=active.user.username)
    )


@router.post("/api/users/{username}/active", openapi_extra=json_body(schemas.ActiveIn))
async def set_active(username: str, request: Request, active: Admin, console: Console) -> dict:
    body = await parse(request, schemas.ActiveIn)
    return await run_in_threadpool(
        lambda: console.set_active(username=username, active=body.active, by=active.user.username)
    )


@router.get("/api/audit")
async def audit_log(active: Admin, console: Console, limit: int = 200) -> list[dict]:
    return await run_in_threadpool(console.audit_log, max(1, min(limit, 1000)))
