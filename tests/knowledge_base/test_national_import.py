"""Import of the real national records (../shared/data/national-tthc) into a scratch knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from knowledge_base.ingest.kb_import import import_national
from knowledge_base.ingest.national import parse_record
from knowledge_base.store.disk import KnowledgeBaseError, content_hash, load_knowledge_base


@pytest.fixture(scope="module")
def imported(shared_dir: Path, tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("kb") / "data"
    report = import_national(shared_dir / "data" / "national-tthc", root)
    return root, report


@pytest.fixture(scope="module")
def kb(imported):
    return load_knowledge_base(imported[0])


def test_every_record_is_accounted_for(imported):
    _, report = imported
    own = report["department"]
    assert report["records_total"] == 2642
    assert report["records_by_ministry"]["bo-xay-dung"] == own["records"] == 525
    assert own["imported_procedures"] == 258
    assert own["ministry_level_only_to_catalogue"] == 267
    assert own["accounted_for"] and report["accounted_for"]
    assert report["catalogue_entries"] == 2642 - 258
    assert sum(own["by_levels"].values()) == 258
    assert "Cấp bộ" not in own["by_levels"]  # ministry-only records are catalogue entries
    assert own["by_handled_at"] == {"province": 193, "province_and_commune": 36, "commune": 20, "other": 9}
    assert report["parser_on_all_records"]["parsed"] == 2642
    assert report["parser_on_all_records"]["failed"] == {}


def test_unparsed_text_is_kept_and_counted(imported, kb):
    _, report = imported
    for field, codes in report["unparsed_codes"].items():
        assert report["unparsed_by_field"][field] == len(codes)
        for code in codes:
            assert kb.procedures[code].unparsed[field].strip()


def test_written_report_matches(imported):
    root, report = imported
    assert json.loads((root / "import-report.json").read_text(encoding="utf-8"))["department"] == report["department"]


def test_commune_building_permit_1_013225(kb):
    p = kb.procedures["1.013225"]
    assert p.levels == ["Cấp xã", "Cơ quan khác"]
    assert p.handled_at == "commune"
    assert p.agency == "Uỷ ban Nhân dân cấp xã, phường, thị trấn"
    assert p.where_to_file == "Trung tâm phục vụ hành chính công cấp xã"
    times = {c.kind: (c.time.value, c.time.unit) for c in p.channels}
    assert times == {"in_person": (15, "days"), "online": (20, "days"), "post": (20, "days")}
    for channel in p.channels:
        assert "Hội đồng nhân dân cấp tỉnh" in channel.fee.text
        assert channel.fee.kind == "text"  # "Miễn phí" label but the note says the council sets the fee
    assert p.documents[0].case == "(1.1) Đối với công trình không theo tuyến"
    assert len(p.documents) > 1
    assert p.result_code == "KQ.G17.000311"
    assert "Từ khóa" not in p.result and "Chọn cơ quan" not in p.result
    assert {"175/2024/NĐ-CP", "50/2014/QH13", "62/2020/QH14"} <= {b.number for b in p.legal_basis}
    assert p.detail_url == "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bfe-9088-744d-aa0a-e846b6dce3d5"
    assert p.decision_number == "56/QĐ-BXD"
    assert p.online_service_level == "unknown"


def test_practising_certificate_1_013237(kb):
    p = kb.procedures["1.013237"]
    assert p.handled_at == "province"
    names = [item.name for group in p.documents for item in group.items]
    photo = [n for n in names if "4x6" in n]
    assert photo and "ảnh màu" in photo[0]
    assert "175/2024/NĐ-CP" in {b.number for b in p.legal_basis}
    assert {i.copies for g in p.documents for i in g.items} <= {"1 bản chính", "0 bản chính, 1 bản sao"}


def test_portal_fee_oddity_kept_and_flagged(kb):
    post = next(c for c in kb.procedures["1.013237"].channels if c.kind == "post")
    assert post.fee.kind == "amount" and post.fee.amount_vnd == 90
    assert post.fee.text.startswith("90 VNĐ")
    assert "suspicious_fee" in post.flags


def test_unitless_time_glued_to_amount_is_split(kb):
    # Published "Trực tiếp140 VNĐ(...)": time "1" without unit, then the fee "40 VNĐ".
    direct = next(c for c in kb.procedures["1.013205"].channels if c.kind == "in_person")
    assert direct.time is None and direct.time_text == "1"
    assert direct.fee.amount_vnd == 40
    assert {"time_without_unit", "suspicious_fee"} <= set(direct.flags)


def test_forms_are_separated_from_document_names(kb):
    forms = [f for p in kb.procedures.values() for g in p.documents for i in g.items for f in i.forms]
    assert len(forms) > 50
    assert all(f.lower().endswith((".doc", ".docx", ".pdf", ".xls", ".xlsx", ".rar", ".zip")) for f in forms)


def test_catalogue_routes_other_agencies(kb):
    by_code = kb.catalogue_by_code()
    assert len(by_code) == 2384
    ministries = {e.ministry for e in kb.catalogue}
    assert {"bo-cong-an", "bo-tai-chinh", "bo-xay-dung"} <= ministries
    assert all(e.levels == ["Cấp bộ"] for e in kb.catalogue if e.ministry == "bo-xay-dung")
    assert not set(by_code) & set(kb.procedures)


def test_department_profile_defaults_unknowns_to_none(kb):
    d = kb.department
    assert d.name == "Sở Xây dựng tỉnh Tuyên Quang"
    assert d.former_names == ["Sở Xây dựng tỉnh Hà Giang"]
    assert d.merged_on.isoformat() == "2025-07-01"
    assert (d.national_portal, d.paygov, d.vneid_login_level) == (
        "https://dichvucong.gov.vn",
        "https://www.pay.gov.vn",
        2,
    )
    assert d.hotline is None and d.service_centre_address is None and d.provincial_portal is None
    assert d.opening_hours is None and d.provincial_fee_resolutions is None


def test_parser_reads_every_national_record(shared_dir):
    records = sorted((shared_dir / "data" / "national-tthc").glob("*/*.json"))
    assert len(records) == 2642
    for path in records:
        procedure = parse_record(json.loads(path.read_text(encoding="utf-8")), path.parent.name)
        assert procedure.code == path.stem


def test_reimport_keeps_department_additions(shared_dir, tmp_path):
    root = tmp_path / "data"
    source = shared_dir / "data" / "national-tthc"
    import_national(source, root)
    path = root / "procedures" / "1.013225.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["aliases"] = ["xin phép xây nhà", "giay phep xay dung nha o"]
    data["faqs"] = [{"question": "Mất bao lâu?", "answer": "15 ngày nếu nộp trực tiếp."}]
    data["local_notes"] = ["Ghi chú của Sở"]
    data["online_service_level"] = "partial"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (root / "department.yml").write_text(
        (root / "department.yml").read_text(encoding="utf-8").replace("hotline: null", "hotline: 0219 000 000"),
        encoding="utf-8",
    )
    import_national(source, root)
    kb = load_knowledge_base(root)
    p = kb.procedures["1.013225"]
    assert p.aliases == ["xin phép xây nhà", "giay phep xay dung nha o"]
    assert p.faqs[0].answer == "15 ngày nếu nộp trực tiếp."
    assert p.local_notes == ["Ghi chú của Sở"] and p.online_service_level == "partial"
    assert kb.department.hotline == "0219 000 000"
    assert p.channels[0].time.value == 20  # national facts refreshed alongside


def test_failed_import_leaves_published_kb_untouched(shared_dir, tmp_path):
    root = tmp_path / "data"
    import_national(shared_dir / "data" / "national-tthc", root)
    before = content_hash(root)
    broken = tmp_path / "national"
    (broken / "bo-xay-dung").mkdir(parents=True)
    (broken / "bo-xay-dung" / "1.013225.json").write_text(
        '{"ma_thu_tuc": "1.013225",\n  "ten_thu_tuc": }', encoding="utf-8"
    )
    with pytest.raises(KnowledgeBaseError) as error:
        import_national(broken, root)
    assert error.value.problems == [
        f"{broken / 'bo-xay-dung' / '1.013225.json'}:2: json: malformed JSON: Expecting value (column 18)"
    ]
    assert content_hash(root) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".data-import-")]


def test_import_refuses_to_overwrite_unreadable_staff_file(shared_dir, tmp_path):
    root = tmp_path / "data"
    source = shared_dir / "data" / "national-tthc"
    import_national(source, root)
    path = root / "procedures" / "1.013225.yml"
    path.write_text(path.read_text(encoding="utf-8") + "aliases: [unclosed\n", encoding="utf-8")
    before = content_hash(root)
    with pytest.raises(KnowledgeBaseError) as error:
        import_national(source, root)
    assert error.value.problems[0].startswith("procedures/1.013225.yml:")
    assert content_hash(root) == before


def test_committed_knowledge_base_is_the_import_of_shared_data(imported):
    committed = Path(__file__).resolve().parents[2] / "knowledge_base" / "data"
    root, _ = imported
    fresh = sorted(p.name for p in (root / "procedures").glob("*.yml"))
    assert sorted(p.name for p in (committed / "procedures").glob("*.yml")) == fresh
    assert (committed / "catalogue.jsonl").read_bytes() == (root / "catalogue.jsonl").read_bytes()
