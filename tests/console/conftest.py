"""Console fixtures: the real gateway app against a fake Rasa server that speaks Rasa's REST protocol,
a private copy of the knowledge base, and a SQLite database in a temporary folder."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fake_rasa_app() -> FastAPI:
    app = FastAPI()

    @app.post("/webhooks/rest/webhook")
    async def webhook(request: Request) -> list[dict]:
        body = await request.json()
        status, procedure, confidence, reason = SCRIPT.get(body["message"].rstrip("?!. "), NOT_FOUND)
        buttons = [{"title": "👍", "payload": '/feedback{"value":"good"}'},
                   {"title": "👎", "payload": '/feedback{"value":"bad"}'},
                   {"title": "Nộp trực tuyến", "payload": "/start_guide"}]
        return [{"recipient_id": body["sender"], "text": f"({status})", "buttons": buttons},
                {"recipient_id": body["sender"], "custom": {"turn": {"status": status, "procedure": procedure,
                                                                     "confidence": confidence, "reason": reason}}}]

    return app


@pytest.fixture(scope="session")
def fake_rasa_port():
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fake_rasa_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def kb_root(tmp_path):
    root = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base" / "data", root)
    return root


@pytest.fixture
def console_env(monkeypatch, tmp_path, kb_root):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'console.db'}")
    monkeypatch.setenv("KB_DATA_DIR", str(kb_root))
    monkeypatch.setenv("STAFF_NLU_FILE", str(tmp_path / "nlu" / "staff_examples.yml"))
    monkeypatch.setenv("BOT_ADMIN_USER", ADMIN)
    monkeypatch.setenv("BOT_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.delenv("ACTIONS_ADMIN_TOKEN", raising=False)
    return tmp_path


@pytest.fixture
def gateway(console_env, fake_rasa_port):
    from bot.app import create_app

    app = create_app(Settings(rasa_port=fake_rasa_port, actions_port=_free_port()))
    with TestClient(app) as client:
        yield client


def login(client, username=ADMIN, password=ADMIN_PASSWORD) -> str:
    reply = client.post("/staff/api/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["csrf_token"]


def chat(client, sender, text):
    reply = client.post("/api/chat", json={"sender_id": sender, "text": text})
    assert reply.status_code == 200, reply.text
    return reply.json()["messages"]
