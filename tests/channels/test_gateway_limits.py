"""Limits a client cannot dodge: body size before reading (every route), /api/chat per client address."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.fakes.servers import ServerThread, free_port

TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def gateway(rasa, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'console.db'}")
    settings = Settings(
        port=free_port(),
        rasa_port=rasa.port,
        rasa_token="fake",
        api_rate_per_address=5,
        api_integration_token="tich-hop-bi-mat",
        api_integration_rate=8,
        trusted_proxies=("127.0.0.1",),
    )
    with ServerThread(create_app(settings), port=settings.port) as server:
        yield server


@pytest.mark.parametrize(
    "path",
    [
        "/api/chat",
        "/widget/api/messages",
        "/zalo/webhook",
        "/telegram/webhook",
        "/staff/api/login",
        "/staff/api/queue/1/reply",
        "/no/such/route",
    ],
)
def test_a_declared_10_mb_body_is_refused_before_it_is_read(gateway, path):
    started = time.monotonic()
    # Only the headers go out (httpx would refuse to send fewer bytes than declared): the gateway must answer
    # before a byte of the body arrives.
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {TEN_MB}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    elapsed = time.monotonic() - started
    assert status == 413
    assert json.loads(body) == {"error": "request body too large: at most 65536 bytes", "field": "body"}
    print(f"\n{path}: 10 MB body refused in {elapsed * 1000:.1f} ms")


def test_a_streamed_body_without_length_is_counted_and_refused(gateway):
    sent = 0

    def chunks():
        nonlocal sent
        for _ in range(160):  # 10 MB in 64 kB chunks, stopped early by the refusal
            sent += 65536
            yield b"x" * 65536

    started = time.monotonic()
    try:
        reply = httpx.post(
            gateway.url + "/api/chat", content=chunks(), headers={"Content-Type": "application/json"}, timeout=10
        )
        status = reply.status_code
    except httpx.HTTPError:
        status = None  # closed mid-upload: also a refusal
    print(f"\nchunked 10 MB: refused after {sent // 1024} kB sent, {time.monotonic() - started:.3f} s")
    assert status in (413, None)
    assert sent < TEN_MB


def test_a_new_sender_id_per_message_does_not_escape_the_address_limit(gateway):
    codes = [
        httpx.post(gateway.url + "/api/chat", json={"sender_id": f"fresh-{i}", "text": "xin chào"}).status_code
        for i in range(7)
    ]
    assert codes == [200] * 5 + [429] * 2
    # Behind the trusted proxy each forwarded client has its own limit; a spoofed hop before it is not believed.
    behind = [
        httpx.post(
            gateway.url + "/api/chat",
            json={"sender_id": f"p-{i}", "text": "xin chào"},
            headers={"X-Forwarded-For": f"198.51.100.9, 203.0.113.{i % 2}"},
        ).status_code
        for i in range(10)
    ]
    assert behind == [200] * 10
    # The integration token gets its own, larger allowance.
    token = {"Authorization": "Bearer tich-hop-bi-mat"}
    codes = [
        httpx.post(
            gateway.url + "/api/chat", json={"sender_id": f"t-{i}", "text": "xin chào"}, headers=token
        ).status_code
        for i in range(9)
    ]
    assert codes == [200] * 8 + [429]
    wrong = httpx.post(
        gateway.url + "/api/chat", json={"sender_id": "w", "text": "xin chào"}, headers={"Authorization": "Bearer sai"}
    )
    assert wrong.status_code == 429  # a wrong token counts as the address, already used up
