"""The funnel through the real gateway against a fake Rasa: what each turn records, the counted redirect,
the dashboard API and the CSV, exclusions, and that rewritten links never make a reply too long."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from tests.console.console_support import login
from tests.console.funnel_support import PAGE, PERMIT, PORTAL, RECEIPT, fake_rasa_app, link_path
from tests.fakes.servers import ServerThread, eventually, free_port

BASE = "https://tro-ly.example.gov.vn"


@pytest.fixture(scope="module")
def funnel_rasa_port():
    port = free_port()
    with ServerThread(fake_rasa_app(), port=port):
        yield port


@pytest.fixture
def gateway(console_env, funnel_rasa_port, monkeypatch):
    from bot.gateway.app import create_app

    monkeypatch.setenv("FUNNEL_EXCLUDED_SENDERS", "api:staff-*")
    monkeypatch.setenv("BOT_PUBLIC_URL", BASE)
    app = create_app(Settings(rasa_port=funnel_rasa_port, actions_port=free_port()))
    with TestClient(app) as client:
        yield client


def say(client, sender, text) -> list[dict]:
    reply = client.post("/api/chat", json={"sender_id": sender, "text": text})
    assert reply.status_code == 200, reply.text
    return reply.json()["messages"]


def funnel(client, **params) -> dict:
    reply = client.get("/staff/api/funnel", params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def counts(client, **params) -> dict[str, int]:
    return {s["step"]: s["count"] for s in funnel(client, **params)["steps"]}


def walk(client, sender: str, typed: bool) -> str:
    """Ask, start, go through every step (typed "tiếp" or tapped), open the page link twice; the /r/ path."""
    answer = say(client, sender, "xin phép xây nhà")
    assert PAGE not in answer[0]["text"] and f"{BASE}/r/" in answer[0]["text"]
    path = link_path(answer[0]["text"], BASE)
    say(client, sender, "hướng dẫn đi" if typed else "/start_guide")
    for _ in range(5):
        say(client, sender, "tiếp" if typed else '/guide_nav{"nav": "next"}')
    say(client, sender, "tiếp" if typed else '/guide_nav{"nav": "next"}')  # past the last step: finished
    for _ in range(2):
        opened = client.get(path, follow_redirects=False)
        assert opened.status_code == 302 and opened.headers["location"] == PAGE
    return path


EXPECTED_ONE = {
    "asked": 1,
    "offered": 1,
    "started": 1,
    "step_login": 1,
    "step_find": 1,
    "step_fill": 1,
    "payment": 1,
    "step_submit": 1,
    "step_track": 1,
    "finished": 1,
    "link_opened": 1,
    "receipt": 1,
}


def test_two_citizens_walk_the_funnel_and_the_dashboard_counts_each_once(gateway):
    login(gateway)
    walk(gateway, "citizen-typed", typed=True)
    walk(gateway, "citizen-taps", typed=False)
    say(gateway, "citizen-typed", f"mã hồ sơ của tôi là {RECEIPT}")
    say(gateway, "citizen-typed", f"{RECEIPT} sao rồi")  # again the same day: still one
    walk(gateway, "staff-anh", typed=False)  # excluded by FUNNEL_EXCLUDED_SENDERS
    expected = {**{k: 2 * v for k, v in EXPECTED_ONE.items()}, "receipt": 1}
    eventually(lambda: counts(gateway) == expected)
    data = funnel(gateway, procedure=PERMIT, channel="api")
    by_step = {s["step"]: s for s in data["steps"]}
    assert by_step["receipt"]["count"] == 1  # attributed to the walkthrough started last: the permit
    assert by_step["started"]["rate"] == 1.0
    assert by_step["receipt"]["rate"] is None and by_step["receipt"]["apart"]  # not a walkthrough step: a count
    assert by_step["payment"]["base"] == "step_fill" and by_step["step_submit"]["base"] == "step_fill"
    assert "không được kiểm tra" in by_step["receipt"]["meaning"]
    assert data["procedures"][0]["code"] == PERMIT and data["channels"] == ["api"]
    assert sum(w["finished"] for w in data["weeks"]) == 2 and sum(w["receipt"] for w in data["weeks"]) == 1
    assert counts(gateway, channel="telegram") == dict.fromkeys(EXPECTED_ONE, 0)
    reply = gateway.get("/staff/api/funnel.csv", params={"procedure": PERMIT})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text.lstrip("\ufeff"))))
    assert rows[0][:6] == ["period", data["start"], data["end"], "procedure", PERMIT, "channel"]
    table = {r[0]: int(r[2]) for r in rows[2:14]}
    assert table == expected


def test_a_walkthrough_left_halfway_is_not_finished(gateway):
    login(gateway)
    say(gateway, "leaves", "xin phép xây nhà")
    say(gateway, "leaves", "/start_guide")
    say(gateway, "leaves", "tiếp")
    say(gateway, "leaves", "xong")
    eventually(lambda: counts(gateway)["step_find"] == 1)
    found = counts(gateway)
    assert found["finished"] == 0 and found["step_fill"] == 0 and found["started"] == 1


def test_a_receipt_code_without_a_walkthrough_counts_without_a_procedure(gateway):
    login(gateway)
    say(gateway, "only-code", f"tra cứu {RECEIPT}")
    eventually(lambda: counts(gateway)["receipt"] == 1)
    assert counts(gateway, procedure=PERMIT)["receipt"] == 0


def test_unknown_or_foreign_redirects_are_404_and_never_leave_for_an_address_given(gateway):
    for path in (
        "/r/AAAAAAAA",
        "/r/" + "a" * 40,
        "/r/..%2F..%2Fetc",
        "/r/https:%2F%2Fevil.example",
        "/r/https://evil.example",
        "/r/%20",
    ):
        reply = gateway.get(path, follow_redirects=False)
        assert reply.status_code == 404, path
        assert "location" not in reply.headers


def test_link_previews_are_redirected_but_not_counted(gateway):
    login(gateway)
    path = link_path(say(gateway, "previewed", "xin phép xây nhà")[0]["text"], BASE)
    preview = gateway.get(path, follow_redirects=False, headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    assert preview.status_code == 302 and preview.headers["location"] == PAGE
    assert preview.headers["cache-control"] == "no-store"
    eventually(lambda: counts(gateway)["asked"] == 1)
    assert counts(gateway)["link_opened"] == 0


def test_a_link_that_would_make_a_reply_too_long_is_left_as_it_is(gateway):
    text = say(gateway, "long", "dài")[0]["text"]
    assert text.endswith(PORTAL) and len(text) <= 600  # the short portal address would grow past 600


def test_the_funnel_needs_a_staff_login_and_a_valid_period(gateway):
    assert gateway.get("/staff/api/funnel").status_code == 401
    assert gateway.get("/staff/api/funnel.csv").status_code == 401
    login(gateway)
    assert gateway.get("/staff/api/funnel", params={"start": "2026-12-02", "end": "2026-12-01"}).status_code == 422
    assert gateway.get("/staff/api/funnel", params={"start": "hôm qua"}).status_code == 422
    assert gateway.get("/staff/api/funnel", params={"start": "2024-01-01", "end": "2026-01-01"}).status_code == 422
    # Found by the schema fuzzer: a period reaching before year 1 or a huge number of days.
    assert gateway.get("/staff/api/funnel", params={"end": "0001-01-02"}).status_code == 422
    assert gateway.get("/staff/api/funnel.csv", params={"days": 10**30}).status_code == 422
    assert gateway.get("/staff/api/funnel.csv", params={"days": 0}).status_code == 422
