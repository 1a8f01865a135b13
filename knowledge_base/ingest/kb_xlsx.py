"""Staff spreadsheet: what the department adds to the national facts, editable in Excel/LibreOffice.

One row per item (alias, FAQ, note, local fee) so that no cell needs a separator that staff could type by
accident; the round trip export -> import leaves every file byte-identical. The national facts themselves
are not in the spreadsheet: they come from the national import only.
Errors name the cell: ``FILE:SHEET!C5: field: what is wrong``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from knowledge_base.store.models import FAQ, SHORT_TITLE_MAX, DepartmentProfile, LocalFee
from knowledge_base.store.short_titles import derive as derive_short_title
from knowledge_base.store.disk import (
    DEFAULT_ROOT,
    DEPARTMENT_FILE,
    KnowledgeBaseError,
    department_to_yaml,
    load_knowledge_base,
    procedure_to_yaml,
    publish,
)

SHEET_PROCEDURES = "Thủ tục"
SHEET_ALIASES = "Tên gọi khác"
SHEET_FAQS = "Hỏi đáp"
SHEET_NOTES = "Ghi chú địa phương"
SHEET_FEES = "Phí địa phương"
SHEET_DEPARTMENT = "Thông tin Sở"
COLUMNS = {
    SHEET_PROCEDURES: ("code", "name", "handled_at", "online_service_level", "effective_date", "short_title"),
    SHEET_ALIASES: ("code", "alias"),
    SHEET_FAQS: ("code", "question", "answer"),
    SHEET_NOTES: ("code", "note"),
    SHEET_FEES: ("code", "name", "amount_vnd", "text", "basis"),
    SHEET_DEPARTMENT: ("field", "value"),
}
_LEVELS = ("unknown", "full", "partial")
_LIST_FIELDS = ("former_names", "provincial_fee_resolutions", "notes")


def export_xlsx(path: Path, root: Path | None = None) -> int:
    from openpyxl import Workbook

    kb = load_knowledge_base(root)
    book = Workbook()
    book.remove(book.active)
    sheets = {name: book.create_sheet(name) for name in COLUMNS}
    for name, sheet in sheets.items():
        sheet.append(list(COLUMNS[name]))
    for code in sorted(kb.procedures):
        p = kb.procedures[code]
        effective = p.effective_date.isoformat() if p.effective_date else None
        sheets[SHEET_PROCEDURES].append([code, p.name, p.handled_at, p.online_service_level, effective, p.short_title])
        for alias in p.aliases:
            sheets[SHEET_ALIASES].append([code, alias])
        for faq in p.faqs:
            sheets[SHEET_FAQS].append([code, faq.question, faq.answer])
        for note in p.local_notes:
            sheets[SHEET_NOTES].append([code, note])
        for fee in p.local_fees:
            sheets[SHEET_FEES].append([code, fee.name, fee.amount_vnd, fee.text, fee.basis])
    for field, value in kb.department.model_dump(mode="json").items():
        if isinstance(value, list):
            for item in value:
                sheets[SHEET_DEPARTMENT].append([field, item])
        elif field not in _LIST_FIELDS:
            sheets[SHEET_DEPARTMENT].append([field, value])
    for sheet in sheets.values():
        for cell in sheet[1]:
            cell.number_format = "@"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.number_format = "@"  # keep codes like 1.013225 as text, not numbers
    book.save(path)
    return len(kb.procedures)


def import_xlsx(path: Path, root: Path | None = None) -> int:
    """Apply the spreadsheet to the knowledge base atomically; returns the number of files changed."""
    from openpyxl import load_workbook

    root = Path(root) if root is not None else DEFAULT_ROOT
    kb = load_knowledge_base(root)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise KnowledgeBaseError([f"{path.name}:0: file: cannot read the spreadsheet: {exc}"]) from exc
    reader = _Reader(path.name, book, set(kb.procedures))
    rows = reader.read_all()
    if reader.problems:
        raise KnowledgeBaseError(reader.problems)
    changed = {}
    for code, procedure in kb.procedures.items():
        update = {
            "aliases": rows["aliases"].get(code, []),
            "faqs": rows["faqs"].get(code, []),
            "local_notes": rows["notes"].get(code, []),
            "local_fees": rows["fees"].get(code, []),
            **rows["procedures"].get(code, {}),
        }
        update.update(_short_title_update(procedure, update.pop("short_title", procedure.short_title)))
        new = procedure.model_copy(update=update)
        text = procedure_to_yaml(new)
        if text != procedure_to_yaml(procedure):
            changed[f"procedures/{code}.yml"] = text
    department = department_to_yaml(rows["department"])
    if department != department_to_yaml(kb.department):
        changed[DEPARTMENT_FILE] = department
    if changed:
        _write_atomically(root, changed)
    return len(changed)


def _short_title_update(procedure, title: str) -> dict:
    """An edited cell is the staff's title (kept across re-imports); an emptied one goes back to derived."""
    if title == procedure.short_title:
        return {}
    if not title:
        return {"short_title": derive_short_title(procedure.name), "short_title_by_staff": False}
    return {"short_title": title, "short_title_by_staff": True}


def _write_atomically(root: Path, changed: dict[str, str]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-xlsx-", dir=root.parent))
    try:
        shutil.copytree(root, staging, dirs_exist_ok=True)
        for name, text in changed.items():
            (staging / name).write_text(text, encoding="utf-8")
        load_knowledge_base(staging)
        publish(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


class _Reader:
    def __init__(self, file_name: str, book, codes: set[str]):
        self.file_name, self.book, self.codes = file_name, book, codes
        self.problems: list[str] = []

    def problem(self, sheet: str, row: int, column: str, message: str) -> None:
        letter = "ABCDEFGHIJ"[COLUMNS[sheet].index(column)] if column in COLUMNS[sheet] else "A"
        self.problems.append(f"{self.file_name}:{sheet}!{letter}{row}: {column}: {message}")

    def rows(self, sheet: str):
        if sheet not in self.book.sheetnames:
            self.problems.append(f"{self.file_name}:{sheet}!A1: sheet: missing sheet {sheet!r}")
            return
        columns = COLUMNS[sheet]
        values = list(self.book[sheet].iter_rows(values_only=True))
        header = tuple(_text(v) for v in (values[0] if values else ()))[: len(columns)]
        if header != columns:
            self.problems.append(f"{self.file_name}:{sheet}!A1: header: expected columns {', '.join(columns)}")
            return
        for number, row in enumerate(values[1:], start=2):
            cells = dict(zip(columns, list(row) + [None] * len(columns)))
            if all(v is None or _text(v) == "" for v in cells.values()):
                continue
            yield number, cells

    def code(self, sheet: str, number: int, cells: dict) -> str | None:
        raw = cells["code"]
        # A code retyped in Excel becomes a number (1.01322): restore its six decimals.
        code = f"{raw:.6f}" if isinstance(raw, float) else _text(raw)
        if code not in self.codes:
            self.problem(sheet, number, "code", f"unknown procedure code {code!r}")
            return None
        return code

    def read_all(self) -> dict:
        result: dict = {
            "procedures": {},
            "aliases": defaultdict(list),
            "notes": defaultdict(list),
            "faqs": defaultdict(list),
            "fees": defaultdict(list),
        }
        for number, cells in self.rows(SHEET_PROCEDURES) or ():
            if (code := self.code(SHEET_PROCEDURES, number, cells)) is not None:
                result["procedures"][code] = self._procedure_row(number, cells)
        for sheet, key, column in ((SHEET_ALIASES, "aliases", "alias"), (SHEET_NOTES, "notes", "note")):
            for number, cells in self.rows(sheet) or ():
                value = _text(cells[column])
                if not value:
                    self.problem(sheet, number, column, "empty cell")
                elif (code := self.code(sheet, number, cells)) is not None:
                    result[key][code].append(value)
        for sheet, key, model in ((SHEET_FAQS, "faqs", FAQ), (SHEET_FEES, "fees", LocalFee)):
            for number, cells in self.rows(sheet) or ():
                item = self._model_row(sheet, number, cells, model)
                if item is not None and (code := self.code(sheet, number, cells)) is not None:
                    result[key][code].append(item)
        result["department"] = self._department()
        return result

    def _procedure_row(self, number: int, cells: dict) -> dict:
        row: dict = {}
        level = _text(cells["online_service_level"]) or "unknown"
        if level not in _LEVELS:
            self.problem(SHEET_PROCEDURES, number, "online_service_level", f"must be one of {', '.join(_LEVELS)}")
        row["online_service_level"] = level
        row["effective_date"] = self._date(SHEET_PROCEDURES, number, "effective_date", cells["effective_date"])
        title = " ".join(_text(cells["short_title"]).split())
        if len(title) > SHORT_TITLE_MAX:
            self.problem(SHEET_PROCEDURES, number, "short_title", f"at most {SHORT_TITLE_MAX} characters")
        row["short_title"] = title
        return row

    def _date(self, sheet: str, number: int, column: str, value) -> date | None:
        if value is None or _text(value) == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(_text(value))
        except ValueError:
            self.problem(sheet, number, column, f"not a date (YYYY-MM-DD): {_text(value)!r}")
            return None

    def _model_row(self, sheet: str, number: int, cells: dict, model):
        data = {k: v for k, v in cells.items() if k != "code"}
        for key, value in data.items():
            if key == "amount_vnd":
                if isinstance(value, float) and value.is_integer():
                    data[key] = int(value)
                elif isinstance(value, str) and value.strip() == "":
                    data[key] = None
            else:
                data[key] = _text(value)
        data = {k: v for k, v in data.items() if not (v == "" and k in ("question", "answer", "name"))}
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else "code"
                message = "required cell is empty" if error["type"] == "missing" else error["msg"]
                self.problem(sheet, number, column, message)
            return None

    def _department(self) -> DepartmentProfile:
        data: dict = {}
        rows: dict[str, int] = {}
        for number, cells in self.rows(SHEET_DEPARTMENT) or ():
            field, value = _text(cells["field"]), cells["value"]
            rows.setdefault(field, number)
            spec = DepartmentProfile.model_fields.get(field)
            if spec is None:
                self.problem(SHEET_DEPARTMENT, number, "field", f"unknown field {field!r}")
            elif field in _LIST_FIELDS:
                data.setdefault(field, []).append(_text(value))
            elif field == "vneid_login_level" and isinstance(value, (int, float)):
                data[field] = int(value)
            elif value is None or _text(value) == "":
                # An empty cell is "unknown" for optional facts and an empty text otherwise.
                data[field] = None if spec.default is None else ""
            else:
                data[field] = _text(value)
        for field in ("former_names", "notes"):
            data.setdefault(field, [])
        data.setdefault("provincial_fee_resolutions", None)
        try:
            return DepartmentProfile.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "field"
                message = error["msg"].removeprefix("Value error, ")
                self.problems.append(f"{self.file_name}:{SHEET_DEPARTMENT}!B{rows.get(field, 1)}: {field}: {message}")
            return DepartmentProfile()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
