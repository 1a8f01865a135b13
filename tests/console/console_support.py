"""Helpers of the console tests: the staff account, the fake assistant's script, API shortcuts, headless Chromium."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI, Request

from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS

ADMIN, ADMIN_PASSWORD = "quantri", "Mat-khau-dai-2026"
BUILDING_PERMIT = "1.013225"

# What the fake assistant does with each question: (status, procedure, confidence, reason).
SCRIPT = {
    "xin phép xây nhà": ("answered", BUILDING_PERMIT, 0.91, None),
    "làm nhà trên đất vườn có phải xin phép": ("fallback", None, 0.2, "low confidence, no department procedure"),
    "làm sổ đỏ ở đâu": ("out_of_scope", "1.000001", 0.8, "another agency's procedure"),
    "/start_guide": ("answered", BUILDING_PERMIT, None, "online guide"),
    '/feedback{"value":"bad"}': ("feedback", BUILDING_PERMIT, None, "bad"),
    '/feedback{"value":"good"}': ("feedback", BUILDING_PERMIT, None, "good"),
    "chào bạn": ("chat", None, None, None),
}
NOT_FOUND = ("fallback", None, None, "no search result")
WORDS = {"xin phép xây nhà": ["xin", "phep", "xay", "nha", "xin phep"]}


def fake_rasa_app() -> FastAPI:
    """Rasa's REST channel as our actions use it: messages, then the turn report as a custom message."""
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict]:
        body = await request.json()
        status, procedure, confidence, reason = SCRIPT.get(body["message"].rstrip("?!. "), NOT_FOUND)
        buttons = [
            {"title": "👍", "payload": '/feedback{"value":"good"}'},
            {"title": "👎", "payload": '/feedback{"value":"bad"}'},
            {"title": "Nộp trực tuyến", "payload": "/start_guide"},
        ]
        reply = [{"recipient_id": body["sender"], "text": f"({status})", "buttons": buttons}]
        if confidence is not None and procedure:
            # What an action that searched reports for "why this answer" (actions/turns.py report_search).
            reply.append(
                {
                    "recipient_id": body["sender"],
                    "custom": {
                        "why": {
                            "confident": confidence > 0.5,
                            "words": WORDS.get(body["message"], []),
                            "candidates": [{"code": procedure, "name": "", "score": confidence, "in_scope": True}],
                        }
                    },
                }
            )
        return reply + [
            {
                "recipient_id": body["sender"],
                "custom": {
                    "turn": {"status": status, "procedure": procedure, "confidence": confidence, "reason": reason}
                },
            }
        ]

    return app


def login(client, username=ADMIN, password=ADMIN_PASSWORD) -> str:
    reply = client.post("/staff/api/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["csrf_token"]


def chat(client, sender, text):
    reply = client.post("/api/chat", json={"sender_id": sender, "text": text})
    assert reply.status_code == 200, reply.text
    recorded(client)
    return reply.json()["messages"]


def recorded(client) -> None:
    """Turns are written off the reply path (bot/gateway/console/turn_queue.py); a loaded machine may not have written
    one yet when the test reads the review queue, so wait for the writer on the app's own event loop."""
    turn_queue = getattr(client.app.state, "turn_queue", None)
    if turn_queue is not None:
        client.portal.call(turn_queue.join)


@contextmanager
def chromium_page(viewport=(1400, 1000)):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (`make test` does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": viewport[0], "height": viewport[1]}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.errors = errors
            yield page
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/staff")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
