"""The funnel tab in headless Chromium against the gateway (fake Rasa): eight weeks of recorded steps, the
chart, rates and meanings, filters by procedure and channel, the CSV link; screenshot in build/funnel.png."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from bot.gateway.db import funnel
from bot.gateway.console.settings import database_url
from bot.gateway.db.engine import create_db_engine, migrate, session_factory
from bot.gateway.db.stats import LOCAL_TZ
from tests.console.console_support import ADMIN, ADMIN_PASSWORD, chromium_page, log_in, screenshot
from tests.console.test_console_browser import served  # noqa: F401 - fixture
from tests.stack_helpers import ROOT
import pytest

pytestmark = pytest.mark.browser  # headless Chromium: in `make test`, not `make test-fast`

# How many of those who reached a step go on to the next, roughly (payment: procedures with a fee only).
GOES_ON = {
    "offered": 0.8,
    "started": 0.45,
    "step_login": 1.0,
    "step_find": 0.85,
    "step_fill": 0.8,
    "payment": 0.6,
    "step_submit": 0.9,
    "step_track": 0.85,
    "finished": 0.9,
    "link_opened": 0.7,
    "receipt": 0.35,
}
CODES = ["1.013225", "1.013227", "1.009794", "1.012867"]
FEE_DUE = {"1.013227", "1.009794"}


def seed_eight_weeks() -> Counter:
    """Citizens walking the funnel over 56 days, written the way the recorder writes it; the counts per step."""
    engine = create_db_engine(database_url())
    migrate(engine)
    rng = random.Random(15)
    now = datetime.now(timezone.utc)
    seeded: Counter = Counter()
    with session_factory(engine)() as db:
        for back in range(56):
            for n in range(rng.randint(3, 12)):
                at = now - timedelta(days=back, minutes=rng.randint(0, 300))
                sender, channel = f"c{back}-{n}", rng.choice(["telegram", "telegram", "zalo", "widget", "widget"])
                code = rng.choice(CODES)
                for step in ["asked", *GOES_ON]:
                    if step == "payment" and code not in FEE_DUE:
                        continue
                    if step != "asked" and rng.random() > GOES_ON[step]:
                        break
                    funnel.record_step(db, step=step, channel=channel, sender_id=sender, procedure=code, at=at)
                    if at.astimezone(LOCAL_TZ).date() >= (now.astimezone(LOCAL_TZ) - timedelta(days=29)).date():
                        seeded[step] += 1
        db.commit()
    engine.dispose()
    return seeded


def test_the_funnel_tab_shows_counts_rates_meanings_and_filters(served):  # noqa: F811
    seeded = seed_eight_weeks()
    with chromium_page(viewport=(1400, 1000)) as page:
        log_in(page, served, ADMIN, ADMIN_PASSWORD)
        page.click("#tab-funnel")
        rows = page.locator("#funnel-table tbody tr")
        expect(rows).to_have_count(12)
        asked = page.locator('#funnel-table tr[data-step="asked"] td').nth(1)
        expect(asked).to_have_text(str(seeded["asked"]))  # the last 30 days by default
        expect(page.locator('#funnel-table tr[data-step="receipt"]')).to_contain_text("không được kiểm tra")
        expect(page.locator("#funnel-counting")).to_contain_text("một lần cho mỗi bước")
        start = (datetime.now(LOCAL_TZ) - timedelta(days=55)).date().isoformat()
        page.fill("#funnel-start", start)
        page.dispatch_event("#funnel-start", "change")
        expect(page.locator("#funnel-csv")).to_have_attribute(
            "href", f"/staff/api/funnel.csv?start={start}&end={page.input_value('#funnel-end')}"
        )
        expect(asked).not_to_have_text(str(seeded["asked"]))
        page.wait_for_timeout(300)  # charts drawn without animation; let the canvas settle
        path = screenshot(page, "funnel.png")
        (ROOT / "build").mkdir(exist_ok=True)
        shutil.copy(path, ROOT / "build" / "funnel.png")
        page.select_option("#funnel-procedure", "1.013225")
        expect(page.locator('#funnel-table tr[data-step="payment"] td').nth(1)).to_have_text("0")  # no fee due
        page.select_option("#funnel-channel", "zalo")
        expect(page.locator("#funnel-csv")).to_have_attribute(
            "href",
            f"/staff/api/funnel.csv?start={start}"
            f"&end={page.input_value('#funnel-end')}"
            "&procedure=1.013225&channel=zalo",
        )
        assert page.errors == []
