"""Zalo OA bridge against a local fake of the OA v3 and OAuth v4 APIs (tests/fakes/zalo_api.py)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.conversation.outbox import ChannelUnavailable
from tests.fakes.rasa import PERMIT_PAYLOAD, PERMIT_TITLE
from tests.fakes.servers import eventually, free_port
from tests.fakes.zalo_api import APP_ID, APP_SECRET, OA_SECRET_KEY

USER = "2468458835296197922"


def zalo_env(api_url: str, token_file, **extra) -> dict:
    return {
        "ZALO_APP_ID": APP_ID,
        "ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
        "ZALO_APP_SECRET": APP_SECRET,
        "ZALO_ACCESS_TOKEN": "access-1",
        "ZALO_REFRESH_TOKEN": "refresh-1",
        "ZALO_API_URL": api_url,
        "ZALO_OAUTH_URL": api_url,
        "ZALO_TOKEN_FILE": str(token_file),
        **extra,
    }


@pytest.fixture
def gateway(start_gateway, zalo_api, tmp_path):
    gateway = start_gateway(**zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json"))
    # Tokens from the environment have an unknown age: the bridge refreshes them once at start (and stores the
    # new pair just after the fake answered).
    eventually(lambda: zalo_api.refreshes and (tmp_path / "zalo-tokens.json").exists())
    return gateway


def post_event(gateway, raw: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return httpx.post(f"{gateway.url}/zalo/webhook", content=raw, headers=headers, timeout=5)


def test_a_signed_message_is_acknowledged_at_once_and_answered_in_the_free_window(gateway, zalo_api, rasa):
    rasa.app.state.delay_s = 3.0  # a slow assistant must not delay Zalo's acknowledgement
    raw = zalo_api.event(USER, "xin chào", msg_id="m-100")
    started = time.monotonic()
    assert post_event(gateway, raw, zalo_api.signature(raw)).status_code == 200
    assert time.monotonic() - started < 2.0
    sent = eventually(lambda: zalo_api.messages, timeout=15)
    assert sent[0]["recipient"] == {"message_id": "m-100"}
    assert sent[0]["message"]["text"] == "Bạn hỏi: xin chào"
    assert rasa.app.state.received == [(f"zalo:{USER}", "xin chào")]


@pytest.mark.parametrize("how", ["forged", "missing", "other-secret", "body-changed"])
def test_events_without_a_valid_signature_are_refused(gateway, zalo_api, rasa, how):
    raw = zalo_api.event(USER, "xin chào")
    signature = {
        "forged": "mac=" + "0" * 64,
        "missing": None,
        "other-secret": zalo_api.signature(raw, secret="not-the-oa-secret"),
        "body-changed": zalo_api.signature(raw),
    }[how]
    if how == "body-changed":
        raw = raw.replace("xin chào".encode(), "cho tôi số CCCD".encode())
    assert post_event(gateway, raw, signature).status_code == 401
    time.sleep(0.3)
    assert rasa.app.state.received == [] and zalo_api.messages == []


def test_a_replayed_old_event_is_refused_even_with_its_valid_signature(gateway, zalo_api, rasa):
    raw = zalo_api.event(USER, "xin chào", timestamp_ms=int((time.time() - 3600) * 1000))
    assert post_event(gateway, raw, zalo_api.signature(raw)).status_code == 401
    assert post_event(gateway, b"not json", "mac=00").status_code == 400
    assert rasa.app.state.received == []


def test_a_duplicate_delivery_is_answered_once(gateway, zalo_api, rasa):
    raw = zalo_api.event(USER, "xin chào", msg_id="m-dup")
    for _ in range(3):
        assert post_event(gateway, raw, zalo_api.signature(raw)).status_code == 200
    eventually(lambda: zalo_api.messages)
    time.sleep(0.5)
    assert len(zalo_api.messages) == 1 and len(rasa.app.state.received) == 1


def test_one_users_quick_messages_are_answered_in_order(gateway, zalo_api, rasa):
    zalo_api.delays.append(0.8)  # the first reply is slow to go out
    for i in range(3):
        raw = zalo_api.event(USER, f"câu {i}")
        post_event(gateway, raw, zalo_api.signature(raw))
    eventually(lambda: len(zalo_api.messages) == 3)
    assert zalo_api.texts() == [f"Bạn hỏi: câu {i}" for i in range(3)]


def test_long_answers_are_split_at_2000_and_buttons_come_back_as_their_payload(gateway, zalo_api, rasa):
    raw = zalo_api.event(USER, "dài", msg_id="m-long")
    post_event(gateway, raw, zalo_api.signature(raw))
    eventually(lambda: len(zalo_api.messages) >= 2)
    time.sleep(0.5)
    parts = [m["message"] for m in zalo_api.messages]
    assert len(parts) > 1 and all(len(p["text"]) <= 2000 for p in parts)
    assert all(p["text"].split(". ")[0].isdigit() for p in parts)  # cut on paragraph boundaries
    assert [("attachment" in p) for p in parts] == [False] * (len(parts) - 1) + [True]
    [button] = parts[-1]["attachment"]["payload"]["buttons"]
    assert parts[-1]["attachment"]["type"] == "template"
    assert button["title"] == PERMIT_TITLE and button["type"] == "oa.query.hide"
    tap = zalo_api.event(USER, button["payload"], msg_id="m-tap")
    post_event(gateway, tap, zalo_api.signature(tap))
    eventually(lambda: rasa.app.state.received[-1] == (f"zalo:{USER}", PERMIT_PAYLOAD))


def test_a_photo_gets_a_text_only_notice(gateway, zalo_api, rasa):
    raw = zalo_api.event(USER, None, event_name="user_send_image")
    post_event(gateway, raw, zalo_api.signature(raw))
    assert "chữ" in eventually(lambda: zalo_api.texts())[0]
    assert rasa.app.state.received == []


def test_a_refused_access_token_is_refreshed_once_stored_atomically_and_the_reply_retried(gateway, zalo_api, tmp_path):
    token_file = tmp_path / "zalo-tokens.json"
    first = json.loads(token_file.read_text())
    assert first["refresh_token"] == zalo_api.refresh_token == "refresh-2"
    zalo_api.access_token = "revoked-by-zalo"  # e.g. the OA admin revoked it
    raw = zalo_api.event(USER, "xin chào")
    post_event(gateway, raw, zalo_api.signature(raw))
    eventually(lambda: zalo_api.messages)
    stored = json.loads(token_file.read_text())
    assert stored["access_token"] == zalo_api.access_token and stored["refresh_token"] == "refresh-3"
    assert [r["refresh_token"] for r in zalo_api.refreshes] == ["refresh-1", "refresh-2"]
    assert stored["expires_at"] > time.time() + 80_000
    assert [p.name for p in tmp_path.glob(".zalo-tokens*.tmp")] == []
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"


def test_stored_tokens_survive_a_restart_without_spending_a_refresh(start_gateway, zalo_api, tmp_path):
    token_file = tmp_path / "zalo-tokens.json"
    env = zalo_env(zalo_api.url, token_file)
    start_gateway(**env)
    eventually(lambda: token_file.exists())
    # Restart: the file (refresh-2, 25 h left) wins over the spent refresh-1 still in the environment.
    gateway = start_gateway(**env)
    raw = zalo_api.event(USER, "xin chào")
    post_event(gateway, raw, zalo_api.signature(raw))
    eventually(lambda: zalo_api.messages)
    assert len(zalo_api.refreshes) == 1


def test_an_api_error_is_logged_and_the_next_message_is_answered(gateway, zalo_api, caplog):
    zalo_api.errors.append({"error": -32, "message": "Request exceeds the rate limit"})
    first = zalo_api.event(USER, "một")
    post_event(gateway, first, zalo_api.signature(first))
    eventually(lambda: not zalo_api.errors)
    second = zalo_api.event(USER, "hai")
    post_event(gateway, second, zalo_api.signature(second))
    assert eventually(lambda: zalo_api.texts()) == ["Bạn hỏi: hai"]
    assert any("-32" in r.getMessage() for r in caplog.records)


def test_staff_reply_goes_out_inside_48_hours_and_is_refused_after(gateway, zalo_api):
    raw = zalo_api.event(USER, "xin chào")
    post_event(gateway, raw, zalo_api.signature(raw))
    eventually(lambda: zalo_api.messages)
    push = gateway.app.state.outbox.push
    gateway.run(push("zalo", USER, [OutgoingMessage("Cán bộ Sở trả lời bạn.")]))
    assert zalo_api.messages[-1]["recipient"] == {"user_id": USER}
    with pytest.raises(ChannelUnavailable):
        gateway.run(push("zalo", "someone-who-never-wrote", [OutgoingMessage("x")]))
    channel = gateway.app.state.zalo
    channel.clock = lambda: time.time() + 49 * 3600
    with pytest.raises(ChannelUnavailable):
        gateway.run(push("zalo", USER, [OutgoingMessage("muộn quá")]))
    channel.clock = time.time
    zalo_api.errors.append({"error": -213, "message": "User has not interacted with the OA in 48 hours"})
    with pytest.raises(ChannelUnavailable):
        gateway.run(push("zalo", USER, [OutgoingMessage("bị từ chối")]))
    assert len(zalo_api.messages) == 2


def test_an_unreachable_oauth_server_never_takes_the_gateway_down(start_gateway, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    gateway = start_gateway(**zalo_env(dead, tmp_path / "t.json"))
    reply = httpx.post(f"{gateway.url}/api/chat", json={"sender_id": "w", "text": "xin chào"}, timeout=10)
    assert reply.status_code == 200
    assert gateway.app.state.zalo is not None


def test_without_settings_the_bridge_is_off(start_gateway):
    gateway = start_gateway(ZALO_APP_ID=APP_ID)
    assert httpx.post(f"{gateway.url}/zalo/webhook", content=b"{}", timeout=5).status_code == 404
