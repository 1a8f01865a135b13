"""The three channels through the real stack (the session's: Rasa, action servers, gateways started by
`python -m bot run`).

Telegram and Zalo are local fakes of their HTTP APIs, reached by the gateway child through the settings it
inherits; the widget runs in headless Chromium on a page of another origin.
"""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.browser import WIDGET_OPEN as OPEN
from tests.fakes.servers import eventually
from tests.links import followed

pytestmark = pytest.mark.e2e
QUESTION = "Thủ tục cấp chứng chỉ hành nghề kiến trúc như thế nào?"
CODE = "1.008891"


def test_telegram_citizen_gets_the_procedure_with_its_code(stack, stack_telegram):
    chat = 880001
    stack_telegram.push(stack_telegram.text(chat, "/start"))
    menu = eventually(lambda: stack_telegram.sent(chat), timeout=60)
    assert menu[0].get("reply_markup", {}).get("inline_keyboard"), "the menu offers procedures as buttons"
    stack_telegram.push(stack_telegram.text(chat, QUESTION))
    answer = eventually(lambda: [m for m in stack_telegram.sent(chat) if CODE in m["text"]], timeout=60)
    assert "dichvucong.gov.vn" in followed(answer[0]["text"], stack.url)  # a counted link to it


def test_telegram_menu_button_tap_is_answered(stack, stack_telegram):
    chat = 880002
    stack_telegram.push(stack_telegram.text(chat, "/start"))
    menu = eventually(lambda: stack_telegram.sent(chat), timeout=60)
    keyboard = menu[-1]["reply_markup"]["inline_keyboard"]
    stack_telegram.push(stack_telegram.tap(chat, keyboard[0][0]["callback_data"]))
    answered = eventually(lambda: len(stack_telegram.sent(chat)) > len(menu), timeout=60)
    assert answered
    reply = stack_telegram.sent(chat)[len(menu)]["text"]
    assert re.search(r"\d\.\d{6}", reply), reply


def test_zalo_citizen_gets_the_procedure_in_the_free_window(stack, stack_zalo):
    raw = stack_zalo.event("zalo-user-1", QUESTION, msg_id="e2e-1")
    reply = httpx.post(
        f"{stack.url}/zalo/webhook", content=raw, headers={"X-ZEvent-Signature": stack_zalo.signature(raw)}, timeout=5
    )
    assert reply.status_code == 200
    sent = eventually(lambda: [m for m in stack_zalo.messages if m["recipient"] == {"message_id": "e2e-1"}], timeout=60)
    assert CODE in "\n".join(m["message"].get("text", "") for m in sent)


def test_widget_answer_from_the_real_assistant_survives_a_reload(stack):
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(stack.host_url)
        page.get_by_role("button", name=OPEN).click()
        log = page.get_by_role("log", name="Hội thoại")
        # The welcome's quick reply asks for the menu, which the real assistant answers with procedures.
        log.get_by_role("button", name="Các thủ tục hay hỏi").click()
        expect(log.locator(".msg.bot").nth(1).get_by_role("button").first).to_be_visible(timeout=60_000)
        box = page.get_by_role("textbox", name="Câu hỏi của bạn")
        box.fill(QUESTION)
        box.press("Enter")
        expect(log).to_contain_text(CODE, timeout=60_000)
        # The national page goes through the gateway's counted redirect (bot/gateway/console/links.py).
        link = log.get_by_role("link").filter(has_text="/r/").first
        assert followed(link.get_attribute("href"), stack.url).startswith("https://dichvucong.gov.vn/")
        page.screenshot(path=SCREENSHOTS / "widget-real-stack.png")
        page.reload()
        expect(page.get_by_role("log", name="Hội thoại")).to_contain_text(CODE)
        page.set_viewport_size({"width": 390, "height": 800})
        page.screenshot(path=SCREENSHOTS / "widget-real-stack-phone.png")
        browser.close()


def test_sixteenth_message_in_a_minute_gets_the_notice_through_the_real_gateway(stack):
    sender = f"flood-{uuid.uuid4()}"
    started = time.monotonic()
    for i in range(15):
        assert stack.chat(sender, f"xin chào {i}")
    notice = stack.chat(sender, "xin chào lần nữa")
    assert time.monotonic() - started < 60
    assert "đợi" in notice[0]["text"]
