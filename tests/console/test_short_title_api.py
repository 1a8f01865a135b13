"""Staff edit a procedure's short title in the console: written through the store, audited, kept across a
re-import of the national data, reset to the derived title when emptied; never two procedures with one title."""

from __future__ import annotations

from knowledge_base.store import disk
from knowledge_base.ingest.kb_import import import_national
from knowledge_base.store.short_titles import derive
from tests.console.console_support import BUILDING_PERMIT, login

TITLE = "Xin phép xây nhà ở riêng lẻ (cấp xã)"


def _set(gateway, csrf, code, title):
    return gateway.post(
        f"/staff/api/procedures/{code}/short_title", json={"short_title": title}, headers={"X-CSRF-Token": csrf}
    )


def test_staff_set_a_short_title_that_answers_use_and_a_reimport_keeps(gateway, kb_root, shared_dir):
    csrf = login(gateway)
    listed = {p["code"]: p for p in gateway.get("/staff/api/procedures").json()}
    assert listed[BUILDING_PERMIT]["short_title"] == "Cấp GPXD mới – nhà ở riêng lẻ, công trình cấp III–IV"
    assert _set(gateway, "", BUILDING_PERMIT, TITLE).status_code == 403  # CSRF as for every change
    reply = _set(gateway, csrf, BUILDING_PERMIT, f"  {TITLE} ")
    assert reply.status_code == 200, reply.text
    assert reply.json()["short_title"] == TITLE and reply.json()["short_title_by_staff"]
    assert reply.json()["index"] in ("updated", "pending")
    procedure = disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT]
    assert (procedure.short_title, procedure.short_title_by_staff) == (TITLE, True)
    assert gateway.get("/staff/api/procedures").json()[0]["short_title"]  # the list reflects the files
    audit = gateway.get("/staff/api/audit").json()
    assert any(a["action"] == "short_title" and a["target"] == f"procedure:{BUILDING_PERMIT}" for a in audit)

    import_national(shared_dir / "data" / "national-tthc", kb_root)
    assert disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT].short_title == TITLE


def test_a_title_taken_by_another_procedure_or_too_long_is_refused(gateway, kb_root):
    csrf = login(gateway)
    before = disk.content_hash(kb_root)
    taken = disk.load_knowledge_base(kb_root).procedures["1.013226"].short_title
    duplicate = _set(gateway, csrf, BUILDING_PERMIT, taken.upper())
    assert duplicate.status_code == 422 and duplicate.json()["field"] == "short_title"
    assert "1.013226" in duplicate.json()["error"]
    assert _set(gateway, csrf, BUILDING_PERMIT, "x" * 81).status_code == 422
    assert _set(gateway, csrf, "9.999999", "Tên").status_code == 422
    assert disk.content_hash(kb_root) == before


def test_an_empty_title_goes_back_to_the_derived_one(gateway, kb_root):
    csrf = login(gateway)
    assert _set(gateway, csrf, BUILDING_PERMIT, TITLE).status_code == 200
    reply = _set(gateway, csrf, BUILDING_PERMIT, "")
    assert reply.status_code == 200, reply.text
    procedure = disk.load_knowledge_base(kb_root).procedures[BUILDING_PERMIT]
    assert procedure.short_title == derive(procedure.name) and not procedure.short_title_by_staff
