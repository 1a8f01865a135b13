"""A fake Telegram Bot API: POST {base}/bot<token>/<method>, answering {"ok": true, "result": ...} as Telegram does.

Tests queue updates (served by getUpdates long polling), read what the bot sent, and inject API errors.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "123456:TEST-token-for-the-fake-api"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Sở Xây dựng",
    "username": "sxd_tuyenquang_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


def user(chat_id: int) -> dict:
    return {"id": chat_id, "is_bot": False, "first_name": "Công dân", "language_code": "vi"}


def private_chat(chat_id: int) -> dict:
    return {"id": chat_id, "type": "private", "first_name": "Công dân"}


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[tuple[str, dict]] = []  # (method, params) of every call, in order
        self.errors: dict[str, tuple[int, str]] = {}  # method -> (error_code, description) to answer with
        self.delays: dict[str, list[float]] = {}  # method -> seconds to hold its next calls, in order
        self.webhook: dict | None = None
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self.app = self._build()

    # --- what tests use ---

    def push(self, update: dict) -> dict:
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        return update

    def text(self, chat_id: int, text: str) -> dict:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": private_chat(chat_id),
            "from": user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"message": message}

    def tap(self, chat_id: int, data: str) -> dict:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": private_chat(chat_id),
            "from": BOT_USER,
            "text": "Bạn muốn hỏi thủ tục nào?",
        }
        return {
            "callback_query": {
                "id": f"cb{next(self._message_ids)}",
                "from": user(chat_id),
                "chat_instance": "ci1",
                "data": data,
                "message": message,
            }
        }

    def sent(self, chat_id: int | None = None) -> list[dict]:
        return [p for m, p in self.calls if m == "sendMessage" and (chat_id is None or int(p["chat_id"]) == chat_id)]

    def called(self, method: str) -> list[dict]:
        return [p for m, p in self.calls if m == method]

    # --- the API ---

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def call(token: str, method: str, request: Request):
            params = await _params(request)
            if token != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            if method != "getUpdates":
                self.calls.append((method, params))
            if self.delays.get(method):
                await asyncio.sleep(self.delays[method].pop(0))
            if method in self.errors:
                code, description = self.errors[method]
                return JSONResponse({"ok": False, "error_code": code, "description": description}, code)
            handler = getattr(self, f"_{method}", None)
            if handler is None:
                return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
            return {"ok": True, "result": await handler(params)}

        return app

    async def _getMe(self, params: dict):
        return BOT_USER

    async def _deleteWebhook(self, params: dict):
        self.webhook = None
        return True

    async def _setWebhook(self, params: dict):
        self.webhook = params
        return True

    async def _getUpdates(self, params: dict):
        # Tests push from another thread, so this long poll checks the list instead of awaiting an event.
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            pending = [u for u in list(self._updates) if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return pending
            await asyncio.sleep(0.05)

    async def _sendMessage(self, params: dict):
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": private_chat(int(params["chat_id"])),
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    async def _sendChatAction(self, params: dict):
        return True

    async def _answerCallbackQuery(self, params: dict):
        return True

    async def _close(self, params: dict):
        return True


async def _params(request: Request) -> dict:
    """Parameters as the Bot API accepts them: JSON, or form fields whose structured values are JSON strings."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return await request.json()
    form = await request.form()
    params = {}
    for key, value in form.items():
        try:
            params[key] = json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value
        except ValueError:
            params[key] = value
    return params
