"""The funnel as the dashboard shows it and the CSV exports it: Vietnamese labels, what each step means,
counts, step-to-step rates and the weekly trend."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from bot.console.service import ConsoleError, ConsoleService
from bot.db import funnel_stats
from bot.db.models import FUNNEL_STEPS
from bot.db.stats import local_today
from knowledge_base import store

# (label, what it means), in FUNNEL_STEPS order.
STEPS = {
    "asked": ("Hỏi về thủ tục nộp trực tuyến được",
              "Người dân được trả lời về một thủ tục có hình thức nộp trực tuyến."),
    "offered": ("Được mời hướng dẫn nộp trực tuyến",
                "Trợ lý cho biết thủ tục nộp trực tuyến được và đưa nút \"Hướng dẫn từng bước\"."),
    "started": ("Bắt đầu hướng dẫn", "Người dân mở phần hướng dẫn từng bước."),
    "step_login": ("Bước: đăng nhập VNeID", "Đã xem bước đăng nhập Cổng Dịch vụ công bằng VNeID."),
    "step_find": ("Bước: tìm thủ tục", "Đã xem bước tìm thủ tục và chọn cơ quan thực hiện."),
    "step_fill": ("Bước: điền tờ khai, đính kèm", "Đã xem bước điền tờ khai và đính kèm giấy tờ."),
    "payment": ("Bước: thanh toán phí, lệ phí",
                "Đã xem bước thanh toán qua PayGov. Chỉ có ở thủ tục có phí, lệ phí khi nộp trực tuyến; "
                "tỷ lệ tính trên bước điền tờ khai."),
    "step_submit": ("Bước: nộp hồ sơ, nhận mã", "Đã xem bước nộp hồ sơ và lưu mã hồ sơ; tỷ lệ tính trên bước "
                                                 "điền tờ khai (bước thanh toán không phải thủ tục nào cũng có)."),
    "step_track": ("Bước: theo dõi hồ sơ", "Đã xem bước cuối: tra cứu tình trạng hồ sơ."),
    "finished": ("Hoàn thành hướng dẫn", "Đã đi hết các bước (bấm \"Xong\" giữa chừng không tính)."),
    "link_opened": ("Mở trang thủ tục / Cổng DVC",
                    "Mở liên kết trang thủ tục hoặc Cổng Dịch vụ công quốc gia do trợ lý gửi (mọi câu trả lời, "
                    "không chỉ trong hướng dẫn, nên có thể nhiều hơn bước trước)."),
    "receipt": ("Báo mã hồ sơ",
                "Người dân gõ mã hồ sơ (dạng 000.00.04.H22-250801-0001) vào lúc nào đó sau này: dấu hiệu tốt nhất "
                "trợ lý có rằng hồ sơ đã được nộp trực tuyến. Mã do người dân tự báo, không được kiểm tra."),
}
COUNTING = ("Mỗi người dân được tính một lần cho mỗi bước, mỗi thủ tục, mỗi ngày; tài khoản cán bộ và thử "
            "nghiệm (FUNNEL_EXCLUDED_SENDERS) không được tính.")
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
        found = funnel_stats.funnel(db, start=start, end=end, procedure=procedure or None,
                                    channel=channel or None, excluded=console.settings.funnel_excluded)
    try:
        names = console.procedure_names()
    except store.KnowledgeBaseError:
        names = {}
    return {
        "start": start.isoformat(), "end": end.isoformat(), "procedure": procedure or None,
        "channel": channel or None, "counting": COUNTING,
        "steps": [{"step": s, "label": STEPS[s][0], "meaning": STEPS[s][1], "count": found.counts[s],
                   "base": found.base_of(s), "rate": found.rate(s)} for s in FUNNEL_STEPS],
        "weeks": [{"week": w.isoformat(), **counts} for w, counts in found.weeks],
        "procedures": [{"code": c, "name": names.get(c, "")} for c in found.procedures],
        "channels": found.channels,
    }


def report_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", data["start"], data["end"], "procedure", data["procedure"] or "all",
                     "channel", data["channel"] or "all"])
    writer.writerow(["step", "label", "count", "rate_vs", "rate"])
    for s in data["steps"]:
        writer.writerow([s["step"], s["label"], s["count"], s["base"] or "", "" if s["rate"] is None else s["rate"]])
    writer.writerow([])
    writer.writerow(["week_start", "finished", "receipt"])
    for w in data["weeks"]:
        writer.writerow([w["week"], w["finished"], w["receipt"]])
    return out.getvalue()
