"""The widget's JSON API as a page script uses it (gateway app with a fake Rasa), without a browser."""

from __future__ import annotations

import httpx

from tests.fakes.rasa import PERMIT_PAYLOAD


def test_a_forged_or_foreign_session_id_is_refused(start_gateway, rasa):
    gateway = start_gateway()
    api = f"{gateway.url}/widget/api"
    token = httpx.post(f"{api}/session", timeout=5).json()["session"]
    session_id, signature = token.rsplit(".", 1)
    forged = f"{session_id}x.{signature}"
    for bad in (forged, "made-up-id", ""):
        reply = httpx.post(f"{api}/messages", json={"text": "xin chào"}, headers={"X-Widget-Session": bad}, timeout=5)
        assert reply.status_code == 401
    assert rasa.app.state.received == []
    ok = httpx.post(f"{api}/messages", json={"text": "xin chào"}, headers={"X-Widget-Session": token}, timeout=5)
    assert [e["text"] for e in ok.json()["entries"]] == ["xin chào", "Bạn hỏi: xin chào"]


def test_a_typed_intent_command_reaches_the_assistant_as_words(start_gateway, rasa):
    gateway = start_gateway()
    api = f"{gateway.url}/widget/api"
    token = httpx.post(f"{api}/session", timeout=5).json()["session"]
    httpx.post(f"{api}/messages", json={"text": PERMIT_PAYLOAD}, headers={"X-Widget-Session": token}, timeout=5)
    assert rasa.app.state.received[-1][1] == PERMIT_PAYLOAD.lstrip("/")


def test_one_client_cannot_mint_unlimited_sessions_to_dodge_the_message_limit(start_gateway):
    gateway = start_gateway()
    codes = [httpx.post(f"{gateway.url}/widget/api/session", timeout=5).status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]


def test_cross_origin_preflight_is_answered_only_for_allowed_origins(start_gateway):
    gateway = start_gateway(WIDGET_ALLOWED_ORIGINS="https://sxd.tuyenquang.gov.vn, https://tuyenquang.gov.vn")
    url = f"{gateway.url}/widget/api/messages"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-widget-session",
    }
    allowed = httpx.options(url, headers={"Origin": "https://tuyenquang.gov.vn", **preflight}, timeout=5)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == "https://tuyenquang.gov.vn"
    assert "X-Widget-Session" in allowed.headers["access-control-allow-headers"]
    other = httpx.options(url, headers={"Origin": "https://evil.example", **preflight}, timeout=5)
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    posted = httpx.post(f"{gateway.url}/widget/api/session", headers={"Origin": "https://evil.example"}, timeout=5)
    assert posted.status_code == 403


def test_widget_script_and_styles_are_served_for_embedding(start_gateway):
    gateway = start_gateway()
    script = httpx.get(f"{gateway.url}/widget.js", timeout=5)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in script.text
    assert httpx.get(f"{gateway.url}/widget.css", timeout=5).headers["content-type"].startswith("text/css")
    assert 'src="/widget.js"' in httpx.get(f"{gateway.url}/widget/demo", timeout=5).text
