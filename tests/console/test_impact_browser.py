"""The impact view in headless Chromium: a generic alias shows the confirmed question it would break, publishing
needs the tick that names how many, and the confirmed question is listed; screenshot in build/impact.png."""

from __future__ import annotations

import shutil

import httpx
from playwright.sync_api import expect

from tests.console.console_support import ADMIN, ADMIN_PASSWORD, BUILDING_PERMIT, chromium_page, log_in, screenshot
from tests.console.test_console_browser import served  # noqa: F401 - fixture
from tests.console.test_impact_api import CAPTURING, EDITED_ALIAS, FIRST_TIME_HOUSE, GENERIC, aliases
from tests.stack_helpers import ROOT
import pytest

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`


def open_question(page, text: str) -> None:
    page.locator("#queue-table tbody tr", has_text=text).click()
    expect(page.locator("#detail-text")).to_have_text(text)


def test_the_impact_of_an_alias_is_shown_and_a_regression_must_be_confirmed(served, kb_root):  # noqa: F811
    for sender, text in (("dan1", FIRST_TIME_HOUSE), ("dan2", GENERIC)):
        httpx.post(f"{served}/api/chat", json={"sender_id": sender, "text": text}, timeout=10).raise_for_status()
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        open_question(page, FIRST_TIME_HOUSE)
        expect(page.locator("#detail-turns")).to_contain_text("Vì sao: Không trả lời được")
        page.fill("#link-procedure", f"{BUILDING_PERMIT} – x")
        page.fill("#link-text", EDITED_ALIAS)
        page.click("#link-submit")
        expect(page.locator("#action-result.ok")).to_contain_text("Đã gắn vào thủ tục", timeout=60_000)

        page.select_option("#queue-status", "new")
        open_question(page, GENERIC)
        page.fill("#link-procedure", f"{CAPTURING} – x")
        page.fill("#link-text", "lần đầu")
        page.click("#link-preview")
        impact = page.locator("#link-impact")
        expect(impact.locator(".impact-summary")).to_contain_text("1 câu đã xác nhận sẽ bị trả lời sai", timeout=60_000)
        expect(impact.locator("li.regression")).to_contain_text(FIRST_TIME_HOUSE)
        expect(impact.locator("li.regression")).to_contain_text("Cấp GPXD")

        page.click("#link-submit")
        expect(page.locator("#action-result.error")).to_contain_text("Chưa gắn: 1 câu hỏi đã xác nhận", timeout=60_000)
        publish = page.locator("#link-impact-publish")
        expect(publish).to_be_disabled()
        assert "lần đầu" not in aliases(kb_root, CAPTURING)
        page.locator("#detail").scroll_into_view_if_needed()
        path = screenshot(page, "impact.png")
        shutil.copy(path, ROOT / "build" / "impact.png")
        page.check("#link-impact-confirm")
        publish.click()
        expect(page.locator("#action-result.ok")).to_contain_text("Đã gắn vào thủ tục", timeout=60_000)
        assert "lần đầu" in aliases(kb_root, CAPTURING)

        page.click("#tab-confirmed")
        row = page.locator("#confirmed-table tbody tr", has_text=FIRST_TIME_HOUSE)
        expect(row).to_contain_text("Gắn vào thủ tục")
        expect(page.locator("#helpful-table tbody tr")).to_have_count(0)
        assert row.locator("input").input_value().startswith(BUILDING_PERMIT)
        assert page.errors == []
