"""Reminders to finish filing online, end to end through the real gateway against the fake Telegram Bot API and
the fake Zalo OA API, with a fake Rasa that plays the walkthrough (tests/fakes/rasa_guide.py). Time is moved
with the reminders' clock, never slept."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.gateway.db.models import FunnelEvent, Reminder, ReminderOutcome
from tests.fakes import rasa_guide
from tests.fakes.rasa_guide import guide_rasa
from tests.fakes.servers import ServerThread, eventually
from tests.fakes.telegram_api import TOKEN
from tests.fakes.zalo_api import APP_ID, OA_SECRET_KEY, FakeZalo

CHAT = 880001
ZALO_USER = "4410001"


@pytest.fixture
def rasa():
    with ServerThread(guide_rasa()) as server:
        yield server


# --- helpers --------------------------------------------------------------------------------------------------


def move_clock(gateway, by: timedelta) -> datetime:
    reminders = gateway.app.state.reminders
    now = datetime.now(timezone.utc) + by
    reminders.clock = lambda: now
    return now


def tick(gateway) -> int:
    return gateway.run(gateway.app.state.reminders.tick())


def rows(gateway, model, *where):
    with gateway.app.state.db_sessions() as db:
        return list(db.scalars(select(model).where(*where)))


def steps(gateway, sender: str) -> set[str]:
    return {r.step for r in rows(gateway, FunnelEvent, FunnelEvent.sender_id == sender)}


class TelegramChat:
    def __init__(self, telegram, chat: int) -> None:
        self.telegram, self.chat = telegram, chat

    def messages(self) -> list[dict]:
        return self.telegram.sent(self.chat)

    def say(self, text: str) -> dict:
        return self._wait_reply(lambda: self.telegram.push(self.telegram.text(self.chat, text)))

    def tap(self, title: str) -> dict:
        for message in reversed(self.messages()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return self._wait_reply(
                            lambda: self.telegram.push(self.telegram.tap(self.chat, button["callback_data"]))
                        )
        raise AssertionError(f"no button {title!r} in {[m['text'] for m in self.messages()]}")

    def _wait_reply(self, act) -> dict:
        before = len(self.messages())
        act()
        eventually(lambda: len(self.messages()) > before)
        time.sleep(0.3)  # a reply may have several messages
        return self.messages()[-1]


@pytest.fixture
def telegram_gateway(start_gateway, telegram):
    gateway = start_gateway(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDER_HOLDOUT="0", REMINDER_DELAY="3600"
    )
    eventually(lambda: telegram.called("deleteWebhook"))
    eventually(lambda: gateway.app.state.reminders is not None)
    return gateway


def stop_at_step_two(chat: TelegramChat) -> dict:
    chat.say(rasa_guide.ASK)
    chat.tap("Hướng dẫn từng bước")
    assert chat.tap("Tiếp ▶")["text"].startswith("Bước 2/5")
    return chat.tap("Xong")


# --- Telegram --------------------------------------------------------------------------------------------------


def test_a_citizen_who_stops_at_step_two_and_accepts_gets_one_reminder_that_resumes_there(
    telegram_gateway, telegram, rasa
):
    gateway, chat = telegram_gateway, TelegramChat(telegram, CHAT)
    offer = stop_at_step_two(chat)
    assert offer["text"].startswith("Bạn muốn tôi nhắc lại vào ngày mai không?")
    assert [b["text"] for [b] in offer["reply_markup"]["inline_keyboard"]] == ["Có, nhắc tôi", "Không cần"]
    accepted = chat.say("co")  # typed, without diacritics
    assert "sẽ nhắc bạn sau khoảng 60 phút" in accepted["text"]
    assert all(m != "co" for _, m in rasa.app.state.received), "the answer to the offer is not Rasa's"
    [row] = rows(gateway, Reminder)
    assert (row.channel, row.sender_id, row.procedure, row.step, row.name) == (
        "telegram",
        str(CHAT),
        rasa_guide.PROCEDURE,
        "find",
        "Công dân",
    )

    before = len(chat.messages())
    move_clock(gateway, timedelta(minutes=30))
    assert tick(gateway) == 0 and len(chat.messages()) == before  # not due yet

    move_clock(gateway, timedelta(minutes=61))
    tick(gateway)
    reminder = eventually(lambda: chat.messages()[before:])
    tick(gateway)
    time.sleep(0.3)
    assert len(chat.messages()) == before + 1, "sent exactly once"
    [reminder] = reminder
    assert reminder["text"].startswith("Chào Công dân,") and "tìm thủ tục" in reminder["text"]
    assert "Cấp GPXD mới – nhà ở riêng lẻ" in reminder["text"]  # the procedure by its short title
    assert [b["text"] for [b] in reminder["reply_markup"]["inline_keyboard"]] == ["Tiếp tục", "Dừng nhắc"]
    assert rows(gateway, Reminder) == [], "the row is deleted once sent"

    resumed = chat.tap("Tiếp tục")
    assert resumed["text"] == "Bước 2/5: find"
    for _ in range(3):
        chat.tap("Tiếp ▶")
    chat.tap("Tiếp ▶")  # past the last step: finished
    eventually(
        lambda: (
            {"reminder_offered", "reminder_accepted", "reminder_sent", "reminder_continued", "finished"}
            <= steps(gateway, str(CHAT))
        )
    )
    assert [o.outcome for o in rows(gateway, ReminderOutcome)] == ["sent"]


def test_the_offer_is_made_once_per_procedure(telegram_gateway, telegram):
    chat = TelegramChat(telegram, CHAT)
    stop_at_step_two(chat)
    chat.say("không")
    again = stop_at_step_two(chat)
    assert "nhắc" not in again["text"] and rows(telegram_gateway, Reminder) == []


def test_typing_dung_nhac_stops_the_reminder(telegram_gateway, telegram):
    gateway, chat = telegram_gateway, TelegramChat(telegram, CHAT)
    stop_at_step_two(chat)
    chat.tap("Có, nhắc tôi")
    assert len(rows(gateway, Reminder)) == 1
    assert "Đã dừng" in chat.say("dừng nhắc")["text"]
    before = len(chat.messages())
    move_clock(gateway, timedelta(days=3))
    tick(gateway)
    time.sleep(0.3)
    assert len(chat.messages()) == before and rows(gateway, Reminder) == []
    assert [o.outcome for o in rows(gateway, ReminderOutcome)] == ["stopped"]


def test_a_citizen_who_blocked_the_bot_gets_nothing_and_staff_see_why(telegram_gateway, telegram):
    gateway, chat = telegram_gateway, TelegramChat(telegram, CHAT)
    stop_at_step_two(chat)
    chat.say("có")
    telegram.errors["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    move_clock(gateway, timedelta(hours=2))
    tick(gateway)
    telegram.errors.clear()
    tick(gateway)
    time.sleep(0.3)
    [outcome] = rows(gateway, ReminderOutcome)
    assert outcome.outcome == "blocked" and "chặn" in outcome.reason
    assert rows(gateway, Reminder) == [] and "reminder_sent" not in steps(gateway, str(CHAT))


def test_two_gateways_send_a_due_reminder_once(start_gateway, telegram, telegram_gateway):
    chat = TelegramChat(telegram, CHAT)
    stop_at_step_two(chat)
    chat.say("có")
    other = start_gateway(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDER_HOLDOUT="0", REMINDER_DELAY="3600"
    )  # same database
    eventually(lambda: other.app.state.reminders is not None and other.app.state.telegram.ready.is_set())
    before = len(chat.messages())
    for gateway in (telegram_gateway, other):
        move_clock(gateway, timedelta(hours=2))
    results = []
    threads = [threading.Thread(target=lambda g=g: results.append(tick(g))) for g in (telegram_gateway, other)] * 1
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.3)
    assert sorted(results) == [0, 1]
    assert len([m for m in chat.messages()[before:] if "Tiếp tục" in json.dumps(m, ensure_ascii=False)]) == 1


def test_held_out_citizens_are_not_offered_and_are_counted(start_gateway, telegram):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDER_HOLDOUT="1")
    eventually(lambda: telegram.called("deleteWebhook"))
    chat = TelegramChat(telegram, CHAT)
    left = stop_at_step_two(chat)
    assert "nhắc" not in left["text"]
    eventually(lambda: "reminder_held_out" in steps(gateway, str(CHAT)))
    assert "reminder_offered" not in steps(gateway, str(CHAT))


def test_reminders_off_means_no_offer(start_gateway, telegram):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDERS="off")
    eventually(lambda: telegram.called("deleteWebhook"))
    left = stop_at_step_two(TelegramChat(telegram, CHAT))
    assert "nhắc" not in left["text"] and gateway.app.state.reminders is None


# --- Zalo ------------------------------------------------------------------------------------------------------


@pytest.fixture
def zalo_gateway(start_gateway, zalo_api):
    gateway = start_gateway(
        ZALO_APP_ID=APP_ID,
        ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        ZALO_ACCESS_TOKEN="access-1",
        ZALO_API_URL=zalo_api.url,
        REMINDER_HOLDOUT="0",
        REMINDER_DELAY="3600",
    )
    eventually(lambda: gateway.app.state.reminders is not None)
    return gateway


class ZaloChat:
    def __init__(self, gateway, api: FakeZalo, user: str) -> None:
        self.gateway, self.api, self.user = gateway, api, user

    def send(self, text: str) -> dict:
        import httpx

        before = len(self.api.messages)
        raw = self.api.event(self.user, text)
        answer = httpx.post(
            f"{self.gateway.url}/zalo/webhook",
            content=raw,
            headers={"X-ZEvent-Signature": FakeZalo.signature(raw), "Content-Type": "application/json"},
        )
        assert answer.status_code == 200
        eventually(lambda: len(self.api.messages) > before)
        time.sleep(0.3)
        return self.api.messages[-1]

    def tap(self, title: str) -> dict:
        for body in reversed(self.api.messages):
            buttons = ((body["message"].get("attachment") or {}).get("payload") or {}).get("buttons") or []
            for button in buttons:
                if button["title"] == title:
                    return self.send(button["payload"])
        raise AssertionError(f"no button {title!r}")


def zalo_stop_at_step_two(chat: ZaloChat) -> dict:
    chat.send(rasa_guide.ASK)
    chat.tap("Hướng dẫn từng bước")
    chat.tap("Tiếp ▶")
    return chat.tap("Xong")


def test_zalo_reminder_inside_the_window_is_sent_with_its_buttons(zalo_gateway, zalo_api):
    chat = ZaloChat(zalo_gateway, zalo_api, ZALO_USER)
    offer = zalo_stop_at_step_two(chat)
    assert offer["message"]["text"].startswith("Bạn muốn tôi nhắc lại")
    chat.send("ok")
    before = len(zalo_api.messages)
    move_clock(zalo_gateway, timedelta(hours=2))
    tick(zalo_gateway)
    body = eventually(lambda: zalo_api.messages[before:])[0]
    assert body["recipient"] == {"user_id": ZALO_USER} and "tìm thủ tục" in body["message"]["text"]
    titles = [b["title"] for b in body["message"]["attachment"]["payload"]["buttons"]]
    assert titles == ["Tiếp tục", "Dừng nhắc"]
    assert "Đã dừng" in chat.tap("Dừng nhắc")["message"]["text"]


def test_zalo_reminder_due_after_the_48_hour_window_is_not_sent_and_staff_see_why(zalo_gateway, zalo_api):
    chat = ZaloChat(zalo_gateway, zalo_api, ZALO_USER)
    zalo_stop_at_step_two(chat)
    chat.send("có")
    before = len(zalo_api.messages)
    move_clock(zalo_gateway, timedelta(hours=49))
    tick(zalo_gateway)
    time.sleep(0.3)
    assert zalo_api.messages[before:] == []
    [outcome] = rows(zalo_gateway, ReminderOutcome)
    assert outcome.outcome == "window_closed" and "48 giờ" in outcome.reason
    assert rows(zalo_gateway, Reminder) == []


def test_zalo_reminder_that_would_fall_after_the_window_is_moved_inside_it(start_gateway, zalo_api):
    gateway = start_gateway(
        ZALO_APP_ID=APP_ID,
        ZALO_OA_SECRET_KEY=OA_SECRET_KEY,
        ZALO_ACCESS_TOKEN="access-1",
        ZALO_API_URL=zalo_api.url,
        REMINDER_HOLDOUT="0",
        REMINDER_DELAY=str(50 * 3600),
    )
    eventually(lambda: gateway.app.state.reminders is not None)
    chat = ZaloChat(gateway, zalo_api, ZALO_USER)
    zalo_stop_at_step_two(chat)
    accepted = chat.send("có")["message"]["text"]
    assert "sẽ nhắc bạn" in accepted
    [row] = rows(gateway, Reminder)
    assert timedelta(hours=46) < row.due_at - datetime.now(timezone.utc) < timedelta(hours=48)
    [moved] = rows(gateway, ReminderOutcome)
    assert moved.outcome == "moved" and "48 giờ" in moved.reason
    before = len(zalo_api.messages)
    move_clock(gateway, timedelta(hours=47, minutes=30))
    tick(gateway)
    assert "tìm thủ tục" in eventually(lambda: zalo_api.messages[before:])[0]["message"]["text"]


def test_a_citizen_who_goes_silent_at_step_two_is_offered_once_after_half_an_hour(telegram_gateway, telegram):
    gateway, chat = telegram_gateway, TelegramChat(telegram, CHAT)
    chat.say(rasa_guide.ASK)
    chat.tap("Hướng dẫn từng bước")
    chat.tap("Tiếp ▶")  # step 2, then nothing more
    before = len(chat.messages())
    move_clock(gateway, timedelta(minutes=10))
    tick(gateway)
    time.sleep(0.3)
    assert len(chat.messages()) == before  # not yet: perhaps still reading
    move_clock(gateway, timedelta(minutes=31))
    tick(gateway)
    tick(gateway)
    [offer] = eventually(lambda: chat.messages()[before:])
    time.sleep(0.3)
    assert len(chat.messages()) == before + 1 and offer["text"].startswith("Bạn muốn tôi nhắc lại")
    assert "sẽ nhắc bạn" in chat.say("ok")["text"]
    [row] = rows(gateway, Reminder)
    assert row.step == "find"


def test_by_default_the_citizen_may_choose_this_evening_by_typing_toi_nay(start_gateway, telegram):
    gateway = start_gateway(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url, REMINDER_HOLDOUT="0")
    eventually(lambda: gateway.app.state.reminders is not None)
    from bot.gateway.reminders.timing import VIETNAM

    morning = datetime.now(VIETNAM).replace(hour=9, minute=0, second=0, microsecond=0)
    gateway.app.state.reminders.clock = lambda: morning.astimezone(timezone.utc)
    chat = TelegramChat(telegram, CHAT)
    offer = stop_at_step_two(chat)
    titles = [b["text"] for [b] in offer["reply_markup"]["inline_keyboard"]]
    assert titles == ["Có, nhắc tôi", "Có, tối nay 20:00", "Không cần"] and "tối nay" in offer["text"]
    assert "lúc 20:00 hôm nay" in chat.say("tối nay")["text"]
    [row] = rows(gateway, Reminder)
    assert row.due_at == morning.replace(hour=20).astimezone(timezone.utc)
