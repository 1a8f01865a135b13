"""The console page in headless Chromium against the gateway (fake Rasa): login, CSRF, queue actions, charts."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import uvicorn
from playwright.sync_api import expect

from bot.gateway.db import repositories as repo
from bot.gateway.console.settings import database_url
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.models import BUTTON, QUESTION
from bot.settings import Settings
from tests.console.console_support import (
    ADMIN,
    ADMIN_PASSWORD,
    BUILDING_PERMIT,
    chromium_page,
    log_in,
    screenshot,
)
from tests.fakes.servers import free_port

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`

UNANSWERED = "làm nhà trên đất vườn có phải xin phép"


@pytest.fixture
def served(console_env, fake_rasa_port):
    """The real gateway app on a local port, as a browser reaches it."""
    from bot.gateway.app import create_app

    port = free_port()
    app = create_app(Settings(port=port, rasa_port=fake_rasa_port, actions_port=free_port()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def seed_month_of_turns() -> None:
    """Thirty days of plausible traffic, written the way the recorder writes it."""
    engine = create_db_engine(database_url())
    migrate(engine)
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    codes = ["1.013225", "1.013227", "1.009794", "1.012867", "1.013226", "1.011663"]
    with session_factory(engine)() as db:
        for back in range(30):
            for n in range(rng.randint(6, 22)):
                at = now - timedelta(days=back, minutes=rng.randint(0, 600))
                sender, channel = f"s{back}-{n}", rng.choice(["telegram", "telegram", "zalo", "widget", "widget"])
                status = rng.choices(["answered", "clarified", "fallback", "out_of_scope"], [70, 10, 15, 5])[0]
                code = rng.choice(codes) if status != "fallback" else None
                repo.add_turn(
                    db,
                    channel=channel,
                    sender_id=sender,
                    text=f"câu hỏi mẫu số {back}-{n}",
                    kind=QUESTION,
                    status=status,
                    procedure=code,
                    confidence=0.8,
                    at=at,
                )
                if status == "answered" and rng.random() < 0.3:
                    repo.add_turn(
                        db,
                        channel=channel,
                        sender_id=sender,
                        text="/start_guide",
                        kind=BUTTON,
                        status="answered",
                        procedure=code,
                        reason="online guide",
                        online_guide=True,
                        at=at + timedelta(seconds=30),
                    )
                if status == "answered" and rng.random() < 0.4:
                    repo.record_feedback(
                        db, channel=channel, sender_id=sender, value=rng.choice(["good", "good", "good", "bad"])
                    )
        db.commit()
    engine.dispose()


def test_wrong_password_is_shown_and_calls_without_csrf_token_are_refused(served):
    with chromium_page() as page:
        log_in(page, served, ADMIN, "khong-dung-mat-khau")
        page.wait_for_selector("#login-error:has-text('Sai tên đăng nhập hoặc mật khẩu')")
        assert page.is_hidden("#app-view")
        page.fill("#login-password", ADMIN_PASSWORD)
        page.click("#login-submit")
        page.wait_for_selector("#app-view:not([hidden])")
        # The browser holds a valid session cookie; without the CSRF header a state change is still refused.
        refused = page.request.post(
            f"{served}/staff/api/users", data={"username": "x1", "password": "Mot-mat-khau-tot"}
        )
        assert refused.status == 403
        listed = page.request.get(f"{served}/staff/api/users")
        assert [u["username"] for u in listed.json()] == [ADMIN]
        assert page.errors == []


def test_queue_link_and_reply_from_the_page(served, kb_root):
    from knowledge_base.store import disk

    for sender, text in (
        ("dan1", UNANSWERED),
        ("dan2", UNANSWERED + "?"),
        ("dan3", "làm sổ đỏ ở đâu"),
        ("dan4", "CCCD 001090012345 nộp hồ sơ cấp phép ở xã nào"),
    ):
        httpx.post(f"{served}/api/chat", json={"sender_id": sender, "text": text}, timeout=10).raise_for_status()
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        row = page.locator("#queue-table tbody tr", has_text=UNANSWERED)
        row.wait_for()
        assert "Chưa trả lời được" in row.inner_text()
        row.click()
        page.wait_for_selector("#detail:not([hidden])")
        screenshot(page, "console-queue-open.png")
        assert page.input_value("#link-text") == UNANSWERED
        page.fill("#link-procedure", f"{BUILDING_PERMIT} – x")
        page.click("#link-submit")
        page.wait_for_selector("#action-result.ok")
        assert "Đã gắn vào thủ tục" in page.inner_text("#action-result")
        expect(page.locator("#queue-table tbody tr", has_text=UNANSWERED)).to_have_count(0)
        assert "[CCCD]" in page.inner_text("#queue-table") and "001090012345" not in page.content()
        expect(page.locator("#detail-status")).to_have_text("Đã xử lý")
        screenshot(page, "console-queue.png")
        assert page.errors == []
    assert UNANSWERED in disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].aliases


def test_dashboard_charts_render(served):
    seed_month_of_turns()
    with chromium_page() as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        page.wait_for_selector("#app-view:not([hidden])")
        page.click("#tab-dashboard")
        expect(page.locator("#kpi-questions")).not_to_have_text("–")
        for canvas in ("chart-daily", "chart-procedures", "chart-channels", "chart-online", "chart-feedback"):
            # A chart drew something: the canvas has non-transparent pixels and Chart.js knows it.
            painted = page.evaluate(
                """(id) => {
                const c = document.getElementById(id);
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
                return {pixels: n, chart: !!window.Chart.getChart(c)};
            }""",
                canvas,
            )
            assert painted["chart"] and painted["pixels"] > 500, (canvas, painted)
        assert int(page.inner_text("#kpi-questions")) > 100
        assert page.inner_text("#kpi-rate").endswith("%")
        screenshot(page, "console-dashboard.png")
        csv_link = page.get_attribute("#dash-csv", "href")
        exported = page.request.get(f"{served}{csv_link}")
        assert exported.status == 200 and exported.text().lstrip("\ufeff").startswith("day,questions")
        assert page.errors == []
