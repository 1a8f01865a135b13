"""Turn knowledge-base facts into short Vietnamese lines; pure functions, no I/O.

Every figure shown comes from the procedure record as published; nothing is rounded or guessed.
"""

from __future__ import annotations

import re

from knowledge_base.models import Channel, DocumentGroup, Procedure

CHANNEL_LABEL = {"in_person": "Nộp trực tiếp", "online": "Nộp trực tuyến", "post": "Qua bưu chính"}
UNIT_LABEL = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
TITLE_MAX = 60
ITEM_MAX = 220
PAGE_SIZE = 5
# The portal glues a fee to its note ("300,000 VNĐ(Theo quy định…)"); a space makes it readable, words unchanged.
_GLUED_NOTE = re.compile(r"(?<=\S)\(")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def channel_time(channel: Channel) -> str:
    if channel.time is not None:
        return f"{_number(channel.time.value)} {UNIT_LABEL[channel.time.unit]}"
    return channel.time_text or "chưa có thông tin thời hạn"


def channel_fee(channel: Channel) -> str:
    if channel.fee.text:
        return _GLUED_NOTE.sub(" (", channel.fee.text)
    return "Miễn phí" if channel.fee.kind == "free" else "chưa có thông tin phí"


def channel_line(channel: Channel) -> str:
    label = CHANNEL_LABEL.get(channel.kind, channel.kind)
    return f"• {label}: {channel_time(channel)}; phí, lệ phí: {channel_fee(channel)}"


def channels_block(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Cách thức nộp: chưa có thông tin trong dữ liệu công bố."
    return "\n".join(channel_line(c) for c in procedure.channels)


def times_block(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Chưa có thông tin thời hạn trong dữ liệu công bố."
    return "\n".join(f"• {CHANNEL_LABEL.get(c.kind, c.kind)}: {channel_time(c)}" for c in procedure.channels)


def fees_block(procedure: Procedure) -> str:
    lines = [f"• {CHANNEL_LABEL.get(c.kind, c.kind)}: {channel_fee(c)}" for c in procedure.channels]
    lines += [f"• {fee.name}: {fee.text or fee.amount_vnd} ({fee.basis})" if fee.basis else
              f"• {fee.name}: {fee.text or fee.amount_vnd}" for fee in procedure.local_fees]
    return "\n".join(lines) or "Chưa có thông tin phí, lệ phí trong dữ liệu công bố."


def fee_set_by_province(procedure: Procedure) -> bool:
    """The published fee defers to the provincial council's resolution, whose amount we may not know."""
    text = " ".join(c.fee.text for c in procedure.channels).lower()
    return "hội đồng nhân dân" in text or "hđnd" in text


def online_fee_applies(procedure: Procedure) -> str | None:
    """The published online fee text when one applies; None when the online channel is free."""
    online = next((c for c in procedure.channels if c.kind == "online"), None)
    if online is None or online.fee.kind == "free":
        return None
    return channel_fee(online)


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


def _clip(text: str, limit: int = ITEM_MAX) -> str:
    return text if len(text) <= limit else short_title(text, limit)


def document_lines(group: DocumentGroup, start: int, size: int = PAGE_SIZE) -> tuple[str, int | None]:
    """One page of a document list and the offset of the next page (None when this is the last)."""
    items = group.items[start:start + size]
    lines = []
    for number, item in enumerate(items, start=start + 1):
        copies = f" – {item.copies}" if item.copies else ""
        forms = f" (mẫu: {', '.join(item.forms)})" if item.forms else ""
        lines.append(f"{number}. {_clip(item.name)}{copies}{forms}")
    following = start + size
    return "\n".join(lines), following if following < len(group.items) else None


def case_title(group: DocumentGroup, index: int) -> str:
    return short_title(group.case or f"Trường hợp {index + 1}", 55)
