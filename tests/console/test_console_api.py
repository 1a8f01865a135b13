"""The console's JSON API through the real gateway app (Rasa replaced by a fake speaking its REST protocol)."""

from __future__ import annotations

import csv
import io

import yaml
from fastapi.testclient import TestClient

from knowledge_base.store import disk
from tests.console.console_support import ADMIN, ADMIN_PASSWORD, BUILDING_PERMIT, chat, login

UNANSWERED = "làm nhà trên đất vườn có phải xin phép"


def queue(client, status="new"):
    reply = client.get("/staff/api/queue", params={"status": status})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_login_sets_an_httponly_strict_cookie_and_wrong_password_is_refused(gateway):
    wrong = gateway.post("/staff/api/login", json={"username": ADMIN, "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert gateway.get("/staff/api/queue").status_code == 401
    ok = gateway.post("/staff/api/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
    assert ok.status_code == 200 and ok.json()["csrf_token"]
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/staff" in cookie
    assert gateway.get("/staff/api/queue").status_code == 200


def test_unanswered_questions_appear_grouped_and_masked(gateway):
    chat(gateway, "a", "xin phép xây nhà")
    chat(gateway, "a", UNANSWERED)
    chat(gateway, "b", UNANSWERED + "?")
    chat(gateway, "c", "làm sổ đỏ ở đâu")
    login(gateway)
    items = queue(gateway)
    assert all(set(item) >= {"id", "text", "reason", "count", "status", "channel", "last_seen"} for item in items)
    assert {(i["text"], i["reason"], i["count"], i["status"], i["channel"]) for i in items} == {
        (UNANSWERED, "unanswered", 2, "new", "api"),
        ("làm sổ đỏ ở đâu", "out_of_scope", 1, "new", "api"),
    }


def test_personal_data_is_masked_in_the_queue(gateway):
    chat(gateway, "a", "làm nhà trên đất vườn, gọi 0912345678 hoặc CCCD 001090012345")
    login(gateway)
    [item] = queue(gateway)
    assert "0912345678" not in item["text"] and "001090012345" not in item["text"]
    assert "[SĐT]" in item["text"] and "[CCCD]" in item["text"]


def test_state_change_without_csrf_token_is_refused_and_nothing_changes(gateway):
    chat(gateway, "a", UNANSWERED)
    csrf = login(gateway)
    [item] = queue(gateway)
    refused = gateway.post(f"/staff/api/queue/{item['id']}/status", json={"status": "ignored"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
    wrong = gateway.post(
        f"/staff/api/queue/{item['id']}/status", json={"status": "ignored"}, headers={"X-CSRF-Token": csrf + "x"}
    )
    assert wrong.status_code == 403
    assert queue(gateway)[0]["status"] == "new"


def test_link_adds_an_alias_exports_an_nlu_example_and_resolves(gateway, kb_root, console_env):
    chat(gateway, "a", UNANSWERED)
    csrf = login(gateway)
    [item] = queue(gateway)
    linked = gateway.post(
        f"/staff/api/queue/{item['id']}/link", json={"procedure": BUILDING_PERMIT}, headers={"X-CSRF-Token": csrf}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["status"] == "resolved"
    assert UNANSWERED in disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].aliases
    exported = yaml.safe_load((console_env / "nlu" / "staff_examples.yml").read_text(encoding="utf-8"))
    assert exported["nlu"][0]["intent"] == "ask_procedure"
    assert f"- {UNANSWERED}" in exported["nlu"][0]["examples"].splitlines()
    assert queue(gateway) == []
    audit = gateway.get("/staff/api/audit").json()
    assert audit[0]["action"] == "link" and audit[0]["username"] == ADMIN and BUILDING_PERMIT in audit[0]["detail"]


def test_link_to_an_unknown_procedure_is_refused_and_the_knowledge_base_is_untouched(gateway, kb_root):
    chat(gateway, "a", UNANSWERED)
    csrf = login(gateway)
    [item] = queue(gateway)
    before = disk.content_hash(kb_root)
    refused = gateway.post(
        f"/staff/api/queue/{item['id']}/link", json={"procedure": "9.999999"}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 422 and refused.json()["field"] == "procedure"
    empty = gateway.post(
        f"/staff/api/queue/{item['id']}/link",
        json={"procedure": BUILDING_PERMIT, "text": "  "},
        headers={"X-CSRF-Token": csrf},
    )
    assert empty.status_code == 200  # blank text means "the question as asked"
    assert disk.content_hash(kb_root) != before
    edited = gateway.post(
        f"/staff/api/queue/{item['id']}/link",
        json={"procedure": BUILDING_PERMIT, "text": "đất vườn xây nhà, gọi 0912345678"},
        headers={"X-CSRF-Token": csrf},
    )
    assert edited.status_code == 200
    assert "đất vườn xây nhà, gọi [SĐT]" in disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].aliases
    missing = gateway.post(
        "/staff/api/queue/999/link", json={"procedure": BUILDING_PERMIT}, headers={"X-CSRF-Token": csrf}
    )
    assert missing.status_code == 404


def test_written_answer_becomes_a_faq_of_the_procedure(gateway, kb_root):
    chat(gateway, "a", UNANSWERED)
    csrf = login(gateway)
    [item] = queue(gateway)
    answer = "Đất vườn phải chuyển mục đích sang đất ở trước khi xin giấy phép xây dựng."
    done = gateway.post(
        f"/staff/api/queue/{item['id']}/faq",
        json={"procedure": BUILDING_PERMIT, "answer": answer},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    faqs = disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].faqs
    assert [(f.question, f.answer) for f in faqs][-1] == (UNANSWERED, answer)
    no_answer = gateway.post(
        f"/staff/api/queue/{item['id']}/faq",
        json={"procedure": BUILDING_PERMIT, "answer": ""},
        headers={"X-CSRF-Token": csrf},
    )
    assert no_answer.status_code == 422
    assert len(disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].faqs) == len(faqs)


def test_reply_reaches_the_widget_visitor_on_the_next_poll(gateway):
    session = gateway.post("/widget/api/session").json()["session"]
    headers = {"X-Widget-Session": session}
    asked = gateway.post("/widget/api/messages", json={"text": UNANSWERED}, headers=headers)
    assert asked.status_code == 200, asked.text
    last = asked.json()["entries"][-1]["id"]
    csrf = login(gateway)
    [item] = queue(gateway)
    assert item["channel"] == "widget"
    text = "Chào anh/chị, cán bộ Sở Xây dựng xin trả lời: cần chuyển mục đích sử dụng đất trước."
    sent = gateway.post(f"/staff/api/queue/{item['id']}/reply", json={"text": text}, headers={"X-CSRF-Token": csrf})
    assert sent.status_code == 200, sent.text
    polled = gateway.get("/widget/api/poll", params={"after": last}, headers=headers).json()["entries"]
    assert [e["text"] for e in polled] == [text]
    assert queue(gateway, "resolved")[0]["id"] == item["id"]


def test_reply_to_a_channel_that_cannot_deliver_is_shown_and_the_item_stays_open(gateway):
    chat(gateway, "a", UNANSWERED)  # the test "api" channel has no way to push messages
    csrf = login(gateway)
    [item] = queue(gateway)
    failed = gateway.post(
        f"/staff/api/queue/{item['id']}/reply", json={"text": "Xin trả lời..."}, headers={"X-CSRF-Token": csrf}
    )
    assert failed.status_code == 409 and "api" in failed.json()["error"]
    assert queue(gateway)[0]["status"] == "new"
    assert gateway.get("/staff/api/audit").json()[0]["action"] == "reply_failed"


def test_ignored_question_stays_ignored_when_asked_again(gateway):
    chat(gateway, "a", "làm sổ đỏ ở đâu")
    csrf = login(gateway)
    [item] = queue(gateway)
    assert (
        gateway.post(
            f"/staff/api/queue/{item['id']}/status", json={"status": "ignored"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 200
    )
    chat(gateway, "b", "làm sổ đỏ ở đâu")
    assert queue(gateway) == []
    [ignored] = queue(gateway, "ignored")
    assert ignored["count"] == 2
    bad = gateway.post(f"/staff/api/queue/{item['id']}/status", json={"status": "done"}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and queue(gateway, "ignored")[0]["status"] == "ignored"


def test_thumbs_down_puts_the_answered_question_in_the_queue(gateway):
    chat(gateway, "a", "xin phép xây nhà")
    chat(gateway, "a", '/feedback{"value":"bad"}')
    login(gateway)
    [item] = queue(gateway)
    assert (item["text"], item["reason"]) == ("xin phép xây nhà", "bad_feedback")


def test_staff_role_can_review_but_not_administer(gateway):
    csrf = login(gateway)
    created = gateway.post(
        "/staff/api/users",
        json={"username": "canbo1", "password": "Mot-mat-khau-tot", "role": "staff"},
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    weak = gateway.post(
        "/staff/api/users",
        json={"username": "canbo2", "password": "123", "role": "staff"},
        headers={"X-CSRF-Token": csrf},
    )
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    staff = TestClient(gateway.app)
    login(staff, "canbo1", "Mot-mat-khau-tot")
    assert staff.get("/staff/api/queue").status_code == 200
    assert staff.get("/staff/api/audit").status_code == 403
    assert staff.get("/staff/api/users").status_code == 403
    actions = [(e["username"], e["action"]) for e in gateway.get("/staff/api/audit").json()]
    assert ("canbo1", "login") in actions and (ADMIN, "create_user") in actions


def test_logout_ends_the_session(gateway):
    csrf = login(gateway)
    assert gateway.post("/staff/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert gateway.get("/staff/api/queue").status_code == 401


def test_first_admin_is_created_once(console_env, fake_rasa_port, monkeypatch):
    from bot.gateway.app import create_app
    from bot.settings import Settings

    with TestClient(create_app(Settings(rasa_port=fake_rasa_port))) as first:
        login(first)
    monkeypatch.setenv("BOT_ADMIN_PASSWORD", "Mat-khau-moi-khac-2027")
    with TestClient(create_app(Settings(rasa_port=fake_rasa_port))) as again:
        login(again)  # the variables never reset an existing account
        assert (
            again.post("/staff/api/login", json={"username": ADMIN, "password": "Mat-khau-moi-khac-2027"}).status_code
            == 401
        )


def test_placeholder_admin_password_creates_no_account(console_env, fake_rasa_port, monkeypatch):
    from bot.gateway.app import create_app
    from bot.settings import Settings

    monkeypatch.setenv("BOT_ADMIN_PASSWORD", "changeme")
    with TestClient(create_app(Settings(rasa_port=fake_rasa_port))) as client:
        assert client.post("/staff/api/login", json={"username": ADMIN, "password": "changeme"}).status_code == 401


def test_dashboard_counts_and_csv_export(gateway):
    chat(gateway, "a", "xin phép xây nhà")
    chat(gateway, "a", "/start_guide")
    chat(gateway, "a", '/feedback{"value":"good"}')
    chat(gateway, "b", UNANSWERED)
    chat(gateway, "c", "chào bạn")
    login(gateway)
    board = gateway.get("/staff/api/dashboard", params={"days": 7}).json()
    assert board["totals"] == {
        "questions": 2,
        "answered": 1,
        "answer_rate": 0.5,
        "online_guide": 1,
        "feedback_good": 1,
        "feedback_bad": 0,
    }
    assert board["procedures"][0]["code"] == BUILDING_PERMIT and board["procedures"][0]["name"]
    assert board["channels"] == [{"channel": "api", "count": 2}]
    assert len(board["days"]) == 7
    exported = gateway.get("/staff/api/dashboard.csv", params={"days": 7})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["day", "questions", "answered", "answer_rate"]
    today = rows[7]
    assert today[1:3] == ["2", "1"] and today[4] == "1"
    assert [BUILDING_PERMIT, board["procedures"][0]["name"], "1"] in rows
    assert gateway.get("/staff/api/dashboard", params={"days": 0}).status_code == 422


def test_link_while_the_knowledge_base_is_broken_is_refused_and_the_item_stays_open(gateway, kb_root):
    chat(gateway, "a", UNANSWERED)
    csrf = login(gateway)
    [item] = queue(gateway)
    (kb_root / "procedures" / "1.013229.yml").write_text("code: 1.013229\nname: [unclosed\n", encoding="utf-8")
    refused = gateway.post(
        f"/staff/api/queue/{item['id']}/link", json={"procedure": BUILDING_PERMIT}, headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 503 and "1.013229.yml" in refused.json()["error"]
    assert queue(gateway)[0]["status"] == "new"
    assert gateway.get(f"/staff/api/queue/{item['id']}").status_code == 200
