"""Turn knowledge-base facts into short Vietnamese lines; pure functions, no I/O.

Every figure shown comes from the procedure record as published; nothing is rounded or guessed.
"""

from __future__ import annotations

from knowledge_base.models import Channel, Procedure

CHANNEL_LABEL = {"in_person": "Nộp trực tiếp", "online": "Nộp trực tuyến", "post": "Qua bưu chính"}
UNIT_LABEL = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
TITLE_MAX = 60


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def channel_line(channel: Channel) -> str:
    label = CHANNEL_LABEL.get(channel.kind, channel.kind)
    if channel.time is not None:
        time = f"{_number(channel.time.value)} {UNIT_LABEL[channel.time.unit]}"
    else:
        time = channel.time_text or "chưa có thông tin thời hạn"
    fee = channel.fee.text or ("Miễn phí" if channel.fee.kind == "free" else "chưa có thông tin phí")
    return f"• {label}: {time}; phí, lệ phí: {fee}"


def channels_block(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Cách thức nộp: chưa có thông tin trong dữ liệu công bố."
    return "\n".join(channel_line(c) for c in procedure.channels)


def authority_line(procedure: Procedure, department_name: str) -> str:
    where = procedure.where_to_file or procedure.agency
    if procedure.handled_at == "commune":
        return (f"⚠️ Thủ tục này do cấp xã giải quyết, không nộp tại {department_name}. "
                f"Nơi nộp: {where or 'Trung tâm phục vụ hành chính công cấp xã'}.")
    if procedure.handled_at == "province_and_commune":
        return f"Cơ quan thực hiện: {procedure.agency or 'cấp tỉnh hoặc cấp xã tùy trường hợp'}."
    return f"Nơi nộp: {where}." if where else f"Cơ quan thực hiện: {department_name}."


def short_title(name: str, limit: int = TITLE_MAX) -> str:
    """Button titles must fit a phone screen (and Telegram's limits): cut at a word boundary."""
    if len(name) <= limit:
        return name
    cut = name[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:(") + "…"
