"""Parse one record of the national procedures database into a :class:`Procedure`.

The portal flattens its tables into running text (headers and cells glued together). Each parser below
returns what it could read plus, when something did not fit, the published text, which lands in
``Procedure.unparsed`` so nothing is ever dropped.
"""

from __future__ import annotations

import re
from datetime import date

from knowledge_base.store.models import (
    CatalogueEntry,
    Channel,
    DocumentGroup,
    DocumentItem,
    Fee,
    LegalBasis,
    Procedure,
    TimeLimit,
)
from knowledge_base.store.national_text import (
    NO_INFO,
    clean,
    split_outside_parens,
    take_parenthesised,
)

# The crawl date of ../shared/data/national-tthc (see shared/README.md); records carry no date of their own.
DATA_DATE = date(2026, 6, 10)

_CHANNEL_KINDS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "post"}
_UNITS = {"Ngày làm việc": "working_days", "Ngày": "days", "Giờ": "hours"}
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_TIME = r"(?:\d+(?:[.,]\d+)?(?: ?(?:Ngày làm việc|Ngày|Giờ))?|Không có thông tin)"
_FEE = r"(?:Miễn phí|Không có thông tin|\d[\d.,]* ?(?:VNĐ|Việt Nam Đồng|USD))"
# A row starts where a channel name is followed by a time cell and a fee cell; the same words inside a
# free-text description are not followed by that shape.
_ROW = re.compile(rf"(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?={_TIME}{_FEE})")
_TIME_CELL = re.compile(r"(\d+(?:[.,]\d+)?)(?: ?(Ngày làm việc|Ngày|Giờ))?|Không có thông tin")
_AMOUNT = re.compile(r"(\d[\d.,]*) ?(VNĐ|Việt Nam Đồng|USD)")
_FEE_NOTE_SAYS_FEE = re.compile(r"\d|quy định|theo|thông tư|nghị quyết|hđnd|hội đồng|lệ phí|mức", re.IGNORECASE)
_FEE_NOTE_SAYS_FREE = re.compile(r"^\(*\s*(không|miễn)", re.IGNORECASE)
_SUSPICIOUS_VND = 1000  # the portal shows e.g. "90 VNĐ" where 90.000 đồng is meant

_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COPIES = re.compile(r"(?<!\d)(\d+ bản chính(?:, ?\d+ bản sao)?|\d+ bản sao)")
_GLUED_BEFORE_FORM = re.compile(
    r"(?:theo mẫu|\d{1,4}/\d{4}/[A-ZĐ]+-[A-ZĐa-z]+?(?=Mẫu|Mau|Phụ lục|TK|Đơn|Giấy))(?=[^\s.,;:)])"
)
# Case-insensitive extension, but a glued next file name starts with a capital ("a.docxMauB.docx").
_FORM_EXT = re.compile(r"\.(?i:docx?|pdf|xlsx?|rar|zip)(?![a-z])")

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_ISSUERS = (
    "BLĐTBXH|BNNPTNT|BVHTTDL|VKSNDTC|BKHCN|BKHĐT|BGDĐT|BGTVT|BNNMT|BTNMT|BTTTT|TANDTC|CTUBND|UBND|HĐND|"
    "NHNN|VPCP|BXD|BTC|BTP|BCA|BCT|BQP|BYT|BNG|BNV|TTg|CP|QH"
)
_LEGAL_NUMBER = re.compile(
    rf"\d{{1,4}}/\d{{4}}/(?:(?:UBTV)?QH\d{{2}}|(?:NĐ|ND|TTLT|TT|NQ|QĐ|PL|CT)-(?:{_ISSUERS})(?:-(?:{_ISSUERS}))*)"
)
_RESULT_CODE = re.compile(r"Mã: ?(KQ\.[A-Z0-9]+\.\d+)")
_PAGE_CHROME = ("Từ khóa", "Chọn cơ quan thực hiện")
_PLACES = re.compile(
    r"Trung tâm [Pp]hục vụ [Hh]ành chính công(?: cấp (?:tỉnh|xã))?"
    r"|Bộ phận [Mm]ột cửa[^.;,\n]*"
    r"|Bộ phận [Tt]iếp nhận và trả kết quả[^.;,\n]*"
)
# "Tổ chức, cá nhân nộp hồ sơ đề nghị đến Sở Xây dựng ..." -> "Sở Xây dựng ..."
_DESTINATION = re.compile(
    r"(?:nộp|gửi)\b[^.;:\n]{0,60}?hồ sơ[^.;:\n]{0,80}?\s(?:đến|tới|cho|về|tại)\s+([^.;:\n]{3,200})", re.IGNORECASE
)
_DESTINATION_END = re.compile(
    r"\s(?:theo (?:một trong|quy định|hình thức)|trong (?:các trường hợp|thời hạn)|kèm theo|để |bằng |qua |"
    r"trực tiếp|hoặc qua|hoặc gửi|hoặc trực tuyến)",
)


def parse_record(record: dict, ministry: str, data_date: date = DATA_DATE) -> Procedure:
    unparsed: dict[str, str] = {}
    channels, leftover = parse_channels(record.get("cach_thuc_thuc_hien", ""))
    if leftover:
        unparsed["channels"] = leftover
    documents, leftover = parse_documents(record.get("thanh_phan_ho_so", ""))
    if leftover:
        unparsed["documents"] = leftover
    legal, leftover = parse_legal_basis(record.get("can_cu_phap_ly", ""))
    if leftover:
        unparsed["legal_basis"] = leftover
    result, result_codes = parse_result(record.get("ket_qua_xu_ly", ""))
    steps = clean(record.get("trinh_tu_thuc_hien", ""), keep_lines=True)
    return Procedure(
        code=record["ma_thu_tuc"].strip(),
        name=clean(record.get("ten_thu_tuc", "")),
        levels=split_list(record.get("cap_thuc_hien", "")),
        field=clean(record.get("linh_vuc", "")),
        applicants=split_list(record.get("doi_tuong_thuc_hien", "")),
        agency=clean(record.get("co_quan_thuc_hien", "")),
        where_to_file=where_to_file(steps),
        channels=channels,
        documents=documents,
        steps=steps,
        conditions=optional(record.get("yeu_cau_dieu_kien", ""), keep_lines=True),
        result=result,
        result_code=result_codes[0] if result_codes else None,
        result_codes=result_codes,
        legal_basis=legal,
        detail_url=record.get("detail_url") or None,
        decision_number=clean(record.get("so_quyet_dinh", "")),
        procedure_type=clean(record.get("loai_thu_tuc", "")),
        competent_authority=clean(record.get("co_quan_co_tham_quyen", "")),
        receiving_address=clean(record.get("dia_chi_tiep_nhan", "")),
        authorised_agency=clean(record.get("co_quan_duoc_uy_quyen", "")),
        coordinating_agency=clean(record.get("co_quan_phoi_hop", "")),
        related_procedures=optional(record.get("thu_tuc_lien_quan", "")),
        ministry=ministry,
        data_date=data_date,
        unparsed=unparsed,
        raw={"cach_thuc_thuc_hien": record.get("cach_thuc_thuc_hien", "")},
    )


def catalogue_entry(record: dict, ministry: str) -> CatalogueEntry:
    return CatalogueEntry(
        code=record["ma_thu_tuc"].strip(),
        name=clean(record.get("ten_thu_tuc", "")),
        agency=clean(record.get("co_quan_thuc_hien", "")),
        ministry=ministry,
        levels=split_list(record.get("cap_thuc_hien", "")),
        field=clean(record.get("linh_vuc", "")),
        url=record.get("detail_url") or None,
    )


def split_list(text: str) -> list[str]:
    return [clean(part) for part in split_outside_parens(text, ",") if clean(part)]


def optional(text: str, keep_lines: bool = False) -> str | None:
    value = clean(text, keep_lines=keep_lines)
    return None if not value or value == NO_INFO else value


# --- channels -------------------------------------------------------------------------------------


def parse_channels(text: str) -> tuple[list[Channel], str]:
    body = text[len(_CHANNEL_HEADER) :] if text.startswith(_CHANNEL_HEADER) else text
    rows = list(_ROW.finditer(body))
    if not rows or body[: rows[0].start()].strip():
        return [], clean(text) if clean(body) else ""
    channels = []
    for row, nxt in zip(rows, rows[1:] + [None]):
        end = nxt.start() if nxt else len(body)
        channels.append(_parse_row(row.group(1), body[row.end() : end]))
    return channels, ""


def _parse_row(kind_label: str, cells: str) -> Channel:
    flags: list[str] = []
    time_match = _TIME_CELL.match(cells)
    time_text, rest = time_match.group(0), cells[time_match.end() :]
    number, unit = time_match.group(1), time_match.group(2)
    if number and not unit:
        # Without a unit the time number runs into a glued amount ("140 VNĐ" = "1" + "40 VNĐ").
        number, rest = _split_unitless_time(number, rest)
        time_text = number
        flags.append("time_without_unit")
    time = TimeLimit(value=float(number.replace(",", ".")), unit=_UNITS[unit]) if number and unit else None
    fee, rest = _parse_fee(rest, flags)
    return Channel(
        kind=_CHANNEL_KINDS[kind_label], time=time, time_text=time_text, fee=fee, note=clean(rest, True), flags=flags
    )


def _split_unitless_time(number: str, rest: str) -> tuple[str, str]:
    if _AMOUNT.match(rest) or rest.startswith(("Miễn phí", "Không có thông tin")):
        return number, rest
    digits = number + rest
    for cut in range(1, len(number)):
        tail = digits[cut:]
        if not tail.startswith("0") and _AMOUNT.match(tail):
            return number[:cut], tail
    return number, rest


def _parse_fee(rest: str, flags: list[str]) -> tuple[Fee, str]:
    amount = _AMOUNT.match(rest)
    if rest.startswith("Miễn phí"):
        cell, kind, value = "Miễn phí", "free", None
    elif rest.startswith(NO_INFO):
        cell, kind, value = NO_INFO, "unknown", None
    elif amount:
        cell, kind = amount.group(0), "amount"
        value = int(re.sub(r"[.,]", "", amount.group(1)))
        if amount.group(2) == "USD":
            kind, value = "text", None
            flags.append("foreign_currency")
        elif value < _SUSPICIOUS_VND:
            flags.append("suspicious_fee")
    else:
        return Fee(kind="text", text=clean(rest)), ""
    rest = rest[len(cell) :]
    note, rest = take_parenthesised(rest)
    if kind == "free" and note and _FEE_NOTE_SAYS_FEE.search(note) and not _FEE_NOTE_SAYS_FREE.match(note):
        # "Miễn phí(Theo quy định của Hội đồng nhân dân cấp tỉnh)": the label says free, the note says a fee
        # is set elsewhere; reporting "free" would mislead citizens.
        kind = "text"
        flags.append("free_label_with_fee_note")
    return Fee(kind=kind, amount_vnd=value, text=clean(cell + note)), rest


# --- documents ------------------------------------------------------------------------------------


def parse_documents(text: str) -> tuple[list[DocumentGroup], str]:
    if not clean(text).strip("-") or clean(text) == NO_INFO:
        return [], ""
    parts = text.split(_DOC_HEADER)
    if len(parts) == 1:
        return [], clean(text, True)
    groups: list[DocumentGroup] = []
    case = parts[0]
    for part in parts[1:]:
        items, tail = _parse_items(part)
        groups.append(DocumentGroup(case=_case_title(case), items=items))
        case = tail
    if clean(case).strip("-"):
        # Text after the last copies cell with no header after it: an item without a copies cell.
        groups[-1].items.append(DocumentItem(**_name_and_forms(case)))
    return groups, ""


def _case_title(text: str) -> str | None:
    title = clean(text).strip("-").strip()
    return title.rstrip(":").strip() or None


def _parse_items(part: str) -> tuple[list[DocumentItem], str]:
    items: list[DocumentItem] = []
    start = 0
    for match in _COPIES.finditer(part):
        segment = part[start : match.start()]
        if clean(segment):
            items.append(
                DocumentItem(
                    copies=clean(match.group(0)).replace(",", ", ").replace(",  ", ", "), **_name_and_forms(segment)
                )
            )
        elif items and not items[-1].copies:
            items[-1].copies = clean(match.group(0))
        start = match.end()
    return items, part[start:]


def _name_and_forms(segment: str) -> dict:
    ext = _FORM_EXT.search(segment)
    if not ext:
        return {"name": _bullet(segment), "forms": []}
    begin = _form_start(segment, ext.start())
    forms_text = segment[begin:]
    forms, position = [], 0
    for match in _FORM_EXT.finditer(forms_text):
        forms.append(clean(forms_text[position : match.end()]))
        position = match.end()
    name = _bullet(segment[:begin] + forms_text[position:])
    return {"name": name or forms[0], "forms": [f for f in forms if f]}


def _form_start(segment: str, ext_start: int) -> int:
    """Where the first attached file name begins: file names are glued to the document name."""
    begin = 0
    for i in range(ext_start - 2, -1, -1):
        ch = segment[i]
        in_number = ch == "." and segment[i - 1 : i].isdigit() and segment[i + 1 : i + 2].isdigit()
        if ch in ";:\n" or (ch == "." and not in_number):
            begin = i + 1
            break
    head = segment[begin:ext_start]
    # Glued boundaries mark the file name: "quy địnhTK 2.002287.docx" (lower-case then capital),
    # "theo mẫuvăn bản.docx", "08/2021/NĐ-CPMẫu 24.docx"; only after prose (with spaces), since
    # "MauBankhai.docx" is a single CamelCase name.
    cuts = [i for i in range(1, len(head)) if head[i - 1].islower() and head[i].isupper()]
    cuts += [m.end() for m in _GLUED_BEFORE_FORM.finditer(head)]
    for cut in sorted(cuts):
        if " " in head[:cut].strip() and cut < len(head):
            return begin + cut
        if " " not in head[:cut].strip():
            break
    return begin


def _bullet(text: str) -> str:
    return clean(text).lstrip("-+*•\t ").strip()


# --- legal basis, result, where to file -----------------------------------------------------------


def parse_legal_basis(text: str) -> tuple[list[LegalBasis], str]:
    body = text[len(_LEGAL_HEADER) :] if text.startswith(_LEGAL_HEADER) else text
    if not clean(body) or clean(body) == NO_INFO:
        return [], ""
    entries: list[LegalBasis] = []
    start = 0
    for match in _LEGAL_NUMBER.finditer(body):
        before = body[match.start() - 1 : match.start()]
        after = body[match.end() : match.end() + 1]
        # The number cell is glued to its title and/or to the next title; a number with spaces on both sides
        # is a citation inside a title ("Luật Nhà ở số 27/2023/QH15" + "27/2023/QH15").
        glued_before = bool(before) and not before.isspace() and before not in "(/"
        if not (glued_before or not after or after.isalpha()):
            continue
        title = clean(body[start : match.start()])
        start = match.end()
        if not title and entries and entries[-1].title == entries[-1].number == match.group(0):
            continue  # a row published as number + number ("10/2024/TT-BXD10/2024/TT-BXD")
        entries.append(LegalBasis(title=title or match.group(0), number=match.group(0)))
    tail = clean(body[start:])
    if tail:
        entries.append(LegalBasis(title=tail, number=""))
        return entries, clean(body)
    return entries, ""


def parse_result(text: str) -> tuple[str, list[str]]:
    cut = len(text)
    for marker in _PAGE_CHROME:
        index = text.find(marker)
        if index >= 0:
            cut = min(cut, index)
    result = clean(text[:cut], keep_lines=True)
    return ("" if result == NO_INFO else result), _RESULT_CODE.findall(result)


def where_to_file(steps: str) -> str | None:
    """Where the citizen hands in the file, as the steps text words it; None when it does not say."""
    sentences = re.split(r"(?<=[.;\n])", steps)
    for sentence in sentences:
        if "nộp" in sentence.lower():
            place = _PLACES.search(sentence)
            if place:
                return clean(place.group(0))
    place = _PLACES.search(steps)
    if place:
        return clean(place.group(0))
    destination = _DESTINATION.search(steps)
    if destination:
        text = _DESTINATION_END.split(destination.group(1), maxsplit=1)[0]
        text = re.sub(r"(?:,? cụ thể|,? như sau| sau)$", "", clean(text).rstrip(",")).strip()
        if text.count("(") > text.count(")"):
            text = text[: text.rfind("(")].strip()
        if len(text) > 120:
            text = text[:120].rsplit(" ", 1)[0] + " …"
        # A citation ("Điều 22 của Quy chế", "Nghị định này") is not a place.
        if text and not re.match(r"(?:Điều|khoản|Nghị định|Thông tư|quy định)\b", text, re.IGNORECASE):
            return text
    return None
