"""Staff spreadsheet round trip: export, edit, import; lossless and with cell-level errors."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from knowledge_base.kb_cli import kb_main
from knowledge_base.ingest.kb_xlsx import export_xlsx, import_xlsx
from knowledge_base.store.disk import KnowledgeBaseError, content_hash, load_knowledge_base

COMMITTED = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(COMMITTED, root)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def add_additions(root: Path) -> None:
    path = root / "procedures" / "1.013225.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(
        aliases=["xin giấy phép xây nhà", "gpxd nha o"],
        faqs=[{"question": "Lệ phí bao nhiêu?", "answer": "Theo nghị quyết của HĐND tỉnh.\nHỏi bộ phận một cửa."}],
        local_notes=["Nộp tại Trung tâm phục vụ hành chính công xã/phường", "Dòng 2"],
        local_fees=[
            {
                "name": "Lệ phí cấp GPXD nhà ở riêng lẻ",
                "amount_vnd": 75000,
                "text": "75.000 đồng/giấy phép",
                "basis": "Nghị quyết HĐND tỉnh (số chưa xác minh)",
            }
        ],
        online_service_level="partial",
        effective_date="2026-01-01",
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    from knowledge_base.store.disk import procedure_to_yaml  # rewrite in the canonical format

    path.write_text(procedure_to_yaml(load_knowledge_base(root).procedures["1.013225"]), encoding="utf-8")


def test_round_trip_is_lossless_on_whole_kb(root, tmp_path):
    add_additions(root)
    before = snapshot(root)
    book = tmp_path / "kb.xlsx"
    assert export_xlsx(book, root) == 258
    assert import_xlsx(book, root) == 0
    assert snapshot(root) == before


def test_staff_edits_reach_the_files(root, tmp_path):
    book_path = tmp_path / "kb.xlsx"
    export_xlsx(book_path, root)
    book = load_workbook(book_path)
    book["Tên gọi khác"].append(["1.013237", "chứng chỉ hành nghề xây dựng"])
    book["Hỏi đáp"].append(["1.013237", "Thi sát hạch ở đâu?", "Theo thông báo của Sở."])
    book["Phí địa phương"].append(["1.013225", "Lệ phí GPXD", 50000, "50.000 đồng", "NQ HĐND"])
    levels = book["Thủ tục"]
    row = next(r for r in levels.iter_rows(min_row=2) if r[0].value == "1.013237")
    row[3].value, row[4].value = "full", date(2026, 7, 1)
    department = book["Thông tin Sở"]
    hotline = next(r for r in department.iter_rows(min_row=2) if r[0].value == "hotline")
    hotline[1].value = "0219 3 000 000"
    book.save(book_path)
    hash_before = content_hash(root)
    assert kb_main(["--root", str(root), "import", "--xlsx", str(book_path)]) == 0
    kb = load_knowledge_base(root)
    p = kb.procedures["1.013237"]
    assert p.aliases == ["chứng chỉ hành nghề xây dựng"]
    assert p.faqs[0].question == "Thi sát hạch ở đâu?"
    assert p.online_service_level == "full" and p.effective_date == date(2026, 7, 1)
    assert kb.procedures["1.013225"].local_fees[0].amount_vnd == 50000
    assert kb.department.hotline == "0219 3 000 000"
    assert kb.department.service_centre_address is None
    assert kb.content_hash != hash_before


def test_bad_cells_are_reported_and_nothing_changes(root, tmp_path):
    book_path = tmp_path / "kb.xlsx"
    export_xlsx(book_path, root)
    book = load_workbook(book_path)
    book["Hỏi đáp"].append(["1.013237", "Câu hỏi không có trả lời", None])
    book["Tên gọi khác"].append(["9.999999", "không tồn tại"])
    book["Phí địa phương"].append(["1.013225", "Lệ phí", "năm mươi nghìn", "", ""])
    levels = book["Thủ tục"]
    levels["D2"].value = "toàn trình"
    levels["E3"].value = "01/07/2026"
    book.save(book_path)
    before = snapshot(root)
    with pytest.raises(KnowledgeBaseError) as error:
        import_xlsx(book_path, root)
    problems = error.value.problems
    assert "kb.xlsx:Thủ tục!D2: online_service_level: must be one of unknown, full, partial" in problems
    assert "kb.xlsx:Thủ tục!E3: effective_date: not a date (YYYY-MM-DD): '01/07/2026'" in problems
    assert "kb.xlsx:Tên gọi khác!A2: code: unknown procedure code '9.999999'" in problems
    assert "kb.xlsx:Hỏi đáp!C2: answer: required cell is empty" in problems
    assert any(p.startswith("kb.xlsx:Phí địa phương!C2: amount_vnd: ") for p in problems)
    assert snapshot(root) == before


def test_bad_department_cell(root, tmp_path):
    book_path = tmp_path / "kb.xlsx"
    export_xlsx(book_path, root)
    book = load_workbook(book_path)
    sheet = book["Thông tin Sở"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "provincial_portal")
    row[1].value = "dichvucong.tuyenquang"
    book.save(book_path)
    with pytest.raises(KnowledgeBaseError) as error:
        import_xlsx(book_path, root)
    assert error.value.problems == [
        f"kb.xlsx:Thông tin Sở!B{row[1].row}: provincial_portal: not an http(s) URL: 'dichvucong.tuyenquang'"
    ]


def test_missing_sheet(root, tmp_path):
    book_path = tmp_path / "kb.xlsx"
    export_xlsx(book_path, root)
    book = load_workbook(book_path)
    del book["Hỏi đáp"]
    book.save(book_path)
    assert kb_main(["--root", str(root), "import", "--xlsx", str(book_path)]) == 1
