"""Account management in the console page (headless Chromium), and a hostile question shown there runs nothing."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.console.console_support import ADMIN, ADMIN_PASSWORD, chromium_page, log_in, screenshot
from tests.console.test_console_browser import served  # noqa: F401  (fixture)
import pytest

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`

HOSTILE_QUESTION = (
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    '<svg onload="window.__pwned=3"></svg> xin phép'
)


def test_admin_locks_and_resets_an_account_and_changes_own_password(served):  # noqa: F811
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        page.wait_for_selector("#app-view:not([hidden])")
        page.click("#tab-admin")
        page.fill("#user-name", "canbo1")
        page.fill("#user-password", "Mot-mat-khau-tot")
        page.click("#user-form button[type=submit]")
        row = page.locator("#users-table tr[data-username=canbo1]")
        expect(row).to_contain_text("Đang dùng")
        row.get_by_role("button", name="Khóa").click()
        expect(row).to_contain_text("Đã khóa")
        refused = httpx.post(f"{served}/staff/api/login", json={"username": "canbo1", "password": "Mot-mat-khau-tot"})
        assert refused.status_code == 401
        row.get_by_role("button", name="Mở khóa").click()
        expect(row).to_contain_text("Đang dùng")
        page.select_option("#reset-user", "canbo1")
        page.fill("#reset-password", "Mat-khau-cap-lai-1")
        page.click("#reset-submit")
        expect(page.locator("#reset-result")).to_contain_text("Đã đặt lại mật khẩu cho canbo1")
        assert (
            httpx.post(
                f"{served}/staff/api/login", json={"username": "canbo1", "password": "Mat-khau-cap-lai-1"}
            ).status_code
            == 200
        )
        screenshot(page, "console-accounts.png")

        page.click("#tab-account")
        page.fill("#password-current", "khong-dung")
        page.fill("#password-new", "Mat-khau-moi-2026")
        page.fill("#password-repeat", "Mat-khau-moi-2026")
        page.click("#password-submit")
        expect(page.locator("#password-result")).to_contain_text("Mật khẩu hiện tại không đúng")
        page.fill("#password-current", ADMIN_PASSWORD)
        page.fill("#password-new", "Mat-khau-moi-2026")
        page.fill("#password-repeat", "Mat-khau-moi-2026")
        page.click("#password-submit")
        expect(page.locator("#password-result")).to_contain_text("Đã đổi mật khẩu")
        # The page's session survived the change (new cookie and CSRF token): it can still act.
        page.click("#tab-admin")
        expect(page.locator("#audit-table")).to_contain_text("change_password")
        assert page.errors == []


def test_a_hostile_question_shown_in_the_console_runs_no_script(served):  # noqa: F811
    asked = httpx.post(f"{served}/api/chat", json={"sender_id": "xss", "text": HOSTILE_QUESTION})
    assert asked.status_code == 200
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        row = page.locator("#queue-table tbody tr", has_text="xin phép")
        expect(row).to_contain_text("<img src=x")  # shown as text
        row.click()
        expect(page.locator("#detail-text")).to_contain_text("<script>")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#queue-table img, #detail img, #queue-table script, #detail svg").count() == 0
        screenshot(page, "console-hostile-question.png")
