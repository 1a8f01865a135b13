"""Short titles: derived at import for every procedure, distinct, editable by staff, kept across re-imports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from knowledge_base.ingest.kb_import import import_national
from knowledge_base.ingest.kb_xlsx import export_xlsx, import_xlsx
from knowledge_base.store.short_titles import TITLE_MAX, assign, candidates, contrasted, derive
from knowledge_base.store.disk import KnowledgeBaseError, load_knowledge_base
from knowledge_base.text import fold

COMMITTED = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"


@pytest.fixture(scope="module")
def committed():
    return load_knowledge_base(COMMITTED)


def test_every_procedure_has_a_short_distinct_title(committed):
    procedures = list(committed.procedures.values())
    assert len(procedures) == 258
    for p in procedures:
        assert p.short_title, p.code
        assert len(p.short_title) <= TITLE_MAX, (p.code, p.short_title)
        assert len(p.short_title) <= len(p.name), p.code
        if len(p.name) > TITLE_MAX:
            assert len(p.short_title) < len(p.name)
    folded = [fold(p.short_title) for p in procedures]
    assert len(set(folded)) == len(folded)


def test_building_permit_siblings_keep_what_tells_them_apart(committed):
    titles = {
        code: committed.procedures[code].short_title
        for code in ("1.013225", "1.013226", "1.013227", "1.013228", "1.013229", "1.013236", "1.013235")
    }
    assert titles["1.013225"] == "Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV"
    assert titles["1.013226"].startswith("Điều chỉnh GPXD")
    assert titles["1.013227"].startswith("Gia hạn GPXD")
    assert titles["1.013228"].startswith("Cấp lại GPXD")
    assert "sửa chữa, cải tạo" in titles["1.013229"]
    assert titles["1.013236"] == "Cấp GPXD mới – công trình cấp đặc biệt, I, II"
    assert "nhà ở riêng lẻ" not in titles["1.013235"]


def test_same_name_at_two_levels_gets_two_titles():
    titles = assign(
        [
            (
                "1.000001",
                "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng/Báo cáo nghiên cứu "
                "khả thi đầu tư xây dựng điều chỉnh",
                "province",
            ),
            (
                "1.000002",
                "Thẩm định Báo cáo nghiên cứu khả thi đầu tư xây dựng/ Báo cáo nghiên cứu "
                "khả thi đầu tư xây dựng điều chỉnh",
                "province_and_commune",
            ),
        ]
    )
    assert titles["1.000001"] != titles["1.000002"]
    assert all(len(t) <= TITLE_MAX for t in titles.values())


def test_siblings_cut_before_their_difference_are_contrasted_by_it(committed):
    # The two boat re-registrations after a sale differ only past the 70th character.
    first, second = committed.procedures["1.003970"], committed.procedures["1.004002"]
    assert first.short_title.endswith("…") and second.short_title.endswith("…")
    head, titles = contrasted([first.name, second.name])
    assert "chuyển quyền sở hữu" in head
    assert "đồng thời thay đổi cơ quan" in titles[0] and "nhưng không thay đổi cơ quan" in titles[1]
    assert all(len(t) <= TITLE_MAX for t in titles)
    # Names that share less than a phrase, or where one is all shared, are left to their short titles.
    assert contrasted(["Cấp giấy phép lái tàu", "Đổi giấy phép lái tàu"]) is None
    assert contrasted(["Công bố hoạt động cảng", "Công bố hoạt động cảng thủy nội địa"]) is None


def test_short_names_stay_as_they_are():
    assert derive("Bãi bỏ đường ngang") == "Bãi bỏ đường ngang"
    assert derive("Thủ tục cấp chứng chỉ hành nghề kiến trúc") == "Cấp chứng chỉ hành nghề kiến trúc"
    assert all(len(c) <= 40 for c in candidates("x " * 100, 40))


def test_validate_rejects_two_procedures_with_one_title(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(COMMITTED, root)
    path = root / "procedures" / "1.013226.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "short_title: Điều chỉnh GPXD – nhà ở riêng lẻ, công trình cấp III–IV",
            "short_title: Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV",
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as error:
        load_knowledge_base(root)
    assert any(
        p.startswith("procedures/1.013226.yml:") and "short_title: same short title as 1.013225" in p
        for p in error.value.problems
    )


def test_staff_title_survives_reimport_and_derived_ones_are_rederived(shared_dir, tmp_path):
    root = tmp_path / "data"
    source = shared_dir / "data" / "national-tthc"
    import_national(source, root)
    path = root / "procedures" / "1.013237.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(short_title="Cấp CCHN hoạt động xây dựng (lần đầu)", short_title_by_staff=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    other = root / "procedures" / "1.013225.yml"
    other.write_text(
        other.read_text(encoding="utf-8").replace(
            "short_title: Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV", "short_title: stale"
        ),
        encoding="utf-8",
    )
    import_national(source, root)
    kb = load_knowledge_base(root)
    assert kb.procedures["1.013237"].short_title == "Cấp CCHN hoạt động xây dựng (lần đầu)"
    assert kb.procedures["1.013237"].short_title_by_staff
    assert kb.procedures["1.013225"].short_title == "Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV"


def test_spreadsheet_edits_and_resets_a_title(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(COMMITTED, root)
    book_path = tmp_path / "kb.xlsx"
    export_xlsx(book_path, root)
    book = load_workbook(book_path)
    sheet = book["Thủ tục"]
    column = [c.value for c in sheet[1]].index("short_title")
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    rows["1.013237"][column].value = "Cấp CCHN xây dựng – lần đầu"
    book.save(book_path)
    assert import_xlsx(book_path, root) == 1
    edited = load_knowledge_base(root).procedures["1.013237"]
    assert (edited.short_title, edited.short_title_by_staff) == ("Cấp CCHN xây dựng – lần đầu", True)
    export_xlsx(book_path, root)
    assert import_xlsx(book_path, root) == 0  # the round trip stays lossless with a staff title
    book = load_workbook(book_path)
    rows = {r[0].value: r for r in book["Thủ tục"].iter_rows(min_row=2)}
    rows["1.013237"][column].value = None
    book.save(book_path)
    import_xlsx(book_path, root)
    reset = load_knowledge_base(root).procedures["1.013237"]
    assert not reset.short_title_by_staff and reset.short_title == derive(reset.name)
