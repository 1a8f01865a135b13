"""The flattened-table parsers on published shapes, including the portal's oddities."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.kb_cli import kb_main
from knowledge_base.ingest.national import (
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_result,
    where_to_file,
)

HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


def test_channels_with_units_amounts_and_descriptions():
    channels, leftover = parse_channels(
        HEADER + "Trực tuyến4 Giờ5,700,000 VNĐ(Mức thu 5.700.000 đồng/lần)Nộp qua Cổng DVC quốc gia. Trực tiếp nếu cần."
        "Trực tiếp2 Ngày làm việc100 USD(Thẻ tạm trú)Dịch vụ bưu chínhKhông có thông tinKhông có thông tin"
    )
    assert leftover == ""
    online, direct, post = channels
    assert (online.kind, online.time.value, online.time.unit) == ("online", 4, "hours")
    assert (online.fee.kind, online.fee.amount_vnd) == ("amount", 5_700_000)
    assert online.fee.text == "5,700,000 VNĐ(Mức thu 5.700.000 đồng/lần)"
    assert online.note == "Nộp qua Cổng DVC quốc gia. Trực tiếp nếu cần."  # channel words inside a note
    assert direct.time.unit == "working_days" and direct.fee.kind == "text" and "foreign_currency" in direct.flags
    assert post.time is None and post.time_text == "Không có thông tin" and post.fee.kind == "unknown"


def test_unparseable_channels_are_kept():
    text = HEADER + "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng dịch vụ công quốc gia"
    channels, leftover = parse_channels(text)
    assert channels == [] and leftover == text


def test_documents_grouped_by_case_with_forms():
    groups, leftover = parse_documents(
        "(1.1) Đối với công trình không theo tuyến: Tên giấy tờMẫu đơn, tờ khaiSố lượng"
        "Đơn đề nghị theo mẫu quy địnhTK 2.002287.docx1 bản chính,1 bản sao"
        "Bản vẽ thiết kế0 bản chính,1 bản sao"
        "(1.7) Đối với nhà ở riêng lẻ:Tên giấy tờMẫu đơn, tờ khaiSố lượng- Ảnh màu 4x6 cm1 bản chính"
    )
    assert leftover == ""
    assert [g.case for g in groups] == ["(1.1) Đối với công trình không theo tuyến", "(1.7) Đối với nhà ở riêng lẻ"]
    first, second = groups[0].items
    assert (first.name, first.forms, first.copies) == (
        "Đơn đề nghị theo mẫu quy định",
        ["TK 2.002287.docx"],
        "1 bản chính, 1 bản sao",
    )
    assert (second.name, second.copies) == ("Bản vẽ thiết kế", "0 bản chính, 1 bản sao")
    assert groups[1].items[0].name == "Ảnh màu 4x6 cm"


def test_legal_basis_numbers_glued_to_titles():
    entries, leftover = parse_legal_basis(
        "Tên văn bản pháp lýMã văn bảnLuật Nhà ở số 27/2023/QH1527/2023/QH15"
        "Nghị định số 175/2024/NĐ-CP của Chính phủ quy định chi tiết175/2024/NĐ-CPLuật Xây dựng50/2014/QH13"
    )
    assert leftover == ""
    assert [(e.title, e.number) for e in entries] == [
        ("Luật Nhà ở số 27/2023/QH15", "27/2023/QH15"),
        ("Nghị định số 175/2024/NĐ-CP của Chính phủ quy định chi tiết", "175/2024/NĐ-CP"),
        ("Luật Xây dựng", "50/2014/QH13"),
    ]


def test_legal_basis_without_recognisable_number_is_kept():
    entries, leftover = parse_legal_basis("Tên văn bản pháp lýMã văn bảnBỘ LUẬT HÀNG HẢI VIỆT NAM")
    assert entries[0].title == "BỘ LUẬT HÀNG HẢI VIỆT NAM" and entries[0].number == ""
    assert leftover == "BỘ LUẬT HÀNG HẢI VIỆT NAM"


def test_result_without_page_chrome():
    result, codes = parse_result(
        "Giấy phép.Mã: KQ.G17.000311Bản vẽ.Mã: KQ.G17.000312Từ khóaKhông có thông tinChọn cơ quan thực hiệnNộp hồ sơ"
    )
    assert result == "Giấy phép.Mã: KQ.G17.000311Bản vẽ.Mã: KQ.G17.000312"
    assert codes == ["KQ.G17.000311", "KQ.G17.000312"]


def test_where_to_file():
    assert (
        where_to_file("- Chủ đầu tư nộp hồ sơ cho Trung tâm phục vụ hành chính công cấp xã.")
        == "Trung tâm phục vụ hành chính công cấp xã"
    )
    assert where_to_file("a) Nộp hồ sơ TTHC: Chủ xe nộp hồ sơ tới cơ sở đăng kiểm.") == "cơ sở đăng kiểm"
    assert where_to_file("Sở Xây dựng lập tờ trình.") is None


def test_cli_import_national(shared_dir: Path, tmp_path, capsys):
    root = tmp_path / "data"
    assert kb_main(["--root", str(root), "import-national", str(shared_dir / "data" / "national-tthc")]) == 0
    out = capsys.readouterr().out
    assert "258 department procedures" in out and "all accounted for: True" in out
    assert kb_main(["--root", str(root), "import-national", str(tmp_path / "missing")]) == 1
    assert "not a folder of national records" in capsys.readouterr().err
