"""The website widget in headless Chromium, embedded by its one tag on a page of another origin.

The gateway is the real app; Rasa is a local fake speaking its REST protocol (tests/fakes/rasa.py).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from bot.gateway.conversation.models import OutgoingMessage
from tests.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.browser import WIDGET_OPEN as OPEN
from tests.fakes.rasa import PERMIT_PAYLOAD, PERMIT_TITLE
from tests.fakes.servers import ServerThread, free_port
from tests.fakes.website import host_page

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(start_gateway):
    """(gateway, host page) with the host page's origin allowed to embed the widget."""
    host_port = free_port()  # the gateway must know the host page's origin before either starts
    gateway = start_gateway(WIDGET_ALLOWED_ORIGINS=f"http://127.0.0.1:{host_port}")
    with ServerThread(host_page(gateway.url), port=host_port) as host:
        yield gateway, host


def widget_log(page):
    return page.get_by_role("log", name="Hội thoại")


def test_ask_tap_a_button_reload_and_see_the_history(browser, site, rasa):
    gateway, host = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(host.url)
    page.get_by_role("button", name=OPEN).click()
    log = widget_log(page)
    expect(log).to_contain_text("Xin chào")

    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill("cho hỏi về giấy phép xây nhà")
    box.press("Enter")
    expect(log).to_contain_text("Bạn muốn hỏi thủ tục nào?")
    page.get_by_role("button", name=PERMIT_TITLE).click()
    expect(log).to_contain_text("mã 1.013225")
    # The tap showed its title as the user's message and passed the assistant's own payload to Rasa.
    expect(log.locator(".msg.user").last).to_have_text(PERMIT_TITLE)
    assert rasa.app.state.received[-1][1] == PERMIT_PAYLOAD
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "widget-desktop.png")

    box.fill("dài dòng")  # enough history that the log must scroll
    box.press("Enter")
    expect(log.locator(".msg.bot").last).to_contain_text("7. Thành phần hồ sơ")

    # Styles arriving after the history (a busy server) must not leave the log scrolled to the top.
    page.route("**/widget.css", lambda route: (time.sleep(1.5), route.continue_()))
    page.reload()
    log = widget_log(page)  # still open after the reload, history from the server
    expect(log).to_contain_text("cho hỏi về giấy phép xây nhà")
    expect(log).to_contain_text("mã 1.013225")
    # Opened at the latest message, as before the reload.
    last = log.locator(".msg.bot").last
    expect(last).to_contain_text("7. Thành phần hồ sơ")
    expect(last.get_by_role("button", name=PERMIT_TITLE)).to_be_in_viewport()
    page.close()


def test_html_and_script_in_an_answer_are_shown_as_text_and_only_https_and_tel_become_links(browser, site):
    gateway, host = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(host.url)
    page.get_by_role("button", name=OPEN).click()
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill("html")
    box.press("Enter")
    answer = widget_log(page).locator(".msg.bot").last
    expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1"><script>')
    assert page.evaluate("window.__pwned") is None
    assert answer.locator("img, script").count() == 0
    links = answer.get_by_role("link")
    expect(links).to_have_count(2)
    # The portal link goes through the gateway's counted redirect (bot/gateway/console/links.py) to the same page.
    href = links.nth(0).get_attribute("href")
    assert href.startswith(f"{gateway.url}/r/")
    assert links.nth(0).get_attribute("title") == "Mở trang dichvucong.gov.vn"  # where it goes, on hover
    assert httpx.get(href, follow_redirects=False).headers["location"].startswith("https://dichvucong.gov.vn/")
    assert links.nth(1).get_attribute("href") == "tel:02073822123"
    expect(answer).to_contain_text("javascript:window.__pwned=3")
    page.close()


def test_phone_width_panel_fills_the_screen_and_is_usable_by_keyboard(browser, site):
    gateway, host = site
    page = browser.new_page(viewport={"width": 375, "height": 720}, is_mobile=True, has_touch=True)
    page.goto(host.url)
    launcher = page.get_by_role("button", name=OPEN)
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Hỏi đáp thủ tục")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["width"] == 375 and box["height"] == 720
    expect(page.get_by_role("textbox", name="Câu hỏi của bạn")).to_be_focused()
    page.keyboard.type("cho hỏi về giấy phép xây nhà")
    page.keyboard.press("Enter")
    expect(widget_log(page)).to_contain_text("Bạn muốn hỏi thủ tục nào?")
    page.screenshot(path=SCREENSHOTS / "widget-phone.png")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    page.close()


def test_typing_indicator_shows_while_the_assistant_answers(browser, site, rasa):
    gateway, host = site
    rasa.app.state.delay_s = 1.5
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(host.url)
    page.get_by_role("button", name=OPEN).click()
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill("xin chào")
    box.press("Enter")
    typing = page.get_by_role("status")
    expect(typing).to_be_visible()
    expect(typing).to_have_text("Trợ lý đang soạn trả lời")
    expect(widget_log(page)).to_contain_text("Bạn hỏi: xin chào")
    expect(typing).to_be_hidden()
    page.close()


def test_staff_reply_pushed_through_the_outbox_appears_on_the_next_poll(browser, site, rasa):
    gateway, host = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(host.url)
    page.get_by_role("button", name=OPEN).click()
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill("tôi cần gặp cán bộ")
    box.press("Enter")
    expect(widget_log(page)).to_contain_text("Bạn hỏi: tôi cần gặp cán bộ")
    sender = rasa.app.state.received[-1][0]
    assert sender.startswith("widget:")
    staff = OutgoingMessage("Cán bộ Sở đã nhận câu hỏi, sẽ gọi lại cho bạn trong hôm nay.")
    gateway.run(gateway.app.state.outbox.push("widget", sender.removeprefix("widget:"), [staff]))
    expect(widget_log(page)).to_contain_text("Cán bộ Sở đã nhận câu hỏi", timeout=10_000)
    # Closed: a later reply marks the launcher, and opening shows it.
    page.get_by_role("button", name="Đóng hộp hỏi đáp").click()
    later = OutgoingMessage("Hồ sơ của bạn cần thêm bản vẽ mặt bằng.")
    gateway.run(gateway.app.state.outbox.push("widget", sender.removeprefix("widget:"), [later]))
    marked = page.get_by_role("button", name=f"{OPEN} – Có tin nhắn mới")
    expect(marked).to_be_visible(timeout=30_000)
    page.screenshot(path=SCREENSHOTS / "widget-unread.png")
    marked.click()
    expect(widget_log(page)).to_contain_text("cần thêm bản vẽ mặt bằng")
    expect(page.get_by_role("button", name=OPEN, exact=True)).to_be_visible()
    page.close()


def test_a_page_of_an_origin_not_allowed_cannot_talk_to_the_assistant(browser, start_gateway, rasa):
    gateway = start_gateway(WIDGET_ALLOWED_ORIGINS="https://sxd.tuyenquang.gov.vn")
    with ServerThread(host_page(gateway.url)) as host:
        page = browser.new_page()
        page.goto(host.url)
        page.get_by_role("button", name=OPEN).click()
        box = page.get_by_role("textbox", name="Câu hỏi của bạn")
        box.fill("xin chào")
        box.press("Enter")
        expect(widget_log(page).locator(".msg.notice")).to_have_text(re.compile("Không kết nối được"))
        page.close()
    assert rasa.app.state.received == []


def test_a_long_answer_is_shown_from_its_start_below_the_question(browser, site):
    gateway, host = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(host.url)
    page.get_by_role("button", name=OPEN).click()
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill("dài quá")
    box.press("Enter")
    log = widget_log(page)
    answer = log.locator(".msg.bot").last
    expect(answer).to_contain_text("1. Thành phần hồ sơ")
    question = log.locator(".msg.user").last
    visible = log.bounding_box()
    asked = question.bounding_box()
    assert visible["y"] <= asked["y"] and asked["y"] + asked["height"] <= visible["y"] + visible["height"]
    page.screenshot(path=SCREENSHOTS / "widget-long-answer.png")
    page.close()


def test_the_chat_page_is_the_widget_typed_markup_runs_nothing_and_staff_replies_arrive(browser, start_gateway, rasa):
    gateway = start_gateway()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(gateway.url + "/")
    log = widget_log(page)  # opened by the page itself
    expect(log).to_contain_text("Xin chào")
    box = page.get_by_role("textbox", name="Câu hỏi của bạn")
    box.fill('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> CCCD 001.203.004.567')
    box.press("Enter")
    expect(log.locator(".msg.bot").last).to_contain_text("Bạn hỏi: <img src=x")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    expect(log).to_contain_text("không cần gửi số CCCD")
    # What the gateway keeps (the history shown after a reload) has the number masked.
    page.reload()
    log = widget_log(page)
    expect(log).to_contain_text("CCCD [CCCD]")
    expect(log).not_to_contain_text("001.203.004.567")
    sender = rasa.app.state.received[-1][0]
    assert sender.startswith("widget:") and "001.203" not in rasa.app.state.received[-1][1]
    staff = OutgoingMessage("Cán bộ Sở trả lời bạn tại trang này.")
    gateway.run(gateway.app.state.outbox.push("widget", sender.removeprefix("widget:"), [staff]))
    expect(log).to_contain_text("Cán bộ Sở trả lời bạn tại trang này", timeout=10_000)
    page.close()
