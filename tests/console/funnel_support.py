"""A fake Rasa that walks the online-filing funnel the way our actions report it (turn and funnel custom
messages, portal links in texts, the walkthrough's buttons), and the gateway started against it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from fastapi import FastAPI, Request

PERMIT = "1.013225"
PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfe-03ac-70cd-a6db-636d0bd839e5"
PORTAL = "https://dichvucong.gov.vn"
RECEIPT = "000.00.04.H22-251130-0042"
# The walkthrough of a procedure with a fee due: login, find, fill, pay, submit, track.
KINDS = ("login", "find", "fill", "pay", "submit", "track")
NEXT, BACK, DONE = ('/guide_nav{"nav": "next"}', '/guide_nav{"nav": "back"}', '/guide_nav{"nav": "done"}')
START = "/start_guide"


def _turn(status, procedure=None, reason=None):
    return {"custom": {"turn": {"status": status, "procedure": procedure, "confidence": None, "reason": reason}}}


def _mark(event, procedure=PERMIT, detail=None):
    return {"custom": {"funnel": {"event": event, "procedure": procedure, "detail": detail}}}


def _step(index: int) -> list[dict]:
    buttons = [{"title": "Tiếp ▶", "payload": NEXT}, {"title": "Xong", "payload": DONE}]
    if index:
        buttons.insert(0, {"title": "◀ Quay lại", "payload": BACK})
    url = f" {PORTAL}" if KINDS[index] == "login" else f" {PAGE}." if KINDS[index] == "find" else ""
    return [
        {"text": f"Bước {index + 1}/{len(KINDS)} – {KINDS[index]}{url}", "buttons": buttons},
        _mark("step", detail=KINDS[index]),
    ]


def fake_rasa_app() -> FastAPI:
    app = FastAPI()
    at: dict[str, int] = {}  # the walkthrough step each sender is at

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict]:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        if text.startswith("xin phép xây nhà"):
            return [
                {
                    "text": f"Giấy phép xây dựng nhà ở riêng lẻ ({PERMIT}): trang thủ tục {PAGE}",
                    "buttons": [{"title": "Hướng dẫn từng bước", "payload": START}],
                },
                _mark("asked"),
                _turn("answered", PERMIT),
            ]
        if text == START:
            at[sender] = 0
            return [
                {"text": f"Nộp trực tuyến – {PERMIT}"},
                _mark("started"),
                _turn("answered", PERMIT, "online guide"),
                *_step(0),
            ]
        if text.startswith("/guide_nav"):
            nav = json.loads(text[len("/guide_nav") :])["nav"]
            step = at.get(sender, 0)
            if nav == "done" or (nav == "next" and step + 1 >= len(KINDS)):
                finished = [_mark("finished")] if step + 1 >= len(KINDS) else []
                return [{"text": "✅ Xong phần hướng dẫn."}, *finished]
            at[sender] = max(0, step + (1 if nav == "next" else -1))
            return _step(at[sender])
        if RECEIPT in text:
            # As action_status_lookup: the code read, no procedure in focus.
            return [
                {"text": f"Mã hồ sơ {RECEIPT}: tra cứu tại {PORTAL}"},
                _mark("receipt", procedure=None),
                _turn("answered", None, "status lookup"),
            ]
        if text == "dài":
            return [{"text": "x" * (600 - len(PORTAL) - 3) + f" {PORTAL}"}, _turn("answered", PERMIT)]
        return [{"text": "Xin lỗi, tôi chưa hiểu."}, _turn("fallback")]

    return app


def link_path(text: str, base: str) -> str:
    """The /r/<token> path of the first counted link in a reply text."""
    start = text.index(base)
    return urlsplit(text[start:].split()[0].rstrip(".,")).path
