"""When a reminder is due and how the citizen is told; which typed words stop reminders."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.gateway.reminders.service import asks_to_stop, held_out
from bot.gateway.reminders.timing import VIETNAM, due_at, spoken


def vn(*args) -> datetime:
    return datetime(*args, tzinfo=VIETNAM)


def test_by_default_the_next_working_morning_in_vietnam():
    assert due_at(vn(2026, 12, 7, 21, 0), 0) == vn(2026, 12, 8, 8, 0)  # Monday evening → Tuesday 8:00
    assert due_at(vn(2026, 12, 11, 16, 0), 0) == vn(2026, 12, 14, 8, 0)  # Friday → Monday
    assert due_at(vn(2026, 12, 12, 10, 0), 0) == vn(2026, 12, 14, 8, 0)  # Saturday → Monday
    # 23:30 UTC on Monday is already Tuesday 06:30 in Vietnam: the next working morning is Wednesday.
    assert due_at(datetime(2026, 12, 7, 23, 30, tzinfo=timezone.utc), 0) == vn(2026, 12, 9, 8, 0)
    now = vn(2026, 12, 7, 9, 0)
    assert due_at(now, 90) == now + timedelta(seconds=90)


def test_the_citizen_is_told_when_in_their_words():
    now = vn(2026, 12, 7, 21, 0)
    assert spoken(now, vn(2026, 12, 8, 8, 0)) == "vào sáng mai (08:00)"
    assert spoken(vn(2026, 12, 11, 16, 0), vn(2026, 12, 14, 8, 0)) == "vào sáng thứ Hai 14/12 (08:00)"
    assert spoken(now, now + timedelta(minutes=5)) == "sau khoảng 5 phút"
    assert spoken(vn(2026, 12, 7, 9, 0), vn(2026, 12, 7, 15, 30)) == "lúc 15:30 hôm nay"


def test_stop_words_with_or_without_diacritics_but_not_inside_a_question():
    for text in ("dừng nhắc", "dung nhac", "Không nhắc nữa!", "khong nhac nua", "ngừng nhắc đi"):
        assert asks_to_stop(text), text
    for text in ("nhắc lại giúp tôi", "không", "tôi muốn hỏi vì sao hệ thống dừng nhắc tôi về thủ tục cấp phép"):
        assert not asks_to_stop(text), text


def test_the_holdout_share_is_about_what_was_asked_and_stable_per_citizen():
    held = sum(held_out("telegram", str(i), 0.2) for i in range(5000))
    assert 900 < held < 1100
    assert held_out("zalo", "42", 0.2) == held_out("zalo", "42", 0.2)
    assert not any(held_out("telegram", str(i), 0.0) for i in range(100))


def test_this_evening_is_offered_only_while_it_is_more_than_an_hour_away():
    from bot.gateway.reminders.timing import evening

    assert evening(vn(2026, 12, 7, 10, 0)) == vn(2026, 12, 7, 20, 0)
    assert evening(vn(2026, 12, 7, 19, 30)) is None
