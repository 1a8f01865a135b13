"""What the channels keep in the shared database (bot/gateway/state.py): it outlives a gateway restart, is shared by two
gateways on one database, and nothing a citizen sends while the assistant is down is lost or answered twice."""

from __future__ import annotations

import stat
import threading
import time

import httpx
import pytest
from fastapi import Request
from fastapi.responses import JSONResponse

from bot.gateway.channels.state_claims import StateClaims
from bot.gateway.channels.widget_secret import session_secret
from bot.gateway.conversation import notices
from bot.gateway.conversation.models import OutgoingMessage
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.files import write_atomic
from tests.channels.test_zalo_channel import post_event, zalo_env
from tests.fakes.rasa import fake_rasa
from tests.fakes.servers import ServerThread, eventually
from tests.fakes.telegram_api import TOKEN
from tests.fakes.zalo_api import FakeZalo

CHAT = 777002
USER = "2468458835296197923"
SESSION_HEADER = "X-Widget-Session"


@pytest.fixture
def rasa():
    """The fake Rasa, with a switch: app.state.down makes every call fail as a stopped Rasa would look."""
    app = fake_rasa()
    app.state.down = False

    @app.middleware("http")
    async def maybe_down(request: Request, call_next):
        if app.state.down:
            return JSONResponse({"error": "down"}, status_code=503)
        return await call_next(request)

    with ServerThread(app) as server:
        yield server


def stop(gateway: ServerThread) -> None:
    gateway.__exit__(None, None, None)


def tokens_stored(zalo_api: FakeZalo, tmp_path) -> None:
    # The start-up refresh is answered by the fake before the gateway stores the new pair: wait for both, or a
    # second gateway would spend the first refresh token again.
    eventually(lambda: zalo_api.refreshes and (tmp_path / "zalo-tokens.json").exists())


def pending_keys(gateway: ServerThread, channel: str) -> list[str]:
    return gateway.app.state.state_claims.keys(f"pending:{channel}:")


# --- widget ------------------------------------------------------------------------------------------------


def test_a_widget_session_and_its_history_survive_a_restart_staff_reply_included(start_gateway, rasa, tmp_path):
    first = start_gateway()
    token = httpx.post(f"{first.url}/widget/api/session", timeout=5).json()["session"]
    asked = httpx.post(
        f"{first.url}/widget/api/messages", json={"text": "xin chào"}, headers={SESSION_HEADER: token}, timeout=10
    )
    assert asked.status_code == 200
    session_id = token.rsplit(".", 1)[0]
    first.run(first.app.state.outbox.push("widget", session_id, [OutgoingMessage("Cán bộ Sở trả lời bạn.")]))
    before = httpx.post(f"{first.url}/widget/api/session", headers={SESSION_HEADER: token}, timeout=5).json()
    assert [e["text"] for e in before["entries"]] == ["xin chào", "Bạn hỏi: xin chào", "Cán bộ Sở trả lời bạn."]
    stop(first)

    second = start_gateway()
    after = httpx.post(f"{second.url}/widget/api/session", headers={SESSION_HEADER: token}, timeout=5).json()
    assert after == before  # same token, same history
    more = httpx.post(
        f"{second.url}/widget/api/messages", json={"text": "cảm ơn"}, headers={SESSION_HEADER: token}, timeout=10
    ).json()
    assert [e["id"] for e in more["entries"]] == [4, 5]  # ids carry on
    polled = httpx.get(
        f"{second.url}/widget/api/poll", params={"after": 3}, headers={SESSION_HEADER: token}, timeout=5
    ).json()
    assert [e["text"] for e in polled["entries"]] == ["cảm ơn", "Bạn hỏi: cảm ơn"]


def test_two_gateways_on_one_database_serve_the_same_widget_session(start_gateway, rasa):
    one, two = start_gateway(), start_gateway()
    token = httpx.post(f"{one.url}/widget/api/session", timeout=5).json()["session"]
    httpx.post(f"{one.url}/widget/api/messages", json={"text": "một"}, headers={SESSION_HEADER: token}, timeout=10)
    httpx.post(f"{two.url}/widget/api/messages", json={"text": "hai"}, headers={SESSION_HEADER: token}, timeout=10)
    entries = httpx.get(f"{one.url}/widget/api/poll", headers={SESSION_HEADER: token}, timeout=5).json()["entries"]
    assert [(e["id"], e["text"]) for e in entries] == [(1, "một"), (2, "Bạn hỏi: một"), (3, "hai"), (4, "Bạn hỏi: hai")]


def test_the_widget_still_says_try_again_at_once_while_the_assistant_is_down(start_gateway, rasa):
    gateway = start_gateway()
    token = httpx.post(f"{gateway.url}/widget/api/session", timeout=5).json()["session"]
    rasa.app.state.down = True
    refused = httpx.post(
        f"{gateway.url}/widget/api/messages", json={"text": "xin chào"}, headers={SESSION_HEADER: token}, timeout=10
    )
    assert refused.status_code == 503 and refused.json()["error"] == notices.UNAVAILABLE
    assert pending_keys(gateway, "widget") == []


def test_the_session_secret_is_generated_once_private_and_reused(tmp_path):
    path = tmp_path / "var" / "widget-session-secret"
    secret = session_secret("", path)
    assert len(secret) >= 32 and path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_secret("", path) == secret
    assert session_secret("configured-secret", path) == "configured-secret"
    assert path.read_text().strip() == secret
    assert not list(path.parent.glob(".*.tmp"))


def test_a_gateway_keeps_its_generated_secret_in_the_configured_file(start_gateway, tmp_path):
    start_gateway(WIDGET_SESSION_SECRET_FILE=str(tmp_path / "s" / "secret"))
    assert stat.S_IMODE((tmp_path / "s" / "secret").stat().st_mode) == 0o600


def test_write_atomic_sets_the_mode_or_keeps_the_old_one(tmp_path):
    path = tmp_path / "a.txt"
    write_atomic(path, b"one")
    assert path.read_bytes() == b"one" and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o640)
    write_atomic(path, "hai", mode=None)
    assert path.read_text(encoding="utf-8") == "hai" and stat.S_IMODE(path.stat().st_mode) == 0o640
    write_atomic(tmp_path / "new.txt", "x", mode=None)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "new.txt"]


# --- Zalo ---------------------------------------------------------------------------------------------------


def test_the_zalo_free_window_survives_a_restart(start_gateway, zalo_api, rasa, tmp_path):
    env = zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json")
    first = start_gateway(**env)
    tokens_stored(zalo_api, tmp_path)
    raw = zalo_api.event(USER, "xin chào")
    post_event(first, raw, zalo_api.signature(raw))
    eventually(lambda: zalo_api.messages)
    stop(first)

    second = start_gateway(**env)
    second.run(second.app.state.outbox.push("zalo", USER, [OutgoingMessage("Cán bộ Sở trả lời bạn.")]))
    assert zalo_api.messages[-1]["recipient"] == {"user_id": USER}
    assert zalo_api.texts() == ["Bạn hỏi: xin chào", "Cán bộ Sở trả lời bạn."]


def test_zalo_messages_sent_while_the_assistant_is_down_are_answered_once_in_order(
    start_gateway, zalo_api, rasa, tmp_path
):
    gateway = start_gateway(**zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json"))
    tokens_stored(zalo_api, tmp_path)
    rasa.app.state.down = True
    for i, text in enumerate(["câu một", "câu hai", "câu ba"]):
        raw = zalo_api.event(USER, text, msg_id=f"m-{i}")
        post_event(gateway, raw, zalo_api.signature(raw))
        time.sleep(0.2)
    eventually(lambda: len(pending_keys(gateway, "zalo")) == 3)
    assert zalo_api.texts() == [notices.ANSWER_LATER]  # told once, not three times
    rasa.app.state.down = False
    eventually(lambda: len(zalo_api.messages) == 4, timeout=30)
    assert zalo_api.texts()[1:] == ["Bạn hỏi: câu một", "Bạn hỏi: câu hai", "Bạn hỏi: câu ba"]
    assert [m["recipient"] for m in zalo_api.messages[1:]] == [{"message_id": f"m-{i}"} for i in range(3)]
    assert [m for _, m in rasa.app.state.received] == ["câu một", "câu hai", "câu ba"]
    eventually(lambda: pending_keys(gateway, "zalo") == [])
    time.sleep(2.5)  # a further round of the background task finds nothing to answer
    assert len(zalo_api.messages) == 4


def test_a_kept_message_is_stored_masked_and_its_answer_says_the_number_was_hidden(
    start_gateway, zalo_api, rasa, tmp_path
):
    gateway = start_gateway(**zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json"))
    tokens_stored(zalo_api, tmp_path)
    rasa.app.state.down = True
    raw = zalo_api.event(USER, "CCCD của tôi là 001203004567, cấp phép xây nhà thế nào", msg_id="id-1")
    post_event(gateway, raw, zalo_api.signature(raw))
    [key] = eventually(lambda: pending_keys(gateway, "zalo"))
    stored = gateway.app.state.state_store.get(key)
    assert "001203004567" not in str(stored) and "[CCCD]" in stored["text"]
    rasa.app.state.down = False
    eventually(lambda: len(zalo_api.messages) == 3, timeout=30)
    assert zalo_api.texts()[:2] == [notices.ANSWER_LATER, notices.IDENTITY_NOT_KEPT]
    assert "001203004567" not in str(rasa.app.state.received)


def test_two_gateways_on_one_database_answer_a_kept_message_once(start_gateway, zalo_api, rasa, tmp_path):
    env = zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json")
    one = start_gateway(**env)
    tokens_stored(zalo_api, tmp_path)
    two = start_gateway(**env)  # finds the refreshed tokens in the shared file: no second refresh
    rasa.app.state.down = True
    for i in range(3):
        raw = zalo_api.event(USER, f"hỏi {i}", msg_id=f"k-{i}")
        post_event(one if i % 2 == 0 else two, raw, zalo_api.signature(raw))
        time.sleep(0.2)
    eventually(lambda: len(pending_keys(one, "zalo")) == 3)
    rasa.app.state.down = False
    eventually(lambda: len(zalo_api.messages) == 4, timeout=30)
    time.sleep(3)
    assert zalo_api.texts() == [notices.ANSWER_LATER, "Bạn hỏi: hỏi 0", "Bạn hỏi: hỏi 1", "Bạn hỏi: hỏi 2"]
    assert [m for _, m in rasa.app.state.received] == ["hỏi 0", "hỏi 1", "hỏi 2"]
    assert len(zalo_api.refreshes) == 1


def test_a_zalo_delivery_repeated_to_another_gateway_is_answered_once(start_gateway, zalo_api, rasa, tmp_path):
    env = zalo_env(zalo_api.url, tmp_path / "zalo-tokens.json")
    one = start_gateway(**env)
    tokens_stored(zalo_api, tmp_path)
    two = start_gateway(**env)
    raw = zalo_api.event(USER, "xin chào", msg_id="dup-1")
    post_event(one, raw, zalo_api.signature(raw))
    eventually(lambda: zalo_api.messages)
    post_event(two, raw, zalo_api.signature(raw))
    time.sleep(0.5)
    assert zalo_api.texts() == ["Bạn hỏi: xin chào"]


# --- Telegram -----------------------------------------------------------------------------------------------


def test_telegram_messages_sent_while_the_assistant_is_down_are_answered_once_in_order(start_gateway, telegram, rasa):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)
    eventually(lambda: telegram.called("deleteWebhook"))
    rasa.app.state.down = True
    for text in ["/start", "câu một", "câu hai"]:
        telegram.push(telegram.text(CHAT, text))
    eventually(lambda: len(pending_keys(gateway, "telegram")) == 3)
    assert [m["text"] for m in telegram.sent(CHAT)] == [notices.ANSWER_LATER]
    rasa.app.state.down = False
    telegram.push(telegram.text(CHAT, "câu ba"))  # comes after those kept, so it is answered after them
    eventually(lambda: len(telegram.sent(CHAT)) == 5, timeout=30)
    time.sleep(2.5)
    assert [m["text"] for m in telegram.sent(CHAT)][1:] == [
        "Bạn hỏi: /show_menu",
        "Bạn hỏi: câu một",
        "Bạn hỏi: câu hai",
        "Bạn hỏi: câu ba",
    ]
    assert [m for _, m in rasa.app.state.received] == ["/show_menu", "câu một", "câu hai", "câu ba"]
    assert pending_keys(gateway, "telegram") == []


def test_a_kept_telegram_message_is_answered_after_a_gateway_restart(start_gateway, telegram, rasa):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url}
    first = start_gateway(**env)
    eventually(lambda: telegram.called("deleteWebhook"))
    rasa.app.state.down = True
    telegram.push(telegram.text(CHAT, "xin chào"))
    eventually(lambda: pending_keys(first, "telegram"))
    stop(first)
    rasa.app.state.down = False
    start_gateway(**env)
    eventually(lambda: len(telegram.sent(CHAT)) == 2, timeout=30)
    assert [m["text"] for m in telegram.sent(CHAT)] == [notices.ANSWER_LATER, "Bạn hỏi: xin chào"]


def test_a_telegram_update_fetched_again_after_a_restart_is_not_answered_twice(start_gateway, telegram, rasa):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url}
    first = start_gateway(**env)
    update = telegram.push(telegram.text(CHAT, "xin chào"))
    eventually(lambda: telegram.sent(CHAT))
    stop(first)
    start_gateway(**env)
    telegram.push(update)  # as if the offset had not been confirmed before the restart
    telegram.push(telegram.text(CHAT, "tiếp"))
    eventually(lambda: len(telegram.sent(CHAT)) == 2)
    time.sleep(0.3)
    assert [m for _, m in rasa.app.state.received] == ["xin chào", "tiếp"]


# --- the atomic steps under it all --------------------------------------------------------------------------


def test_only_one_of_many_racing_claims_wins_on_sqlite(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'race.db'}")
    migrate(engine)
    claims = StateClaims(session_factory(engine))
    assert claims.first("k", {"claimed_until": 0}, 60) and not claims.first("k", {"other": 1}, 60)
    seen, _ = claims.read("k")
    wins, start = [], threading.Barrier(8)

    def race(n: int) -> None:
        start.wait()
        if claims.replace("k", seen, {"claimed_until": 1, "by": n}, 60) is not None:
            wins.append(n)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert claims.read("k")[1] == {"claimed_until": 1, "by": wins[0]}
    assert claims.keys("k") == ["k"] and claims.keys("x") == []
