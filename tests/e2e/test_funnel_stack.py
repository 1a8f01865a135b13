"""The online-filing funnel through the real stack (the session's: Rasa, action servers, gateways): a citizen on the widget
types the whole way, a citizen on Telegram (local fake of the Bot API) taps every button, a staff tester
walks it too; the dashboard API and the CSV then show exactly one more for each step on each channel and
nothing for the tester. The counted redirect answers 404 for anything it did not issue."""

from __future__ import annotations

import csv
import io
import re
import uuid

import httpx
import pytest

from tests.fakes.servers import eventually
from tests.stack_helpers import STACK_ADMIN as ADMIN
from tests.stack_helpers import STACK_PASSWORD as PASSWORD

pytestmark = pytest.mark.e2e
PROCEDURE = "1.008891"  # chứng chỉ hành nghề kiến trúc: online, with a fee due (six steps, payment included)
QUESTION = "Thủ tục cấp chứng chỉ hành nghề kiến trúc như thế nào?"
RECEIPT = "000.00.04.H22-251201-0007"
LINK = re.compile(r"https?://\S+?/r/[A-Za-z0-9_-]+")
STEPS = (
    "asked",
    "offered",
    "started",
    "step_login",
    "step_find",
    "step_fill",
    "payment",
    "step_submit",
    "step_track",
    "finished",
    "link_opened",
    "receipt",
)


@pytest.fixture(scope="module")
def staff(stack):
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        reply = client.post("/staff/api/login", json={"username": ADMIN, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        yield client


def counts(staff, **params) -> dict[str, int]:
    reply = staff.get("/staff/api/funnel", params={"procedure": PROCEDURE, **params})
    assert reply.status_code == 200, reply.text
    return {s["step"]: s["count"] for s in reply.json()["steps"]}


def one_more(before: dict[str, int]) -> dict[str, int]:
    return {step: before[step] + 1 for step in STEPS}


def open_link(text: str) -> None:
    """A citizen opening the national page link the assistant sent (counted: a browser, not a preview)."""
    url = LINK.search(text).group(0)
    opened = httpx.get(
        url,
        follow_redirects=False,
        timeout=10,
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile"},
    )
    assert opened.status_code == 302, opened.text
    assert opened.headers["location"].startswith("https://dichvucong.gov.vn")


class WidgetCitizen:
    def __init__(self, url: str) -> None:
        self.api = f"{url}/widget/api"
        self.session = httpx.post(f"{self.api}/session", timeout=10).json()["session"]
        self.text = ""

    def say(self, text: str, title: str | None = None) -> str:
        body = {"text": text, **({"title": title} if title else {})}
        reply = httpx.post(f"{self.api}/messages", json=body, headers={"X-Widget-Session": self.session}, timeout=60)
        assert reply.status_code == 200, reply.text
        self.text = "\n".join(e["text"] for e in reply.json()["entries"][1:])
        return self.text


def test_a_widget_citizen_typing_every_step_is_counted_once_per_step(stack, staff):
    before = counts(staff, channel="widget")
    citizen = WidgetCitizen(stack.url)
    summary = citizen.say(QUESTION)
    assert PROCEDURE in summary and LINK.search(summary), summary
    assert "https://dichvucong.gov.vn" not in summary  # the page is behind the counted redirect ...
    assert "(dichvucong.gov.vn)" in summary  # ... whose destination is named beside it
    assert "Bước" not in citizen.say("nộp trực tuyến được không?") and "trực tuyến" in citizen.text
    assert "Bước 1/6" in citizen.say("hướng dẫn đi"), citizen.text  # typed yes to the offer
    for number in range(2, 7):
        assert f"Bước {number}/6" in citizen.say("tiếp"), citizen.text
    assert "Xong phần hướng dẫn" in citizen.say("tiếp"), citizen.text
    open_link(summary)
    open_link(summary)  # again: still one citizen who opened it today
    # Counted from the typed code whatever the classifier makes of the message; the procedure in focus.
    citizen.say(f"mã hồ sơ của tôi là {RECEIPT}, đến đâu rồi")
    citizen.say(f"hồ sơ {RECEIPT} sao rồi")  # again the same day: still one
    expected = one_more(before)
    eventually(lambda: counts(staff, channel="widget") == expected, timeout=30)


def _keyboard(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def test_a_telegram_citizen_tapping_every_button_is_counted_once_per_step(stack, staff, stack_telegram):
    before = counts(staff, channel="telegram")
    chat = 990001

    def wait_for(marker: str, after: int) -> list[dict]:
        return eventually(
            lambda: (
                [m for m in stack_telegram.sent(chat)[after:] if marker in m["text"]]
                and stack_telegram.sent(chat)[after:]
            ),
            timeout=60,
        )

    def tap(title: str, marker: str) -> list[dict]:
        # The latest such button; a reply of several messages may still be arriving.
        button = eventually(
            lambda: next(
                (b for m in reversed(stack_telegram.sent(chat)) for b in _keyboard(m) if title in b["text"]), None
            ),
            timeout=60,
        )
        after = len(stack_telegram.sent(chat))
        stack_telegram.push(stack_telegram.tap(chat, button["callback_data"]))
        return wait_for(marker, after)

    stack_telegram.push(stack_telegram.text(chat, QUESTION))
    summary = "\n".join(m["text"] for m in wait_for(PROCEDURE, 0))
    assert LINK.search(summary), summary
    tap("Nộp trực tuyến", "trực tuyến")
    tap("Hướng dẫn từng bước", "Bước 1/6")
    for number in range(2, 7):
        tap("Tiếp", f"Bước {number}/6")
    tap("Tiếp", "Xong phần hướng dẫn")
    open_link(summary)
    after = len(stack_telegram.sent(chat))
    stack_telegram.push(stack_telegram.text(chat, f"mã hồ sơ của tôi là {RECEIPT}, đến đâu rồi"))
    eventually(lambda: len(stack_telegram.sent(chat)) > after, timeout=60)
    expected = one_more(before)
    eventually(lambda: counts(staff, channel="telegram") == expected, timeout=30)


def test_staff_testers_are_not_counted_and_the_csv_says_what_the_api_says(stack, staff):
    everything = counts(staff)
    tester = f"staff-e2e-{uuid.uuid4().hex[:6]}"
    stack.chat(tester, QUESTION)
    stack.chat(tester, "nộp trực tuyến được không?")
    assert "Bước 1/" in "\n".join(m["text"] for m in stack.chat(tester, "/start_guide"))
    stack.chat(tester, f"mã hồ sơ của tôi là {RECEIPT}, đến đâu rồi")
    # The tester's turns are recorded (the queue would show them), only the funnel leaves them out.
    citizen = f"e2e-{uuid.uuid4().hex[:6]}"
    stack.chat(citizen, QUESTION)
    eventually(lambda: counts(staff)["asked"] == everything["asked"] + 1, timeout=30)
    now = counts(staff)
    assert now == {**everything, "asked": everything["asked"] + 1}
    reply = staff.get("/staff/api/funnel.csv", params={"procedure": PROCEDURE})
    assert reply.status_code == 200
    rows = list(csv.reader(io.StringIO(reply.text.lstrip("\ufeff"))))
    assert {r[0]: int(r[2]) for r in rows[2 : 2 + len(STEPS)]} == now


def test_the_redirect_only_knows_links_it_issued(stack):
    for path in ("/r/AAAAAAAA", "/r/https%3A%2F%2Fevil.example", "/r/" + "x" * 33):
        reply = httpx.get(f"{stack.url}{path}", follow_redirects=False, timeout=10)
        assert reply.status_code == 404 and "location" not in reply.headers, path
