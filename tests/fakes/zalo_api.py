"""A fake Zalo OA API: POST /v3.0/oa/message/cs (header access_token) and POST /v4/oa/access_token (OAuth v4).

Like Zalo it answers HTTP 200 with {"error": <code>, "message": ...}; refresh tokens work once. Also builds
webhook events signed as Zalo signs them.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time

from fastapi import FastAPI, Request

APP_ID = "3608465249409039670"
OA_SECRET_KEY = "oa-secret-key-Xy12"
APP_SECRET = "app-secret-Qw34"
OA_ID = "388613280878808645"


class FakeZalo:
    def __init__(self, access_token: str = "access-1", refresh_token: str = "refresh-1") -> None:
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.messages: list[dict] = []  # accepted cs message bodies
        self.refreshes: list[dict] = []  # form fields of every refresh call
        self.errors: list[dict] = []  # answers to give to the next cs calls, in order
        self.delays: list[float] = []  # seconds to hold the next cs calls, in order
        self._serial = itertools.count(2)
        self._msg_ids = itertools.count(1)
        self.app = self._build()

    def texts(self) -> list[str]:
        return [m["message"].get("text", "") for m in self.messages]

    def event(
        self,
        user_id: str,
        text: str | None = "xin chào",
        msg_id: str | None = None,
        timestamp_ms: int | None = None,
        event_name: str = "user_send_text",
    ) -> bytes:
        message = {"msg_id": msg_id or f"msg{next(self._msg_ids)}"}
        if text is not None:
            message["text"] = text
        event = {
            "app_id": APP_ID,
            "user_id_by_app": f"app-{user_id}",
            "event_name": event_name,
            "timestamp": str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)),
            "sender": {"id": user_id},
            "recipient": {"id": OA_ID},
            "message": message,
        }
        return json.dumps(event, ensure_ascii=False).encode()

    @staticmethod
    def signature(raw: bytes, secret: str = OA_SECRET_KEY) -> str:
        timestamp = json.loads(raw)["timestamp"]
        return "mac=" + hashlib.sha256(APP_ID.encode() + raw + timestamp.encode() + secret.encode()).hexdigest()

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v3.0/oa/message/cs")
        async def cs(request: Request):
            if request.headers.get("access_token") != self.access_token:
                return {"error": -216, "message": "Access token is invalid"}
            body = await request.json()
            if self.delays:
                await asyncio.sleep(self.delays.pop(0))
            if self.errors:
                return self.errors.pop(0)
            self.messages.append(body)
            return {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"oa{len(self.messages)}", "user_id": body["recipient"].get("user_id")},
            }

        @app.post("/v4/oa/access_token")
        async def refresh(request: Request):
            form = dict(await request.form())
            self.refreshes.append(form)
            if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
                return {"error": -14002, "error_name": "Invalid app", "error_description": "secret_key is invalid"}
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or has been used",
                }
            serial = next(self._serial)
            self.access_token, self.refresh_token = f"access-{serial}", f"refresh-{serial}"
            return {"access_token": self.access_token, "refresh_token": self.refresh_token, "expires_in": "90000"}

        return app
