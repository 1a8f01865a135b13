"""Confirmed questions and the impact check, through the real gateway app: real knowledge base (a private copy),
real search index and model, real SQLite database; only Rasa is the fake of tests/console."""

from __future__ import annotations

import base64
import json
import os
import signal

import yaml

from tests.console.console_support import BUILDING_PERMIT, chat, login

# Questions written for this test. A generic alias ("lần đầu") on the new real-estate broker's certificate takes
# the first of them away from the building permit that staff confirmed it belongs to.
FIRST_TIME_HOUSE = "xin phép làm nhà lần đầu"
EDITED_ALIAS = "xin phép xây nhà ở riêng lẻ"
GENERIC = "thủ tục lần đầu"
CAPTURING = "1.012906"


def queue_id(client, text: str) -> int:
    # chat() has waited for the turn writer (console_support.recorded), so the turn is in the queue if ever.
    found = [item["id"] for item in client.get("/staff/api/queue").json() if item["text"] == text]
    assert found, f"{text!r} never reached the review queue"
    return found[0]


def aliases(kb_root, code: str) -> list[str]:
    data = yaml.safe_load((kb_root / "procedures" / f"{code}.yml").read_text(encoding="utf-8"))
    return data.get("aliases") or []


def test_a_linked_question_is_confirmed_and_an_alias_that_captures_it_needs_a_confirmed_count(gateway, kb_root):
    csrf = {"X-CSRF-Token": login(gateway)}
    chat(gateway, "api:dan-1", FIRST_TIME_HOUSE)
    chat(gateway, "api:dan-2", GENERIC)

    linked = gateway.post(
        f"/staff/api/queue/{queue_id(gateway, FIRST_TIME_HOUSE)}/link",
        headers=csrf,
        json={"procedure": BUILDING_PERMIT, "text": EDITED_ALIAS},
    )
    assert linked.status_code == 200, linked.text
    confirmed = gateway.get("/staff/api/confirmed").json()
    assert [(c["text"], c["expected"], c["source"]) for c in confirmed] == [(FIRST_TIME_HOUSE, BUILDING_PERMIT, "link")]
    assert set(confirmed[0]) >= {"id", "text", "expected", "source", "created"}

    change = {"kind": "alias", "procedure": CAPTURING, "text": "lần đầu"}
    impact = gateway.post("/staff/api/impact", headers=csrf, json={"change": change})
    assert impact.status_code == 200, impact.text
    body = impact.json()
    assert body["checked"] >= 2
    assert [(r["text"], r["before"]) for r in body["regressions"]] == [(FIRST_TIME_HOUSE, BUILDING_PERMIT)], body
    assert body["regressions"][0]["after"] != BUILDING_PERMIT
    assert "Cấp GPXD" in body["regressions"][0]["before_name"]
    assert {c["text"] for c in body["changed"]} >= {FIRST_TIME_HOUSE}

    # Publishing the same alias by linking the generic question: refused until the count is confirmed.
    other = queue_id(gateway, GENERIC)
    for wrong in (None, 0, 2):
        payload = {"procedure": CAPTURING, "text": "lần đầu"}
        if wrong is not None:
            payload["confirm_regressions"] = wrong
        refused = gateway.post(f"/staff/api/queue/{other}/link", headers=csrf, json=payload)
        assert refused.status_code == 409, refused.text
        assert refused.json()["field"] == "confirm_regressions"
        assert refused.json()["impact"]["regressions"][0]["text"] == FIRST_TIME_HOUSE
    assert "lần đầu" not in aliases(kb_root, CAPTURING)
    assert gateway.get(f"/staff/api/queue/{other}").json()["status"] == "new"

    published = gateway.post(
        f"/staff/api/queue/{other}/link",
        headers=csrf,
        json={"procedure": CAPTURING, "text": "lần đầu", "confirm_regressions": 1},
    )
    assert published.status_code == 200, published.text
    assert "lần đầu" in aliases(kb_root, CAPTURING)
    entry = next(
        e for e in gateway.get("/staff/api/audit").json() if e["action"] == "link" and e["target"] == f"review:{other}"
    )
    seen = json.loads(entry["detail"])["impact"]
    assert seen["regressions"] == 1 and seen["confirmed_regressions"] == 1
    assert seen["regression_texts"] == [FIRST_TIME_HOUSE]
    assert seen["checked"] >= 2


def test_bad_changes_are_refused_with_the_field_and_nothing_changes(gateway, kb_root):
    csrf = {"X-CSRF-Token": login(gateway)}
    before = aliases(kb_root, BUILDING_PERMIT)
    cases = [
        ({"kind": "rename"}, "change.kind"),
        ({"kind": "alias", "procedure": "9.999999", "text": "x"}, "change.procedure"),
        ({"kind": "alias", "procedure": BUILDING_PERMIT}, "change.text"),
        ({"kind": "short_title", "procedure": BUILDING_PERMIT}, "change.short_title"),
        ({"kind": "import", "file": "không phải base64"}, "change.file"),
        ({"kind": "import", "file": "aGVsbG8="}, "change.file"),
    ]
    for change, field in cases:
        answer = gateway.post("/staff/api/impact", headers=csrf, json={"change": change})
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["field"] == field
    assert aliases(kb_root, BUILDING_PERMIT) == before
    # A short title another procedure already has is refused as publishing would refuse it.
    taken = gateway.get("/staff/api/procedures").json()[1]["short_title"]
    answer = gateway.post(
        "/staff/api/impact",
        headers=csrf,
        json={"change": {"kind": "short_title", "procedure": BUILDING_PERMIT, "short_title": taken}},
    )
    assert answer.status_code == 422 and answer.json()["field"] == "short_title"


def test_confirmed_questions_are_added_edited_exported_and_removed(gateway):
    csrf = {"X-CSRF-Token": login(gateway)}
    added = gateway.post(
        "/staff/api/confirmed",
        headers=csrf,
        json={"text": "làm sổ đỏ cho mảnh đất mới mua, số điện thoại 0912345678", "expected": "other_agency"},
    )
    assert added.status_code == 201, added.text
    row = added.json()
    assert "0912345678" not in row["text"] and row["source"] == "staff"
    bad = gateway.post("/staff/api/confirmed", headers=csrf, json={"text": "hỏi gì đó", "expected": "1.2"})
    assert bad.status_code == 422 and bad.json()["field"] == "expected"
    edited = gateway.post(f"/staff/api/confirmed/{row['id']}", headers=csrf, json={"expected": "not_answerable"})
    assert edited.status_code == 200 and edited.json()["expected"] == "not_answerable"
    exported = gateway.get("/staff/api/confirmed.csv")
    assert exported.status_code == 200 and "Không trả lời được" in exported.text
    assert gateway.post(f"/staff/api/confirmed/{row['id']}/delete", headers=csrf).status_code == 200
    assert gateway.get("/staff/api/confirmed").json() == []
    assert gateway.post("/staff/api/confirmed/99/delete", headers=csrf).status_code == 404


def test_not_ours_confirms_the_question_as_another_agencys(gateway):
    csrf = {"X-CSRF-Token": login(gateway)}
    chat(gateway, "api:dan-3", "làm sổ đỏ ở đâu")
    item = queue_id(gateway, "làm sổ đỏ ở đâu")
    answer = gateway.post(f"/staff/api/queue/{item}/not_ours", headers=csrf, json={"expected": "other_agency"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "resolved"
    assert [(c["text"], c["expected"], c["source"]) for c in gateway.get("/staff/api/confirmed").json()] == [
        ("làm sổ đỏ ở đâu", "other_agency", "not_ours")
    ]


def test_a_turn_in_the_queue_shows_why_it_was_answered(gateway):
    login(gateway)
    chat(gateway, "api:dan-4", "xin phép xây nhà")
    chat(gateway, "api:dan-4", '/feedback{"value":"bad"}')
    item = queue_id(gateway, "xin phép xây nhà")
    turn = gateway.get(f"/staff/api/queue/{item}").json()["turns"][0]
    assert turn["why"]["decision"] == "new" and turn["why"]["label"] == "Thủ tục mới"
    assert turn["why"]["candidates"] == [{"code": BUILDING_PERMIT, "name": "", "score": 0.91, "in_scope": True}]
    assert "xin phep" in turn["why"]["words"]
    chat(gateway, "api:dan-5", "chuyện gì đó không ai hiểu")
    unanswered = gateway.get(f"/staff/api/queue/{queue_id(gateway, 'chuyện gì đó không ai hiểu')}").json()["turns"][0]
    assert unanswered["why"]["decision"] == "fallback" and unanswered["why"]["candidates"] == []


def test_a_spreadsheet_is_checked_and_imported_like_any_other_change(gateway, kb_root, tmp_path):
    from openpyxl import load_workbook

    from knowledge_base.ingest.kb_xlsx import SHEET_ALIASES, export_xlsx

    csrf = {"X-CSRF-Token": login(gateway)}
    chat(gateway, "api:dan-6", FIRST_TIME_HOUSE)
    linked = gateway.post(
        f"/staff/api/queue/{queue_id(gateway, FIRST_TIME_HOUSE)}/link",
        headers=csrf,
        json={"procedure": BUILDING_PERMIT, "text": EDITED_ALIAS},
    )
    assert linked.status_code == 200, linked.text
    sheet = tmp_path / "tro-ly.xlsx"
    export_xlsx(sheet, kb_root)
    book = load_workbook(sheet)
    book[SHEET_ALIASES].append([CAPTURING, "lần đầu"])
    book.save(sheet)
    file = base64.b64encode(sheet.read_bytes()).decode()

    impact = gateway.post("/staff/api/impact", headers=csrf, json={"change": {"kind": "import", "file": file}})
    assert impact.status_code == 200, impact.text
    assert [r["text"] for r in impact.json()["regressions"]] == [FIRST_TIME_HOUSE]
    refused = gateway.post("/staff/api/import", headers=csrf, json={"file": file})
    assert refused.status_code == 409 and "lần đầu" not in aliases(kb_root, CAPTURING)
    done = gateway.post("/staff/api/import", headers=csrf, json={"file": file, "confirm_regressions": 1})
    assert done.status_code == 200, done.text
    assert "lần đầu" in aliases(kb_root, CAPTURING) and EDITED_ALIAS in aliases(kb_root, BUILDING_PERMIT)
    entry = next(e for e in gateway.get("/staff/api/audit").json() if e["action"] == "import")
    assert json.loads(entry["detail"])["impact"]["regression_texts"] == [FIRST_TIME_HOUSE]


def test_an_answer_rated_helpful_is_confirmed_once_staff_approve_it(gateway):
    csrf = {"X-CSRF-Token": login(gateway)}
    chat(gateway, "api:dan-7", "xin phép xây nhà")
    chat(gateway, "api:dan-7", '/feedback{"value":"good"}')
    waiting = gateway.get("/staff/api/helpful").json()  # chat() waited for the turn writer
    assert [(w["text"], w["procedure"]) for w in waiting] == [("xin phép xây nhà", BUILDING_PERMIT)]
    approved = gateway.post(f"/staff/api/turns/{waiting[0]['turn_id']}/approve", headers=csrf)
    assert approved.status_code == 200, approved.text
    assert [(c["text"], c["expected"], c["source"]) for c in gateway.get("/staff/api/confirmed").json()] == [
        ("xin phép xây nhà", BUILDING_PERMIT, "helpful")
    ]
    assert gateway.get("/staff/api/helpful").json() == []
    chat(gateway, "api:dan-8", "chuyện gì đó không ai hiểu")
    unrated = gateway.get(f"/staff/api/queue/{queue_id(gateway, 'chuyện gì đó không ai hiểu')}").json()["turns"][0]
    refused = gateway.post(f"/staff/api/turns/{unrated['id']}/approve", headers=csrf)
    assert refused.status_code == 409 and refused.json()["field"] == "turn"
    assert gateway.post("/staff/api/turns/999999/approve", headers=csrf).status_code == 404
    assert len(gateway.get("/staff/api/confirmed").json()) == 1


def test_the_check_runs_in_its_own_process_and_survives_that_process_dying(gateway):
    csrf = {"X-CSRF-Token": login(gateway)}
    added = gateway.post(
        "/staff/api/confirmed", headers=csrf, json={"text": FIRST_TIME_HOUSE, "expected": BUILDING_PERMIT}
    )
    assert added.status_code == 201, added.text
    change = {"change": {"kind": "alias", "procedure": CAPTURING, "text": "lần đầu"}}
    first = gateway.post("/staff/api/impact", headers=csrf, json=change)
    assert first.status_code == 200, first.text
    worker = gateway.app.state.impact.runner.pid()
    assert worker is not None and worker != os.getpid()

    os.kill(worker, signal.SIGKILL)  # out of memory, or killed by an operator
    again = gateway.post("/staff/api/impact", headers=csrf, json=change)
    assert again.status_code == 200, again.text
    assert again.json()["regressions"] == first.json()["regressions"] != []
    assert gateway.app.state.impact.runner.pid() not in (None, worker)


def test_with_no_question_yet_a_change_is_still_validated_but_needs_no_model(gateway, kb_root):
    # A new deployment: nothing to compare, so staff's first edit must not wait for a worker to load the model.
    csrf = {"X-CSRF-Token": login(gateway)}
    change = {"kind": "alias", "procedure": CAPTURING, "text": "môi giới nhà đất"}
    answer = gateway.post("/staff/api/impact", headers=csrf, json={"change": change})
    assert answer.status_code == 200, answer.text
    assert answer.json()["checked"] == 0 and answer.json()["regressions"] == []
    taken = gateway.get("/staff/api/procedures").json()[1]["short_title"]
    refused = gateway.post(
        "/staff/api/impact",
        headers=csrf,
        json={"change": {"kind": "short_title", "procedure": BUILDING_PERMIT, "short_title": taken}},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "short_title"
    assert gateway.app.state.impact.runner.pid() is None
    assert "môi giới nhà đất" not in aliases(kb_root, CAPTURING)  # checked on a copy, not published
