"""The funnel as the dashboard shows it and the CSV exports it: Vietnamese labels, what each step means,
counts, step-to-step rates and the weekly trend."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from bot.gateway.console.service import ConsoleError, ConsoleService
from bot.gateway.db import funnel_stats, reminder_stats
from bot.gateway.db.models import FUNNEL_STEPS
from bot.gateway.db.stats import local_today
from knowledge_base.store import disk

# (label, what it means), in FUNNEL_STEPS order.
STEPS = {
    "asked": (
        "Hỏi về thủ tục nộp trực tuyến được",
        "Người dân được trả lời về một thủ tục có hình thức nộp trực tuyến.",
    ),
    "offered": (
        "Được mời hướng dẫn nộp trực tuyến",
        'Trợ lý cho biết thủ tục nộp trực tuyến được và đưa nút "Hướng dẫn từng bước".',
    ),
    "started": ("Bắt đầu hướng dẫn", "Người dân mở phần hướng dẫn từng bước."),
    "step_login": ("Bước: đăng nhập VNeID", "Đã xem bước đăng nhập Cổng Dịch vụ công bằng VNeID."),
    "step_find": ("Bước: tìm thủ tục", "Đã xem bước tìm thủ tục và chọn cơ quan thực hiện."),
    "step_fill": ("Bước: điền tờ khai, đính kèm", "Đã xem bước điền tờ khai và đính kèm giấy tờ."),
    "payment": (
        "Bước: thanh toán phí, lệ phí",
        "Đã xem bước thanh toán qua PayGov. Chỉ có ở thủ tục có phí, lệ phí khi nộp trực tuyến; "
        "tỷ lệ tính trên bước điền tờ khai.",
    ),
    "step_submit": (
        "Bước: nộp hồ sơ, nhận mã",
        "Đã xem bước nộp hồ sơ và lưu mã hồ sơ; tỷ lệ tính trên bước "
        "điền tờ khai (bước thanh toán không phải thủ tục nào cũng có).",
    ),
    "step_track": ("Bước: theo dõi hồ sơ", "Đã xem bước cuối: tra cứu tình trạng hồ sơ."),
    "finished": ("Hoàn thành hướng dẫn", 'Đã đi hết các bước (bấm "Xong" giữa chừng không tính).'),
    "link_opened": (
        "Mở trang thủ tục / Cổng DVC",
        "Mở liên kết trang thủ tục hoặc Cổng Dịch vụ công quốc gia do trợ lý gửi (mọi câu trả lời, "
        "không chỉ trong hướng dẫn, nên có thể nhiều hơn bước trước).",
    ),
    "receipt": (
        "Báo mã hồ sơ",
        "Người dân gõ mã hồ sơ (dạng 000.00.04.H22-250801-0001) vào lúc nào đó sau này: dấu hiệu tốt nhất "
        "trợ lý có rằng hồ sơ đã được nộp trực tuyến. Mã do người dân tự báo, không được kiểm tra.",
    ),
}
COUNTING = (
    "Mỗi người dân được tính một lần cho mỗi bước, mỗi thủ tục, mỗi ngày; tài khoản cán bộ và thử "
    "nghiệm (FUNNEL_EXCLUDED_SENDERS) không được tính. Tỷ lệ của một bước: trong số người dân đã đến bước "
    "trước, bao nhiêu phần trăm đến bước này (không bao giờ quá 100 %). Mở liên kết và báo mã hồ sơ không "
    "nằm trong chuỗi các bước hướng dẫn nên chỉ ghi số lượng."
)
REMINDER_STEPS = {
    "reminder_offered": "Được mời nhắc lại",
    "reminder_accepted": "Đồng ý nhắc",
    "reminder_sent": "Đã gửi lời nhắc",
    "reminder_continued": "Bấm tiếp tục từ lời nhắc",
    "finished": "Hoàn thành hướng dẫn",
    "receipt": "Báo mã hồ sơ",
}
OUTCOMES = {
    "sent": "Đã gửi",
    "stopped": "Người dân dừng nhắc",
    "blocked": "Người dân đã chặn bot",
    "window_closed": "Ngoài khung 48 giờ của Zalo, không gửi",
    "moved": "Dời sớm hơn cho kịp khung Zalo",
    "interrupted": "Gián đoạn khi gửi, không gửi lại",
    "failed": "Kênh từ chối, không gửi",
}
TOO_SMALL = (
    "Chưa đủ số liệu để kết luận: cần ít nhất {arm} người dân mỗi nhóm và ít nhất {events} người có "
    "và không có kết quả trong mỗi nhóm."
)


def _rate(reached: int, citizens: int) -> float | None:
    return round(reached / citizens, 3) if citizens else None


def _comparison(c) -> dict:
    label = {"finished": "Hoàn thành hướng dẫn", "receipt": "Báo mã hồ sơ"}[c.outcome]
    rate = _rate
    return {
        "outcome": c.outcome,
        "label": label,
        "offered": {"citizens": c.offered[1], "reached": c.offered[0], "rate": rate(*c.offered)},
        "held_out": {"citizens": c.held_out[1], "reached": c.held_out[0], "rate": rate(*c.held_out)},
        "difference": c.difference,
        "low": c.low,
        "high": c.high,
        "enough": c.enough,
        "verdict": _verdict(c),
    }


def _verdict(c) -> str:
    if not c.enough or c.difference is None:
        return TOO_SMALL.format(arm=reminder_stats.MIN_ARM, events=reminder_stats.MIN_EVENTS)
    points = lambda x: f"{x * 100:+.1f}".replace(".", ",")  # noqa: E731
    span = f"{points(c.difference)} điểm % (khoảng tin cậy 95 %: {points(c.low)} đến {points(c.high)})"
    if c.low > 0:
        return f"Người được mời nhắc cao hơn nhóm đối chứng {span}."
    if c.high < 0:
        return f"Người được mời nhắc thấp hơn nhóm đối chứng {span}."
    return f"Chưa thấy khác biệt rõ: {span}."


DEFAULT_DAYS = 30


def period(start: str | None, end: str | None, days: int | None) -> tuple[date, date]:
    if days is not None and not 1 <= days <= funnel_stats.MAX_DAYS:
        raise ConsoleError(422, f"days must be between 1 and {funnel_stats.MAX_DAYS}", "days")
    try:
        last = date.fromisoformat(end) if end else local_today()
        first = date.fromisoformat(start) if start else last - timedelta(days=(days or DEFAULT_DAYS) - 1)
    except (ValueError, OverflowError):  # not a date, or a period before year 1 (found by the fuzzer)
        raise ConsoleError(422, "start and end must be dates like 2026-11-30", "start") from None
    if first > last or (last - first).days + 1 > funnel_stats.MAX_DAYS:
        raise ConsoleError(422, f"the period must be 1 to {funnel_stats.MAX_DAYS} days", "start")
    return first, last


def report(console: ConsoleService, *, start: date, end: date, procedure: str | None, channel: str | None) -> dict:
    with console.sessions() as db:
        found = funnel_stats.funnel(
            db,
            start=start,
            end=end,
            procedure=procedure or None,
            channel=channel or None,
            excluded=console.settings.funnel_excluded,
        )
        reminders = reminder_stats.reminder_figures(
            db,
            start=start,
            end=end,
            procedure=procedure or None,
            channel=channel or None,
            excluded=console.settings.funnel_excluded,
        )
    try:
        names = console.procedure_names()
    except disk.KnowledgeBaseError:
        names = {}
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "procedure": procedure or None,
        "channel": channel or None,
        "counting": COUNTING,
        "steps": [
            {
                "step": s,
                "label": STEPS[s][0],
                "meaning": STEPS[s][1],
                "count": found.counts[s],
                "base": found.base_of(s),
                "rate": found.rate(s),
                "apart": s in funnel_stats.APART,
            }
            for s in FUNNEL_STEPS
        ],
        "weeks": [{"week": w.isoformat(), **counts} for w, counts in found.weeks],
        "procedures": [{"code": c, "name": names.get(c, "")} for c in found.procedures],
        "channels": found.channels,
        "reminders": {
            "steps": [{"step": k, "label": v} for k, v in REMINDER_STEPS.items()],
            "rows": [{**r, "name": names.get(r["procedure"], "")} for r in reminders.rows],
            "totals": reminders.totals,
            "comparisons": [_comparison(c) for c in reminders.comparisons],
            "outcomes": [{**o, "label": OUTCOMES.get(o["outcome"], o["outcome"])} for o in reminders.outcomes],
        },
    }


def report_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "period",
            data["start"],
            data["end"],
            "procedure",
            data["procedure"] or "all",
            "channel",
            data["channel"] or "all",
        ]
    )
    writer.writerow(["step", "label", "count", "rate_vs", "rate"])
    for s in data["steps"]:
        writer.writerow([s["step"], s["label"], s["count"], s["base"] or "", "" if s["rate"] is None else s["rate"]])
    writer.writerow([])
    writer.writerow(["week_start", "finished", "receipt"])
    for w in data["weeks"]:
        writer.writerow([w["week"], w["finished"], w["receipt"]])
    reminders = data["reminders"]
    steps = [s["step"] for s in reminders["steps"]]
    writer.writerow([])
    writer.writerow(["reminders_procedure", "channel", *steps])
    for r in reminders["rows"]:
        writer.writerow([r["procedure"], r["channel"], *(r[s] for s in steps)])
    writer.writerow(["all", "all", *(reminders["totals"].get(s, 0) for s in steps)])
    writer.writerow([])
    writer.writerow(
        [
            "holdout_outcome",
            "offered_citizens",
            "offered_reached",
            "held_out_citizens",
            "held_out_reached",
            "difference",
            "ci95_low",
            "ci95_high",
            "enough_data",
        ]
    )
    for c in reminders["comparisons"]:
        writer.writerow(
            [
                c["outcome"],
                c["offered"]["citizens"],
                c["offered"]["reached"],
                c["held_out"]["citizens"],
                c["held_out"]["reached"],
                *("" if v is None else v for v in (c["difference"], c["low"], c["high"])),
                c["enough"],
            ]
        )
    writer.writerow([])
    writer.writerow(["reminder_outcome", "reason", "count"])
    for o in reminders["outcomes"]:
        writer.writerow([o["outcome"], o["reason"], o["count"]])
    return out.getvalue()
