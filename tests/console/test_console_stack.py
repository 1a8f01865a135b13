"""The console against the real stack (the session's: Rasa, action servers, gateways) in headless Chromium: a question the
assistant cannot answer today shows up in the queue, staff link it to a procedure, and the same question
asked again is answered with that procedure."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from knowledge_base.store import disk
from tests.console.console_support import BUILDING_PERMIT, chromium_page, log_in, screenshot
from tests.console.test_impact_api import CAPTURING, FIRST_TIME_HOUSE
from tests.fakes.servers import eventually
from tests.stack_helpers import STACK_ADMIN as ADMIN
from tests.stack_helpers import STACK_PASSWORD as PASSWORD

# Publishes aliases on the session stack: runs after every other test (tests/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.edits_stack_kb]
# A local way of asking about the renovation/extension permit that the search is not sure about today.
QUESTION = "nhà tôi muốn đổ thêm một tầng tum thì có phải báo cáo ai không"
PROCEDURE = "1.013229"
ANSWERED = f"Mã thủ tục: {PROCEDURE}"


def test_wrong_password_and_missing_csrf_are_refused_by_the_running_gateway(stack):
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        assert client.post("/staff/api/login", json={"username": ADMIN, "password": "sai"}).status_code == 401
        assert client.get("/staff/api/queue").status_code == 401
        csrf = client.post("/staff/api/login", json={"username": ADMIN, "password": PASSWORD}).json()["csrf_token"]
        assert client.post("/staff/api/logout").status_code == 403
        assert client.get("/staff/api/queue").status_code == 200
        assert client.post("/staff/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200


def test_linking_a_question_teaches_the_running_assistant(stack):
    folder = stack.folder
    first = "\n".join(m["text"] for m in stack.chat(f"e2e-{uuid.uuid4().hex[:8]}", QUESTION))
    assert ANSWERED not in first, f"the assistant already answers this question; pick another one:\n{first}"
    with chromium_page() as page:
        log_in(page, stack.url, ADMIN, PASSWORD)
        row = page.locator("#queue-table tbody tr", has_text=QUESTION)
        row.wait_for(timeout=15_000)
        row.click()
        page.wait_for_selector("#detail:not([hidden])")
        page.fill("#link-procedure", f"{PROCEDURE} – ")
        page.click("#link-submit")
        expect(page.locator("#action-result.ok")).to_contain_text("Đã gắn vào thủ tục", timeout=60_000)
        # The supervisor gave the gateway the action server's admin token: the reload ran before the answer.
        expect(page.locator("#action-result")).to_contain_text("trợ lý đã cập nhật")
        expect(page.locator("#detail-status")).to_have_text("Đã xử lý")
        screenshot(page, "console-stack-linked.png")
        assert page.errors == []

    deadline, answer = time.monotonic() + 60, ""
    while time.monotonic() < deadline:
        answer = "\n".join(m["text"] for m in stack.chat(f"e2e-{uuid.uuid4().hex[:8]}", QUESTION))
        if ANSWERED in answer:
            break
        time.sleep(2)
    assert ANSWERED in answer, f"still not answered with {PROCEDURE}:\n{answer}\n{stack.log_tail()}"
    assert QUESTION in disk.load_knowledge_base(folder / "kb").procedures[PROCEDURE].aliases
    exported = yaml.safe_load((folder / "staff_examples.yml").read_text(encoding="utf-8"))
    assert f"- {QUESTION}" in exported["nlu"][0]["examples"].splitlines()


def test_staff_reply_reaches_the_telegram_citizen(stack, stack_telegram):
    # Asking for a person puts the turn in the queue (handed over); the staff answer goes back to the chat.
    chat, question = 770001, "cho tôi gặp cán bộ"
    stack_telegram.push(stack_telegram.text(chat, question))
    eventually(lambda: stack_telegram.sent(chat), timeout=60)  # the assistant answered the turn itself first
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        csrf = client.post("/staff/api/login", json={"username": ADMIN, "password": PASSWORD}).json()["csrf_token"]
        item = eventually(
            lambda: [
                i
                for i in client.get("/staff/api/queue", params={"status": "all"}).json()
                if i["channel"] == "telegram" and i["text"] == question
            ],
            timeout=30,
        )[0]
        text = "Cán bộ Sở Xây dựng trả lời: công trình chăn nuôi trong khuôn viên nhà ở cần hỏi UBND xã."
        sent = client.post(f"/staff/api/queue/{item['id']}/reply", json={"text": text}, headers={"X-CSRF-Token": csrf})
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "resolved"
    eventually(lambda: [m for m in stack_telegram.sent(chat) if m["text"] == text], timeout=30)


def test_an_alias_that_breaks_a_confirmed_question_needs_its_count_confirmed_on_the_running_stack(stack):
    """The impact check as staff meet it: the running gateway's own worker process, the real search."""
    folder = stack.folder
    # Questions the assistant cannot place (or hands to a person): they reach the review queue, where staff
    # publish the alias by linking one of them.
    vague = ("thủ tục lần đầu", "hỏi cái lần đầu ấy", "cho tôi gặp cán bộ hỏi việc lần đầu")
    for text in vague:
        stack.chat(f"e2e-{uuid.uuid4().hex[:8]}", text)
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        csrf = {
            "X-CSRF-Token": client.post("/staff/api/login", json={"username": ADMIN, "password": PASSWORD}).json()[
                "csrf_token"
            ]
        }
        # The question linked in the test above is confirmed; staff confirm one more of their own.
        assert (QUESTION, PROCEDURE, "link") in {
            (c["text"], c["expected"], c["source"]) for c in client.get("/staff/api/confirmed").json()
        }
        added = client.post(
            "/staff/api/confirmed", headers=csrf, json={"text": FIRST_TIME_HOUSE, "expected": BUILDING_PERMIT}
        )
        assert added.status_code == 201, added.text

        change = {"kind": "alias", "procedure": CAPTURING, "text": "lần đầu"}
        impact = client.post("/staff/api/impact", headers=csrf, json={"change": change})
        assert impact.status_code == 200, impact.text
        assert [r["text"] for r in impact.json()["regressions"]] == [FIRST_TIME_HOUSE], impact.json()

        item = eventually(
            lambda: [i for i in client.get("/staff/api/queue", params={"status": "all"}).json() if i["text"] in vague],
            timeout=30,
        )[0]
        link = {"procedure": CAPTURING, "text": "lần đầu"}
        refused = client.post(f"/staff/api/queue/{item['id']}/link", headers=csrf, json=link)
        assert refused.status_code == 409, refused.text
        assert "lần đầu" not in disk.load_knowledge_base(folder / "kb").procedures[CAPTURING].aliases

        published = client.post(
            f"/staff/api/queue/{item['id']}/link", headers=csrf, json={**link, "confirm_regressions": 1}
        )
        assert published.status_code == 200, published.text
        assert "lần đầu" in disk.load_knowledge_base(folder / "kb").procedures[CAPTURING].aliases
        entry = next(
            e
            for e in client.get("/staff/api/audit").json()
            if e["action"] == "link" and e["target"] == f"review:{item['id']}"
        )
        seen = json.loads(entry["detail"])["impact"]
        assert seen["regressions"] == 1 and seen["confirmed_regressions"] == 1
        assert seen["regression_texts"] == [FIRST_TIME_HOUSE]


def test_a_reminder_on_telegram_resumes_the_real_walkthrough_at_its_step(stack, stack_telegram):
    """Issue 29 on the real stack: the walkthrough is Rasa's, the reminder comes from the gateway's scheduler,
    and its "Tiếp tục" button is a payload the trained model and the action server must understand."""
    from tests.channels.test_reminders import TelegramChat

    chat = TelegramChat(stack_telegram, 770002)
    chat.say("cấp giấy phép kinh doanh vận tải bằng xe ô tô nộp trực tuyến được không")
    first = chat.tap("Hướng dẫn từng bước")
    assert first["text"].startswith("Bước 1/"), first["text"]
    second = chat.tap("Tiếp ▶")
    assert second["text"].startswith("Bước 2/"), second["text"]
    offer = chat.tap("Xong")
    assert "nhắc" in offer["text"], offer["text"]
    accepted = chat.say("co")  # typed, without diacritics
    assert "dừng nhắc" in accepted["text"], accepted["text"]

    before = len(chat.messages())
    reminder = eventually(lambda: chat.messages()[before:], timeout=30)[0]
    assert "1.000703" in reminder["text"] or "vận tải" in reminder["text"], reminder["text"]
    resumed = chat.tap("Tiếp tục")
    assert resumed["text"].startswith("Bước 2/"), resumed["text"]
