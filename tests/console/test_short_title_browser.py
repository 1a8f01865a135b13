"""The short-title field of the console page in headless Chromium: pick a procedure, edit, save."""

from __future__ import annotations

from playwright.sync_api import expect

from knowledge_base.store import disk
from tests.console.console_support import ADMIN, ADMIN_PASSWORD, BUILDING_PERMIT, chromium_page, log_in
from tests.console.test_console_browser import served  # noqa: F401 - the page's server fixture
import pytest

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`

TITLE = "Xin phép xây nhà ở riêng lẻ (cấp xã)"


def test_staff_edit_a_short_title_from_the_page(served, kb_root):  # noqa: F811
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        page.wait_for_selector("#app-view:not([hidden])")
        page.click("#tab-titles")
        expect(page.locator("#procedure-list option")).not_to_have_count(0)  # the list is loaded
        page.fill("#title-procedure", f"{BUILDING_PERMIT} – x")
        expect(page.locator("#title-short")).to_have_value("Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV")
        assert "Công trình không theo tuyến" in page.inner_text("#title-name")  # the full national name
        page.fill("#title-short", TITLE)
        page.click("#title-submit")
        page.wait_for_selector("#title-result.ok")
        assert TITLE in page.inner_text("#title-result")
        assert disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].short_title == TITLE
        page.fill("#title-short", disk.load_knowledge_base(kb_root).procedures["1.013226"].short_title)
        page.click("#title-submit")
        page.wait_for_selector("#title-result.error")
        assert page.errors == []
