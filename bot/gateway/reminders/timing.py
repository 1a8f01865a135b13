"""When a reminder is due: after REMINDER_DELAY seconds, or (delay 0) the next working morning in Vietnam."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.gateway.reminders import texts

VIETNAM = timezone(timedelta(hours=7))
MORNING = time(8, 0)
EVENING = time(20, 0)


def due_at(now: datetime, delay_s: float) -> datetime:
    if delay_s > 0:
        return now + timedelta(seconds=delay_s)
    day = now.astimezone(VIETNAM).date() + timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday (public holidays are not known here)
        day += timedelta(days=1)
    return datetime.combine(day, MORNING, tzinfo=VIETNAM).astimezone(timezone.utc)


def evening(now: datetime) -> datetime | None:
    """20:00 Vietnam time today, offered as the citizen's own choice while it is more than an hour away."""
    local = now.astimezone(VIETNAM)
    due = datetime.combine(local.date(), EVENING, tzinfo=VIETNAM)
    return due.astimezone(timezone.utc) if due - local > timedelta(hours=1) else None


def spoken(now: datetime, due: datetime) -> str:
    """ "sau khoảng 5 phút" / "vào sáng thứ Hai 08/12": when, as the citizen reads it."""
    local, today = due.astimezone(VIETNAM), now.astimezone(VIETNAM).date()
    minutes = max(1, round((due - now).total_seconds() / 60))
    if minutes < 90:
        return f"sau khoảng {minutes} phút"
    if local.date() == today:
        return f"lúc {local:%H:%M} hôm nay"
    part = "sáng" if local.hour < 12 else "chiều" if local.hour < 18 else "tối"
    day = "mai" if local.date() == today + timedelta(days=1) else f"{texts.WEEKDAYS[local.weekday()]} {local:%d/%m}"
    return f"vào {part} {day} ({local:%H:%M})"
