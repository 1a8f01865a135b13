"""Turn knowledge-base facts into short Vietnamese lines; pure functions, no I/O.

Every figure shown comes from the procedure record as published; nothing is rounded or guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.store.models import Channel, DocumentGroup, Procedure

CHANNEL_LABEL = {"in_person": "Nộp trực tiếp", "online": "Nộp trực tuyến", "post": "Qua bưu chính"}
SHORT_CHANNEL_LABEL = {"in_person": "Trực tiếp", "online": "Trực tuyến", "post": "Bưu chính"}
UNIT_LABEL = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}
TITLE_MAX = 60
ITEM_MAX = 130
_SENTENCE = re.compile(r"(?<=[^\s\d]\.)\s+(?=[A-ZĐÀ-Ỹ])")
PAGE_SIZE = 5
FORMS_MAX = 60
# The portal glues a fee to its note ("300,000 VNĐ(Theo quy định…)"); a space makes it readable, words unchanged.
_GLUED_NOTE = re.compile(r"(?<=\S)\(")
NOTE_MAX = 70  # a fee note up to this length is the answer itself ("950.000 đồng – Phí sát hạch lái tàu")
_LEGAL_DOCUMENT = re.compile(
    r"(Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định)\s+(?:số\s+)?"
    r"(\d{1,4}/\d{4}/[A-ZĐ]+(?:-[A-ZĐa-z]+)+)"
)
_AMOUNT_IN_NOTE = re.compile(r"\d[\d.]*\s*đồng")
_PROVINCE = re.compile(r"hội đồng nhân dân|hđnd", re.IGNORECASE)
_SAYS_NOTHING = re.compile(r"^(?:|không\b.{0,20})$", re.IGNORECASE)  # "", "Không", "Không quy định."
_EMPTY_FEE_LABEL = re.compile(r"^Phí\s*:\s*(?:Đồng\b)?\s*\(?", re.IGNORECASE)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def channel_time(channel: Channel) -> str:
    if channel.time is not None:
        return f"{_number(channel.time.value)} {UNIT_LABEL[channel.time.unit]}"
    return channel.time_text or "chưa có thông tin thời hạn"


def channel_fee(channel: Channel) -> str:
    """The fee as a citizen should read it (see :func:`fee_view`)."""
    return fee_view(channel).short


@dataclass(frozen=True)
class FeeView:
    """One channel's fee: ``short`` for the answer, ``detail`` (the published note) behind "Xem thêm".

    status: "amount" (a fee is due), "free", "doubtful" (the importer flagged the figure), "province" (set by
    the provincial council, amount unknown here), "elsewhere" (another text sets it; no amount published),
    "unknown" (not published), "other" (published text we cannot read as any of these).
    """

    status: str
    short: str
    detail: str = ""


def legal_document(text: str) -> str | None:
    """The first legal document a note cites, e.g. "Thông tư 156/2025/TT-BTC"."""
    found = _LEGAL_DOCUMENT.search(text)
    return f"{found.group(1)} {found.group(2)}" if found else None


def vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _fee_note(channel: Channel) -> str:
    """The portal's note in brackets after the fee cell, without the brackets and its empty "Phí : Đồng"."""
    text = channel.fee.text
    start = text.find("(")
    if start < 0:
        return ""
    note = text[start:].strip()
    while note.startswith("(") and note.endswith(")"):
        note = note[1:-1].strip()
    note = _EMPTY_FEE_LABEL.sub("", note).strip(" -")
    return note.strip("()") if note.count("(") != note.count(")") else note


def fee_view(channel: Channel) -> FeeView:
    fee, note = channel.fee, _fee_note(channel)
    document = legal_document(note)
    if "suspicious_fee" in channel.flags:
        # Never repeat the figure: "90 VNĐ" read as fact is exactly the harm.
        basis = f" (căn cứ {document})" if document else ""
        return FeeView("doubtful", f"chưa nêu{basis}, xem lưu ý ⚠️", note)
    if _PROVINCE.search(fee.text):
        return FeeView("province", "do HĐND tỉnh quy định")
    if fee.kind == "free":
        return FeeView("free", "Miễn phí", "" if _SAYS_NOTHING.match(note) else note)
    if fee.kind == "amount" and fee.amount_vnd is not None:
        if document:
            return FeeView("amount", f"{vnd(fee.amount_vnd)} (theo {document})", note)
        if note and len(note) <= NOTE_MAX:
            # "70.000 đồng/Giấy chứng nhận" says the amount already; else the note qualifies it.
            said = vnd(fee.amount_vnd).removesuffix(" đồng") in note
            return FeeView("amount", note if said else f"{vnd(fee.amount_vnd)} – {note}")
        return FeeView("amount", vnd(fee.amount_vnd), note)
    if fee.kind == "unknown" or not fee.text:
        return FeeView("unknown", "chưa có thông tin")
    if "free_label_with_fee_note" in channel.flags:
        # Labelled "Miễn phí" with a note that sets a fee elsewhere: neither "free" nor an amount is safe.
        if len(note) <= NOTE_MAX:
            return FeeView("elsewhere", note)
        basis = f"theo {document}" if document else "theo quy định về phí, lệ phí"
        amount = "mức thu ghi ở phần Xem thêm" if _AMOUNT_IN_NOTE.search(note) else "dữ liệu công bố không nêu số tiền"
        return FeeView("elsewhere", f"{basis} ({amount})", note)
    text = _GLUED_NOTE.sub(" (", fee.text)
    return FeeView("other", _clip(text, NOTE_MAX + 20), text if len(text) > NOTE_MAX + 20 else "")


def fee_due(channel: Channel) -> bool:
    """A fee is really due: a published amount (doubtful or not). Free, unknown or set elsewhere is not."""
    return fee_view(channel).status in ("amount", "doubtful")


def _label(kinds: list[str]) -> str:
    return ", ".join(SHORT_CHANNEL_LABEL.get(k, k) for k in kinds)


def _joined(rows: list[Channel], key, stages: bool = False) -> str:
    """A channel kind's rows as one value. With ``stages``, several described rows are the time of each
    step or case ("2 ngày làm việc, 1 ngày làm việc (tùy bước, trường hợp)"); the descriptions are detail."""
    values = ", " if stages else "; "
    joined = values.join(dict.fromkeys(key(c) for c in rows))
    if stages and len(rows) > 1 and any(c.note for c in rows):
        return f"{joined} (tùy bước, trường hợp)"
    return joined


def _grouped(procedure: Procedure, value_of) -> list[tuple[str, list[str]]]:
    """One value per channel kind, then kinds with the same value under one label ("Trực tuyến, Bưu chính:
    …"), in published order."""
    by_kind: dict[str, list[Channel]] = {}
    for channel in procedure.channels:
        by_kind.setdefault(channel.kind, []).append(channel)
    groups: dict[str, list[str]] = {}
    for kind, rows in by_kind.items():
        groups.setdefault(value_of(rows), []).append(kind)
    return list(groups.items())


def _time_and_fee(rows: list[Channel]) -> str:
    return f"{_joined(rows, channel_time, stages=True)}; phí, lệ phí: {_joined(rows, channel_fee)}"


def channels_block(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Cách thức nộp: chưa có thông tin trong dữ liệu công bố."
    return "\n".join(f"• {_label(kinds)}: {value}" for value, kinds in _grouped(procedure, _time_and_fee))


def times_block(procedure: Procedure) -> str:
    if not procedure.channels:
        return "Chưa có thông tin thời hạn trong dữ liệu công bố."
    return "\n".join(
        f"• {_label(kinds)}: {value}"
        for value, kinds in _grouped(procedure, lambda rows: _joined(rows, channel_time, stages=True))
    )


def times_detail(procedure: Procedure) -> str:
    """Each published row with its description (stages, "kể từ ngày nhận đủ hồ sơ"), for "Xem thêm"."""
    rows = [f"• {_label([c.kind])}: {channel_time(c)} – {c.note}" for c in procedure.channels if c.note]
    return ("Chi tiết thời hạn như công bố:\n" + "\n".join(rows)) if rows else ""


def fees_block(procedure: Procedure) -> str:
    lines = [
        f"• {_label(kinds)}: {value}" for value, kinds in _grouped(procedure, lambda rows: _joined(rows, channel_fee))
    ]
    lines += [
        f"• {fee.name}: {fee.text or vnd(fee.amount_vnd or 0)}" + (f" ({fee.basis})" if fee.basis else "")
        for fee in procedure.local_fees
    ]
    return "\n".join(lines) or "Chưa có thông tin phí, lệ phí trong dữ liệu công bố."


def fees_detail(procedure: Procedure) -> str:
    """The published notes the short fee lines left out, once each, for "Xem thêm"."""
    notes = list(dict.fromkeys(fee_view(c).detail for c in procedure.channels if fee_view(c).detail))
    return ("Ghi chú phí, lệ phí như công bố:\n" + "\n".join(f"• {n}" for n in notes)) if notes else ""


def fee_statuses(procedure: Procedure) -> set[str]:
    return {fee_view(c).status for c in procedure.channels}


def fee_set_by_province(procedure: Procedure) -> bool:
    """The published fee defers to the provincial council's resolution, whose amount we may not know."""
    return "province" in fee_statuses(procedure)


def online_fee_applies(procedure: Procedure) -> FeeView | None:
    """The online channel's fee when one is really due (amount or doubtful); None when free, unknown or
    set by the province/another text without an amount: the walkthrough then has no payment step."""
    online = next((c for c in procedure.channels if c.kind == "online"), None)
    if online is None or not fee_due(online):
        return None
    return fee_view(online)


def authority_line(procedure: Procedure, department_name: str) -> str:
    where = procedure.where_to_file or procedure.agency
    if procedure.handled_at == "commune":
        return (
            f"⚠️ Thủ tục này do cấp xã giải quyết, không nộp tại {department_name}. "
            f"Nơi nộp: {where or 'Trung tâm phục vụ hành chính công cấp xã'}."
        )
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


def document_name(name: str) -> str:
    """A document as a phone list shows it: its first sentence (what to bring; the notes after it are on the
    procedure's page), cut to ITEM_MAX."""
    first = _SENTENCE.split(name, maxsplit=1)[0]
    return _clip(first if len(first) >= 20 else name)


def document_lines(
    group: DocumentGroup, start: int, size: int = PAGE_SIZE, budget: int = 10_000
) -> tuple[str, int | None]:
    """One page of a document list (at most ``size`` items and ``budget`` characters, at least one item)
    and the offset of the next page (None when this is the last)."""
    lines: list[str] = []
    used = 0
    for number, item in enumerate(group.items[start : start + size], start=start + 1):
        copies = f" – {item.copies}" if item.copies else ""
        forms = f" (mẫu: {_clip(', '.join(item.forms), FORMS_MAX)})" if item.forms else ""
        line = f"{number}. {document_name(item.name)}{copies}{forms}"
        if lines and used + 1 + len(line) > budget:
            break
        lines.append(_clip(line, budget - 1))
        used += len(line) + 1
    following = start + len(lines)
    return "\n".join(lines), following if following < len(group.items) else None


def case_title(group: DocumentGroup, index: int) -> str:
    return short_title(group.case or f"Trường hợp {index + 1}", 55)
